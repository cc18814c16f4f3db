"""Key entries as a scheme description lists them, and as the scheme document carries them.

In the description, `sleutels` is a list whose items are any of:

    - keys/voorbeeldstad.jwk.json            # a public JWK file (or a JWKS: each key)
    - {kty: EC, crv: P-256, x: ..., y: ...}  # an inline public JWK
    - jwk: keys/voorbeeldstad-2.jwk.json     # a key with its lifecycle: `jwk` is a file or
      geldig_vanaf: 2026-03-01T00:00:00Z     #   an inline JWK; the times are NumericDates
      geldig_tot: 1798761600                 #   or RFC 3339 date-times
      ingetrokken_op: 2026-05-01T12:00:00Z   #   (a compromised key)

A key without `geldig_vanaf` may sign from time 0: the operator vouches for it since it
was first listed. Every key becomes `{jwk, geldig_vanaf, geldig_tot?, ingetrokken_op?}`
with the JWK's RFC 7638 thumbprint as its `kid`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reference_impl.common.errors import KeyFileError
from reference_impl.common.jose import checked_public_jwk, dutch_reason
from reference_impl.common.scheme import key_entry
from reference_impl.scheme.errors import DescriptionError

DEFAULT_GELDIG_VANAF = 0
ENTRY_KEYS = frozenset({"jwk", "geldig_vanaf", "geldig_tot", "ingetrokken_op"})
TIMES = ("geldig_vanaf", "geldig_tot", "ingetrokken_op")


def key_entries(where: str, value: Any, base: Path) -> list[dict[str, Any]]:
    """The key entries of a description's `sleutels`; `DescriptionError` names what is wrong."""
    if isinstance(value, dict) and isinstance(value.get("keys"), list):
        value = value["keys"]  # a whole JWKS inline
    if not isinstance(value, list) or not value:
        raise DescriptionError(where, value,
                               "noem ten minste een publieke sleutel (bestand of JWK)")
    entries: list[dict[str, Any]] = []
    for item in value:
        if isinstance(item, dict) and "jwk" in item:
            entries.append(_entry_with_lifecycle(where, item, base))
        else:
            entries += [key_entry(jwk, DEFAULT_GELDIG_VANAF) for jwk in _jwks(where, item, base)]
    kids = [e["jwk"]["kid"] for e in entries]
    if len(set(kids)) != len(kids):
        raise DescriptionError(where, kids, "dezelfde sleutel staat er twee keer in")
    return entries


def _entry_with_lifecycle(where: str, item: dict[str, Any], base: Path) -> dict[str, Any]:
    unknown = sorted(set(item) - ENTRY_KEYS)
    if unknown:
        raise DescriptionError(f"{where}.{unknown[0]}", item[unknown[0]],
                               f"onbekende sleutel (bekend: {', '.join(sorted(ENTRY_KEYS))})")
    jwks = _jwks(f"{where}.jwk", item["jwk"], base)
    if len(jwks) != 1:
        raise DescriptionError(f"{where}.jwk", item["jwk"], "moet precies één sleutel noemen")
    times = {name: _numericdate(f"{where}.{name}", item[name]) for name in TIMES if name in item}
    return key_entry(jwks[0], times.get("geldig_vanaf", DEFAULT_GELDIG_VANAF),
                     times.get("geldig_tot"), times.get("ingetrokken_op"))


def _jwks(where: str, item: Any, base: Path) -> list[dict[str, str]]:
    if isinstance(item, str):
        path = base / item
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DescriptionError(where, item, "kan de publieke sleutel niet lezen: "
                                   f"{dutch_reason(exc)}") from exc
        items = data["keys"] if isinstance(data, dict) and isinstance(data.get("keys"), list) \
            else [data]
        return [_checked(where, k, item) for k in items]
    if isinstance(item, dict):
        return [_checked(where, item, json.dumps(item)[:80])]
    raise DescriptionError(where, item, "een sleutel is een bestandspad of een JWK-mapping")


def _checked(where: str, jwk: Any, shown: str) -> dict[str, str]:
    try:
        return checked_public_jwk(jwk, where)
    except KeyFileError as exc:
        raise DescriptionError(where, shown, str(exc)) from exc


def _numericdate(where: str, value: Any) -> int:
    if isinstance(value, datetime):  # YAML reads an unquoted timestamp itself (UTC)
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(aware.timestamp())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return int(moment.timestamp())
    raise DescriptionError(where, value, "moet een NumericDate of een RFC 3339-tijdstip zijn")
