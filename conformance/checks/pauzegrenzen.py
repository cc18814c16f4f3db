"""Bounded pauses (spec/rules/pauze.md, standard 2.2): how many pauses, the waiting time,
which cases, and what "pause everything" covers.

A source announcing ``maximum_aantal`` within ``periode_dagen`` refuses the pause beyond it
with 422 ``pauze/niet-toegestaan`` (``weigeringen``: ``maximum-bereikt``); a case whose
``pauze_mogelijkheid`` is false is refused the same way when named; a pause naming no cases
covers exactly the cases whose ``acties`` offer ``pauze``. Every pause made is ended again.
The count check uses up the test citizen's pauses for ``periode_dagen``, so it runs last in
its profile; when they are used up already (an earlier run), it sees the refusal at once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from conformance import document_rules, testklok
from conformance.checks import pauzes
from conformance.checks.answers import calendar_dates, json_body, now_utc
from conformance.checks.base import check, expect_problem, fail, problem_code
from conformance.checks.document import cases
from conformance.checks.pauzes import NEEDS, PATH, create, end, valid_end_date
from conformance.context import CheckContext, Session
from conformance.errors import CheckSkipped, NotApplicable

AREA = "pauzes"
NOT_ALLOWED = "pauze/niet-toegestaan"
COUNT_RULE = "/pauze/aantal-en-wachttijd"
SECONDS_PER_DAY = 86_400


def _bounds(ctx: CheckContext) -> dict[str, Any]:
    found = ctx.config.get("pauze")
    return found if isinstance(found, dict) else {}


def refusal_reasons(resp: httpx.Response) -> list[dict[str, Any]]:
    """The `weigeringen` of 422 pauze/niet-toegestaan (`redenen` keeps its 2.0 shape)."""
    found = json_body(resp).get("weigeringen")
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def _counted(pauses: list[Any], today: date, days: int) -> tuple[int, int]:
    """How many listed pauses started within the `days` up to `today` and count: surely, and
    perhaps. One ended on the day it began does not count (it never held). One ended before
    the day it began — an earlier run's pause, left to run its course ahead on the test
    clock, that a later clean-up ended at real time — never held either, but the standard
    names only the first case: a source may count it (perhaps) or not (surely)."""
    since = (today - timedelta(days=days - 1)).isoformat()
    surely = perhaps = 0
    for p in pauses:
        start, stop = (p.get("ingangsdatum"), p.get("einddatum")) if isinstance(p, dict) \
            else (None, None)
        if not isinstance(start, str) or not since <= start <= today.isoformat():
            continue
        ended = p.get("status") == "beeindigd" and isinstance(stop, str)
        if ended and stop == start:
            continue
        perhaps += 1
        surely += not (ended and stop < start)
    return surely, perhaps


async def _made_and_ended(ctx: CheckContext, session: Session, einddatum: date
                          ) -> httpx.Response:
    """A pause of everything until `einddatum`, ended at once if it was made."""
    resp = await create(ctx, session, einddatum)
    pauze_id = json_body(resp).get("id")
    if resp.status_code == httpx.codes.CREATED and isinstance(pauze_id, str):
        await end(ctx, session, pauze_id)
    return resp


@check(rule=COUNT_RULE, area=AREA, needs=NEEDS)
async def pauses_bounded_in_number(ctx: CheckContext) -> None:
    """With ``maximum_aantal`` and ``periode_dagen`` announced, a citizen can start that many
    pauses within the period and no more: the next is refused with 422 pauze/niet-toegestaan,
    reason ``maximum-bereikt``.

    On the test clock, from tomorrow on: each pause runs its course (it counts: one ended on
    the day it began does not) and the next starts after it and any waiting time. The pauses
    lie in the citizen's future, so at real time they do not count (spec/testomgeving.md §4).
    Repeatable against a permanent test environment: an earlier run's pauses are counted as
    the source lists them, also those a clean-up ended at real time before they began (which
    never held: a source may count them or not, so a refusal at either count passes)."""
    bounds = _bounds(ctx)
    most, days = bounds.get("maximum_aantal"), bounds.get("periode_dagen")
    if not isinstance(most, int) or not isinstance(days, int):
        raise NotApplicable("the source announces no maximum_aantal within periode_dagen")
    if not await testklok.offered(ctx):
        raise CheckSkipped("pauses that count take days to run their course: only the test "
                           "clock reaches the maximum without using up the test citizen")
    step = (bounds.get("wachttijd_dagen") or 0) + 2
    span = step * (most + 1)
    reach = testklok.MAX_SHIFT_S // SECONDS_PER_DAY - 2
    if step * most >= days or span >= reach:
        raise CheckSkipped(f"{most} pauses {step} days apart do not fit in periode_dagen "
                           f"{days} or the test clock's year")
    session = await ctx.session()
    listing = json_body(await ctx.get(PATH, session)).get("pauzes") or []
    ends = [date.fromisoformat(p["einddatum"]) for p in listing if isinstance(p, dict)
            and document_rules.is_date(p.get("einddatum"))]
    # at the far end of the clock's year, after any pause an earlier run left there: the
    # other checks move the clock less far, so these pauses never hold in their way
    today = calendar_dates(now_utc())[-1]
    first_day = max([today + timedelta(days=reach - span), *(e + timedelta(days=step - 1)
                                                             for e in ends)])
    for k in range(most + 1):
        day = first_day + timedelta(days=step * k)
        if day + timedelta(days=1) > today + timedelta(days=reach):
            raise CheckSkipped("earlier runs' pauses fill the test clock's year; the maximum "
                               "cannot be approached after them")
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        async with testklok.moved(ctx, int(noon.timestamp()) - ctx.now(), session):
            counted, perhaps = _counted(
                json_body(await ctx.get(PATH, session)).get("pauzes") or [], day, days)
            resp = await create(ctx, session, day + timedelta(days=1))
        if k == 0 and problem_code(resp) == "pauze/niet-mogelijk":
            raise CheckSkipped(f"on {day} the test citizen cannot start a pause "
                               f"({[r.get('code') for r in refusal_reasons(resp)]}), so the "
                               "maximum cannot be approached")
        if resp.status_code == httpx.codes.CREATED and counted < most:
            continue  # each pause made counts surely: the maximum is reached within most + 1
        if resp.status_code != httpx.codes.CREATED and perhaps < most:
            fail(f"on {day} pause {counted + 1} of at most {most} within {days} days was "
                 f"refused: {resp.status_code} {json_body(resp).get('code')!r}", resp)
        break  # made beyond the maximum, or refused at it: judged below
    else:
        fail(f"{most + 1} pauses within {days} days were all started", resp)
    expect_problem(resp, 422, NOT_ALLOWED)
    if "maximum-bereikt" not in {r.get("reden") for r in refusal_reasons(resp)}:
        fail(f"the pause beyond the maximum is refused with {refusal_reasons(resp)!r}, not "
             "reden maximum-bereikt", resp)


@check(rule=COUNT_RULE, area=AREA, needs=NEEDS)
async def pause_waits_after_the_previous(ctx: CheckContext) -> None:
    """With ``wachttijd_dagen`` announced, a pause starting sooner after the end of the
    citizen's previous one is refused with 422 pauze/niet-toegestaan, reason ``wachttijd``
    and ``mogelijk_vanaf`` that end plus the waiting time.

    On the test clock: a pause runs to its einddatum, the day after it a new one is asked."""
    wait = _bounds(ctx).get("wachttijd_dagen")
    if not isinstance(wait, int) or wait < 2:
        raise NotApplicable("the source announces no waiting time of two days or more (one day "
                            "ends where the previous pause ends)")
    if not await testklok.offered(ctx):
        raise CheckSkipped("a pause's end is days away: only the test clock reaches it")
    session = await ctx.session()
    einddatum = calendar_dates(now_utc())[-1] + timedelta(days=2)
    first = await create(ctx, session, einddatum)
    if first.status_code != httpx.codes.CREATED:
        raise CheckSkipped(f"no pause can be started now ({json_body(first).get('code')!r}), "
                           "so the waiting time after one cannot be tested")
    try:
        day_after = einddatum + timedelta(days=1)
        noon = datetime(day_after.year, day_after.month, day_after.day, 12, tzinfo=UTC)
        async with testklok.moved(ctx, int(noon.timestamp()) - ctx.now(), session):
            second = await _made_and_ended(ctx, session, day_after + timedelta(days=1))
    finally:
        await end(ctx, session, json_body(first)["id"])
    expect_problem(second, 422, NOT_ALLOWED)
    allowed = (einddatum + timedelta(days=wait)).isoformat()
    if not any(r.get("reden") == "wachttijd" and r.get("mogelijk_vanaf") == allowed
               for r in refusal_reasons(second)):
        fail(f"a pause the day after another ended ({einddatum}) is refused with "
             f"{refusal_reasons(second)!r}, not reden wachttijd with mogelijk_vanaf {allowed}",
             second)


def _barred_case(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """A case with a balance that the document says cannot be paused, for a reason of its own."""
    for case in cases(envelope):
        possible = case.get("pauze_mogelijkheid") or {}
        if possible.get("mogelijk") is False and possible.get("reden") not in (
                "afgelost", "maximum-bereikt", "wachttijd") and \
                isinstance(case.get("saldo"), int) and case["saldo"] > 0 and \
                case.get("status") != "afgelost" and isinstance(case.get("zaakkenmerk"), str):
            return case
    return None


@check(rule="/pauze/per-zaak", area=AREA, needs=NEEDS)
async def barred_case_refused_when_named(ctx: CheckContext) -> None:
    """A case whose ``pauze_mogelijkheid.mogelijk`` is false, named in a pause, is refused
    with 422 pauze/niet-toegestaan naming the case with the document's ``reden``."""
    for bsn in ctx.target.test_bsns:
        session = await ctx.session(bsn)
        if (case := _barred_case(await ctx.overview(session))) is not None:
            break
    else:
        raise CheckSkipped("no test citizen has a case with a balance that cannot be paused "
                           "(pauze_mogelijkheid.mogelijk false); give one such a case")
    resp = await create(ctx, session, valid_end_date(ctx), [case["zaakkenmerk"]])
    pauze_id = json_body(resp).get("id")
    if resp.status_code == httpx.codes.CREATED and isinstance(pauze_id, str):
        await end(ctx, session, pauze_id)
    expect_problem(resp, 422, NOT_ALLOWED)
    reden = case["pauze_mogelijkheid"]["reden"]
    if not any(r.get("reden") == reden and r.get("zaakkenmerk") == case["zaakkenmerk"]
               for r in refusal_reasons(resp)):
        fail(f"case {case['zaakkenmerk']!r} ({reden}) is refused with "
             f"{refusal_reasons(resp)!r}", resp)


