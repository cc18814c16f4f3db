"""The two-phase agreement across organisations (spec/rules/betalingsregeling.md, 2.2).

A reservation takes a quote as acceptance would, holds its cases until ``vervalt_op`` and
lapses by itself; confirming makes the arrangement (again: the same one), cancelling frees
the cases, and an arrangement made by confirmation can be withdrawn until the group's
``annuleerbaar_tot`` whatever the cooling-off period. Every check cancels what it reserved
and withdraws what it confirmed (`held`), so runs are repeatable; a source without
``reservering_geldigheid_s`` offers no reservations and these rules do not bind it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

import httpx

from conformance import testklok
from conformance.checks import answers
from conformance.checks.answers import json_body, parse_instant
from conformance.checks.base import check, expect_problem, expect_status, fail
from conformance.checks.betalingsregelingen import PATH, accept, withdraw
from conformance.checks.document import case_by_id
from conformance.checks.voorstellen import (
    AREA,
    NEEDS,
    QUICK_EXPIRY_MAX_S,
    QUOTES,
    arrangement_case,
    limits,
    reasons,
    valid_quote,
)
from conformance.context import CheckContext, Session
from conformance.errors import CheckSkipped, NotApplicable

RESERVATIONS = "/betalingsregelingen/reserveringen"
CLOCK_SKEW_S = 60
LAPSE_MARGIN_S = 5  # past vervalt_op by more than whole-second rounding
BOUNDARY_MARGIN_S = 120  # past annuleerbaar_tot and bedenktijd_tot on the test clock
GROUP_SIZE = 2


def announced_validity(ctx: CheckContext) -> int | None:
    """`reservering_geldigheid_s` as /configuratie announces it; None: no reservations."""
    value = (ctx.config.get("betalingsregeling") or {}).get("reservering_geldigheid_s")
    return value if isinstance(value, int) else None


def validity(ctx: CheckContext) -> int:
    """`reservering_geldigheid_s`; NotApplicable when the source offers no reservations."""
    value = announced_validity(ctx)
    if value is None:
        raise NotApplicable("the source announces no reservering_geldigheid_s: it offers no "
                            "two-phase agreement")
    return value


def location(resp: httpx.Response) -> str:
    return f"{RESERVATIONS}/{json_body(resp).get('id')}"


@asynccontextmanager
async def held(ctx: CheckContext, session: Session) -> AsyncIterator[dict[str, list[str]]]:
    """Collects the reservations and arrangements a check made; afterwards cancels the
    reservations and withdraws the arrangements (all within their windows)."""
    made: dict[str, list[str]] = {"reserveringen": [], "regelingen": []}
    try:
        yield made
    finally:
        for reservation_id in made["reserveringen"]:
            with suppress(httpx.HTTPError):
                await ctx.delete(f"{RESERVATIONS}/{reservation_id}", session)
        for regeling_id in made["regelingen"]:
            with suppress(httpx.HTTPError):
                await withdraw(ctx, session, regeling_id)


async def reserve(ctx: CheckContext, session: Session, voorstel_id: str,
                  made: dict[str, list[str]], group: str | None = None,
                  key: str | None = None) -> httpx.Response:
    resp = await ctx.post(RESERVATIONS, session,
                          headers={"Idempotency-Key": key or str(uuid.uuid4())},
                          json={"voorstel_id": voorstel_id, "groep_id": group or str(uuid.uuid4()),
                                "groep_omvang": GROUP_SIZE})
    if resp.status_code == httpx.codes.CREATED and isinstance(json_body(resp).get("id"), str):
        made["reserveringen"].append(json_body(resp)["id"])
    return resp


async def confirm(ctx: CheckContext, session: Session, reservation_id: str,
                  made: dict[str, list[str]]) -> httpx.Response:
    resp = await ctx.post(f"{RESERVATIONS}/{reservation_id}/bevestiging", session)
    regeling_id = json_body(resp).get("id")
    if resp.status_code in (200, 201) and isinstance(regeling_id, str) \
            and regeling_id not in made["regelingen"]:
        made["regelingen"].append(regeling_id)
    return resp


async def reserved(ctx: CheckContext, session: Session, made: dict[str, list[str]],
                   group: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh reservation of the citizen's arrangement case: (the case, the reservation)."""
    validity(ctx)
    case = await arrangement_case(ctx, session)
    resp = await reserve(ctx, session, (await valid_quote(ctx, session, case))["voorstel_id"],
                         made, group)
    expect_status(resp, 201, rule="/betalingsregeling/reservering")
    return case, json_body(resp)


