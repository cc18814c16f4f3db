"""Behaviour of the pause button (spec/interface.md, "Pauses").

An end date must lie after today and within ``maximum_duur_dagen``; an active pause shows in
the claims document and stops new surcharges and reminders; DELETE ends it. Every check
that creates a pause ends it again (in a ``finally``), so runs are repeatable.

"Today" is not tied to a time zone by the standard: dates are chosen so that they are
valid (or invalid) both in UTC and in Dutch time (`answers.calendar_dates`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import date, timedelta
from typing import Any

import httpx

from conformance.checks.answers import calendar_dates, json_body, now_utc, parse_instant
from conformance.checks.base import check, expect_problem, expect_status, fail
from conformance.checks.document import case_by_id, cases, eligible_case
from conformance.context import CheckContext, Session
from conformance.errors import CheckError, CheckSkipped

AREA = "pauzes"
NEEDS = ("test_bsn", "dienst:pauzes", "pause_case")
PATH = "/pauzes"
NOT_POSSIBLE = "pauze/niet-mogelijk"
INVALID_END = "einddatum-ongeldig"
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


@check(rule="/pauze/geen-verhogingen", area=AREA, needs=NEEDS)
async def no_surcharges_while_paused(ctx: CheckContext) -> None:
    """While a case is paused the source imposes no surcharge (verhoging, rente, kosten,
    administratiekosten) and no herinnering or aanmaning on it.

    Observable only within the run: the check pauses a case, fetches the document and
    looks for such events dated from the pause's creation on."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    async with paused(ctx, session, [case["zaakkenmerk"]]) as pauze:
        since = parse_instant(pauze.get("aangemaakt_op"))
        if since is None:
            fail("/pauze/status-in-document", "the pause has no aangemaakt_op date-time")
        shown = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
        for event in shown.get("gebeurtenissen") or []:
            when = parse_instant(event.get("datumtijd")) if isinstance(event, dict) else None
            if when is None or when < since:
                continue
            if (event.get("gebeurtenistype") == "FinancieleVerplichtingOpgelegd"
                    and event.get("categorie") in SURCHARGES) or (
                    event.get("gebeurtenistype") == "BetalingsverplichtingOpgelegd"
                    and event.get("soort") in REMINDERS):
                fail(f"event {event.get('gebeurtenis_id')!r} "
                     f"({event.get('categorie') or event.get('soort')}) was imposed on a paused "
                     "case", *list(ctx.exchanges)[-1:])


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
    not already paused), and its answer lists them."""
    session = await ctx.session()
    before = await ctx.overview(session)
    expected = sorted(c["zaakkenmerk"] for c in cases(before)
                      if isinstance(c.get("saldo"), int) and c["saldo"] > 0
                      and c.get("status") != "gepauzeerd" and "zaakkenmerk" in c)
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
