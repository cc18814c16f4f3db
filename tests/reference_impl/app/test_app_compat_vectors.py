"""The app agrees with the forward-compatibility vectors (spec/vectors/compat/): a bundle and
envelopes of the next minor are accepted with their unknown members, the next major is
refused with its defined code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reference_impl.app.bundle import verify_bundle
from reference_impl.common.envelope import verify_envelope
from reference_impl.common.errors import TokenError
from reference_impl.common.scheme import Scheme

COMPAT = Path(__file__).resolve().parents[3] / "spec" / "vectors" / "compat"


def _cases(name: str, kind: str) -> list[Any]:
    out = []
    for case in json.loads((COMPAT / name).read_text(encoding="utf-8")):
        if case.get("kind") != kind:
            continue
        for test in case["tests"]:
            context = {**case.get("context", {}), **test.get("context", {})}
            out.append(pytest.param(test, context, id=test["description"]))
    return out


@pytest.mark.parametrize(("test", "context"), _cases("bundel.json", "bundel"))
def test_bundle_compat_vectors(test: dict[str, Any], context: dict[str, Any]) -> None:
    scheme = Scheme(payload=context["stelsel"], token="")
    verdict = verify_bundle(test["token"], scheme, now=context["now"])
    assert verdict.ok is test["valid"], verdict.to_json()
    if not test["valid"]:
        codes = {verdict.code, *(e.code for e in verdict.envelopes)}
        assert test["code"] in codes, verdict.to_json()


@pytest.mark.parametrize(("test", "context"), _cases("envelop.json", "envelop"))
def test_envelope_compat_vectors(test: dict[str, Any], context: dict[str, Any]) -> None:
    try:
        verify_envelope(test["token"], context["stelsel"], now=context["now"],
                        expected_bsn=context.get("expected_bsn"))
    except TokenError as refused:
        assert not test["valid"], refused.code
        assert refused.code == test["code"]
    else:
        assert test["valid"], f"expected {test['code']}"