@check(rule="/betalingsregeling/reservering", area=AREA, needs=NEEDS)
async def reservation_holds_its_cases(ctx: CheckContext) -> None:
    """A reservation of a valid quote is ``gereserveerd`` until ``gereserveerd_op`` +
    ``reservering_geldigheid_s``, uses the quote up (409 voorstel-gebruikt), holds its cases
    (a new quote: reason zaak-al-in-regeling; another quote's acceptance: 409 zaak-gewijzigd)
    and changes nothing in the claims document."""
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    other_quote = await valid_quote(ctx, session, case)
    async with held(ctx, session) as made:
        case, reservation = await reserved(ctx, session, made)
        start, until = (parse_instant(reservation.get(n)) for n in ("gereserveerd_op",
                                                                     "vervalt_op"))
        if reservation.get("status") != "gereserveerd" or not start or not until or \
                abs((until - start).total_seconds() - validity(ctx)) > 1:
            fail(f"the reservation is {reservation.get('status')!r} from "
                 f"{reservation.get('gereserveerd_op')!r} to {reservation.get('vervalt_op')!r}, "
                 f"not gereserveerd for reservering_geldigheid_s ({validity(ctx)} s)",
                 *list(ctx.exchanges)[-1:])
        again = await reserve(ctx, session, reservation["voorstel_id"], made)
        expect_problem(again, 409, "betalingsregeling/voorstel-gebruikt")
        quoted = await ctx.post(QUOTES, session, json={
            "zaakkenmerken": [case["zaakkenmerk"]],
            "termijnbedrag": limits(ctx)["minimum_termijnbedrag"] * 4})
        expect_problem(quoted, 422, "betalingsregeling/niet-mogelijk")
        if "zaak-al-in-regeling" not in {r.get("code") for r in reasons(quoted)}:
            fail(f"a new quote of a reserved case is refused with {reasons(quoted)!r}, not "
                 "zaak-al-in-regeling", quoted)
        accepted = await accept(ctx, session, other_quote["voorstel_id"], str(uuid.uuid4()))
        if accepted.status_code == httpx.codes.CREATED:
            made["regelingen"].append(str(json_body(accepted).get("id")))
        expect_problem(accepted, 409, "betalingsregeling/zaak-gewijzigd")
        shown = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
        if shown.get("status") != case.get("status"):
            fail(f"a reservation changed the case's status to {shown.get('status')!r}",
                 *list(ctx.exchanges)[-1:])


@check(rule="/betalingsregeling/reservering", area=AREA, needs=NEEDS)
async def reservations_refused_when_not_announced(ctx: CheckContext) -> None:
    """A source that does not publish ``reservering_geldigheid_s`` offers no two-phase
    agreement: reserving a valid quote is 404 algemeen/dienst-niet-aangeboden and holds
    nothing. (Not applicable to a source that publishes it: the other checks bind it.)"""
    if announced_validity(ctx) is not None:
        raise NotApplicable("the source announces reservering_geldigheid_s: it offers the "
                            "two-phase agreement")
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    async with held(ctx, session) as made:
        resp = await reserve(ctx, session, (await valid_quote(ctx, session, case))["voorstel_id"],
                             made)
        expect_problem(resp, 404, "algemeen/dienst-niet-aangeboden")


@check(rule="/betalingsregeling/reservering", area=AREA, needs=NEEDS)
async def reservation_keys_shared_with_acceptances(ctx: CheckContext) -> None:
    """Acceptances and reservations share one Idempotency-Key space: the key of a
    reservation, even once it is cancelled, sent with the acceptance of another quote is
    refused with 422 idempotentie/sleutel-hergebruikt and makes no arrangement."""
    validity(ctx)
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    key = str(uuid.uuid4())
    async with held(ctx, session) as made:
        resp = await reserve(ctx, session, (await valid_quote(ctx, session, case))["voorstel_id"],
                             made, key=key)
        expect_status(resp, 201, rule="/betalingsregeling/reservering")
        expect_status(await ctx.delete(location(resp), session), 204,
                      rule="/betalingsregeling/reservering-annuleren")
        accepted = await accept(ctx, session,
                                (await valid_quote(ctx, session, case))["voorstel_id"], key)
        if accepted.status_code == httpx.codes.CREATED:
            made["regelingen"].append(str(json_body(accepted).get("id")))
        expect_problem(accepted, 422, "idempotentie/sleutel-hergebruikt")


