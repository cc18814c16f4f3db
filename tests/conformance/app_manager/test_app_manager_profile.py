"""Profile `app-manager` against the reference App Manager: green where it can be tested
in-process, and honest (not tested) where it needs the scheme document or --slow."""

from __future__ import annotations

from pathlib import Path

import pytest
from am_support import manager_app, outcomes, run_against

from conformance.app_manager import PROFILE, PROFILES
from conformance.checks.base import meta_of

pytestmark = pytest.mark.anyio

NEEDS_MORE = {"certificate_signed_with_a_published_key",
              "revocation_list_signed_with_a_published_key", "expired_login_code_refused",
              "management_session_ends"}


async def test_the_reference_app_manager_passes_every_check_it_can(tmp_path: Path) -> None:
    app = manager_app(tmp_path)
    async with app.router.lifespan_context(app):
        report = await run_against(app, tmp_path)
    results = outcomes(report)
    assert report.actor == "app-manager" and report.profiles == [PROFILE]
    assert set(results) == {meta_of(fn).name for fn in PROFILES[PROFILE]}
    failing = {n: r for n, r in report_by_name(report).items()
               if n not in NEEDS_MORE and r.outcome.value != "passed"}
    assert failing == {}, {n: r.message for n, r in failing.items()}
    for name in NEEDS_MORE:
        assert results[name][0] == "skipped", (name, results[name])
    assert report.verdict.value == "incomplete"


def report_by_name(report):
    return {r.check: r for r in report.results}
