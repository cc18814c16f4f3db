"""The scheme document as an outside party sees it: fetched over HTTP, verified with the
pinned scheme-operator keys (trust model §4.3), and read for its App Managers.

`pinned_keys(path)` reads the pinned set (a JWK or a JWK set; never a private key);
`verify_document(token, pinned)` checks the JWS profile with the pinned set and returns the
claims (JoseError with the `stelsel/…` code otherwise); `app_manager_entry(claims, ...)`
finds an App Manager by its `api_url` or its id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance import jose
from conformance.errors import UsageError

TYP = "stelsel-v2+jwt"
PREFIX = "stelsel"
MEDIA_TYPE = "application/jose"
PINNED_SCHEME_KEYS_MAX = 5


def pinned_keys(path: Path) -> list[dict[str, Any]]:
    """The public scheme-operator keys in `path` (a JWK or `{"keys": [...]}`); UsageError
    naming the problem in one line."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--stelsel-sleutels {path}: not a readable JSON file ({exc})") from None
    found = data.get("keys") if isinstance(data, dict) and "keys" in data else [data]
    if not isinstance(found, list) or not 1 <= len(found) <= PINNED_SCHEME_KEYS_MAX:
        raise UsageError(f"--stelsel-sleutels {path}: expected 1 to {PINNED_SCHEME_KEYS_MAX} "
                         "public JWKs")
    for jwk in found:
        if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" \
                or not {"x", "y"} <= jwk.keys():
            raise UsageError(f"--stelsel-sleutels {path}: holds a key that is not a public "
                             "EC P-256 JWK")
        if "d" in jwk:
            raise UsageError(f"--stelsel-sleutels {path}: holds a PRIVATE key; pin public keys")
    return found


def verify_document(token: str, pinned: list[dict[str, Any]]) -> dict[str, Any]:
    """The claims of a scheme document that verifies with a pinned key (JoseError else)."""
    _header, claims = jose.verify(token, pinned, typ=TYP, prefix=PREFIX)
    return claims


def app_manager_entry(claims: dict[str, Any], *, api_url: str = "",
                      manager_id: str = "") -> dict[str, Any] | None:
    """The `app_managers[]` entry with this `api_url` (trailing slash ignored) or id."""
    for entry in claims.get("app_managers") or []:
        if not isinstance(entry, dict):
            continue
        listed = str(entry.get("api_url") or "").rstrip("/")
        if (api_url and listed == api_url.rstrip("/")) or (manager_id and entry.get("id") ==
                                                           manager_id):
            return entry
    return None


def entry_keys(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The JWKs of an entry's key entries (`{jwk, geldig_vanaf, ...}`)."""
    return [k["jwk"] for k in entry.get("sleutels") or []
            if isinstance(k, dict) and isinstance(k.get("jwk"), dict)]
