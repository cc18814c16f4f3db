"""Profile `app`: the reference app CLI is certified green, and planted app mistakes are each
caught by the check of their rule (tests/conformance/app/planted_app.py).

The app runs as a real subprocess against the suite's federation on loopback, exactly as
`vorderingen-conformance run --profile app --app-command ...` runs it. The planted mistakes
run against the federation without its slow and hostile sources (a fast main run), except
the concurrency one, which needs them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.app import PROFILE, PROFILES, run
from conformance.app.checks import (
    app_asks_sources_concurrently,
    app_prints_overview_json,
    app_refuses_rolled_back_scheme,
    app_shows_verified_claims_with_totals,
)
from conformance.app.context import AppContext
from conformance.app.federation import SOURCES
from conformance.checks.base import meta_of
from conformance.errors import CheckFailed
from conformance.runner import RunOptions

pytestmark = [pytest.mark.anyio, pytest.mark.live, pytest.mark.slow]

PLANTED = Path(__file__).with_name("planted_app.py")
REFERENCE_APP = (sys.executable, "-m", "reference_impl.cli", "app", "overzicht", "--json")
FAST_SOURCES = tuple(b for b in SOURCES if not b.behaviour)


def planted(mistake: str) -> tuple[str, ...]:
    return (sys.executable, str(PLANTED), mistake)


async def full_run(command: tuple[str, ...], tmp_path: Path):
    return await run(RunOptions(base_url="", key_dir=tmp_path, app_command=command))


async def test_the_reference_app_is_certified_green(tmp_path: Path) -> None:
    """The reference app CLI, unchanged: every check of the profile passes."""
    report = await full_run(REFERENCE_APP, tmp_path)
    assert report.actor == "app" and report.profiles == [PROFILE]
    assert [r.check for r in report.results] == [meta_of(f).name for f in PROFILES[PROFILE]]
    failing = {r.check: r.message for r in report.results if r.outcome.value != "passed"}
    assert failing == {}
    assert report.verdict.value == "conformant"


async def test_without_an_app_command_the_run_cannot_start(tmp_path: Path) -> None:
    report = await full_run((), tmp_path)
    assert report.verdict.value == "error" and "--app-command" in (report.error or "")
    assert report.results == []


async def _fails(ctx: AppContext, fn) -> str:
    with pytest.raises(CheckFailed) as caught:
        await fn(ctx)
    finding = caught.value.finding
    assert finding.rule in ("", meta_of(fn).rule), finding.rule
    return finding.message


ENVELOPE_CHECKS = {meta_of(fn).name: fn for fn in PROFILES[PROFILE]
                   if fn.__name__.startswith("app_refuses_") and "scheme" not in fn.__name__}
ENVELOPE_CHECKS["app_shows_verified_claims_with_totals"] = app_shows_verified_claims_with_totals
SIGNATURE_STEPS = {"app_refuses_tampered_envelope", "app_refuses_unknown_signing_key",
                   "app_refuses_revoked_signing_key", "app_refuses_retired_signing_key",
                   "app_refuses_unsigned_envelope", "app_refuses_document_breaking_its_rules",
                   "app_refuses_document_from_the_future",
                   "app_refuses_document_of_another_major"}


@pytest.mark.parametrize(("mistake", "caught_by"), [
    ("bsn-niet-gecontroleerd", {"app_refuses_other_citizens_document"}),
    ("documentregels-niet-gecontroleerd", {"app_refuses_document_breaking_its_rules"}),
    # the BSN and the organisation asked are still compared after the (skipped) verification
    ("handtekening-niet-gecontroleerd", SIGNATURE_STEPS),
])
async def test_a_planted_envelope_mistake_is_caught_by_exactly_its_checks(
        tmp_path: Path, mistake: str, caught_by: set[str]) -> None:
    async with AppContext(planted(mistake), tmp_path, sources=FAST_SOURCES) as ctx:
        failed = {}
        for name, fn in ENVELOPE_CHECKS.items():
            try:
                await fn(ctx)
            except CheckFailed as exc:
                assert exc.finding.rule in ("", "/app/verifieer-voor-tonen",
                                            "/app/status-per-bron"), exc.finding.rule
                failed[name] = exc.finding.message
        # what the app wrongly accepted is shown as if verified: the totals check sees it too
        assert set(failed) == caught_by | {"app_shows_verified_claims_with_totals"}
        assert all("'beantwoord', expected geweigerd" in failed[name] for name in caught_by)
        assert len(ctx.runs) == 1  # one overview run served every check


async def test_a_volgnummer_kept_in_memory_is_caught(tmp_path: Path) -> None:
    async with AppContext(planted("volgnummer-in-geheugen"), tmp_path,
                          sources=FAST_SOURCES) as ctx:
        await app_prints_overview_json(ctx)  # the first run accepts the scheme
        message = await _fails(ctx, app_refuses_rolled_back_scheme)
        assert "exited 0" in message and "stelsel/volgnummer-teruggedraaid" in message


async def test_asking_sources_one_after_another_is_caught(tmp_path: Path) -> None:
    # a source that never answers between two that do: asked in turn, the third waits
    in_turn = tuple(next(b for b in SOURCES if b.slug == s) for s in ("goed", "traag", "leeg"))
    async with AppContext(planted("na-elkaar"), tmp_path, sources=in_turn) as ctx:
        await app_prints_overview_json(ctx)  # every source still gets its status
        message = await _fails(ctx, app_asks_sources_concurrently)
        assert "one after another" in message
