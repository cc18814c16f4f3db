"""The scheme operator's description of the scheme, and the claims it yields.

A description is a YAML or JSON file; relative key paths are taken relative to it:

    iss: voorbeeld-stelselbeheerder       # the operator's id (the documents' `iss`)
    omgeving: test                        # productie | acceptatie | test | ontwikkeling
    looptijd_s: 86400                     # exp - iat, at most 86400 (default 86400)
    organisaties:
      - oin: "00000001001234567000"
        naam: Gemeente Voorbeeldstad
        soort: gemeente
        eindpunten:                                 # one endpoint per major it serves
          - {api_url: https://api.voorbeeldstad.example/vorderingen/v2, major: 2}
        # api_url: https://...                      # shorthand: the one endpoint of major 2
        sleutels: [keys/voorbeeldstad.jwk.json]     # key entries: see key_entries.py
        diensten: [vorderingenoverzicht, betalingsregelingen, pauzes, hulpvragen]
        status: actief                              # default actief
        contact: {telefoon: "14 0999", url: https://www.voorbeeldstad.example/contact}
    app_managers:
      - id: voorbeeld-app-manager
        naam: Voorbeeld App Manager
        api_url: https://app-manager.example/app-manager/v2   # its revocation list is pulled here
        sleutels: [keys/app-manager.jwk.json]
        status: actief
    ingetrokken_certificaten: []          # revoked jtis besides those the App Managers publish

`SchemeDescription.claims(now=, volgnummer=, revoked=)` builds the claims of a format-2
document (`versie` "2.0") and checks them against `spec/schemas/stelseldocument.schema.json`
and the code-checked rules (unique `api_url`s, one endpoint per major): a description that
cannot give a valid document raises `DescriptionError` naming the offending key or pointer.

An organisation's `contact` (telefoon, email, url: at least one) is published as
`uitbreidingen["2.2"].contact` (spec/rules/stelsel.md `/stelsel/contact-uitbreiding`): the
scheme document is closed, a minor adds members only in its extension object, and an app
shows this contact for a source that does not answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from reference_impl.common.errors import TokenError
from reference_impl.common.jose import SCHEME_MAX_LIFETIME_S
from reference_impl.common.scheme import check_scheme_rules
from reference_impl.common.settings import (
    MUST_BE_MAPPING,
    read_yaml,
    reject_unknown,
    require_integer,
    require_mapping_file,
)
from reference_impl.common.spec import registry, schema_errors, schema_path, schema_validator
from reference_impl.common.versions import MAJOR, WIRE_VERSION
from reference_impl.scheme.errors import DescriptionError
from reference_impl.scheme.key_entries import key_entries

TOP_LEVEL_KEYS = frozenset(
    {"iss", "omgeving", "looptijd_s", "organisaties", "app_managers", "ingetrokken_certificaten"}
)
ORGANISATION_KEYS = frozenset(
    {"oin", "naam", "soort", "eindpunten", "api_url", "sleutels", "diensten", "status",
     "contact"})
CONTACT_KEYS = ("telefoon", "email", "url")
CONTACT_MINOR = "2.2"  # the minor whose extension carries an organisation's contact
EXTENSION_DEFINITION = "organisatie_uitbreiding_2_2"
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
            "versie": WIRE_VERSION,
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
        for index, organisation in enumerate(claims["organisaties"]):
            # The root schema leaves `uitbreidingen` content open (spec/versioning.md §3.3);
            # the operator publishes the 2.2 members valid all the same.
            extension = organisation.get("uitbreidingen", {}).get(CONTACT_MINOR)
            if not errors and extension is not None:
                errors = [(f"/organisaties/{index}/uitbreidingen/{CONTACT_MINOR}{pointer}", why)
                          for pointer, why in schema_errors(_extension_validator(), extension)]
        if errors:
            pointer, reason = errors[0]
            raise DescriptionError(pointer, _value_at(claims, pointer), reason)
        try:
            check_scheme_rules(claims)
        except TokenError as exc:
            raise DescriptionError("organisaties", None, exc.detail) from exc
        return claims

    def revocation_list_urls(self) -> dict[str, str]:
        """`{app manager id: URL of its revocation list}` for every App Manager with an api_url."""
        return {m["id"]: m["api_url"] + REVOCATION_LIST_PATH
                for m in self.app_managers if m.get("api_url")}

    def app_manager(self, manager_id: str) -> dict[str, Any] | None:
        return next((m for m in self.app_managers if m["id"] == manager_id), None)


@cache
def _extension_validator() -> Draft202012Validator:
    """The definition of an organisation's `uitbreidingen["2.2"]` in the scheme schema."""
    schema_id = json.loads(schema_path("stelseldocument").read_text(encoding="utf-8"))["$id"]
    return Draft202012Validator({"$ref": f"{schema_id}#/$defs/{EXTENSION_DEFINITION}"},
                                registry=registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


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
    require_mapping_file(data, key="beschrijving", error=DescriptionError)
    reject_unknown("", data, TOP_LEVEL_KEYS, error=DescriptionError)
    for key in ("iss", "omgeving", "organisaties", "app_managers"):
        if key not in data:
            raise DescriptionError(key, None, "is verplicht")
    lifetime = require_integer("looptijd_s", data.get("looptijd_s", SCHEME_MAX_LIFETIME_S),
                               1, SCHEME_MAX_LIFETIME_S, error=DescriptionError)
    organisations = _entries("organisaties", data["organisaties"], ORGANISATION_KEYS, base)
    managers = _entries("app_managers", data["app_managers"], APP_MANAGER_KEYS, base)
    _unique("organisaties", [o.get("oin") for o in organisations], "oin")
    _unique("app_managers", [m.get("id") for m in managers], "id")
    revoked = data.get("ingetrokken_certificaten") or []
    if not isinstance(revoked, list):
        raise DescriptionError("ingetrokken_certificaten", revoked, "moet een lijst van jti's zijn")
    description = SchemeDescription(
        iss=data["iss"], omgeving=data["omgeving"], organisaties=tuple(organisations),
        app_managers=tuple(managers), ingetrokken_certificaten=tuple(revoked),
        looptijd_s=lifetime,
    )
    description.claims(now=0, volgnummer=1)  # refuse now what could never be signed
    return description


def _entries(name: str, value: Any, known: frozenset[str], base: Path) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise DescriptionError(name, value, "moet een lijst zijn")
    entries = []
    for index, entry in enumerate(value):
        where = f"{name}[{index}]."
        if not isinstance(entry, dict):
            raise DescriptionError(f"{name}[{index}]", entry, MUST_BE_MAPPING)
        reject_unknown(where, entry, known, error=DescriptionError)
        resolved = {k: v for k, v in entry.items() if v is not None}
        resolved.setdefault("status", DEFAULT_STATUS)
        resolved["sleutels"] = key_entries(f"{where}sleutels", entry.get("sleutels"), base)
        if name == "organisaties":
            resolved["eindpunten"] = _endpoints(where, resolved)
            if "contact" in resolved:
                contact = _contact(f"{where}contact", resolved.pop("contact"))
                resolved["uitbreidingen"] = contact_extension(contact)
        entries.append(resolved)
    return entries


def _contact(where: str, value: Any) -> dict[str, str]:
    """The contact members the extension carries; the values are checked by the schema when
    the description is first signed."""
    if not isinstance(value, dict):
        raise DescriptionError(where, value, MUST_BE_MAPPING)
    unknown = sorted(set(value) - set(CONTACT_KEYS))
    if unknown:
        raise DescriptionError(f"{where}.{unknown[0]}", None,
                               f"onbekend; gebruik {', '.join(CONTACT_KEYS)}")
    if not value:
        raise DescriptionError(where, None, "noem ten minste een van telefoon, email, url")
    return value


def contact_extension(contact: dict[str, Any]) -> dict[str, Any]:
    """An organisation entry's `uitbreidingen` publishing `contact` (its telefoon, email and
    url; other members of an organisation's own contact settings stay out)."""
    return {CONTACT_MINOR: {"contact": {k: contact[k] for k in CONTACT_KEYS if k in contact}}}


def _endpoints(where: str, entry: dict[str, Any]) -> Any:
    """`eindpunten` as given, or the shorthand `api_url` as the one endpoint of this major."""
    shorthand = entry.pop("api_url", None)
    if "eindpunten" in entry:
        if shorthand is not None:
            raise DescriptionError(f"{where}api_url", shorthand,
                                   "geef eindpunten of api_url, niet allebei")
        return entry["eindpunten"]
    if shorthand is None:
        raise DescriptionError(f"{where}eindpunten", None, "is verplicht (of api_url)")
    return [{"api_url": shorthand, "major": MAJOR}]


def _unique(name: str, values: list[Any], member: str) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise DescriptionError(f"{name}.{member}", value, "komt meer dan eens voor")
        seen.add(value)
