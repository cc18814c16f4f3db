"""Rule version selection: a rule introduced after the version the endpoint announces is not
applicable; a withdrawn rule is never certified."""

from __future__ import annotations

import httpx
import pytest

from conformance import rule_versions
from conformance.checks.base import check
from conformance.context import CheckContext
from conformance.model import Outcome
from conformance.runner import run_check

INDEX = {
    "/x/oud": {"id": "/x/oud", "status": "in-force", "since": "1.0.0"},
    "/x/twee": {"id": "/x/twee", "status": "in-force", "since": "2.0.0", "changed": "2.0.0"},
    "/x/later": {"id": "/x/later", "status": "in-force", "since": "2.3.0"},
    "/x/weg": {"id": "/x/weg", "status": "withdrawn", "since": "1.0.0", "withdrawn_in": "2.0.0"},
}


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rule_versions, "rule_index", lambda: INDEX)


@pytest.mark.parametrize(("rule", "announced", "applies"), [
    ("/x/oud", "2.0", True),
    ("/x/twee", "2.0", True),
    ("/x/twee", "2.7", True),
    ("/x/later", "2.0", False),
    ("/x/later", "2.3", True),
    ("/x/weg", "2.0", False),
    ("/x/onbekend", "2.0", True),  # never skip on missing information
    ("/x/later", None, True),
    ("/x/later", "twee", True),
])
def test_applicability_follows_since_and_status(index: None, rule: str, announced: object,
                                                 applies: bool) -> None:
    reason = rule_versions.not_applicable(rule, announced)
    assert (reason is None) is applies
    if reason:
        assert reason.startswith("not applicable") and rule in reason


def test_version_parts() -> None:
    assert rule_versions.major_minor("2.0") == (2, 0)
    assert rule_versions.major_minor("2.10.3") == (2, 10)
    assert rule_versions.major_minor("2") is None
    assert rule_versions.major_minor("2.x") is None


@pytest.mark.anyio
async def test_the_runner_skips_a_rule_of_a_later_minor(index: None, suite_keys) -> None:
    ran = []

    @check(rule="/x/later", area="test")
    async def later(_ctx: CheckContext) -> None:
        ran.append("later")

    @check(rule="/x/twee", area="test")
    async def current(_ctx: CheckContext) -> None:
        ran.append("current")

    def configuratie(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"oin": "0" * 20, "api_versie": "2.0"})

    ctx = await CheckContext.create("http://127.0.0.1/vorderingen/v2", keys=suite_keys,
                                    scheme={}, transport=httpx.MockTransport(configuratie))
    async with ctx:
        skipped = await run_check(ctx, later, 5)
        passed = await run_check(ctx, current, 5)
    assert skipped.outcome is Outcome.SKIPPED and "2.3.0" in skipped.message
    assert passed.outcome is Outcome.PASSED and ran == ["current"]
