"""The answers the app checks (`http.checked_json`) are decided first by a compiled twin of
the component schema (jsonschema-rs); it must say "valid" exactly when the python
validator, the authority, does — else the app would trust an answer the standard refuses.
Instances: the OpenAPI examples and hand-made answers, each also broken member by member."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import httpx
import pytest
import yaml

from reference_impl.app.errors import AnswerError
from reference_impl.app.http import checked_json, component_validator
from reference_impl.common import spec

EXPIRES = "2026-12-06T10:00:00+00:00"
MADE = {
    ("bron", "Uitdaging"): [{"nonce": "a" * 43, "verloopt_op": EXPIRES}],
    ("bron", "Sessie"): [{"sessietoken": "b" * 43, "verloopt_op": EXPIRES,
                          "betrouwbaarheidsniveau": "substantieel"}],
}
EXAMPLES = {"BetalingsregelingActief": "Betalingsregeling",
            "BetalingsregelingIngetrokken": "Betalingsregeling",
            "BetalingsregelingVervallen": "Betalingsregeling",
            "ReserveringGereserveerd": "Reservering", "ReserveringBevestigd": "Reservering",
            "PauzeActief": "Pauze"}
WRONG = [None, 0, -1, 1.5, True, "", "x", "2026-13-45T99:99:99Z", "2026-12-06", [], {},
         "a" * 43, "a" * 42 + "!", ["x"]]


@cache
def _examples() -> dict[str, Any]:
    return yaml.safe_load(spec.openapi_path("bron").read_text(encoding="utf-8"))[
        "components"]["examples"]


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases = [(api, name, value) for (api, name), values in MADE.items() for value in values]
    cases += [("bron", component, _examples()[example]["value"])
              for example, component in EXAMPLES.items()]
    return cases


def _broken(value: dict[str, Any]) -> list[Any]:
    variants: list[Any] = [{**value, "onbekend_lid": 1}, [], "x", None]
    for member in value:
        variants.append({k: v for k, v in value.items() if k != member})
        variants += [{**value, member: wrong} for wrong in WRONG]
    return variants


@pytest.mark.parametrize(("api", "component", "value"), _cases(),
                         ids=lambda v: v if isinstance(v, str) else None)
def test_the_compiled_twin_agrees_with_the_python_validator(
    api: str, component: str, value: dict[str, Any]
) -> None:
    validator = component_validator(api, component)
    twin = spec._FAST[id(validator)]
    assert validator.is_valid(value) and twin.is_valid(value)
    for variant in _broken(copy.deepcopy(value)):
        assert twin.is_valid(variant) == validator.is_valid(variant), (component, variant)


def test_an_answer_that_breaks_its_schema_is_refused_with_the_pointer() -> None:
    answer = httpx.Response(201, json={"nonce": "te-kort", "verloopt_op": EXPIRES})
    with pytest.raises(AnswerError) as refused:
        checked_json(answer, "bron", "Uitdaging")
    assert refused.value.code == "app/antwoord-ongeldig"
    assert "/nonce" in refused.value.detail
