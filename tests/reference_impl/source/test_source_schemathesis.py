"""Schemathesis over every operation of spec/openapi/bron.yaml against the reference source:
positive and negative generation per operation, and stateful scenarios along the OpenAPI
links, all with a real session (an auth hook opens one as an app would, and signs the
request proof for each case's method and URL) and zero failures.

In-process: schemathesis calls the ASGI app through its own event-loop thread; the source
starts on the first request there. Real time is used (the clock is not frozen); the auth
hook opens a fresh session for every case, so a case that ends its session (DELETE
/sessies/huidige) affects no other.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis_support import BASE_URL, build_target, open_session, sign_case

from reference_impl.common.spec import openapi_path

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 15
STATEFUL_EXAMPLES = 10
# Answers the document lists for valid input that the domain refuses (an unknown or settled
# case, a used quote, a repeated Idempotency-Key): valid data, documented refusals.
DOMAIN_REFUSALS = ["409", "422"]


def _config() -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        # The coverage phase is generated while pytest collects, for every run of the suite;
        # for the deeply nested help-request bundle it costs ~10 s there. That operation is
        # still fuzzed (valid and invalid data) and followed statefully.
        "operations": [{"include-name": "POST /hulpvragen",
                        "phases": {"coverage": {"enabled": False}}}],
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True,
                       "database": "none"},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", *DOMAIN_REFUSALS]},
        },
    })


# Schemathesis generates its coverage cases, with auth applied, while pytest collects this
# module; so the source it targets exists from import on, in its own temporary directory
# (removed at the end of the module, or at exit when its tests were deselected).
STATUSES: dict[str, set[int]] = {}
STATEFUL: dict[str, set[int]] = {}
_WORK = Path(tempfile.mkdtemp(prefix="vorderingen-schemathesis-"))
atexit.register(shutil.rmtree, _WORK, True)  # also when the module is collected but deselected
TARGET = build_target(_WORK)
schema = schemathesis.openapi.from_path(openapi_path("bron"), config=_config())
schema.config.update(base_url=BASE_URL)
schema.app = TARGET.app


@schema.auth(refresh_interval=None)  # a fresh session per case: one case may end its own
class SessionAuth:
    def get(self, case: Any, ctx: Any) -> str:
        return open_session(TARGET)

    def set(self, case: Any, data: str, ctx: Any) -> None:
        sign_case(TARGET, case, data)


@pytest.fixture(scope="module", autouse=True)
def _remove_work_dir() -> Iterator[None]:
    yield
    shutil.rmtree(_WORK, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: Any) -> None:
    response = case.call_and_validate()
    STATUSES.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)


def test_stateful_scenarios_along_the_links() -> None:
    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def after_call(self, response: Any, case: Any) -> None:
            STATEFUL.setdefault(f"{case.method} {case.path}", set()).add(response.status_code)

    Scenarios.run(settings=settings(max_examples=STATEFUL_EXAMPLES, stateful_step_count=6,
                                  deadline=None, suppress_health_check=list(HealthCheck)))


def test_generation_covered_both_modes_and_real_sessions() -> None:
    """Guard against a green run that tested nothing: both modes were on, and with the auth
    hook's real session the authenticated operations answered successfully."""
    modes = schema.config.generation.modes
    assert GenerationMode.POSITIVE in modes and GenerationMode.NEGATIVE in modes
    unexpected_methods = [k for k, v in STATUSES.items()
                          if k.startswith(("PUT ", "TRACE ")) and k != "PUT /testklok"]
    assert unexpected_methods and all(STATUSES[k] == {405} for k in unexpected_methods)
    # (A generated quote names unknown cases, so quotes succeed only along the links.)
    for operation in ("GET /vorderingenoverzicht", "GET /betalingsregelingen", "GET /pauzes",
                      "POST /sessies/uitdagingen", "GET /configuratie"):
        assert any(200 <= s < 300 for s in STATUSES[operation]), (operation, STATUSES[operation])
    assert any(400 <= s < 500 for statuses in STATUSES.values() for s in statuses)
    # The scenarios went along the links past the first step (overview → quote / pause …).
    assert len(STATEFUL) >= 5 and "POST /betalingsregelingen/voorstellen" in STATEFUL, STATEFUL
