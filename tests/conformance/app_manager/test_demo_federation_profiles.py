"""The `app-manager` and `stelsel` profiles against the demo federation over loopback:
the App Manager with the scheme document and its pinned key (every check runs and passes,
--slow aside), then the scheme service, which must carry the revocations the first run
made into its document."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance import app_manager, stelsel
from conformance.runner import RunOptions
from reference_impl.app_manager import app as app_manager_app
from reference_impl.app_manager.config import RateLimit
from reference_impl.app_manager.ratelimit import RateLimiter
from reference_impl.demo.launcher import Federation

pytestmark = [pytest.mark.anyio, pytest.mark.live]

SLOW_ONLY = {"expired_login_code_refused", "management_session_ends"}


async def test_demo_app_manager_and_scheme_service_are_green(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A run registers about 60 times; at the default 20 per minute per client the suite
    # waits out each 429's Retry-After (correct, but 2 minutes). Here the limit is raised.
    monkeypatch.setattr(app_manager_app, "RateLimiter",
                        lambda _limit: RateLimiter(RateLimit(aantal=1000, periode_s=60)))
    async with Federation(state_dir=tmp_path / "federatie") as federation:
        started = time.monotonic()
        am_report = await app_manager.run(RunOptions(
            base_url=federation.app_manager_url, key_dir=tmp_path / "sleutels",
            stelsel_url=federation.scheme_url, stelsel_keys=federation.scheme_key_path,
            deadline_s=None))
        am_seconds = time.monotonic() - started
        started = time.monotonic()
        scheme_report = await stelsel.run(RunOptions(
            base_url=federation.scheme_url, key_dir=tmp_path / "sleutels",
            stelsel_keys=federation.scheme_key_path, deadline_s=None))
        scheme_seconds = time.monotonic() - started
    not_passed = {r.check: r.message for r in am_report.results
                  if r.outcome.value != "passed" and r.check not in SLOW_ONLY}
    assert not_passed == {}
    assert am_report.oin == federation.app_manager_id
    assert {r.check: r.outcome.value for r in scheme_report.results} == {
        name: "passed" for name in (r.check for r in scheme_report.results)}, \
        {r.check: r.message for r in scheme_report.results}
    print(f"\napp-manager profile: {am_seconds:.1f} s, stelsel profile: {scheme_seconds:.1f} s")
