"""Behaviour of the pause button (spec/interface.md, "Pauses").

An end date must lie after today and within ``maximum_duur_dagen``; an active pause shows in
the claims document and stops new surcharges and reminders; DELETE ends it. Every check
that creates a pause ends it again (in a ``finally``), so runs are repeatable.

"Today" is not tied to a time zone by the standard: dates are chosen so that they are
valid (or invalid) both in UTC and in Dutch time (`answers.calendar_dates`).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from conformance import rule_versions, testklok
from conformance.checks.answers import (
    calendar_dates,
    json_body,
    now_utc,
    parse_instant,
    refused_like_an_unknown_case,
)
from conformance.checks.base import check, expect_problem, expect_status, fail
from conformance.checks.document import case_by_id, cases, eligible_case, other_citizens_case
from conformance.context import CheckContext, Session
from conformance.errors import CheckError, CheckSkipped

AREA = "pauzes"
NEEDS = ("test_bsn", "dienst:pauzes", "pause_case")
PATH = "/pauzes"
NOT_POSSIBLE = "pauze/niet-mogelijk"
INVALID_END = "einddatum-ongeldig"
SECONDS_PER_DAY = 86_400
END_DATE_AHEAD_DAYS = 3  # the end date of the pause that is run out on the test clock
AFTER_DAYS = 4  # the clock's last move: past the pause's einddatum in UTC and Dutch time
SURCHARGES = frozenset({"verhoging", "rente", "kosten", "administratiekosten"})
REMINDERS = frozenset({"herinnering", "aanmaning"})


def maximum_days(ctx: CheckContext) -> int:
    limits = ctx.config.get("pauze")
    if not isinstance(limits, dict) or not isinstance(limits.get("maximum_duur_dagen"), int):
        raise CheckError("/configuratie has no usable `pauze.maximum_duur_dagen`")
    return limits["maximum_duur_dagen"]


def valid_end_date(ctx: CheckContext) -> date:
    """An end date after today and within the limit, wherever "today" is."""
    days = calendar_dates(now_utc())
    end = days[-1] + timedelta(days=1)
    if end > days[0] + timedelta(days=maximum_days(ctx)):
        raise CheckSkipped("maximum_duur_dagen is too short for an end date valid in UTC and "
                           "Dutch time alike")
    return end


async def pause_case(ctx: CheckContext, session: Session) -> dict[str, Any]:
    """The open case (largest saldo) this citizen can pause; skip if none."""
    case = eligible_case(await ctx.overview(session), "pauze")
    if case is None:
        raise CheckSkipped("the test citizen has no open case offering `pauze`")
    return case


async def create(ctx: CheckContext, session: Session, einddatum: date,
                 cases: list[str] | None = None) -> httpx.Response:
    body: dict[str, Any] = {"einddatum": einddatum.isoformat()}
    if cases is not None:
        body["zaakkenmerken"] = cases
    return await ctx.post(PATH, session, json=body)


async def end(ctx: CheckContext, session: Session, pauze_id: str) -> httpx.Response:
    return await ctx.delete(f"{PATH}/{pauze_id}", session)


@asynccontextmanager
async def paused(ctx: CheckContext, session: Session, cases: list[str],
                 einddatum: date | None = None) -> AsyncIterator[dict[str, Any]]:
    """A pause of `cases` (the answer's body) that is ended when the block exits; ending it
    must then succeed (204), else that is a finding of /pauze/beeindigen."""
    resp = await create(ctx, session, einddatum or valid_end_date(ctx), cases)
    pauze = json_body(resp)
    if resp.status_code != httpx.codes.CREATED or not isinstance(pauze.get("id"), str):
        fail(f"a valid pause ({einddatum or valid_end_date(ctx)}) was refused: "
             f"{resp.status_code}", resp)
    try:
        yield pauze
    except BaseException:
        with suppress(httpx.HTTPError):
            await end(ctx, session, pauze["id"])
        raise
    ended = await end(ctx, session, pauze["id"])
    if ended.status_code != httpx.codes.NO_CONTENT:
        fail("/pauze/beeindigen", f"ending pause {pauze['id']}, created moments ago by this "
             f"check, answered {ended.status_code} instead of 204", ended)


async def _refused_for_end_date(ctx: CheckContext, session: Session, case: str,
                                einddatum: date) -> None:
    resp = await create(ctx, session, einddatum, [case])
    pauze_id = json_body(resp).get("id")
    if resp.status_code == httpx.codes.CREATED and isinstance(pauze_id, str):
        await end(ctx, session, pauze_id)
    expect_problem(resp, 422, NOT_POSSIBLE)
    codes = [r.get("code") for r in json_body(resp).get("redenen") or [] if isinstance(r, dict)]
    if INVALID_END not in codes:
        fail(f"einddatum {einddatum}: redenen {codes} lack {INVALID_END!r}", resp)


@check(rule="/pauze/limieten", area=AREA, needs=NEEDS)
async def pause_beyond_limit_refused(ctx: CheckContext) -> None:
    """A pause ending more than ``maximum_duur_dagen`` days ahead is refused with 422
    pauze/niet-mogelijk, reason einddatum-ongeldig."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    too_far = calendar_dates(now_utc())[-1] + timedelta(days=maximum_days(ctx) + 1)
    await _refused_for_end_date(ctx, session, case["zaakkenmerk"], too_far)


@check(rule="/pauze/limieten", area=AREA, needs=NEEDS)
async def pause_not_after_today_refused(ctx: CheckContext) -> None:
    """A pause ending yesterday or today (not after today) is refused with 422
    pauze/niet-mogelijk, reason einddatum-ongeldig."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    today = calendar_dates(now_utc())[0]
    for einddatum in (today - timedelta(days=1), today):
        await _refused_for_end_date(ctx, session, case["zaakkenmerk"], einddatum)


@check(rule="/pauze/status-in-document", area=AREA, needs=NEEDS)
async def pause_shown_in_document(ctx: CheckContext) -> None:
    """While a pause is active its cases show ``status: gepauzeerd`` and ``pauze: {id,
    einddatum}`` in the claims document."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    async with paused(ctx, session, [case["zaakkenmerk"]]) as pauze:
        shown = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
        expected = {"id": pauze["id"], "einddatum": pauze.get("einddatum")}
        if shown.get("status") != "gepauzeerd" or shown.get("pauze") != expected:
            fail(f"with pause {pauze['id']} active the case shows status "
                 f"{shown.get('status')!r} and pauze {shown.get('pauze')!r} (expected "
                 f"gepauzeerd and {expected})", *list(ctx.exchanges)[-1:])


def _noon_utc(day: date) -> int:
    """Noon UTC of `day`: the same calendar date in UTC and in Dutch time."""
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


@check(rule="/pauze/status-in-document", area=AREA, needs=NEEDS)
async def pause_holds_through_its_end_date(ctx: CheckContext) -> None:
    """On the test clock: a pause still holds on its einddatum (the case is gepauzeerd) and
    no longer the day after (the case has its earlier status again)."""
    if not await testklok.offered(ctx):
        raise CheckSkipped("the end of a pause (days away) can only be reached with the "
                           "endpoint's test clock, which it does not offer")
    session = await ctx.session()
    case = await pause_case(ctx, session)
    einddatum = calendar_dates(now_utc())[-1] + timedelta(days=END_DATE_AHEAD_DAYS)
    if einddatum > calendar_dates(now_utc())[0] + timedelta(days=maximum_days(ctx)):
        raise CheckSkipped("maximum_duur_dagen is too short for this check's pause")
    async with paused(ctx, session, [case["zaakkenmerk"]], einddatum=einddatum) as pauze:
        for day, paused_then in ((einddatum, True), (einddatum + timedelta(days=1), False)):
            shift = max(_noon_utc(day) - ctx.now(), 0)
            async with testklok.moved(ctx, shift, session):
                shown = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
                evidence = list(ctx.exchanges)[-1:]
            held = shown.get("status") == "gepauzeerd" and \
                (shown.get("pauze") or {}).get("id") == pauze["id"]
            if held != paused_then:
                fail(f"on {day} (einddatum {einddatum}) the case shows status "
                     f"{shown.get('status')!r} and pauze {shown.get('pauze')!r}; the pause "
                     f"{'holds' if paused_then else 'no longer holds'} then", *evidence)


@check(rule="/pauze/beeindigen", area=AREA, needs=NEEDS)
async def ended_pause_lifted(ctx: CheckContext) -> None:
    """DELETE ends a pause (204, status beeindigd; 204 again when repeated) and its cases
    return to their earlier status in the claims document."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    async with paused(ctx, session, [case["zaakkenmerk"]]) as pauze:
        expect_status(await end(ctx, session, pauze["id"]), 204)
        listing = await ctx.get(PATH, session)
        status = {p.get("id"): p.get("status") for p in json_body(listing).get("pauzes") or []
                  if isinstance(p, dict)}
        if status.get(pauze["id"]) != "beeindigd":
            fail(f"after DELETE the pause has status {status.get(pauze['id'])!r}, expected "
                 "beeindigd", listing)
        after = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
        if after.get("status") != case["status"] or "pauze" in after:
            fail(f"after ending the pause the case shows status {after.get('status')!r} "
                 f"(expected {case['status']!r}) and pauze {after.get('pauze')!r}",
                 *list(ctx.exchanges)[-1:])
        expect_status(await end(ctx, session, pauze["id"]), 204)


def _dunning(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The case's surcharges and reminders by gebeurtenis_id."""
    found = {}
    for event in case.get("gebeurtenissen") or []:
        if isinstance(event, dict) and (
                (event.get("gebeurtenistype") == "FinancieleVerplichtingOpgelegd"
                 and event.get("categorie") in SURCHARGES)
                or (event.get("gebeurtenistype") == "BetalingsverplichtingOpgelegd"
                    and event.get("soort") in REMINDERS)):
            found[str(event.get("gebeurtenis_id"))] = event
    return found


def _window_days(ctx: CheckContext) -> int:
    """How far the test clock moves: as far as a pause can still cover (two days' margin for
    time zones), at most a year."""
    days = min(maximum_days(ctx) - 2, testklok.MAX_SHIFT_S // SECONDS_PER_DAY - AFTER_DAYS)
    if days < 1:
        raise CheckSkipped("maximum_duur_dagen is too short to move the test clock inside a "
                           "pause")
    return days


async def _case_with_dunning(ctx: CheckContext, window_s: int
                             ) -> tuple[Session, dict[str, Any], set[str]]:
    """A test citizen's session and case that can be paused and gains a surcharge or reminder
    when the citizen's clock moves `window_s` ahead (the control run), with the ids it gains;
    CheckSkipped when no test citizen has one."""
    for bsn in ctx.target.test_bsns:
        session = await ctx.session(bsn)
        before = await ctx.overview(session)
        candidates = [c for c in cases(before) if "pauze" in (c.get("acties") or [])]
        if not candidates:
            continue
        async with testklok.moved(ctx, window_s, session):
            later = await ctx.overview(session)
        for case in candidates:
            moved = case_by_id(later, case.get("zaakkenmerk")) or {}
            if gained := set(_dunning(moved)) - set(_dunning(case)):
                return session, case, gained
    raise CheckSkipped(f"no case of a test citizen that can be paused gains a surcharge or "
                       f"reminder within {window_s // SECONDS_PER_DAY} days on the test clock; "
                       "give a test citizen a case whose dunning schedule falls due in that "
                       "time")


@check(rule="/pauze/geen-verhogingen", area=AREA, needs=NEEDS)
async def no_surcharges_while_paused(ctx: CheckContext) -> None:
    """While a case is paused the source imposes no surcharge (verhoging, rente, kosten,
    administratiekosten) and no herinnering or aanmaning on it, and not afterwards either.

    Proven with the test clock (spec/testomgeving.md): moved ahead without a pause, a case
    gains a surcharge or reminder (the control); paused, and moved as far again, it gains
    none; moved past the pause's end, what fell within the pause still is not imposed.
    Without a test clock the rule cannot be tested: a pause shows its effect only when time
    passes."""
    window_s = _window_days(ctx) * SECONDS_PER_DAY
    session, case, held_back = await _case_with_dunning(ctx, window_s)
    einddatum = calendar_dates(now_utc())[0] + timedelta(days=window_s // SECONDS_PER_DAY + 2)
    known = set(_dunning(case))
    async with paused(ctx, session, [case["zaakkenmerk"]], einddatum=einddatum) as pauze:
        since = parse_instant(pauze.get("aangemaakt_op"))
        if since is None:
            fail("/pauze/status-in-document", "the pause has no aangemaakt_op date-time")
        for moved_s, when in ((window_s, "while"),
                              (window_s + AFTER_DAYS * SECONDS_PER_DAY, "after")):
            async with testklok.moved(ctx, moved_s, session):
                shown = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
                evidence = list(ctx.exchanges)[-1:]
            for event_id, event in _dunning(shown).items():
                moment = parse_instant(event.get("datumtijd"))
                in_pause = moment is None or (
                    moment >= since and moment.date() <= einddatum)
                if event_id in known or not (event_id in held_back or in_pause):
                    continue
                fail(f"event {event_id!r} ({event.get('categorie') or event.get('soort')}, "
                     f"{event.get('datumtijd')}) was imposed on case {case['zaakkenmerk']!r} "
                     f"{when} pause {pauze['id']} (until {einddatum}) held it", *evidence)


@check(rule="/pauze/dekking", area=AREA, needs=NEEDS)
async def pause_covers_named_cases(ctx: CheckContext) -> None:
    """A pause naming cases covers exactly those: the answer lists them with ``ingangsdatum``
    today, and in the document only they are paused."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    async with paused(ctx, session, [case["zaakkenmerk"]]) as pauze:
        today = {d.isoformat() for d in calendar_dates(now_utc())}
        if pauze.get("zaakkenmerken") != [case["zaakkenmerk"]] or \
                pauze.get("ingangsdatum") not in today:
            fail(f"the pause lists {pauze.get('zaakkenmerken')!r} from "
                 f"{pauze.get('ingangsdatum')!r}; expected [{case['zaakkenmerk']!r}] from today",
                 *list(ctx.exchanges)[-1:])
        envelope = await ctx.overview(session)
        others = [c.get("zaakkenmerk") for c in cases(envelope)
                  if c.get("zaakkenmerk") != case["zaakkenmerk"]
                  and (c.get("pauze") or {}).get("id") == pauze["id"]]
        if others:
            fail(f"a pause of {case['zaakkenmerk']!r} also covers {others}",
                 *list(ctx.exchanges)[-1:])


@check(rule="/pauze/dekking", area=AREA, needs=NEEDS)
async def pause_without_cases_covers_all(ctx: CheckContext) -> None:
    """A pause naming no cases covers every case of the citizen that can be paused (saldo > 0,
    not already paused; since 2.2 also offering `pauze` in `acties`), and its answer lists
    them."""
    session = await ctx.session()
    before = await ctx.overview(session)
    follows_acties = rule_versions.not_applicable(
        "/pauze/alles-volgt-acties", ctx.config.get("api_versie")) is None
    expected = sorted(c["zaakkenmerk"] for c in cases(before)
                      if isinstance(c.get("saldo"), int) and c["saldo"] > 0
                      and c.get("status") != "gepauzeerd" and "zaakkenmerk" in c
                      and (not follows_acties or "pauze" in (c.get("acties") or [])))
    resp = await create(ctx, session, valid_end_date(ctx))
    pauze = json_body(resp)
    try:
        expect_status(resp, 201)
        if sorted(pauze.get("zaakkenmerken") or []) != expected:
            fail(f"a pause without zaakkenmerken covers {pauze.get('zaakkenmerken')!r}; the "
                 f"cases that can be paused are {expected!r}", resp)
    finally:
        if isinstance(pauze.get("id"), str):
            await end(ctx, session, pauze["id"])


@check(rule="/sessie/andermans-resource-404", area=AREA, needs=(*NEEDS, "second_bsn"))
async def other_citizens_case_not_paused(ctx: CheckContext) -> None:
    """Another citizen's case in a pause request is an unknown case: 422 pauze/niet-mogelijk
    with reason zaak-onbekend naming it, answered exactly as for a zaakkenmerk that does not
    exist, and their case is not paused."""
    owner = await ctx.session()
    other, theirs = await other_citizens_case(ctx, owner, "pauze")
    unknown = f"ONBEKEND-{uuid.uuid4().hex[:12]}"
    answers = [await create(ctx, owner, valid_end_date(ctx), [zk]) for zk in (theirs, unknown)]
    for resp in answers:  # a pause made anyway is ended, then reported
        pauze_id = json_body(resp).get("id")
        if resp.status_code == httpx.codes.CREATED and isinstance(pauze_id, str):
            await end(ctx, owner, pauze_id)
    if answers[0].status_code == httpx.codes.CREATED:
        fail(f"a pause of another citizen's case {theirs!r} was made", answers[0])
    refused_like_an_unknown_case(answers, theirs, unknown, NOT_POSSIBLE)
    shown = case_by_id(await ctx.overview(other), theirs) or {}
    if shown.get("status") == "gepauzeerd":
        fail(f"another citizen's request paused case {theirs!r}", *list(ctx.exchanges)[-1:])


@check(rule="/configuratie/limieten", area=AREA, needs=NEEDS)
async def pause_limit_applied(ctx: CheckContext) -> None:
    """The pause limit of /configuratie is applied exactly: a pause ending exactly
    ``maximum_duur_dagen`` days from today is accepted."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    days = calendar_dates(now_utc())
    at_limit = days[0] + timedelta(days=maximum_days(ctx))
    if at_limit <= days[-1]:
        raise CheckSkipped("maximum_duur_dagen is too short to probe across time zones")
    async with paused(ctx, session, [case["zaakkenmerk"]], einddatum=at_limit):
        pass
