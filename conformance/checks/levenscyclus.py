"""An arrangement's life after acceptance (spec/rules/betalingsregeling.md, standard 2.2):
amendment, instalment status, lapse, and what a pause does to instalments.

The lifecycle shows only when time passes, so those checks need the test clock
(spec/testomgeving.md): the citizen's clock is moved to just before and just after the
moments the rules name, and put back. An instalment's status is read from the arrangement
(`GET /betalingsregelingen/{id}`) and from the claims document's `betalingsregeling`, which
must agree. Every check withdraws what it accepted (`cleanup`); with a cooling-off period of
0 days the arrangement is made by reserving and confirming (withdrawable until the group's
``annuleerbaar_tot``), and without reservations too the checks skip with that reason.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from conformance import testklok
from conformance.checks.answers import json_body
from conformance.checks.base import check, expect_problem, expect_status, fail, problem_code
from conformance.checks.betalingsregelingen import (
    PATH,
    accept,
    cleanup,
    created_id,
)
from conformance.checks.document import case_by_id
from conformance.checks.reserveringen import RESERVATIONS
from conformance.checks.voorstellen import (
    AREA,
    NEEDS,
    QUOTES,
    arrangement_case,
    limits,
    valid_quote,
)
from conformance.context import CheckContext, Session
from conformance.errors import CheckSkipped, NotApplicable

SECONDS_PER_DAY = 86_400


def _announced(ctx: CheckContext, name: str, default: int | None) -> int | None:
    value = (ctx.config.get("betalingsregeling") or {}).get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _by_reservation(ctx: CheckContext) -> bool:
    """Whether arrangements are made by reserving and confirming: with a cooling-off period of
    0 days only an arrangement made by confirmation can be withdrawn again (until the group's
    annuleerbaar_tot); CheckSkipped when the source offers that neither."""
    if limits(ctx)["bedenktijd_dagen"] >= 1:
        return False
    if isinstance((ctx.config.get("betalingsregeling") or {}).get("reservering_geldigheid_s"),
                  int):
        return True
    raise CheckSkipped("bedenktijd_dagen is 0 and the source offers no reservations: an "
                       "arrangement could not be withdrawn, so the suite does not make one")


async def _arrange(ctx: CheckContext, session: Session, voorstel_id: str) -> httpx.Response:
    """Accept the quote — or, with a cooling-off period of 0 days, reserve and confirm it."""
    if not _by_reservation(ctx):
        return await accept(ctx, session, voorstel_id, str(uuid.uuid4()))
    reserved = await ctx.post(RESERVATIONS, session,
                              headers={"Idempotency-Key": str(uuid.uuid4())},
                              json={"voorstel_id": voorstel_id, "groep_id": str(uuid.uuid4()),
                                    "groep_omvang": 1})
    expect_status(reserved, 201, rule="/betalingsregeling/reservering")
    return await ctx.post(f"{RESERVATIONS}/{json_body(reserved).get('id')}/bevestiging",
                          session)


async def _accepted(ctx: CheckContext, session: Session, created: set[str]) -> dict[str, Any]:
    """A fresh arrangement of the citizen's arrangement case (its body)."""
    quote = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    resp = await _arrange(ctx, session, quote["voorstel_id"])
    expect_status(resp, 201, rule="/betalingsregeling/acceptatie-gecontroleerd")
    if (regeling_id := created_id(resp)) is not None:
        created.add(regeling_id)
    return json_body(resp)


def _noon(day: date) -> int:
    """Noon UTC: the same calendar date in UTC and Dutch time."""
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


async def _seen_on(ctx: CheckContext, session: Session, regeling: dict[str, Any],
                   day: date) -> tuple[dict[str, Any], dict[str, Any], list[httpx.Response]]:
    """The arrangement and its case as the source shows them on `day` (the test clock)."""
    shift = _noon(day) - ctx.now()
    if shift > testklok.MAX_SHIFT_S:
        raise CheckSkipped(f"{day} is beyond the test clock's reach")
    async with testklok.moved(ctx, max(shift, 0), session):
        resp = await ctx.get(f"{PATH}/{regeling['id']}", session)
        overview = await ctx.overview(session)
        evidence = [resp, *list(ctx.exchanges)[-1:]]
    case = case_by_id(overview, regeling["zaakkenmerken"][0]) or {}
    return json_body(resp), case, evidence


def _due(regeling: dict[str, Any], k: int) -> date:
    return date.fromisoformat(regeling["termijnen"][k]["vervaldatum"])


def _clocked_arrangement_rules(ctx: CheckContext) -> int:
    _by_reservation(ctx)
    return _announced(ctx, "respijt_dagen", 0) or 0


