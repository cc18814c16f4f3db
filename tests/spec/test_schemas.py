"""The JSON Schemas in spec/schemas: valid 2020-12, self-contained, documented, and as labelled.

Schema vectors (spec/vectors/schema/) are validated with format assertion on, through a
registry that holds every schema of the standard and refuses to fetch anything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vector_verifier as vv
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

SCHEMA_FILES = sorted(vv.SCHEMAS_DIR.glob("*.schema.json"))
VECTOR_FILES = sorted((vv.SPEC_DIR / "vectors" / "schema").glob("*.json"))
EXPECTED_SCHEMAS = {
    "common", "vorderingendocument", "envelop", "stelseldocument", "app-certificaat",
    "sessie-bewijs", "certificaat-aanvraag", "intrekking-verzoek", "intrekkingenlijst",
    "probleem", "configuratie", "bundel",
}
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# The one deliberately open object: RFC 9457 lets a problem carry extension members.
OPEN_OBJECTS = {("probleem.schema.json", "")}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, value) below `node`, the node itself first."""
    yield pointer, node
    if isinstance(node, dict):
        for name, value in node.items():
            yield from walk(value, f"{pointer}/{name}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")


def schema_tests() -> list[Any]:
    params = []
    for path in VECTOR_FILES:
        for c, case in enumerate(load(path)):
            for t, entry in enumerate(case["tests"]):
                params.append(pytest.param(case["schema"], entry, id=f"{path.stem}/{c}/{t}"))
    return params


def test_every_schema_of_the_standard_is_present() -> None:
    assert {p.name.removesuffix(".schema.json") for p in SCHEMA_FILES} == EXPECTED_SCHEMAS


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12_with_id_title_and_description(path: Path) -> None:
    schema = load(path)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == vv.SCHEMA_BASE + path.name
    assert schema["title"].strip()
    assert "additionalProperties" in schema["description"], "document the decision"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_ref_is_relative_and_resolves_locally(path: Path) -> None:
    schema = load(path)
    resolver = vv.schema_registry().resolver(base_uri=schema["$id"])
    refs = [value for pointer, value in walk(schema) if pointer.endswith("/$ref")]
    for ref in refs:
        assert not ref.startswith(("http:", "https:")), f"{ref} must be relative"
        resolver.lookup(ref)  # raises Unresolvable when it does not resolve


def test_registry_refuses_to_fetch_anything_outside_the_standard() -> None:
    resolver = vv.schema_registry().resolver(base_uri=vv.SCHEMA_BASE)
    with pytest.raises(Unresolvable):
        resolver.lookup("https://example.org/schemas/elders.schema.json")
    with pytest.raises(Unresolvable):
        resolver.lookup("onbekend.schema.json")


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_object_decides_on_additional_properties(path: Path) -> None:
    for pointer, node in walk(load(path)):
        if isinstance(node, dict) and node.get("type") == "object" and "properties" in node:
            if (path.name, pointer) in OPEN_OBJECTS:
                assert "additionalProperties" not in node
            else:
                assert node.get("additionalProperties") is False, f"{path.name}#{pointer}"


def test_format_checker_really_checks_formats() -> None:
    checker = Draft202012Validator.FORMAT_CHECKER
    for fmt, bad in [("date-time", "2026-02-30T00:00:00Z"), ("date", "2026-13-01"),
                     ("uri", "not a uri"), ("email", "geen-adres"), ("uuid", "abc")]:
        assert fmt in checker.checkers, f"{fmt} is not checked: install jsonschema[format-nongpl]"
        assert not checker.conforms(bad, fmt)
    assert checker.conforms("2026-01-01T00:00:00+01:00", "date-time")


def test_datetime_offset_is_enforced_even_without_format_assertion() -> None:
    lax = Draft202012Validator(
        {"$ref": vv.SCHEMA_BASE + "common.schema.json#/$defs/datetime"},
        registry=vv.schema_registry(),
    )
    assert not lax.is_valid("2026-01-01T00:00:00")
    assert lax.is_valid("2026-01-01T00:00:00Z")


def test_an_event_error_points_at_the_branch_of_its_own_type() -> None:
    document = document_with_payment_without_amount()
    errors = list(vv.validator("vorderingendocument.schema.json").iter_errors(document))
    assert errors
    for error in errors:
        branch = error.schema.get("properties", {}).get("gebeurtenistype", {})
        assert branch.get("const") == "BetalingVerwerkt", error.message
        assert error.json_path == "$.financiele_zaken[0].gebeurtenissen[0]"
        assert error.validator == "required"


def document_with_payment_without_amount() -> dict[str, Any]:
    for path in VECTOR_FILES:
        for case in load(path):
            if case["schema"] == "vorderingendocument.schema.json":
                valid = next(t["data"] for t in case["tests"] if t["valid"])
                zaak = {**valid["financiele_zaken"][0], "gebeurtenissen": [{
                    "gebeurtenis_id": "x-1", "gebeurtenistype": "BetalingVerwerkt",
                    "datumtijd": "2025-11-05T14:12:00+01:00"}]}
                return {**valid, "financiele_zaken": [zaak]}
    raise AssertionError("no valid claims document among the schema vectors")


def test_schema_vectors_cover_every_schema() -> None:
    covered = {case["schema"].split("#")[0] for p in VECTOR_FILES for case in load(p)}
    missing = {f"{name}.schema.json" for name in EXPECTED_SCHEMAS} - covered
    assert not missing


@pytest.mark.parametrize(("schema", "entry"), schema_tests())
def test_schema_vector(schema: str, entry: dict[str, Any]) -> None:
    errors = list(vv.validator(schema).iter_errors(entry["data"]))
    assert (not errors) == entry["valid"], (
        f"{entry['description']}: expected valid={entry['valid']}, "
        f"got {[e.message for e in errors][:3]}"
    )
