"""Schemathesis over spec/openapi/stelsel.yaml against the reference scheme service:
positive and negative generation, every check, zero failures (in-process, real time)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from scheme_support import description, service_config

from reference_impl.common.jose import generate_key
from reference_impl.common.spec import openapi_path
from reference_impl.scheme.app import create_app

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 30

STATUSES: set[int] = set()
_WORK = Path(tempfile.mkdtemp(prefix="vorderingen-stelsel-schemathesis-"))
_CONFIG, _PUBLIC = service_config(_WORK, description(generate_key(), generate_key()))
schema = schemathesis.openapi.from_path(openapi_path("stelsel"), config=schemathesis.Config.
                                        from_dict({"generation": {
                                            "max-examples": MAX_EXAMPLES, "deterministic": True,
                                            "database": "none"}}))
schema.config.update(base_url="http://testserver/stelsel/v2")
schema.app = create_app(_CONFIG)  # the App Manager in the description is never reachable


@pytest.fixture(scope="module", autouse=True)
def _remove_work_dir() -> Iterator[None]:
    yield
    shutil.rmtree(_WORK, ignore_errors=True)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: Any) -> None:
    STATUSES.add(case.call_and_validate().status_code)


def test_generation_reached_the_document_and_the_refusals() -> None:
    assert 200 in STATUSES and 405 in STATUSES, STATUSES