@check(rule="/betalingsregeling/termijnstatus", area=AREA, needs=NEEDS)
async def unpaid_instalment_missed_after_grace(ctx: CheckContext) -> None:
    """On the test clock: an unpaid instalment is ``open`` through ``vervaldatum`` +
    ``respijt_dagen`` and ``gemist`` the day after, counted in ``gemiste_termijnen``; the
    arrangement and the claims document agree."""
    grace = _clocked_arrangement_rules(ctx)
    if not await testklok.offered(ctx):
        raise CheckSkipped("instalments fall due weeks ahead: only the test clock reaches them")
    session = await ctx.session()
    async with cleanup(ctx, session) as created:
        regeling = await _accepted(ctx, session, created)
        last_open = _due(regeling, 0) + timedelta(days=grace)
        for day, state, missed in ((last_open, "open", 0),
                                   (last_open + timedelta(days=1), "gemist", 1)):
            shown, case, evidence = await _seen_on(ctx, session, regeling, day)
            items = [shown.get("termijnen") or [{}],
                     (case.get("betalingsregeling") or {}).get("termijnen") or [{}]]
            seen = [(i[0].get("status"), i[0].get("betaald")) for i in items]
            counts = [shown.get("gemiste_termijnen"),
                      (case.get("betalingsregeling") or {}).get("gemiste_termijnen")]
            if seen != [(state, 0)] * 2 or counts != [missed] * 2:
                fail(f"on {day} (due {_due(regeling, 0)}, respijt_dagen {grace}) unpaid "
                     f"instalment 1 shows (status, betaald) {seen} and gemiste_termijnen "
                     f"{counts} in the arrangement and the document; expected {state}, 0 and "
                     f"{missed}", *evidence)


@check(rule="/betalingsregeling/vervallen", area=AREA, needs=NEEDS)
async def arrangement_lapses_after_missed_instalments(ctx: CheckContext) -> None:
    """On the test clock: when ``maximaal_gemiste_termijnen`` instalments are missed the
    arrangement is ``beeindigd`` with ``reden: vervallen`` dated that day, and its case
    leaves ``in_regeling``; the day before it is still active."""
    grace = _clocked_arrangement_rules(ctx)
    most = _announced(ctx, "maximaal_gemiste_termijnen", None)
    if most is None:
        raise NotApplicable("maximaal_gemiste_termijnen is not announced: the source never "
                            "lapses an arrangement")
    if not await testklok.offered(ctx):
        raise CheckSkipped("instalments fall due weeks ahead: only the test clock reaches them")
    session = await ctx.session()
    async with cleanup(ctx, session) as created:
        regeling = await _accepted(ctx, session, created)
        if len(regeling.get("termijnen") or []) < most:
            raise CheckSkipped(f"the arrangement has fewer than {most} instalments")
        lapse_day = _due(regeling, most - 1) + timedelta(days=grace + 1)
        before, case_before, evidence = await _seen_on(ctx, session, regeling,
                                                       lapse_day - timedelta(days=1))
        if before.get("status") != "actief" or case_before.get("status") != "in_regeling":
            fail(f"the day before instalment {most} counts as missed the arrangement is "
                 f"{before.get('status')!r}, its case {case_before.get('status')!r}", *evidence)
        after, case_after, evidence = await _seen_on(ctx, session, regeling, lapse_day)
        ending = after.get("beeindiging") or {}
        if after.get("status") != "beeindigd" or ending.get("reden") != "vervallen" or \
                ending.get("datum") != lapse_day.isoformat():
            fail(f"on {lapse_day}, with {most} instalments missed, the arrangement is "
                 f"{after.get('status')!r} with beeindiging {ending!r}; expected beeindigd, "
                 f"vervallen on {lapse_day}", *evidence)
        if case_after.get("status") == "in_regeling":
            fail(f"the lapsed arrangement's case is still in_regeling on {lapse_day}",
                 *evidence)
        await _as_before_at_real_time(ctx, session, regeling)


async def _as_before_at_real_time(ctx: CheckContext, session: Session,
                                  regeling: dict[str, Any]) -> None:
    """Back at real time the arrangement is active again: what the test clock showed ahead
    leaves no trace (spec/testomgeving.md §4)."""
    now = await ctx.get(f"{PATH}/{regeling['id']}", session)
    if json_body(now).get("status") != "actief":
        fail("/testomgeving/klok-verschuift-domeintijd", "with the test clock put back, the "
             f"arrangement is {json_body(now).get('status')!r} (it lapsed only ahead of real "
             "time; that must leave no trace)", now)


@check(rule="/betalingsregeling/pauze-en-termijnen", area=AREA,
       needs=(*NEEDS, "dienst:pauzes"))