@check(rule="/betalingsregeling/reservering-vervalt", area=AREA, needs=NEEDS)
async def unconfirmed_reservation_lapses(ctx: CheckContext) -> None:
    """An unconfirmed reservation is ``vervallen`` after its ``vervalt_op`` by itself: it can
    no longer be confirmed (409 betalingsregeling/reservering-vervallen) and its cases can be
    quoted again.

    With the test clock the citizen's clock is moved past ``vervalt_op``; without one the
    suite waits, only when ``reservering_geldigheid_s`` is at most 30 s."""
    seconds = validity(ctx)
    clocked = await testklok.offered(ctx)
    if not clocked and seconds > QUICK_EXPIRY_MAX_S:
        raise CheckSkipped(f"reservering_geldigheid_s is {seconds} s; the suite waits out at "
                           f"most {QUICK_EXPIRY_MAX_S} s and the endpoint offers no test clock")
    session = await ctx.session()
    async with held(ctx, session) as made:
        case, reservation = await reserved(ctx, session, made)
        if clocked:
            async with testklok.moved(ctx, seconds + LAPSE_MARGIN_S, session):
                await _lapsed(ctx, session, case, reservation, made)
            return
        await answers.wait(seconds + LAPSE_MARGIN_S)
        await _lapsed(ctx, session, case, reservation, made)


async def _lapsed(ctx: CheckContext, session: Session, case: dict[str, Any],
                  reservation: dict[str, Any], made: dict[str, list[str]]) -> None:
    state = await ctx.get(f"{RESERVATIONS}/{reservation['id']}", session)
    if json_body(state).get("status") != "vervallen":
        fail(f"past its vervalt_op the reservation is {json_body(state).get('status')!r}, "
             "not vervallen", state)
    expect_problem(await confirm(ctx, session, reservation["id"], made), 409,
                   "betalingsregeling/reservering-vervallen")
    quoted = await ctx.post(QUOTES, session, json={
        "zaakkenmerken": [case["zaakkenmerk"]], "aantal_termijnen": 1})
    if quoted.status_code != httpx.codes.CREATED:
        fail(f"after the reservation lapsed its case is still held: {reasons(quoted)!r}", quoted)


@check(rule="/betalingsregeling/bevestiging", area=AREA, needs=NEEDS)
async def confirmation_makes_the_arrangement_once(ctx: CheckContext) -> None:
    """Confirming a held reservation answers 201 with an ``actief`` arrangement carrying
    ``groep`` (the group's id and size), its cases ``in_regeling``; confirming again answers
    200 with the same arrangement; the reservation is then ``bevestigd`` naming it."""
    session = await ctx.session()
    group = str(uuid.uuid4())
    async with held(ctx, session) as made:
        case, reservation = await reserved(ctx, session, made, group)
        first = await confirm(ctx, session, reservation["id"], made)
        expect_status(first, 201)
        regeling = json_body(first)
        groep = regeling.get("groep") or {}
        if regeling.get("status") != "actief" or groep.get("id") != group or \
                groep.get("omvang") != GROUP_SIZE:
            fail(f"the confirmed arrangement is {regeling.get('status')!r} with groep "
                 f"{groep!r}; expected actief with groep id {group} and omvang {GROUP_SIZE}",
                 first)
        again = await confirm(ctx, session, reservation["id"], made)
        expect_status(again, 200)
        if json_body(again) != regeling:
            fail("confirming again answered another arrangement", first, again)
        state = json_body(await ctx.get(f"{RESERVATIONS}/{reservation['id']}", session))
        if state.get("status") != "bevestigd" or state.get("betalingsregeling_id") != \
                regeling.get("id"):
            fail(f"the confirmed reservation shows {state.get('status')!r} with "
                 f"betalingsregeling_id {state.get('betalingsregeling_id')!r}",
                 *list(ctx.exchanges)[-1:])
        shown = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
        if shown.get("status") != "in_regeling" or \
                (shown.get("betalingsregeling") or {}).get("id") != regeling.get("id"):
            fail(f"after confirmation the case shows {shown.get('status')!r}, not in_regeling "
                 "with the arrangement", *list(ctx.exchanges)[-1:])


@check(rule="/betalingsregeling/bevestiging", area=AREA, needs=NEEDS)
async def cancelled_reservation_not_confirmed(ctx: CheckContext) -> None:
    """A cancelled reservation cannot be confirmed: 409
    betalingsregeling/reservering-geannuleerd."""
    session = await ctx.session()
    async with held(ctx, session) as made:
        _case, reservation = await reserved(ctx, session, made)
        expect_status(await ctx.delete(f"{RESERVATIONS}/{reservation['id']}", session), 204,
                      rule="/betalingsregeling/reservering-annuleren")
        expect_problem(await confirm(ctx, session, reservation["id"], made), 409,
                       "betalingsregeling/reservering-geannuleerd")