def pausable(envelope: dict[str, Any]) -> list[str]:
    """The cases whose `acties` offer `pauze`."""
    return sorted(c["zaakkenmerk"] for c in cases(envelope)
                  if "pauze" in (c.get("acties") or []) and isinstance(c.get("zaakkenmerk"), str))


@check(rule="/pauze/alles-volgt-acties", area=AREA, needs=NEEDS)
async def pause_everything_follows_acties(ctx: CheckContext) -> None:
    """A pause naming no cases covers exactly the cases whose ``acties`` offer ``pauze``
    (checked for every test citizen, so a case with a balance that cannot be paused is
    among them where the test data has one)."""
    for bsn in ctx.target.test_bsns:
        session = await ctx.session(bsn)
        expected = pausable(await ctx.overview(session))
        if not expected:
            continue
        resp = await create(ctx, session, valid_end_date(ctx))
        pauze = json_body(resp)
        if resp.status_code == httpx.codes.CREATED and isinstance(pauze.get("id"), str):
            await end(ctx, session, pauze["id"])
        if resp.status_code != httpx.codes.CREATED:
            fail(f"a pause of everything was refused ({resp.status_code}) while acties offer "
                 f"pauze for {expected}", resp)
        if sorted(pauze.get("zaakkenmerken") or []) != expected:
            fail(f"a pause naming no cases covers {sorted(pauze.get('zaakkenmerken') or [])}; "
                 f"the cases whose acties offer pauze are {expected}", resp)


