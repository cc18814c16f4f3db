"""The certification vectors (spec/vectors/certificering/) say what they claim, and both
verifiers of this repository follow them.

Every test is run through the independent verifier of tests/spec/certification_vectors.py,
the suite's `conformance.certification.verify_result` and the reference scheme operator's
`reference_impl.scheme.certification.verify_certification`: the three must give the vector's
code. The files are what the generator writes (masked for fresh keys and signatures), every
`certificering/...` code of the rule index is exercised, and the context members are exactly
the documented ones.
"""

from __future__ import annotations

import json
from typing import Any

import certification_vectors as cv
import pytest
import vector_verifier as vv
import yaml

from conformance.certification import CertificationInvalid, verify_result
from reference_impl.scheme.certification import verify_certification
from reference_impl.scheme.errors import CertificationError

VECTORS = vv.SPEC_DIR / "vectors"
CASES = json.loads((VECTORS / cv.CASE_FILE).read_text(encoding="utf-8"))
CONTEXT_REQUIRED = {"now", "pinned_keys", "major"}
CONTEXT_OPTIONAL = {"organisatie"}
RANDOMISED = {"x", "y", "kid", "token"}


def params() -> list[Any]:
    return [pytest.param(case, entry, id=f"{n}/{t}")
            for n, case in enumerate(CASES) for t, entry in enumerate(case["tests"])]


def context_of(case: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    return {**case["context"], **entry.get("context", {})}


def suite_code(context: dict[str, Any], token: str) -> str | None:
    organisation = context.get("organisatie") or {}
    try:
        verify_result(token, context["pinned_keys"], now=context["now"],
                      oin=organisation.get("oin"), diensten=organisation.get("diensten"),
                      major=context["major"])
    except CertificationInvalid as exc:
        return exc.code
    return None


def reference_code(context: dict[str, Any], token: str) -> str | None:
    organisation = context.get("organisatie") or {}
    try:
        verify_certification(token, context["pinned_keys"], now=context["now"],
                             oin=organisation.get("oin"),
                             diensten=tuple(organisation.get("diensten", ())),
                             major=context["major"])
    except CertificationError as exc:
        return exc.code
    return None


@pytest.mark.parametrize(("case", "entry"), params())
def test_vector_with_the_independent_verifier(case: dict[str, Any], entry: dict) -> None:
    assert cv.verify(context_of(case, entry), entry["token"]) == entry.get("code")
    assert ("code" in entry) != entry["valid"]


@pytest.mark.parametrize(("case", "entry"), params())
def test_vector_with_the_suite(case: dict[str, Any], entry: dict[str, Any]) -> None:
    assert suite_code(context_of(case, entry), entry["token"]) == entry.get("code"), \
        entry["description"]


@pytest.mark.parametrize(("case", "entry"), params())
def test_vector_with_the_reference_scheme_operator(case: dict[str, Any], entry: dict) -> None:
    assert reference_code(context_of(case, entry), entry["token"]) == entry.get("code"), \
        entry["description"]


def test_every_certification_code_of_the_index_is_exercised() -> None:
    index = yaml.safe_load((vv.SPEC_DIR / "rules.yaml").read_text(encoding="utf-8"))
    codes = {c for r in index["rules"] if r["area"] == "certificering"
             for c in r["problem_codes"]}
    used = {e.get("code") for case in CASES for e in case["tests"]}
    assert len(codes) == 13
    assert codes - used == set()
    assert used - codes == {None}


def test_contexts_hold_exactly_the_documented_members() -> None:
    for case in CASES:
        assert case["kind"] == "certificering" and case["rule"].startswith("/certificering/")
        for entry in case["tests"]:
            members = set(context_of(case, entry))
            assert CONTEXT_REQUIRED <= members <= CONTEXT_REQUIRED | CONTEXT_OPTIONAL


def test_pinned_keys_are_published_key_files_without_private_members() -> None:
    published = {json.loads(p.read_text())["kid"] for p in (VECTORS / "keys").glob("*.json")}
    for case in CASES:
        for jwk in case["context"]["pinned_keys"]:
            assert "d" not in jwk and jwk["kid"] == vv.thumbprint(jwk) and jwk["kid"] in published


def masked(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: "…" if k in RANDOMISED else masked(v) for k, v in node.items()}
    if isinstance(node, list):
        return [masked(v) for v in node]
    return node


def test_committed_files_are_what_the_generator_writes() -> None:
    for relative, content in cv.files().items():
        committed = json.loads((VECTORS / relative).read_text(encoding="utf-8"))
        assert masked(committed) == masked(content), relative
