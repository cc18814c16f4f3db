"""The scheme operator's description of the scheme, and the claims it yields.

A description is a YAML or JSON file; relative key paths are taken relative to it:

    iss: voorbeeld-stelselbeheerder       # the operator's id (the documents' `iss`)
    omgeving: test                        # productie | acceptatie | test | ontwikkeling
    looptijd_s: 86400                     # exp - iat, at most 86400 (default 86400)
    organisaties:
      - oin: "00000001001234567000"
        naam: Gemeente Voorbeeldstad
        soort: gemeente
        api_url: https://api.voorbeeldstad.example/vorderingen/v1
        sleutels: [keys/voorbeeldstad.jwk.json]     # public JWK files, inline JWKs or a JWKS
        diensten: [vorderingenoverzicht, betalingsregelingen, pauzes, hulpvragen]
        status: actief                              # default actief
    app_managers:
      - id: voorbeeld-app-manager
        naam: Voorbeeld App Manager
        api_url: https://app-manager.example/app-manager/v1   # its revocation list is pulled here
        sleutels: [keys/app-manager.jwk.json]
        status: actief
    ingetrokken_certificaten: []          # revoked jtis besides those the App Managers publish

`SchemeDescription.claims(now=, volgnummer=, revoked=)` builds the document's claims and
checks them against `spec/schemas/stelseldocument.schema.json`: a description that cannot
give a valid document raises `DescriptionError` naming the offending key or pointer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.common.errors import KeyFileError
from reference_impl.common.jose import (
    SCHEME_MAX_LIFETIME_S,
    key_from_jwk,
    load_public_jwk,
    thumbprint,
)
from reference_impl.common.settings import read_yaml, reject_unknown, require_integer
from reference_impl.common.spec import schema_errors, schema_validator
from reference_impl.scheme.errors import DescriptionError

TOP_LEVEL_KEYS = frozenset(
    {"iss", "omgeving", "looptijd_s", "organisaties", "app_managers", "ingetrokken_certificaten"}
)
ORGANISATION_KEYS = frozenset({"oin", "naam", "soort", "api_url", "sleutels", "diensten", "status"})
APP_MANAGER_KEYS = frozenset({"id", "naam", "api_url", "sleutels", "status"})
DEFAULT_STATUS = "actief"
REVOCATION_LIST_PATH = "/intrekkingen"


@dataclass(frozen=True)
class SchemeDescription:
    """What the operator vouches for; everything but times, volgnummer and pulled revocations."""

    iss: str
    omgeving: str
    organisaties: tuple[dict[str, Any], ...]
    app_managers: tuple[dict[str, Any], ...]
    ingetrokken_certificaten: tuple[str, ...] = ()
    looptijd_s: int = SCHEME_MAX_LIFETIME_S

    def claims(self, *, now: int, volgnummer: int, revoked: Any = ()) -> dict[str, Any]:
        """The claims of a scheme document issued at `now`; `revoked` adds pulled jtis."""
        jtis = sorted(set(self.ingetrokken_certificaten) | set(revoked))
        claims = {
            "iss": self.iss,
            "iat": now,
            "exp": now + self.looptijd_s,
            "volgnummer": volgnummer,
            "omgeving": self.omgeving,
            "organisaties": [dict(o) for o in self.organisaties],
            "app_managers": [dict(m) for m in self.app_managers],
            "ingetrokken_certificaten": jtis,
        }
        errors = schema_errors(schema_validator("stelseldocument"), claims)
        if errors:
            pointer, reason = errors[0]
            raise DescriptionError(pointer, _value_at(claims, pointer), reason)
        return claims

    def revocation_list_urls(self) -> dict[str, str]:
        """`{app manager id: URL of its revocation list}` for every App Manager with an api_url."""
        return {m["id"]: m["api_url"] + REVOCATION_LIST_PATH
                for m in self.app_managers if m.get("api_url")}

    def app_manager(self, manager_id: str) -> dict[str, Any] | None:
        return next((m for m in self.app_managers if m["id"] == manager_id), None)


def _value_at(claims: dict[str, Any], pointer: str) -> Any:
    node: Any = claims
    for part in [p for p in pointer.split("/") if p]:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return None
    return node if not isinstance(node, dict | list) else type(node).__name__


def load_description(path: str | Path) -> SchemeDescription:
    """Read a description file (YAML or JSON; JSON is YAML)."""
    path = Path(path)
    data = read_yaml(path, key="beschrijving", error=DescriptionError)
    return description_from_mapping(data, base_dir=path.parent)


def description_from_mapping(data: Any, *, base_dir: Path | None = None) -> SchemeDescription:
    """Check a description mapping and build a `SchemeDescription`."""
    base = base_dir or Path.cwd()
    if not isinstance(data, dict):
        raise DescriptionError("<root>", type(data).__name__, "must be a mapping")
    reject_unknown("", data, TOP_LEVEL_KEYS, error=DescriptionError)
    for key in ("iss", "omgeving", "organisaties", "app_managers"):
        if key not in data:
            raise DescriptionError(key, None, "is required")
    lifetime = require_integer("looptijd_s", data.get("looptijd_s", SCHEME_MAX_LIFETIME_S),
                               1, SCHEME_MAX_LIFETIME_S, error=DescriptionError)
    organisations = _entries("organisaties", data["organisaties"], ORGANISATION_KEYS, base)
    managers = _entries("app_managers", data["app_managers"], APP_MANAGER_KEYS, base)
    _unique("organisaties", [o.get("oin") for o in organisations], "oin")
    _unique("app_managers", [m.get("id") for m in managers], "id")
    revoked = data.get("ingetrokken_certificaten") or []
    if not isinstance(revoked, list):
        raise DescriptionError("ingetrokken_certificaten", revoked, "must be a list of jtis")
    description = SchemeDescription(
        iss=data["iss"], omgeving=data["omgeving"], organisaties=tuple(organisations),
        app_managers=tuple(managers), ingetrokken_certificaten=tuple(revoked),
        looptijd_s=lifetime,
    )
    description.claims(now=0, volgnummer=1)  # refuse now what could never be signed
    return description


def _entries(name: str, value: Any, known: frozenset[str], base: Path) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise DescriptionError(name, value, "must be a list")
    entries = []
    for index, entry in enumerate(value):
        where = f"{name}[{index}]."
        if not isinstance(entry, dict):
            raise DescriptionError(f"{name}[{index}]", entry, "must be a mapping")
        reject_unknown(where, entry, known, error=DescriptionError)
        resolved = {k: v for k, v in entry.items() if v is not None}
        resolved.setdefault("status", DEFAULT_STATUS)
        resolved["sleutels"] = {"keys": _keys(f"{where}sleutels", entry.get("sleutels"), base)}
        entries.append(resolved)
    return entries


def _keys(where: str, value: Any, base: Path) -> list[dict[str, str]]:
    """Public JWKs (with their thumbprint as `kid`) from files, inline JWKs or a JWKS."""
    if isinstance(value, dict) and isinstance(value.get("keys"), list):
        value = value["keys"]
    if not isinstance(value, list) or not value:
        raise DescriptionError(where, value, "must list at least one public key (file or JWK)")
    keys = []
    for item in value:
        if isinstance(item, str):
            try:
                keys.append(load_public_jwk(base / item))
            except KeyFileError as exc:
                raise DescriptionError(where, item, str(exc)) from exc
        elif isinstance(item, dict):
            keys.append(_inline_key(where, item))
        else:
            raise DescriptionError(where, item, "a key is a file path or a JWK mapping")
    return keys


def _inline_key(where: str, jwk: dict[str, Any]) -> dict[str, str]:
    try:
        key_from_jwk(jwk)
    except ValueError as exc:
        raise DescriptionError(where, json.dumps(jwk)[:80], str(exc)) from exc
    public = {k: jwk[k] for k in ("kty", "crv", "x", "y")}
    if "kid" in jwk and jwk["kid"] != thumbprint(public):
        raise DescriptionError(where, jwk["kid"], "kid is not the key's RFC 7638 thumbprint")
    public["kid"] = thumbprint(public)
    return public


def _unique(name: str, values: list[Any], member: str) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise DescriptionError(f"{name}.{member}", value, "appears more than once")
        seen.add(value)
