"""The test vectors in spec/vectors say what they claim.

Each token, document, compatibility and PKCE vector is run through an independent verifier
(tests/spec/vector_verifier.py); valid tokens are also verified with a second library
(joserfc). The vector files hold public keys only, name a rule id everywhere, give every kind
exactly the context members spec/vectors/README.md documents, and are what the committed
generator produces.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import generate_vectors
import pytest
import rfc8785
import vector_verifier as vv
import yaml
from joserfc import jws
from joserfc.jwk import ECKey

VECTORS = vv.SPEC_DIR / "vectors"
KEY_FILES = sorted((VECTORS / "keys").glob("*.json"))
ALL_FILES = sorted(VECTORS.glob("*/*.json"))
CASE_FILES = [p for p in ALL_FILES if p.parent.name != "keys"]
RULE_ID = re.compile(r"^/[a-z][a-z-]*(/[a-z0-9-]+)+$")
PUBLIC_JWK_MEMBERS = {"kty", "crv", "x", "y", "kid", "use", "alg"}
NOT_A_KEY = "REDACTED"  # the only `d` a vector may carry (to be refused)
VERIFIED_KINDS = {"stelseldocument", "app-certificaat", "sessie-bewijs", "verzoek-bewijs",
                  "envelop", "bundel"}
# The context members of each kind, exactly (spec/vectors/README.md, "Contexts").
CONTEXT_MEMBERS = {
    "stelseldocument": ({"now", "pinned_keys", "expected_omgeving", "last_volgnummer"}, set()),
    "app-certificaat": ({"now", "stelsel"}, set()),
    "sessie-bewijs": ({"now", "cnf", "expected_aud", "expected_api_url", "nonces"}, set()),
    "verzoek-bewijs": ({"now", "cnf", "session_token", "method", "url", "seen_jti"}, set()),
    "envelop": ({"now", "stelsel"}, {"expected_bsn"}),
    "bundel": ({"now", "stelsel"}, set()),
    "document": (set(), {"expected_bsn"}),
    "pkce": (set(), set()),
}
PROFILE = ("ongeldig-formaat", "algoritme-niet-toegestaan", "verboden-header", "verkeerd-type",
           "sleutel-onbekend", "handtekening-ongeldig", "claims-ongeldig")
# Problem codes the vectors must exercise (spec/trust-model.md; design §3, §4, §6, §7).
REQUIRED_CODES = {
    *(f"stelsel/{c}" for c in (*PROFILE, "versie-niet-ondersteund", "nog-niet-geldig",
                               "verlopen", "looptijd-te-lang", "verkeerde-omgeving",
                               "volgnummer-teruggedraaid")),
    *(f"certificaat/{c}" for c in (*PROFILE, "uitgever-onbekend", "nog-niet-geldig", "verlopen",
                                   "looptijd-te-lang", "ingetrokken")),
    *(f"bewijs/{c}" for c in (*PROFILE, "verkeerde-ontvanger", "verkeerd-eindpunt",
                              "nog-niet-geldig", "verlopen", "nonce-onbekend", "nonce-verlopen",
                              "nonce-gebruikt")),
    # verzoekbewijs/ontbreekt is a missing header: an HTTP-level failure, not a token's.
    *(f"verzoekbewijs/{c}" for c in (*PROFILE, "token-onjuist", "verkeerde-methode",
                                     "verkeerde-url", "nog-niet-geldig", "verlopen",
                                     "hergebruikt")),
    *(f"envelop/{c}" for c in (
        "ongeldig-formaat", "algoritme-niet-toegestaan", "verboden-header", "verkeerd-type",
        "bron-onbekend", "sleutel-onbekend", "handtekening-ongeldig", "versie-niet-ondersteund",
        "document-ongeldig", "sleutel-niet-geldig", "sleutel-ingetrokken", "nog-niet-geldig",
        "bsn-onjuist", "verouderd")),
    "bundel/versie-niet-ondersteund",
    "inloggen/verifier-onjuist",
}
# A masked member differs on every regeneration (fresh keys, randomised ECDSA signatures).
RANDOMISED_MEMBERS = {"x", "y", "kid", "token", "handtekening"}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def cases(*, kinds: set[str] | None = None, schema: bool = False) -> list[tuple[Path, dict]]:
    """(file, case) of every case file: schema cases, or cases of one of `kinds`."""
    found = []
    for path in CASE_FILES:
        for case in load(path):
            if schema and "schema" in case and path.parent.name != "schema":
                found.append((path, case))  # spec/vectors/schema/ runs in test_schemas.py
            elif kinds is not None and case.get("kind") in kinds:
                found.append((path, case))
    return found


def entries(selected: list[tuple[Path, dict]], *, valid_only: bool = False) -> list[Any]:
    params = []
    for path, case in selected:
        number = load(path).index(case)
        for t, entry in enumerate(case["tests"]):
            if entry["valid"] or not valid_only:
                label = f"{path.parent.name}/{path.stem}/{number}/{t}"
                params.append(pytest.param(case, entry, id=label))
    return params


def context_of(case: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    return {**case.get("context", {}), **entry.get("context", {})}


def objects(node: Any) -> list[dict[str, Any]]:
    """Every JSON object in `node`, at any depth."""
    if isinstance(node, dict):
        return [node, *(o for value in node.values() for o in objects(value))]
    if isinstance(node, list):
        return [o for value in node for o in objects(value)]
    return []


@pytest.mark.parametrize(("case", "entry"), entries(cases(kinds=VERIFIED_KINDS)))
def test_token_vector(case: dict[str, Any], entry: dict[str, Any]) -> None:
    code = vv.verify(case["kind"], context_of(case, entry), entry["token"])
    assert code == entry.get("code"), entry["description"]
    assert (code is None) == entry["valid"]


@pytest.mark.parametrize(("case", "entry"), entries(cases(kinds={"document"})))
def test_document_vector(case: dict[str, Any], entry: dict[str, Any]) -> None:
    document = entry["data"]
    assert vv.validator("vorderingendocument.schema.json").is_valid(document), (
        "document vectors pass the schema and break an invariant")
    broken = vv.document_problems(document, expected_bsn=context_of(case, entry).get(
        "expected_bsn"))
    if entry["valid"]:
        assert broken == [], entry["description"]
        assert "code" not in entry
    else:
        assert broken == [entry.get("rule", case["rule"])], entry["description"]
        assert entry["code"] == vv.document_code(broken[0])


@pytest.mark.parametrize(("case", "entry"), entries(cases(schema=True)))
def test_compat_schema_vector(case: dict[str, Any], entry: dict[str, Any]) -> None:
    errors = [e.message for e in vv.validator(case["schema"]).iter_errors(entry["data"])]
    assert (not errors) == entry["valid"], (entry["description"], errors[:3])


@pytest.mark.parametrize(("case", "entry"), entries(cases(kinds={"pkce"})))
def test_pkce_vector(case: dict[str, Any], entry: dict[str, Any]) -> None:
    assert set(entry["data"]) == {"code_verifier", "code_challenge"}
    assert vv.pkce_code(entry["data"]) == entry.get("code"), entry["description"]


@pytest.mark.parametrize(("case", "entry"),
                         entries(cases(kinds=VERIFIED_KINDS), valid_only=True))
def test_valid_token_also_verifies_with_joserfc(case: dict[str, Any], entry: dict) -> None:
    context, token = context_of(case, entry), entry["token"]
    if case["kind"] == "bundel":
        for envelope in token["enveloppen"]:
            _joserfc_envelope(context, envelope)
    elif case["kind"] == "envelop":
        _joserfc_envelope(context, token)
    else:
        _joserfc_compact(token, _keys_for(case["kind"], context, token))


def _joserfc_compact(compact: str, keys: list[dict[str, Any]],
                     payload: bytes | None = None) -> None:
    kid = json.loads(vv.b64url_decode(compact.split(".")[0]))["kid"]
    jwk = next(k for k in keys if vv.thumbprint(k) == kid)
    assert ECKey.import_key(jwk).thumbprint() == kid
    jws.deserialize_compact(compact, ECKey.import_key(jwk), algorithms=["ES256"], payload=payload)


def _joserfc_envelope(context: dict[str, Any], envelope: dict[str, Any]) -> None:
    bron = next(o for o in context["stelsel"]["organisaties"]
                if o["oin"] == envelope["document"]["bron"]["oin"])
    _joserfc_compact(envelope["handtekening"], [e["jwk"] for e in bron["sleutels"]],
                     rfc8785.dumps(envelope["document"]))


def _keys_for(kind: str, context: dict[str, Any], token: str) -> list[dict[str, Any]]:
    if kind == "stelseldocument":
        return context["pinned_keys"]
    if kind in ("sessie-bewijs", "verzoek-bewijs"):
        return [context["cnf"]]
    issuer = json.loads(vv.b64url_decode(token.split(".")[1]))["iss"]
    manager = next(m for m in context["stelsel"]["app_managers"] if m["id"] == issuer)
    return [entry["jwk"] for entry in manager["sleutels"]]


def test_vectors_exercise_every_problem_code() -> None:
    used = {entry.get("code") for _, case in cases(kinds=VERIFIED_KINDS | {"pkce"})
            for entry in case["tests"]}
    assert REQUIRED_CODES - used == set()


def test_every_case_gives_its_kind_exactly_the_documented_context() -> None:
    for path, case in cases(kinds=set(CONTEXT_MEMBERS)):
        required, optional = CONTEXT_MEMBERS[case["kind"]]
        for entry in case["tests"]:
            members = set(context_of(case, entry))
            assert required <= members <= required | optional, (path.name, entry["description"])


def wire_version(entry: dict[str, Any]) -> str | None:
    """The wire version a compat test carries (data, envelope, bundle or compact token)."""
    value = entry.get("data", entry.get("token"))
    if isinstance(value, str):
        value = json.loads(vv.b64url_decode(value.split(".")[1]))
    if isinstance(value, dict) and isinstance(value.get("document"), dict):
        value = value["document"]
    for member in ("api_versie", "bundelversie", "documentversie", "versie"):
        if isinstance(value, dict) and member in value:
            return value[member]
    return None


def test_compat_vectors_cover_the_next_minor_and_the_next_major() -> None:
    """Issue 10: a claims document, a /configuratie answer and a bundle of 2.1 are accepted,
    and of 3.0 refused with the defined code (schema-invalid for /configuratie)."""
    compat = {path.stem: [e for c in load(path) for e in c["tests"]]
              for path in sorted((VECTORS / "compat").glob("*.json"))}
    refusals = {"envelop": {"envelop/versie-niet-ondersteund"},
                "bundel": {"verzoek/ongeldig", "bundel/versie-niet-ondersteund"},
                "configuratie": {None},
                "stelseldocument": {"stelsel/verkeerd-type", "stelsel/versie-niet-ondersteund"}}
    assert set(compat) == set(refusals)
    for name, codes in refusals.items():
        minor = [t for t in compat[name] if wire_version(t) == generate_vectors.NEXT_MINOR]
        major = [t for t in compat[name] if wire_version(t) == generate_vectors.NEXT_MAJOR]
        assert any(t["valid"] for t in minor), name
        assert major and not any(t["valid"] for t in major), name
        assert {t.get("code") for t in major} == codes, name


def test_every_vector_names_a_rule_and_invalid_ones_a_code() -> None:
    for path in CASE_FILES:
        for case in load(path):
            assert RULE_ID.match(case["rule"]), (path.name, case["description"])
            assert ("schema" in case) != ("kind" in case), case["description"]
            descriptions = [entry["description"] for entry in case["tests"]]
            assert len(set(descriptions)) == len(descriptions), "descriptions identify tests"
            for entry in case["tests"]:
                assert RULE_ID.match(entry.get("rule", case["rule"]))
                if "kind" in case:
                    assert ("code" in entry) != entry["valid"], entry["description"]


def test_rule_ids_are_rules_in_force() -> None:
    index = yaml.safe_load((vv.SPEC_DIR / "rules.yaml").read_text(encoding="utf-8"))
    in_force = {r["id"] for r in index["rules"] if r.get("status", "in-force") == "in-force"}
    used = {rule for path in CASE_FILES for case in load(path)
            for rule in [case["rule"], *(e["rule"] for e in case["tests"] if "rule" in e)]}
    assert used - in_force == set(), "a vector cites an unknown or withdrawn rule"


def test_every_code_is_a_problem_code_of_the_rule_index() -> None:
    index = yaml.safe_load((vv.SPEC_DIR / "rules.yaml").read_text(encoding="utf-8"))
    known = {code for r in index["rules"] for code in r.get("problem_codes") or []}
    used = {e["code"] for path in CASE_FILES for case in load(path) for e in case["tests"]
            if "code" in e}
    assert used - known == set()


def test_key_files_hold_public_keys_only() -> None:
    assert KEY_FILES
    for path in KEY_FILES:
        jwk = load(path)
        assert set(jwk) <= PUBLIC_JWK_MEMBERS, path.name
        assert "d" not in jwk
        assert jwk["kid"] == vv.thumbprint(jwk)


def test_no_vector_carries_a_private_key() -> None:
    for path in ALL_FILES:
        for obj in objects(load(path)):
            if "kty" in obj:
                assert obj.get("d", NOT_A_KEY) == NOT_A_KEY, path.name


def test_every_key_in_a_token_vector_is_a_published_key_file() -> None:
    published = {(k["x"], k["y"]) for k in map(load, KEY_FILES)}
    for path in CASE_FILES:
        if path.parent.name == "schema":
            continue  # the schema vectors use the fixed key of RFC 7515 appendix A.3
        for obj in objects(load(path)):
            if obj.get("kty") == "EC" and "d" not in obj:
                assert (obj["x"], obj["y"]) in published, path.name


def masked(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: "…" if k in RANDOMISED_MEMBERS else masked(v) for k, v in node.items()}
    if isinstance(node, list):
        return [masked(v) for v in node]
    return node


def test_committed_vectors_are_what_the_generator_writes(tmp_path: Path) -> None:
    generate_vectors.main(["--out", str(tmp_path)])
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.glob("*/*.json"))
    assert fresh == sorted(p.relative_to(VECTORS) for p in ALL_FILES), "regenerate the vectors"
    for relative in fresh:
        committed, regenerated = VECTORS / relative, tmp_path / relative
        if relative.parts[0] in ("schema", "document", "inloggen"):
            assert committed.read_bytes() == regenerated.read_bytes(), str(relative)
        else:
            assert masked(load(committed)) == masked(load(regenerated)), str(relative)


def test_every_document_rule_of_2_2_has_vectors_both_ways() -> None:
    """Each invariant added in 2.2 (spec/rules/document.md, `Since 2.2.0`) has a case in
    document/invarianten-2.2.json with a document that breaks it and one that meets it, and the
    rules of 2.2 judge documents of 2.2 and later only (a valid document of an earlier minor
    breaks one of them, a later minor's breaking it is invalid)."""
    index = yaml.safe_load((vv.SPEC_DIR / "rules.yaml").read_text(encoding="utf-8"))["rules"]
    added = {r["id"] for r in index if r["area"] == "document" and r["since"] == "2.2.0"}
    assert len(added) >= 12
    outcomes: dict[str, set[bool]] = {}
    for case in load(VECTORS / "document" / "invarianten-2.2.json"):
        for entry in case["tests"]:
            outcomes.setdefault(entry.get("rule", case["rule"]), set()).add(entry["valid"])
    assert {rule for rule in added if outcomes.get(rule) != {True, False}} == set()
    versions = {(entry["data"]["documentversie"], entry["valid"])
                for path in ("invarianten-2.2.json", "geldig-2.2.json")
                for case in load(VECTORS / "document" / path) for entry in case["tests"]}
    assert versions == {("2.1", True), ("2.2", True), ("2.2", False), ("2.3", True),
                        ("2.3", False)}
    earlier = next(entry["data"] for case in load(VECTORS / "document" / "geldig-2.2.json")
                   for entry in case["tests"] if entry["data"]["documentversie"] == "2.1")
    assert vv.document_problems({**earlier, "documentversie": "2.2"}) != []
