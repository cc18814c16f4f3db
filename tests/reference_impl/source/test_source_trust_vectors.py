"""The certificate and session-proof vectors of spec/vectors/tokens/ give their labelled
outcome when fed to the source's verifiers (reference_impl.source.trust), nonce step
included (a nonce store built from the vector's context)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reference_impl.common.errors import TokenError
from reference_impl.common.scheme import Scheme
from reference_impl.common.spec import spec_dir
from reference_impl.source.trust import verify_certificate, verify_proof_and_nonce

VECTORS = spec_dir() / "vectors" / "tokens"


def params(name: str) -> list[Any]:
    path = VECTORS / name
    cases = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    return [pytest.param(case, test, id=f"{case['description']} / {test['description']}")
            for case in cases for test in case["tests"]]


class ContextNonces:
    """The nonce state a vector describes, consumed like the database does."""

    def __init__(self, state: dict[str, list[str]]) -> None:
        self.known, self.expired, self.used = (set(state[k]) for k in ("known", "expired", "used"))
        self.consumed: list[str] = []

    async def consume(self, nonce: str, now: int) -> str | None:
        if nonce not in self.known:
            return "nonce-onbekend"
        if nonce in self.expired:
            return "nonce-verlopen"
        if nonce in self.used:
            return "nonce-gebruikt"
        self.used.add(nonce)
        self.consumed.append(nonce)
        return None


def test_vector_files_are_present() -> None:
    assert params("app-certificaat.json") and params("sessie-bewijs.json")


@pytest.mark.parametrize(("case", "test"), params("app-certificaat.json"))
def test_certificate_vectors(case: dict[str, Any], test: dict[str, Any]) -> None:
    context = {**case["context"], **test.get("context", {})}
    try:
        verify_certificate(test["token"], Scheme(context["stelsel"], ""), now=context["now"])
        code = None
    except TokenError as refused:
        code = refused.code
    assert code == (None if test["valid"] else test["code"])


@pytest.mark.anyio
@pytest.mark.parametrize(("case", "test"), params("sessie-bewijs.json"))
async def test_session_proof_vectors(case: dict[str, Any], test: dict[str, Any]) -> None:
    context = {**case["context"], **test.get("context", {})}
    nonces = ContextNonces(context["nonces"])
    try:
        await verify_proof_and_nonce(test["token"], context["cnf"], oin=context["expected_aud"],
                                     api_url=context["expected_api_url"], nonces=nonces,
                                     now=context["now"])
        code = None
    except TokenError as refused:
        code = refused.code
    assert code == (None if test["valid"] else test["code"])
    # A refused proof never consumes its nonce; an accepted one consumes exactly it.
    assert len(nonces.consumed) == (1 if test["valid"] else 0)
