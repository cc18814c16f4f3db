"""The suite agrees with the forward-compatibility vectors (spec/vectors/compat/): its
envelope and scheme verifiers and its `/configuratie` schema accept the next minor with
members this version does not know, and refuse the next major with the defined code. Its
envelope verifier also gives every envelope vector's outcome (spec/vectors/tokens/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance import specfiles
from conformance.envelope import verify_envelope
from conformance.errors import JoseError
from conformance.scheme import verify_scheme

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors"


def _cases(name: str, *, kind: str | None = None, schema: str | None = None) -> list[Any]:
    out = []
    path = VECTORS / (name if "/" in name else f"compat/{name}")
    for case in json.loads(path.read_text(encoding="utf-8")):
        if (kind and case.get("kind") != kind) or (schema and case.get("schema") != schema):
            continue
        for test in case["tests"]:
            context = {**case.get("context", {}), **test.get("context", {})}
            out.append(pytest.param(test, context, id=test["description"]))
    return out


@pytest.mark.parametrize(("test", "context"), _cases("envelop.json", kind="envelop")
                         + _cases("tokens/envelop.json", kind="envelop"))
def test_envelope_vectors(test: dict[str, Any], context: dict[str, Any]) -> None:
    code = verify_envelope(test["token"], context["stelsel"], now=context["now"],
                           expected_bsn=context.get("expected_bsn"))
    assert code == (None if test["valid"] else test["code"])


@pytest.mark.parametrize(("test", "context"), _cases("stelseldocument.json",
                                                     kind="stelseldocument"))
def test_scheme_compat_vectors(test: dict[str, Any], context: dict[str, Any]) -> None:
    try:
        verify_scheme(test["token"], context["pinned_keys"], omgeving=context["expected_omgeving"],
                      now=context["now"], last_volgnummer=context["last_volgnummer"])
        code = None
    except JoseError as exc:
        code = exc.code
    assert code == (None if test["valid"] else test["code"])


@pytest.mark.parametrize(("test", "context"), _cases("configuratie.json",
                                                     schema="configuratie.schema.json"))
def test_configuratie_compat_vectors(test: dict[str, Any], context: dict[str, Any]) -> None:
    errors = list(specfiles.validator("configuratie").iter_errors(test["data"]))
    assert (not errors) is test["valid"], [e.message for e in errors]
