"""The runner parks a check that waits out a lifetime and runs the next ones meanwhile
(conformance/overlap.py): only when the check says others may run, with each check's own
evidence, results in profile order, and Ctrl-C still reporting every unfinished check.

The order of steps is forced with events, never by timing: a check that must overlap
waits for something only the parked check does after its wait.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from conformance import overlap
from conformance.checks.base import check, fail
from conformance.model import Outcome
from conformance.runner import CheckFinished, CheckStarted, RunOptions, new_report, run_checks

pytestmark = pytest.mark.anyio


class Actor:
    """The least a context offers the runner, plus a log of what the checks did."""

    def __init__(self) -> None:
        self.exchanges: list = []
        self.api_versie = None
        self.trace: list[str] = []
        self.a_resumed = asyncio.Event()
        self.b_recorded = asyncio.Event()
        self.may_run = True

    async def unmet_need(self, need: str) -> str | None:
        return None

    def exchange(self, path: str) -> None:
        """What an actor's client hook does for every answer."""
        request = httpx.Request("GET", f"http://bron.test{path}")
        self.exchanges.append(httpx.Response(200, request=request, content=b"{}"))


@check(rule="/test/waits", area="test")
async def waits_out_a_lifetime(ctx: Actor) -> None:
    """Opens something, waits for it to expire, finds it wrong."""
    ctx.exchange("/a-before")
    ctx.trace.append("A waits")
    await overlap.waiting(0.05, others_may_run=ctx.may_run)
    ctx.trace.append("A resumes")
    ctx.exchange("/a-after")
    ctx.a_resumed.set()
    await ctx.b_recorded.wait()  # B's exchange is now the newest of the run
    fail("still valid after its lifetime")


@check(rule="/test/next", area="test")
async def next_check(ctx: Actor) -> None:
    ctx.trace.append("B starts")
    await ctx.a_resumed.wait()
    ctx.exchange("/b")
    ctx.b_recorded.set()
    ctx.trace.append("B ends")


@check(rule="/test/last", area="test")
async def last_check(ctx: Actor) -> None:
    ctx.trace.append("C")


@pytest.fixture(autouse=True)
def short_parking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overlap, "PARK_AFTER_S", 0.01)


class Recorder:
    def __init__(self) -> None:
        self.events: list = []

    def handle(self, event) -> None:
        self.events.append(event)


async def _run(actor: Actor, *, allow: bool = True, recorder: Recorder | None = None):
    options = RunOptions(base_url="http://bron.test", key_dir=".", overlap=allow)
    report = new_report(options, actor="bron", target=options.base_url, profiles=["basis"])
    await run_checks(actor, (waits_out_a_lifetime, next_check, last_check), report=report,
                     reporters=[recorder or Recorder()], options=options)
    return report


async def test_a_parked_check_overlaps_the_next_and_keeps_its_own_evidence() -> None:
    actor, recorder = Actor(), Recorder()
    report = await _run(actor, recorder=recorder)
    assert actor.trace == ["A waits", "B starts", "A resumes", "B ends", "C"]
    assert [(r.check, r.outcome) for r in report.results] == [
        ("waits_out_a_lifetime", Outcome.FAILED), ("next_check", Outcome.PASSED),
        ("last_check", Outcome.PASSED)]
    assert report.results[0].evidence[0].request_url == "http://bron.test/a-after"
    started = [e.meta.name for e in recorder.events if isinstance(e, CheckStarted)]
    finished = [(e.index, e.result.check) for e in recorder.events
                if isinstance(e, CheckFinished)]
    assert started == ["waits_out_a_lifetime", "next_check", "last_check"]
    assert sorted(finished) == [(1, "waits_out_a_lifetime"), (2, "next_check"),
                                (3, "last_check")]


@pytest.mark.parametrize("allow", [True, False], ids=["check-says-no", "run-says-no"])
async def test_without_permission_a_waiting_check_holds_the_run(allow: bool) -> None:
    actor = Actor()
    actor.may_run = not allow  # the check (others_may_run=False) or the run (overlap=False)
    actor.b_recorded.set()  # A does not wait for B when nothing overlaps
    report = await _run(actor, allow=allow)
    assert actor.trace == ["A waits", "A resumes", "B starts", "B ends", "C"]
    assert report.results[0].evidence[0].request_url == "http://bron.test/a-after"


async def test_ctrl_c_while_a_check_is_parked_reports_it_not_run() -> None:
    actor = Actor()

    @check(rule="/test/parks-long", area="test")
    async def parks_long(ctx: Actor) -> None:
        await overlap.waiting(60, others_may_run=True)

    options = RunOptions(base_url="http://bron.test", key_dir=".")
    report = new_report(options, actor="bron", target=options.base_url, profiles=["basis"])
    runner = asyncio.ensure_future(run_checks(
        actor, (parks_long, last_check, next_check), report=report, reporters=[],
        options=options))
    while "B starts" not in actor.trace:  # parks_long is parked, C ran, B waits for A
        await asyncio.sleep(0)
    runner.cancel()
    await runner
    assert report.interrupted
    assert [(r.check, r.outcome, r.skip) for r in report.results] == [
        ("parks_long", Outcome.SKIPPED, "not_run"), ("last_check", Outcome.PASSED, ""),
        ("next_check", Outcome.SKIPPED, "not_run")]
