"""Keeping the BSN out of the App Manager's database and logs.

- `bsn_sleutel(secret, bsn)`: HMAC-SHA-256 of the BSN under the App Manager's secret (hex).
  The certificate ledger and the management sessions store only this key: it finds a
  citizen's certificates without the BSN being readable at rest.
- `seal(code, identity)` / `unseal(code, sealed)`: between the identity provider's return
  and the certificate request the login result must wait (at most `LOGIN_CODE_TTL_S`). It
  is stored encrypted (AES-256-GCM) under a key derived from the one-time code that the
  citizen's browser carried to the app; the database holds only the code's hash, so the
  BSN cannot be read from it without the code.
- `load_secret(path)`: the secret (32 random bytes, base64url), generated 0600 on first
  start.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reference_impl.common.errors import ConfigError
from reference_impl.common.jose import b64url_decode, b64url_encode, dutch_reason

SECRET_BYTES = 32
SECRET_FILE_MODE = 0o600
NONCE_BYTES = 12
SEAL_CONTEXT = b"vorderingen app-manager inlogresultaat v1"


def load_secret(path: Path) -> bytes:
    """The secret at `path`; a new one is written there (mode 0600) when it is absent."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_FILE_MODE)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(b64url_encode(os.urandom(SECRET_BYTES)) + "\n")
        secret = b64url_decode(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ConfigError("bsn_geheim_bestand", str(path),
                          f"niet te lezen: {_why(exc)}") from exc
    if len(secret) < SECRET_BYTES:
        raise ConfigError("bsn_geheim_bestand", str(path),
                          f"moet ten minste {SECRET_BYTES} willekeurige bytes bevatten "
                          "(base64url)")
    return secret


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return dutch_reason(exc)
    return "geen base64url-tekst"  # ValueError, UnicodeDecodeError: never the content


def bsn_sleutel(secret: bytes, bsn: str) -> str:
    """HMAC-SHA-256(secret, BSN), hex: the only form in which a BSN is stored."""
    return hmac.new(secret, bsn.encode("ascii"), hashlib.sha256).hexdigest()


def keyed(secret: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA-256 of `value` for `purpose` (e.g. a form token bound to a session), b64url."""
    mac = hmac.new(secret, f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
    return b64url_encode(mac)


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a random token: how codes, states and session tokens are stored."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def _code_key(code: str) -> bytes:
    return hashlib.sha256(SEAL_CONTEXT + b"\0" + code.encode("ascii", "replace")).digest()


def seal(code: str, content: dict[str, Any]) -> bytes:
    """`content` encrypted under a key derived from `code` (nonce ‖ ciphertext)."""
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(content, separators=(",", ":")).encode()
    return nonce + AESGCM(_code_key(code)).encrypt(nonce, plain, SEAL_CONTEXT)


def unseal(code: str, sealed: bytes | None) -> dict[str, Any] | None:
    """The content sealed under `code`, or None (no content, or another code)."""
    if not sealed or len(sealed) <= NONCE_BYTES:
        return None
    try:
        plain = AESGCM(_code_key(code)).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:],
                                                SEAL_CONTEXT)
    except InvalidTag:
        return None
    content = json.loads(plain)
    return content if isinstance(content, dict) else None
