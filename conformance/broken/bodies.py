"""JSON Schemas of the request bodies the source takes (closed, as spec/interface.md requires).

They mirror the request schemas of spec/openapi/bron.yaml and reference the standard's JSON
Schemas by `$id` through the local registry of `conformance.specfiles` (spec files only). A
help request's bundle is checked against `bundel.schema.json` here (400 when it breaks it);
each envelope is then verified by the trust model (§3.5, 422 with its own code).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from conformance import specfiles

SCHEMAS_BASE = "https://vorderingen.example/schemas/"
COMMON = SCHEMAS_BASE + "common.schema.json#/$defs/"
MAX_CASES_PER_REQUEST = 100
MAX_CERTIFICATE_CHARS = 8192
MAX_PROOF_CHARS = 4096
MAX_TERMIJNBEDRAG_CENTS = 100_000_000_000
MAX_TERMIJNEN = 1200
MAX_GROUP_SIZE = 100
MAX_TOELICHTING_CHARS = 2000


def _ref(name: str) -> dict[str, str]:
    return {"$ref": COMMON + name}


_ZAAKKENMERKEN = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_CASES_PER_REQUEST,
    "uniqueItems": True,
    "items": _ref("zaakkenmerk"),
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "sessie": {
        "type": "object",
        "required": ["certificaat", "bewijs"],
        "properties": {
            "certificaat": {"type": "string", "maxLength": MAX_CERTIFICATE_CHARS},
            "bewijs": {"type": "string", "maxLength": MAX_PROOF_CHARS},
        },
        "additionalProperties": False,
    },
    "voorstel": {
        "type": "object",
        "required": ["zaakkenmerken"],
        "properties": {
            "zaakkenmerken": _ZAAKKENMERKEN,
            "termijnbedrag": {**_ref("positive_cents"), "maximum": MAX_TERMIJNBEDRAG_CENTS},
            "aantal_termijnen": {"type": "integer", "minimum": 1, "maximum": MAX_TERMIJNEN},
            "rekenregel": {"enum": ["2.0", "2.2"]},  # since 2.2
            "vervangt": _ref("uuid"),  # since 2.2: an amendment
        },
        "oneOf": [{"required": ["termijnbedrag"]}, {"required": ["aantal_termijnen"]}],
        "additionalProperties": False,
    },
    "reservering": {  # since 2.2
        "type": "object",
        "required": ["voorstel_id", "groep_id", "groep_omvang"],
        "properties": {
            "voorstel_id": _ref("uuid"),
            "groep_id": _ref("uuid"),
            "groep_omvang": {"type": "integer", "minimum": 1, "maximum": MAX_GROUP_SIZE},
        },
        "additionalProperties": False,
    },
    "betalingsregeling": {
        "type": "object",
        "required": ["voorstel_id"],
        "properties": {"voorstel_id": _ref("uuid")},
        "additionalProperties": False,
    },
    "pauze": {
        "type": "object",
        "required": ["einddatum"],
        "properties": {"einddatum": _ref("date"), "zaakkenmerken": _ZAAKKENMERKEN},
        "additionalProperties": False,
    },
    "hulpvraag": {
        "type": "object",
        "required": ["bundel", "toestemming"],
        "properties": {
            "bundel": {"$ref": SCHEMAS_BASE + "bundel.schema.json"},
            "toestemming": {"const": True},
            "contact": {
                "type": "object",
                "minProperties": 1,
                "properties": {"telefoon": _ref("telefoon"), "email": _ref("email")},
                "additionalProperties": False,
            },
            "toelichting": {"type": "string", "minLength": 1, "maxLength": MAX_TOELICHTING_CHARS},
        },
        "additionalProperties": False,
    },
    "uuid": _ref("uuid"),
}


# the request schemas of two flaws: `sessie-zonder-bewijs`, `toestemming-niet-vereist`
SCHEMAS["sessie-bewijs-optioneel"] = {**SCHEMAS["sessie"], "required": ["certificaat"]}
SCHEMAS["hulpvraag-zonder-toestemming"] = {
    **SCHEMAS["hulpvraag"], "required": ["bundel"],
    "properties": {**SCHEMAS["hulpvraag"]["properties"], "toestemming": {}},
}


@cache
def validator(name: str, *, closed: bool = True) -> Draft202012Validator:
    """A format-asserting validator of the request body `name` (a key of SCHEMAS); with
    `closed=False` (the flaw `onbekende-velden-geaccepteerd`) unknown top-level members pass."""
    schema = SCHEMAS[name] if closed else {**SCHEMAS[name], "additionalProperties": True}
    return specfiles.SchemaValidator(
        schema,
        registry=specfiles.registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
