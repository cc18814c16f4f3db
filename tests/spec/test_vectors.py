"""The test vectors in spec/vectors say what they claim.

Each token and document vector is run through an independent verifier
(tests/spec/vector_verifier.py); valid tokens are also verified with a second library
(joserfc). The vector files hold public keys only, name a rule id everywhere, and are what
the committed generator produces.
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
from joserfc import jws
from joserfc.jwk import ECKey

VECTORS = vv.SPEC_DIR / "vectors"
TOKEN_FILES = sorted((VECTORS / "tokens").glob("*.json"))
DOCUMENT_FILES = sorted((VECTORS / "document").glob("*.json"))
KEY_FILES = sorted((VECTORS / "keys").glob("*.json"))
ALL_FILES = sorted(VECTORS.glob("*/*.json"))
RULE_ID = re.compile(r"^/[a-z]+(/[a-z0-9-]+)+$")
PUBLIC_JWK_MEMBERS = {"kty", "crv", "x", "y", "kid", "use", "alg"}
NOT_A_KEY = "REDACTED"  # the only `d` a vector may carry (to be refused)
# Problem codes the vectors must exercise (spec/trust-model.md §3).
REQUIRED_CODES = {
    *(f"stelsel/{c}" for c in (
        "ongeldig-formaat", "algoritme-niet-toegestaan", "verboden-header", "verkeerd-type",
        "sleutel-onbekend", "handtekening-ongeldig", "claims-ongeldig", "nog-niet-geldig",
        "verlopen", "looptijd-te-lang", "verkeerde-omgeving", "volgnummer-teruggedraaid")),
    *(f"certificaat/{c}" for c in (
        "ongeldig-formaat", "algoritme-niet-toegestaan", "verboden-header", "verkeerd-type",
        "uitgever-onbekend", "sleutel-onbekend", "handtekening-ongeldig", "claims-ongeldig",
        "nog-niet-geldig", "verlopen", "looptijd-te-lang", "ingetrokken")),
    *(f"bewijs/{c}" for c in (
        "ongeldig-formaat", "algoritme-niet-toegestaan", "verboden-header", "verkeerd-type",
        "sleutel-onbekend", "handtekening-ongeldig", "claims-ongeldig", "verkeerde-ontvanger",
        "nog-niet-geldig", "verlopen", "nonce-onbekend", "nonce-verlopen", "nonce-gebruikt")),
    *(f"envelop/{c}" for c in (
        "ongeldig-formaat", "algoritme-niet-toegestaan", "verboden-header", "verkeerd-type",
        "bron-onbekend", "sleutel-onbekend", "handtekening-ongeldig", "document-ongeldig",
        "bsn-onjuist")),
}
# A masked member differs on every regeneration (fresh keys, randomised ECDSA signatures).
RANDOMISED_MEMBERS = {"x", "y", "kid", "token", "handtekening"}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def entries(files: list[Path], *, valid_only: bool = False) -> list[Any]:
    params = []
    for path in files:
        for c, case in enumerate(load(path)):
            for t, entry in enumerate(case["tests"]):
                if entry["valid"] or not valid_only:
                    params.append(pytest.param(case, entry, id=f"{path.stem}/{c}/{t}"))
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


@pytest.mark.parametrize(("case", "entry"), entries(TOKEN_FILES))
def test_token_vector(case: dict[str, Any], entry: dict[str, Any]) -> None:
    code = vv.verify(case["kind"], context_of(case, entry), entry["token"])
    assert code == entry.get("code"), entry["description"]
    assert (code is None) == entry["valid"]


@pytest.mark.parametrize(("case", "entry"), entries(DOCUMENT_FILES))
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


@pytest.mark.parametrize(("case", "entry"), entries(TOKEN_FILES, valid_only=True))
def test_valid_token_also_verifies_with_joserfc(case: dict[str, Any], entry: dict) -> None:
    context, token = context_of(case, entry), entry["token"]
    if case["kind"] == "envelop":
        bron = next(o for o in context["stelsel"]["organisaties"]
                    if o["oin"] == token["document"]["bron"]["oin"])
        keys, compact = bron["sleutels"]["keys"], token["handtekening"]
        payload = rfc8785.dumps(token["document"])
    else:
        keys, compact, payload = _keys_for(case["kind"], context, token), token, None
    kid = json.loads(vv.b64url_decode(compact.split(".")[0]))["kid"]
    jwk = next(k for k in keys if vv.thumbprint(k) == kid)
    assert ECKey.import_key(jwk).thumbprint() == kid
    jws.deserialize_compact(compact, ECKey.import_key(jwk), algorithms=["ES256"], payload=payload)


def _keys_for(kind: str, context: dict[str, Any], token: str) -> list[dict[str, Any]]:
    if kind == "stelseldocument":
        return [context["pinned_key"]]
    if kind == "sessie-bewijs":
        return [context["cnf"]]
    issuer = json.loads(vv.b64url_decode(token.split(".")[1]))["iss"]
    manager = next(m for m in context["stelsel"]["app_managers"] if m["id"] == issuer)
    return manager["sleutels"]["keys"]


def test_vectors_exercise_every_problem_code_of_the_trust_model() -> None:
    used = {entry.get("code") for path in TOKEN_FILES for case in load(path)
            for entry in case["tests"]}
    assert REQUIRED_CODES - used == set()


def test_every_vector_names_a_rule_and_invalid_ones_a_code() -> None:
    for path in ALL_FILES:
        if path.parent.name == "keys":
            continue
        for case in load(path):
            assert RULE_ID.match(case["rule"]), (path.name, case["description"])
            descriptions = [entry["description"] for entry in case["tests"]]
            assert len(set(descriptions)) == len(descriptions), "descriptions identify tests"
            for entry in case["tests"]:
                assert RULE_ID.match(entry.get("rule", case["rule"]))
                if path.parent.name != "schema":
                    assert ("code" in entry) != entry["valid"], entry["description"]


def test_rule_ids_exist_in_the_rule_index() -> None:
    index = vv.SPEC_DIR / "rules.yaml"
    if not index.exists():
        pytest.skip("spec/rules.yaml is not written yet")
    known = set(re.findall(r"/[a-z]+(?:/[a-z0-9-]+)+", index.read_text(encoding="utf-8")))
    used = {rule for path in ALL_FILES if path.parent.name != "keys" for case in load(path)
            for rule in [case["rule"], *(e["rule"] for e in case["tests"] if "rule" in e)]}
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
    for path in TOKEN_FILES:
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
        if relative.parts[0] in ("schema", "document"):
            assert committed.read_bytes() == regenerated.read_bytes(), str(relative)
        else:
            assert masked(load(committed)) == masked(load(regenerated)), str(relative)
