"""The spec's test vectors give their labelled outcome when fed to reference_impl.common's
verifiers: scheme documents (scheme.py), envelopes (envelope.py), request proofs
(request_proof.py, with the replay step played from `seen_jti`), claims documents
(document.py) and the schemas as the reference loads them (spec.py); the forward-compatibility
cases of compat/ (next minor accepted, next major refused) included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from reference_impl.common import document as claims_document
from reference_impl.common.envelope import verify_envelope
from reference_impl.common.errors import TokenError
from reference_impl.common.request_proof import PREFIX as PROOF_PREFIX
from reference_impl.common.request_proof import verify_request_proof
from reference_impl.common.scheme import MemoryVolgnummer, SchemeVerifier
from reference_impl.common.spec import SchemaValidator, registry, spec_dir

VECTORS = spec_dir() / "vectors"
SCHEMA_BASE = "https://vorderingen.example/schemas/"


def load(relative: str) -> list[dict[str, Any]]:
    path = VECTORS / relative
    if not path.exists():
        pytest.fail(f"missing vector file {path}")
    return json.loads(path.read_text(encoding="utf-8"))


def params(*relatives: str, kind: str | None = None) -> list[Any]:
    found = []
    for relative in relatives:
        path = VECTORS / relative
        cases = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
        found += [
            pytest.param(case, test, id=f"{relative}: {case['description']} / "
                                        f"{test['description']}")
            for case in cases if kind is None or case.get("kind") == kind
            for test in case["tests"]
        ]
    return found


def context_of(case: dict[str, Any], test: dict[str, Any]) -> dict[str, Any]:
    return {**case.get("context", {}), **test.get("context", {})}


def outcome(call: Any) -> str | None:
    try:
        call()
    except TokenError as refused:
        return refused.code
    return None


def test_vector_files_are_present() -> None:
    for relative in ("tokens/stelseldocument.json", "tokens/envelop.json",
                     "tokens/verzoek-bewijs.json", "compat/envelop.json",
                     "compat/stelseldocument.json", "document/invarianten.json",
                     "document/geldig.json"):
        assert load(relative), relative


@pytest.mark.parametrize(("case", "test"), params("tokens/stelseldocument.json",
                                                  "compat/stelseldocument.json"))
def test_scheme_document_vectors(case: dict[str, Any], test: dict[str, Any]) -> None:
    context = context_of(case, test)
    verifier = SchemeVerifier(context["pinned_keys"], context["expected_omgeving"],
                              MemoryVolgnummer(context["last_volgnummer"] or 0))
    code = outcome(lambda: verifier.verify(test["token"], now=context["now"]))
    assert code == (None if test["valid"] else test["code"])


def test_scheme_verifier_remembers_the_highest_volgnummer() -> None:
    case = next(c for c in load("tokens/stelseldocument.json")
                if c["description"] == "volgnummer never goes down")
    context = case["context"]
    state = MemoryVolgnummer(context["last_volgnummer"])
    verifier = SchemeVerifier(context["pinned_keys"], context["expected_omgeving"], state)
    higher = next(t for t in case["tests"] if t["description"] == "a higher volgnummer")
    same = next(t for t in case["tests"] if t["description"].startswith("the same volgnummer"))
    verifier.verify(higher["token"], now=context["now"])
    assert state.highest() == context["last_volgnummer"] + 1
    with pytest.raises(TokenError) as refused:  # the earlier document is now a rollback
        verifier.verify(same["token"], now=context["now"])
    assert refused.value.code == "stelsel/volgnummer-teruggedraaid"


@pytest.mark.parametrize(("case", "test"), params("tokens/envelop.json", "compat/envelop.json"))
def test_envelope_vectors(case: dict[str, Any], test: dict[str, Any]) -> None:
    context = context_of(case, test)
    code = outcome(lambda: verify_envelope(test["token"], context["stelsel"],
                                           now=context["now"],
                                           expected_bsn=context.get("expected_bsn")))
    assert code == (None if test["valid"] else test["code"])


@pytest.mark.parametrize(("case", "test"), params("tokens/verzoek-bewijs.json"))
def test_request_proof_vectors(case: dict[str, Any], test: dict[str, Any]) -> None:
    """Every check but replay is `verify_request_proof`; the replay step is what a source's
    cache answers for a `jti` it recorded (`seen_jti`)."""
    context = context_of(case, test)

    def run() -> None:
        claims = verify_request_proof(
            test["token"], jwk=context["cnf"], token=context["session_token"],
            method=context["method"], url=context["url"], now=context["now"])
        if claims["jti"] in context["seen_jti"]:
            raise TokenError(f"{PROOF_PREFIX}/hergebruikt", "jti seen before")

    assert outcome(run) == (None if test["valid"] else test["code"])


@pytest.mark.parametrize(
    ("case", "test"),
    [p for path in sorted((VECTORS / "document").glob("*.json"))
     for p in params(f"document/{path.name}")])
def test_document_vectors(case: dict[str, Any], test: dict[str, Any]) -> None:
    context = context_of(case, test)
    found = [f.split()[0] for f in claims_document.problems(test["data"])]
    if "expected_bsn" in context and test["data"]["bsn"] != context["expected_bsn"]:
        found.append("/document/bsn-van-certificaat")
    assert (not found) == test["valid"], found
    if not test["valid"]:
        assert set(found) == {test.get("rule", case["rule"])}
        code = "envelop/bsn-onjuist" if found == ["/document/bsn-van-certificaat"] else (
            "envelop/document-ongeldig")
        assert code == test["code"]


def schema_params() -> list[Any]:
    found = []
    paths = [*sorted((VECTORS / "schema").glob("*.json")),
             *sorted((VECTORS / "compat").glob("*.json"))]
    for path in paths:
        for case in json.loads(path.read_text(encoding="utf-8")):
            if "schema" not in case:
                continue
            for test in case["tests"]:
                found.append(pytest.param(
                    case, test, id=f"{path.stem}: {case['description']} / {test['description']}"))
    return found


@pytest.mark.parametrize(("case", "test"), schema_params())
def test_schema_vectors_with_the_reference_registry(
    case: dict[str, Any], test: dict[str, Any]
) -> None:
    """The schemas resolve and assert formats exactly as the standard means when loaded
    the way reference_impl.common.spec loads them (never over the network)."""
    validator = SchemaValidator(
        {"$ref": SCHEMA_BASE + case["schema"]}, registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert validator.is_valid(test["data"]) == test["valid"]


def test_spec_dir_is_found_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "schemas").mkdir()
    monkeypatch.setenv("VORDERINGEN_SPEC_DIR", str(tmp_path))
    assert spec_dir() == tmp_path
