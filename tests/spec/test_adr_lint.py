"""The ADR ruleset passes on the standard's documents, and every rule can fail.

Each rule of spec/adr-ruleset.yaml is proven both ways: the three OpenAPI documents give no
error, and a small clean document broken in exactly one way makes that rule fire.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from adr_lint import (
    DEFAULT_RULESET,
    SPEC_DIR,
    LintError,
    Loader,
    Node,
    errors_of,
    lint,
    load_ruleset,
    main,
    query,
)

RULESET = load_ruleset()
DOCUMENTS = [SPEC_DIR / d for d in RULESET["documents"]]
FINDINGS = lint(DOCUMENTS, RULESET)  # the standard's own findings, computed once
API_VERSION = {"API-Version": {"$ref": "#/components/headers/API-Version"}}

# A small document that obeys every rule; each breaker below violates exactly one of them.
CLEAN: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Gebouwen",
        "version": "1.2.3",
        "contact": {"name": "Team Gebouwen", "url": "https://gebouwen.example.nl",
                    "email": "team@gebouwen.example.nl"},
    },
    "servers": [{"url": "/gebouwen-api/v1"}],
    "paths": {
        "/openapi.json": {
            "get": {
                "security": [],
                "responses": {"200": {
                    "description": "Dit document.",
                    "headers": API_VERSION,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }},
            },
        },
        "/gebouwen": {
            "get": {
                "parameters": [{"name": "typeGebouw", "in": "query",
                                "schema": {"type": "string"}}],
                "responses": {
                    "200": {"$ref": "#/components/responses/Gebouw"},
                    "400": {"$ref": "#/components/responses/Probleem"},
                },
            },
            "post": {
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Gebouw"}}}},
                "responses": {
                    "201": {"$ref": "#/components/responses/Gebouw"},
                    "400": {"$ref": "#/components/responses/Probleem"},
                },
            },
        },
        "/gebouwen/{gebouw_id}": {
            "parameters": [{"name": "gebouw_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "get": {
                "responses": {
                    "200": {"$ref": "#/components/responses/Gebouw"},
                    "404": {"$ref": "#/components/responses/Probleem"},
                },
            },
        },
    },
    "components": {
        "headers": {"API-Version": {"required": True, "schema": {"type": "string"}}},
        "responses": {
            "Gebouw": {
                "description": "Een gebouw.",
                "headers": API_VERSION,
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Gebouw"}}},
            },
            "Probleem": {
                "description": "Een probleem.",
                "headers": API_VERSION,
                "content": {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Probleem"}}},
            },
        },
        "schemas": {
            "Gebouw": {
                "type": "object",
                "properties": {
                    "bouwjaar": {"type": "integer"},
                    "opleverdatum": {"type": "string", "format": "date"},
                    "geregistreerd_op": {"type": "string", "format": "date-time"},
                },
                "additionalProperties": False,
            },
            "Probleem": {
                "type": "object",
                "required": ["status", "title", "detail"],
                "properties": {"status": {"type": "integer"}, "title": {"type": "string"},
                               "detail": {"type": "string"}},
            },
        },
    },
}


def rename_path(doc: dict, old: str, new: str) -> None:
    doc["paths"] = {new if k == old else k: v for k, v in doc["paths"].items()}


def schemas(doc: dict) -> dict:
    return doc["components"]["schemas"]


def query_param(doc: dict) -> dict:
    return doc["paths"]["/gebouwen"]["get"]["parameters"][0]


BREAKERS: dict[str, Callable[[dict], None]] = {
    "openapi-3": lambda d: d.update(openapi="2.0"),
    "refs-resolve": lambda d: d["paths"]["/gebouwen"]["get"]["responses"].update(
        {"200": {"$ref": "#/components/responses/Bestaatniet"}}),
    "info-contact": lambda d: d["info"]["contact"].pop("email"),
    "semver": lambda d: d["info"].update(version="1.2"),
    "servers-present": lambda d: d.pop("servers"),
    "server-major-version": lambda d: d["servers"][0].update(url="/gebouwen-api/v1.2"),
    "server-major-matches-info-version": lambda d: d["servers"][0].update(url="/gebouwen-api/v2"),
    "servers-https-or-relative": lambda d: d["servers"][0].update(
        url="http://api.example.nl/gebouwen-api/v1"),
    "paths-no-trailing-slash": lambda d: rename_path(d, "/gebouwen", "/gebouwen/"),
    "servers-no-trailing-slash": lambda d: d["servers"][0].update(url="/gebouwen-api/v1/"),
    "paths-kebab-case": lambda d: rename_path(d, "/gebouwen", "/alleGebouwen"),
    "collections-plural": lambda d: rename_path(d, "/gebouwen/{gebouw_id}", "/gebouw/{gebouw_id}"),
    "resources-not-verbs": lambda d: rename_path(d, "/gebouwen", "/gebouwen/zoeken"),
    "query-keys-camel-case": lambda d: query_param(d).update(name="type_gebouw"),
    "http-methods": lambda d: d["paths"]["/gebouwen"].update(
        trace={"responses": {"200": {"$ref": "#/components/responses/Gebouw"}}}),
    "version-header": lambda d: d["components"]["responses"]["Gebouw"].pop("headers"),
    "version-header-required": lambda d: d["components"]["headers"]["API-Version"].update(
        required=False),
    "errors-are-problem-json": lambda d: d["components"]["responses"]["Probleem"].update(
        content={"application/json": {"schema": {"$ref": "#/components/schemas/Probleem"}}}),
    "problem-members": lambda d: schemas(d)["Probleem"].update(required=["status", "title"]),
    "invalid-input-400": lambda d: d["paths"]["/gebouwen"]["post"]["responses"].pop("400"),
    "date-time-format": lambda d: schemas(d)["Gebouw"]["properties"].update(
        openingstijd={"type": "string", "format": "time"}),
    "date-omit-time-portion": lambda d: schemas(d)["Gebouw"]["properties"]["opleverdatum"].update(
        format="date-time"),
    "no-bsn-in-uri": lambda d: query_param(d).update(name="bsn"),
    "json-only": lambda d: d["components"]["responses"]["Gebouw"].update(
        content={"application/xml": {"schema": {"type": "string"}}}),
    "snake-case-properties": lambda d: schemas(d)["Gebouw"]["properties"].update(
        bouwJaar={"type": "integer"}),
    "request-bodies-closed": lambda d: schemas(d)["Gebouw"].pop("additionalProperties"),
    "publish-openapi": lambda d: d["paths"].pop("/openapi.json"),
}


def write(tmp_path: Path, doc: dict, name: str = "api.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def fired(tmp_path: Path, doc: dict, ruleset: dict | None = None) -> set[str]:
    findings = lint([write(tmp_path, doc)], ruleset or RULESET, base=tmp_path)
    return {f.rule for f in findings if not f.waived}


# --------------------------------------------------------------------------- the standard


def test_the_standard_has_no_adr_errors() -> None:
    assert not errors_of(FINDINGS), "\n".join(map(str, errors_of(FINDINGS)))
    assert not [f for f in FINDINGS if f.severity == "warn" and not f.waived]


def test_only_the_documented_exceptions_are_waived() -> None:
    waived = {(f.rule, f.location) for f in FINDINGS if f.waived}
    consent = "app-manager.yaml#/paths/~1registraties~1{registratie_id}~1inloggen"
    form = "requestBody/content/application~1x-www-form-urlencoded"
    unreachable = "app-manager.yaml#/components/responses/InlogdienstOnbereikbaar503"
    assert waived == {
        ("resources-not-verbs", consent),
        ("resources-not-verbs", "app-manager.yaml#/paths/~1inloggen~1terugkeer"),
        ("resources-not-verbs", "app-manager.yaml#/paths/~1burger~1inloggen"),
        ("json-only", f"{consent}/get/responses/200/content/text~1html"),
        ("json-only", f"{consent}/post/{form}"),
        ("json-only", "app-manager.yaml#/paths/~1burger/get/responses/200/content/text~1html"),
        ("json-only", "app-manager.yaml#/paths/~1burger~1certificaten/get/responses/200/content/"
                      "text~1html"),
        ("json-only", f"app-manager.yaml#/paths/~1burger~1intrekkingen/post/{form}"),
        # The page that tells a citizen the identity provider cannot be reached (503).
        ("json-only", f"{unreachable}/content/text~1html"),
        ("errors-are-problem-json", unreachable),
    }


def test_without_its_exceptions_the_html_page_is_an_error() -> None:
    ruleset = copy.deepcopy(RULESET)
    for rule in ruleset["rules"]:
        rule.pop("except", None)
    errors = errors_of(lint([SPEC_DIR / "openapi/app-manager.yaml"], ruleset))
    assert {f.rule for f in errors} == {"json-only", "resources-not-verbs",
                                        "errors-are-problem-json"}


def test_every_rule_is_exercised_by_the_standard() -> None:
    """No rule is vacuous: each `given` reaches something in the three documents."""
    loader = Loader()
    roots = [Node(loader.load(d), d, "", None) for d in DOCUMENTS]
    for rule in RULESET["rules"]:
        if rule["name"] == "refs-resolve":  # matches only a $ref that does not resolve
            continue
        givens = [rule["given"]] if isinstance(rule["given"], str) else rule["given"]
        hits = sum(1 for root in roots for g in givens for _ in query(loader, root, g))
        assert hits, rule["name"]


def test_rules_name_real_adr_ids_or_a_basis() -> None:
    for rule in RULESET["rules"]:
        assert rule["adr"] is None or rule["adr"].startswith("/core/"), rule["name"]
        assert rule["adr"] or rule.get("basis"), rule["name"]
    ids = {rule["adr"] for rule in RULESET["rules"]}
    assert {"/core/version-header", "/core/uri-version", "/core/no-trailing-slash",
            "/core/error-handling/problem-details", "/core/http-methods", "/core/doc-openapi",
            "/core/semver", "/core/doc-openapi-contact", "/core/naming-collections",
            "/core/path-segments-kebab-case", "/core/publish-openapi"} <= ids


# --------------------------------------------------------------------------- each rule can fail


def test_the_clean_document_is_clean(tmp_path: Path) -> None:
    findings = lint([write(tmp_path, CLEAN)], RULESET, base=tmp_path)
    assert not findings, "\n".join(map(str, findings))


def test_every_rule_has_a_breaker() -> None:
    assert set(BREAKERS) == {rule["name"] for rule in RULESET["rules"]}


@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_rule_fires_on_a_wrong_document(tmp_path: Path, rule: str) -> None:
    doc = copy.deepcopy(CLEAN)
    BREAKERS[rule](doc)
    assert rule in fired(tmp_path, doc)


@pytest.mark.parametrize("break_it", [
    lambda d: d["paths"]["/openapi.json"]["get"]["responses"]["200"].update(
        content={"application/yaml": {"schema": {"type": "object"}}}),
    lambda d: d["paths"]["/openapi.json"]["get"].update(security=[{"sessie": []}]),
    lambda d: d["paths"]["/openapi.json"].update(post=d["paths"]["/openapi.json"].pop("get")),
])
def test_publish_openapi_wants_a_public_json_document(tmp_path: Path, break_it: Callable) -> None:
    doc = copy.deepcopy(CLEAN)
    break_it(doc)
    assert "publish-openapi" in fired(tmp_path, doc)


def test_only_the_openapi_document_may_have_a_dot_in_its_path(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    rename_path(doc, "/gebouwen", "/gebouwen.json")
    assert "paths-kebab-case" in fired(tmp_path, doc)


def test_a_form_request_body_must_be_closed(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    doc["paths"]["/gebouwen"]["post"]["requestBody"]["content"] = {
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    assert "request-bodies-closed" in fired(tmp_path, doc)


def test_a_ref_into_a_missing_file_does_not_resolve(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    schemas(doc)["Gebouw"]["properties"]["adres"] = {"$ref": "adres.schema.json"}
    assert "refs-resolve" in fired(tmp_path, doc)
    (tmp_path / "adres.schema.json").write_text('{"type": "string"}', encoding="utf-8")
    assert "refs-resolve" not in fired(tmp_path, doc)


def test_rules_see_through_refs_into_other_files(tmp_path: Path) -> None:
    """A property in a referenced JSON Schema file is linted like one in the document."""
    (tmp_path / "adres.schema.json").write_text(
        '{"type": "object", "properties": {"huisNummer": {"type": "integer"}}}', encoding="utf-8")
    doc = copy.deepcopy(CLEAN)
    schemas(doc)["Gebouw"]["properties"]["adres"] = {"$ref": "adres.schema.json"}
    findings = lint([write(tmp_path, doc)], RULESET, base=tmp_path)
    [finding] = [f for f in findings if f.rule == "snake-case-properties"]
    assert finding.location == "adres.schema.json#/properties/huisNummer"


def test_a_recursive_schema_does_not_hang(tmp_path: Path) -> None:
    doc = copy.deepcopy(CLEAN)
    schemas(doc)["Gebouw"]["properties"]["onderdelen"] = {
        "type": "array", "items": {"$ref": "#/components/schemas/Gebouw"}}
    assert fired(tmp_path, doc) == set()


# --------------------------------------------------------------------------- the engine


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.a.b", [1]),
        ("$['a']['b']", [1]),
        ("$.a[b,c]", [1, 2]),
        ("$.a.*", [1, 2, {"b": 3}]),
        ("$..b", [1, 3]),
        ("$.a[*]~", ["b", "c", "d"]),
        ("$.a[?(@property =~ /^[bc]$/)]", [1, 2]),
        ("$.l[?(@.in == 'query')].name", ["q"]),
    ],
)
def test_jsonpath_subset(path: str, expected: list[Any], tmp_path: Path) -> None:
    doc = {"a": {"b": 1, "c": 2, "d": {"b": 3}},
           "l": [{"in": "query", "name": "q"}, {"in": "path", "name": "p"}]}
    file = write(tmp_path, doc)
    loader = Loader()
    values = [n.value for n in query(loader, Node(loader.load(file), file, "", None), path)]
    assert values == expected


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["rules"][0]["then"][0].update(function="truthyy"), "function"),
        (lambda r: r["rules"][0].update(adr=None), "basis"),
        (lambda r: r["rules"].append(copy.deepcopy(r["rules"][0])), "unique"),
        (lambda r: r["rules"][0].update(given="$.a[?(@.x > 1)]"), "unsupported filter"),
        (lambda r: r["rules"][0].update(severty="error"), "severty"),
    ],
)
def test_a_broken_ruleset_is_refused(tmp_path: Path, mutate: Callable, message: str) -> None:
    ruleset = copy.deepcopy(RULESET)
    mutate(ruleset)
    with pytest.raises(LintError, match=message):
        load_ruleset(write(tmp_path, ruleset, "ruleset.yaml"))


def test_cli_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "0 errors" in capsys.readouterr().out
    doc = copy.deepcopy(CLEAN)
    BREAKERS["semver"](doc)
    assert main([str(write(tmp_path, doc)), "--ruleset", str(DEFAULT_RULESET)]) == 1
    assert "semver (/core/semver)" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err
