"""Signing scheme documents, and the scheme operator's key pair.

- `create_operator_key(directory, name)` writes `<name>.pem` (the private key, mode 0600)
  and `<name>.jwk.json` (the public JWK that apps and sources pin out of band); an
  existing key is never overwritten. The operator keeps a set: the current signing key and
  a next/backup key, all pinned (`write_pinned_set`); the service signs with one of them.
- `sign_scheme(claims, key)` signs claims as a `stelsel-v2+jwt` (format 2).
- `next_volgnummer(now, previous)`: the current Unix time, or `previous + 1` when that is
  not higher, so the number strictly increases even when two documents are signed in one
  second or the clock steps back.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey

from reference_impl.common.errors import KeyFileError
from reference_impl.common.jose import (
    generate_key,
    load_private_key,
    public_jwk,
    save_private_key,
    sign,
)
from reference_impl.common.scheme import TYP as SCHEME_TYP
from reference_impl.scheme.description import load_description

TYP = SCHEME_TYP
KEY_NAME = "stelsel-sleutel"
PRIVATE_KEY_FILE = f"{KEY_NAME}.pem"
PUBLIC_KEY_FILE = f"{KEY_NAME}.jwk.json"


def sign_scheme(claims: dict[str, Any], key: ECKey) -> str:
    """The compact `stelsel-v2+jwt` of `claims` (which the caller has checked)."""
    return sign(claims, key, typ=TYP)


def next_volgnummer(now: float, previous: int = 0) -> int:
    """A volgnummer higher than `previous`: the Unix time when that is higher."""
    return max(int(now), previous + 1)


def write_public_jwk(path: Path, key: ECKey) -> Path:
    """Write the public JWK of `key` (with its thumbprint as `kid`) to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(public_jwk(key), indent=2) + "\n", encoding="utf-8")
    return path


def create_operator_key(directory: str | Path, name: str = KEY_NAME) -> tuple[Path, Path]:
    """Create an operator key pair `<name>.pem` / `<name>.jwk.json` in `directory` (a next
    or backup key gets its own `name`); returns (private path, public path)."""
    directory = Path(directory)
    private, public = directory / f"{name}.pem", directory / f"{name}.jwk.json"
    if private.exists() or public.exists():
        raise KeyFileError(f"{directory} bevat al een stelselsleutel {name}; "
                           "die wordt niet overschreven")
    key = generate_key()
    save_private_key(private, key)
    write_public_jwk(public, key)
    return private, public


def write_pinned_set(path: Path, jwks: list[dict[str, Any]]) -> Path:
    """Write the key set apps and sources pin (`{"keys": [...]}`, current key first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"keys": jwks}, indent=2) + "\n", encoding="utf-8")
    return path


def sign_description_file(
    description_path: Path, key_path: Path, out: Path, *, volgnummer: int | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Sign the scheme document of a description file into `out`; returns its claims."""
    description = load_description(description_path)
    key = load_private_key(key_path)
    issued = int(time.time() if now is None else now)
    claims = description.claims(now=issued, volgnummer=volgnummer or next_volgnummer(issued))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(sign_scheme(claims, key) + "\n", encoding="ascii")
    return claims
