"""Schemathesis over every operation of spec/openapi/app-manager.yaml against the reference
App Manager: positive and negative generation per operation and stateful scenarios along
the OpenAPI links, with zero failures.

In-process: schemathesis calls the ASGI app through its own event-loop thread; the App
Manager starts on the first request there, on SQLite in a temporary directory, with real
time and the test identity provider.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from app_manager_support import BASE, FakeClock, build_app_manager
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from reference_impl.common.http import body_validator
from reference_impl.common.jose import generate_key, public_jwk
from reference_impl.common.spec import openapi_path

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 25
STATEFUL_EXAMPLES = 30
BASE_URL = f"http://testserver{BASE}"


class RealClock(FakeClock):
    def __call__(self) -> float:
        return time.time()


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none"},
        "checks": {
            # Valid-looking input the App Manager must still refuse: an unknown registration
            # or state (404, 422), a code that was never issued (400), a token that is only
            # length-bounded by the schema (401).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "400", "401", "404", "422"]},
        },
        "operations": [{
            # A generated JWK is almost never a point on P-256, a generated redirect_uri
            # almost never a loopback or admitted one: the schema cannot say so, the App
            # Manager must (400 verzoek/ongeldig, registratie/redirect-uri-ongeldig).
            "include-operation-id": "createRegistratie",
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400"]}},
        }, {
            # Schemathesis holds no management session, and without one the answer is 303
            # to /burger whatever the form holds (/intrekking/burger-zonder-sleutel).
            "include-operation-id": "createBurgerIntrekkingen",
            "checks": {"negative_data_rejection": {
                "expected-statuses": ["303", "400", "413", "415", "429"]}},
        }],
    })


STATUSES: dict[str, set[int]] = {}
STATEFUL: dict[str, set[int]] = {}
_WORK = Path(tempfile.mkdtemp(prefix="vorderingen-am-schemathesis-"))
TARGET = build_app_manager(_WORK, RealClock())
schema = schemathesis.openapi.from_path(openapi_path("app-manager"), config=_config())
schema.config.update(base_url=BASE_URL)
schema.app = TARGET


@pytest.fixture(scope="module", autouse=True)
def _remove_work_dir() -> Iterator[None]:
    yield
    shutil.rmtree(_WORK, ignore_errors=True)


REGISTRATION_BODY = body_validator("app-manager", "/registraties", "post")
SEMANTIC_REFUSALS = ({"/publieke_sleutel"}, {"/redirect_uri"})
LOOPBACK = "http://127.0.0.1:53682/terug"


def real_registration(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with a real P-256 key and a loopback redirect_uri: what the schema cannot
    generate (a point on the curve, an allowed address)."""
    return {**body, "publieke_sleutel": public_jwk(generate_key()), "redirect_uri": LOOPBACK}


def refused_only_semantically(response: Any) -> bool:
    if response.status_code != 400:
        return False
    document = response.json()
    names = {p["name"] for p in document.get("invalid_params", [])}
    return document.get("code") == "registratie/redirect-uri-ongeldig" or any(
        names == refusal for refusal in SEMANTIC_REFUSALS)


def with_real_key(case: Any) -> bool:
    """Make a plain, schema-valid registration a real one; True when it did."""
    content_type = {k.lower(): v for k, v in (case.headers or {}).items()}.get("content-type")
    if (case.method.upper(), case.path) != ("POST", "/registraties") or content_type not in (
        None, "application/json"
    ) or not REGISTRATION_BODY.is_valid(case.body):
        return False
    case.body = real_registration(case.body)
    return True


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: Any) -> None:
    response = case.call_and_validate(allow_redirects=False)
    STATUSES.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)
    if (case.method.upper(), case.path) == ("POST", "/registraties") and \
            REGISTRATION_BODY.is_valid(case.body) and refused_only_semantically(response):
        # Refused only for what the schema cannot express: the same request with a real
        # key and a loopback redirect_uri is accepted.
        case.body = real_registration(case.body)
        response = case.call_and_validate(allow_redirects=False)
        assert response.status_code == 201, response.text
        STATUSES[f"{case.method} {case.path}"].add(response.status_code)


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    def before_call(self, case: Any) -> None:
        with_real_key(case)

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"allow_redirects": False}

    def after_call(self, response: Any, case: Any) -> None:
        STATEFUL.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)


def test_stateful_scenarios_along_the_links() -> None:
    Workflow.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=6,
                                   deadline=None, suppress_health_check=list(HealthCheck)))


def test_generation_covered_both_modes_and_real_answers() -> None:
    """Guard against a green run that tested nothing."""
    modes = schema.config.generation.modes
    assert GenerationMode.POSITIVE in modes and GenerationMode.NEGATIVE in modes
    assert any(200 <= s < 300 for s in STATUSES["POST /registraties"])
    assert {200, 304} & STATUSES["GET /intrekkingen"]
    assert 401 in STATUSES["POST /intrekkingen"]
    assert 400 in STATUSES["POST /registraties"]
    assert any(400 <= s < 500 for statuses in STATUSES.values() for s in statuses)


def test_stateful_scenarios_reached_the_login() -> None:
    """The links were followed with real registrations: the consent page was reached."""
    assert 200 in STATEFUL.get("GET /registraties/{registratie_id}/inloggen", set()), STATEFUL