@check(rule="/pauze/wat-een-pauze-stopt", area=AREA, needs=NEEDS)
async def pause_stops_what_it_promises(ctx: CheckContext) -> None:
    """While a pause holds the source imposes no surcharge, interest, reminder or formal
    demand on the cases it covers, nor afterwards what fell within it (the test-clock proof
    of `/pauze/geen-verhogingen`, judged under this 2.2 rule); no case offering ``pauze`` is
    marked as running statutory interest."""
    for bsn in ctx.target.test_bsns:
        envelope = await ctx.overview(await ctx.session(bsn))
        running = [c.get("zaakkenmerk") for c in cases(envelope)
                   if "pauze" in (c.get("acties") or [])
                   and (c.get("pauze_mogelijkheid") or {}).get("reden") == "wettelijke-rente"]
        if running:
            fail(f"cases {running} offer pauze while statutory interest keeps running on them "
                 "(pauze_mogelijkheid reden wettelijke-rente)", *list(ctx.exchanges)[-1:])
    await pauzes.no_surcharges_while_paused(ctx)


CHECKS = (pause_stops_what_it_promises, barred_case_refused_when_named,
          pause_everything_follows_acties, pause_waits_after_the_previous,
          pauses_bounded_in_number)
PROFILE_CHECKS = {"pauzes": CHECKS}