@check(rule="/betalingsregeling/reservering-annuleren", area=AREA, needs=NEEDS)
async def cancellation_frees_the_cases(ctx: CheckContext) -> None:
    """DELETE cancels a held reservation (204, ``geannuleerd``; 204 again) and frees its
    cases; a confirmed reservation is not cancelled: 409 betalingsregeling/reservering-bevestigd
    (the arrangement is withdrawn instead)."""
    session = await ctx.session()
    async with held(ctx, session) as made:
        case, reservation = await reserved(ctx, session, made)
        path = f"{RESERVATIONS}/{reservation['id']}"
        expect_status(await ctx.delete(path, session), 204)
        expect_status(await ctx.delete(path, session), 204)
        state = await ctx.get(path, session)
        if json_body(state).get("status") != "geannuleerd":
            fail(f"after DELETE the reservation is {json_body(state).get('status')!r}", state)
        quoted = await ctx.post(QUOTES, session, json={
            "zaakkenmerken": [case["zaakkenmerk"]], "aantal_termijnen": 1})
        if quoted.status_code != httpx.codes.CREATED:
            fail(f"a cancelled reservation still holds its case: {reasons(quoted)!r}", quoted)
        _case, confirmed = await reserved(ctx, session, made)
        expect_status(await confirm(ctx, session, confirmed["id"], made), 201,
                      rule="/betalingsregeling/bevestiging")
        expect_problem(await ctx.delete(f"{RESERVATIONS}/{confirmed['id']}", session), 409,
                       "betalingsregeling/reservering-bevestigd")


@check(rule="/betalingsregeling/groep-intrekbaar", area=AREA, needs=NEEDS)
async def group_arrangement_withdrawable(ctx: CheckContext) -> None:
    """An arrangement made by confirmation announces ``annuleerbaar_tot`` = ``bevestigd_op`` +
    ``reservering_geldigheid_s`` and can be withdrawn until then whatever its cooling-off
    period (204, ``ingetrokken``); on the test clock, past both that and ``bedenktijd_tot``,
    withdrawal is refused with 409 betalingsregeling/bedenktijd-verstreken."""
    session = await ctx.session()
    async with held(ctx, session) as made:
        _case, reservation = await reserved(ctx, session, made)
        resp = await confirm(ctx, session, reservation["id"], made)
        expect_status(resp, 201, rule="/betalingsregeling/bevestiging")
        regeling = json_body(resp)
        groep = regeling.get("groep") or {}
        since, until = parse_instant(groep.get("bevestigd_op")), \
            parse_instant(groep.get("annuleerbaar_tot"))
        if not since or not until or abs((until - since).total_seconds() - validity(ctx)) > 1:
            fail(f"groep runs from {groep.get('bevestigd_op')!r} to "
                 f"{groep.get('annuleerbaar_tot')!r}, not for reservering_geldigheid_s "
                 f"({validity(ctx)} s)", resp)
        expect_status(await withdraw(ctx, session, regeling["id"]), 204)
        state = json_body(await ctx.get(f"{PATH}/{regeling['id']}", session))
        if state.get("status") != "ingetrokken":
            fail(f"the withdrawn group arrangement is {state.get('status')!r}",
                 *list(ctx.exchanges)[-1:])
        if not await testklok.offered(ctx):
            # The withdrawal inside the window was tested; the refusal after it is minutes
            # to days away and only the test clock reaches it: not tested, never a pass.
            raise CheckSkipped("the refusal after annuleerbaar_tot and bedenktijd_tot can "
                               "only be reached with the endpoint's test clock, which it "
                               "does not offer")
        _case, late = await reserved(ctx, session, made)
        resp = await confirm(ctx, session, late["id"], made)
        expect_status(resp, 201, rule="/betalingsregeling/bevestiging")
        await _refused_after_windows(ctx, session, json_body(resp))


async def _refused_after_windows(ctx: CheckContext, session: Session,
                                 regeling: dict[str, Any]) -> None:
    ends = [parse_instant((regeling.get("groep") or {}).get("annuleerbaar_tot")),
            parse_instant(regeling.get("bedenktijd_tot"))]
    if None in ends:
        fail("the group arrangement lacks annuleerbaar_tot or bedenktijd_tot")
    past = max(e for e in ends if e is not None) + timedelta(seconds=BOUNDARY_MARGIN_S)
    shift = int(past.timestamp()) - ctx.now()
    if shift > testklok.MAX_SHIFT_S:
        raise CheckSkipped(f"the group's windows end {shift} s ahead, beyond the test "
                           f"clock's reach ({testklok.MAX_SHIFT_S} s)")
    async with testklok.moved(ctx, max(shift, 0), session):
        late = await withdraw(ctx, session, regeling["id"])
    if late.status_code == httpx.codes.NO_CONTENT:
        fail("past annuleerbaar_tot and bedenktijd_tot the group arrangement was still "
             "withdrawn", late)
    expect_problem(late, 409, "betalingsregeling/bedenktijd-verstreken")


CHECKS = (reservation_holds_its_cases, reservations_refused_when_not_announced,
          reservation_keys_shared_with_acceptances,
          unconfirmed_reservation_lapses,
          confirmation_makes_the_arrangement_once, cancelled_reservation_not_confirmed,
          cancellation_frees_the_cases, group_arrangement_withdrawable)
PROFILE_CHECKS = {"betalingsregelingen": CHECKS}
