"""The test clock itself (spec/testomgeving.md §2): per citizen, administrative time only.

The test clock is optional: against a source that does not offer it these checks do not apply
(`NotApplicable`). The rules that need it to be tested — /pauze/geen-verhogingen — are skipped
as not tested there instead (pauzes.py).
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance import testklok
from conformance.checks.answers import json_body, now_utc, parse_instant
from conformance.checks.base import check, expect_problem, fail
from conformance.context import CheckContext, Session
from conformance.errors import NotApplicable

AREA = "testomgeving"
SHIFT_DAYS = 10
SHIFT_S = SHIFT_DAYS * 86_400
# opgesteld_op may lag or lead the suite's clock by the clock skew the standard allows, plus
# the time the requests take.
TOLERANCE_S = 120
INVALID_SHIFTS: tuple[Any, ...] = (-1, testklok.MAX_SHIFT_S + 1, "86400", 1.5, None)


async def _offered(ctx: CheckContext) -> None:
    if not await testklok.offered(ctx):
        raise NotApplicable("the endpoint offers no test clock (optional, test environments "
                            "only)")


async def _drawn_up(ctx: CheckContext, session: Session) -> tuple[float, dict[str, Any]]:
    """`opgesteld_op` of the citizen's document (Unix seconds) and the document."""
    document = (await ctx.overview(session)).get("document") or {}
    when = parse_instant(document.get("opgesteld_op"))
    if when is None:
        fail("/document/schema", f"opgesteld_op {document.get('opgesteld_op')!r} is not a "
             "date-time", *list(ctx.exchanges)[-1:])
    return when.timestamp(), document


def _expect_near(ctx: CheckContext, label: str, actual: float, expected: float) -> None:
    if abs(actual - expected) > TOLERANCE_S:
        fail(f"{label}: opgesteld_op is {actual - now_utc().timestamp():+.0f} s from real time; "
             f"expected {expected - now_utc().timestamp():+.0f} s (± {TOLERANCE_S} s)",
             *list(ctx.exchanges)[-1:])


@check(rule="/testomgeving/klok-per-burger", area=AREA, needs=("test_bsn", "second_bsn"))
async def test_clock_is_per_citizen(ctx: CheckContext) -> None:
    """A PUT outside 0..31622400 or not an integer is 400 verzoek/ongeldig; a shift of one
    citizen's clock leaves the other citizen's clock and document at real time."""
    await _offered(ctx)
    first = await ctx.session()
    other_bsn = ctx.other_bsn(first.bsn)
    second = await ctx.session(other_bsn)
    for value in INVALID_SHIFTS:
        resp = await ctx.put(testklok.PATH, first, json={"verschuiving_s": value})
        expect_problem(resp, 400, "verzoek/ongeldig")
    resp = await ctx.put(testklok.PATH, first, json={"verschuiving_s": 60, "extra": True})
    expect_problem(resp, 400, "verzoek/ongeldig")
    async with testklok.moved(ctx, SHIFT_S, first):
        own = await ctx.get(testklok.PATH, first)
        if json_body(own).get("verschuiving_s") != SHIFT_S:
            fail(f"after PUT verschuiving_s {SHIFT_S} the citizen's clock reads "
                 f"{json_body(own).get('verschuiving_s')!r}", own)
        theirs = await ctx.get(testklok.PATH, second)
        if theirs.status_code != httpx.codes.OK or json_body(theirs).get("verschuiving_s") != 0:
            fail(f"moving one citizen's clock moved another's: {theirs.status_code} "
                 f"verschuiving_s {json_body(theirs).get('verschuiving_s')!r}", theirs)
        drawn_up, _document = await _drawn_up(ctx, second)
        _expect_near(ctx, "the other citizen's document", drawn_up, now_utc().timestamp())


@check(rule="/testomgeving/klok-verschuift-domeintijd", area=AREA, needs=("test_bsn",))
async def test_clock_moves_administrative_time_only(ctx: CheckContext) -> None:
    """Under a shift of ten days the session keeps working (trust time is real) and the
    document is drawn up ten days ahead; set back to 0 it is drawn up now again, with no
    event dated after it."""
    await _offered(ctx)
    session = await ctx.session()
    async with testklok.moved(ctx, SHIFT_S, session):
        drawn_up, _document = await _drawn_up(ctx, session)
        _expect_near(ctx, f"with the clock {SHIFT_DAYS} days ahead", drawn_up,
                     now_utc().timestamp() + SHIFT_S)
    drawn_up, document = await _drawn_up(ctx, session)
    _expect_near(ctx, "with the clock back at 0", drawn_up, now_utc().timestamp())
    for case in document.get("financiele_zaken") or []:
        for event in (case.get("gebeurtenissen") or []) if isinstance(case, dict) else []:
            when = parse_instant(event.get("datumtijd")) if isinstance(event, dict) else None
            if when is not None and when.timestamp() > drawn_up:
                fail(f"with the clock back at 0, event {event.get('gebeurtenis_id')!r} of case "
                     f"{case.get('zaakkenmerk')!r} is dated {event.get('datumtijd')}, after "
                     "opgesteld_op: the moved clock left a trace", *list(ctx.exchanges)[-1:])