async def instalment_in_pause_not_missed(ctx: CheckContext) -> None:
    """On the test clock: an instalment that falls due while a pause holds the arrangement's
    case is not ``gemist`` the day after ``vervaldatum`` + ``respijt_dagen`` while the pause
    still holds."""
    grace = _clocked_arrangement_rules(ctx)
    if not await testklok.offered(ctx):
        raise CheckSkipped("instalments fall due weeks ahead: only the test clock reaches them")
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    if "pauze" not in (case.get("acties") or []):
        raise CheckSkipped("the arrangement case does not offer `pauze`")
    async with cleanup(ctx, session) as created:
        regeling = await _accepted(ctx, session, created)
        checked = _due(regeling, 0) + timedelta(days=grace + 1)
        maximum = ((ctx.config.get("pauze") or {}).get("maximum_duur_dagen") or 0)
        today = datetime.now(UTC).date()
        end = checked + timedelta(days=2)
        if (end - today).days > maximum:
            raise CheckSkipped("maximum_duur_dagen is too short for a pause across the first "
                               "instalment")
        made = await ctx.post("/pauzes", session, json={
            "einddatum": end.isoformat(), "zaakkenmerken": [case["zaakkenmerk"]]})
        if problem_code(made) == "pauze/niet-toegestaan":
            raise CheckSkipped("the source's pause limits refuse the test citizen a pause now")
        expect_status(made, 201, rule="/pauze/dekking")
        try:
            shown, _case, evidence = await _seen_on(ctx, session, regeling, checked)
        finally:
            await ctx.delete(f"/pauzes/{json_body(made).get('id')}", session)
        state = ((shown.get("termijnen") or [{}])[0]).get("status")
        if state == "gemist" or shown.get("gemiste_termijnen"):
            fail(f"on {checked}, within a pause until {end}, instalment 1 (due "
                 f"{_due(regeling, 0)}) is {state!r}", *evidence)


@check(rule="/betalingsregeling/wijziging", area=AREA, needs=NEEDS)
async def amendment_replaces_atomically(ctx: CheckContext) -> None:
    """A quote with ``vervangt`` (an active arrangement of the citizen) may include its
    cases; accepting it makes the new arrangement (``vervangt``) and ends the old one
    (``beeindigd``, ``reden: gewijzigd``, ``vervangen_door``) — with a cooling-off period of
    0 days confirming it does; an unknown id is 422
    betalingsregeling/regeling-onbekend."""
    _by_reservation(ctx)
    session = await ctx.session()
    unknown = await ctx.post(QUOTES, session, json={
        "zaakkenmerken": ["ONBEKEND-conformance-0"], "aantal_termijnen": 1,
        "vervangt": str(uuid.uuid4())})
    expect_problem(unknown, 422, "betalingsregeling/regeling-onbekend")
    async with cleanup(ctx, session) as created:
        old = await _accepted(ctx, session, created)
        resp = await ctx.post(QUOTES, session, json={
            "zaakkenmerken": old["zaakkenmerken"], "aantal_termijnen": 1, "vervangt": old["id"]})
        expect_status(resp, 201)
        accepted = await _arrange(ctx, session, json_body(resp)["voorstel_id"])
        if (new_id := created_id(accepted)) is not None:
            created.add(new_id)
        expect_status(accepted, 201)
        new = json_body(accepted)
        state = await ctx.get(f"{PATH}/{old['id']}", session)
        ending = json_body(state).get("beeindiging") or {}
        if new.get("vervangt") != old["id"] or json_body(state).get("status") != "beeindigd" \
                or ending.get("reden") != "gewijzigd" or \
                json_body(state).get("vervangen_door") != new["id"]:
            fail(f"after the amendment the old arrangement is {json_body(state).get('status')!r}"
                 f" ({ending!r}, vervangen_door {json_body(state).get('vervangen_door')!r}) "
                 f"and the new one has vervangt {new.get('vervangt')!r}", accepted, state)
        await _undo_amendment(ctx, session, new["id"], old["id"], created)


async def _undo_amendment(ctx: CheckContext, session: Session, new_id: str, old_id: str,
                          created: set[str]) -> None:
    """Withdraw the amendment, then the arrangement it replaced if withdrawing the amendment
    brought it back (the standard leaves that to the source): nothing stays active."""
    created.discard(new_id)
    expect_status(await ctx.delete(f"{PATH}/{new_id}", session), 204,
                  rule="/betalingsregeling/intrekken-bedenktijd")
    if json_body(await ctx.get(f"{PATH}/{old_id}", session)).get("status") != "actief":
        created.discard(old_id)  # ended for good: there is nothing left to withdraw


CHECKS = (amendment_replaces_atomically, unpaid_instalment_missed_after_grace,
          arrangement_lapses_after_missed_instalments, instalment_in_pause_not_missed)
PROFILE_CHECKS = {"betalingsregelingen": CHECKS}
