"""Calculation rule 2.2 of a quote (spec/rules/betalingsregeling.md, standard 2.2).

A quote asked with ``rekenregel: "2.2"`` is recomputed from the claims document and
/configuratie: the arranged total is Σ ``regelbaar_bedrag`` (a case without it: its
``saldo``), the principal is split as by rule 2.0, instalment 1 falls due on the first
``vervaldag`` at least ``minimale_aanlooptijd_dagen`` after the quote date, and interest is
floor(outstanding principal × ``rente_basispunten`` / 120000) per instalment. With the test
clock the quote date is chosen so that the lead time decides the first due date. Quotes bind
nothing, so these checks change no state beyond the test clock, which they put back.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from conformance import testklok
from conformance.checks.answers import calendar_dates, json_body, now_utc
from conformance.checks.base import check, expect_problem, expect_status, fail
from conformance.checks.document import cases
from conformance.checks.voorstellen import (
    AREA,
    NEEDS,
    QUOTES,
    amount_with_remainder,
    limits,
    reasons,
)
from conformance.context import CheckContext, Session
from conformance.errors import CheckSkipped

RULE = "2.2"
BASIS_POINTS_MONTHS = 120_000
SEARCH_DAYS = 62  # how far ahead the suite looks for a quote date the lead time decides
NOTHING_ARRANGEABLE = "niets-regelbaar"


def terms(ctx: CheckContext) -> dict[str, int]:
    """The rule-2.2 terms of /configuratie, with the standard's defaults."""
    announced = ctx.config.get("betalingsregeling") or {}
    found = {"vervaldag": 1, "minimale_aanlooptijd_dagen": 0, "rente_basispunten": 0}
    for name in found:
        if isinstance(announced.get(name), int):
            found[name] = announced[name]
    return found


def _month(day: date, months: int, day_of_month: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day_of_month)


def first_due(quote_date: date, lead_days: int, vervaldag: int) -> date:
    """The first day ≥ quote date + lead time whose day of the month is `vervaldag`."""
    earliest = quote_date + timedelta(days=lead_days)
    return _month(earliest, 0 if earliest.day <= vervaldag else 1, vervaldag)


def expected_quote(total: int, amount: int, quote_date: date,
                   conditions: dict[str, int]) -> dict[str, Any]:
    """The members of a rule-2.2 quote of `total` by `amount` a month on `quote_date`."""
    count = math.ceil(total / amount)
    first = first_due(quote_date, conditions["minimale_aanlooptijd_dagen"],
                      conditions["vervaldag"])
    outstanding, items = total, []
    for k in range(1, count + 1):
        principal = amount if k < count else total - amount * (count - 1)
        interest = outstanding * conditions["rente_basispunten"] // BASIS_POINTS_MONTHS
        items.append({"volgnummer": k, "vervaldatum": _month(first, k - 1, first.day).isoformat(),
                      "bedrag": principal + interest, "hoofdsom": principal, "rente": interest})
        outstanding -= principal
    return {"totaalbedrag": total, "termijnbedrag": amount, "aantal_termijnen": count,
            "rekenregel": RULE, "rente_basispunten": conditions["rente_basispunten"],
            "rente_totaal": sum(t["rente"] for t in items), "termijnen": items}


def arrangeable(case: dict[str, Any]) -> int:
    value = case.get("regelbaar_bedrag")
    return value if isinstance(value, int) and not isinstance(value, bool) else case["saldo"]


async def rule_2_2_case(ctx: CheckContext, session: Session) -> dict[str, Any]:
    """The case to quote: one offering `betalingsregeling` with something arrangeable, one
    whose regelbaar_bedrag differs from its saldo first (so the total tells the rules apart)."""
    found = [c for c in cases(await ctx.overview(session))
             if "betalingsregeling" in (c.get("acties") or [])
             and isinstance(c.get("saldo"), int) and isinstance(c.get("zaakkenmerk"), str)
             and arrangeable(c) > 0]
    if not found:
        raise CheckSkipped("the test citizen has no case offering `betalingsregeling`")
    found.sort(key=lambda c: (arrangeable(c) == c["saldo"], -arrangeable(c)))
    return found[0]


def deciding_date(today: date, conditions: dict[str, int]) -> date | None:
    """A date from tomorrow on whose first due date the lead time moves (None: lead time 0)."""
    lead = conditions["minimale_aanlooptijd_dagen"]
    if lead == 0:
        return None
    for offset in range(1, SEARCH_DAYS):
        day = today + timedelta(days=offset)
        if first_due(day, lead, conditions["vervaldag"]) != first_due(day, 0,
                                                                      conditions["vervaldag"]):
            return day
    return None


async def _quote_2_2(ctx: CheckContext) -> tuple[httpx.Response, list[dict[str, Any]]]:
    """A rule-2.2 quote (on a quote date the lead time decides, with the test clock) and the
    quotes it may equal (one per possible quote date)."""
    session = await ctx.session()
    case = await rule_2_2_case(ctx, session)
    conditions, total = terms(ctx), arrangeable(case)
    amount = amount_with_remainder(total, limits(ctx))
    body = {"zaakkenmerken": [case["zaakkenmerk"]], "termijnbedrag": amount, "rekenregel": RULE}
    dates = calendar_dates(now_utc())
    target = deciding_date(dates[-1], conditions) if await testklok.offered(ctx) else None
    if target is None:
        resp = await ctx.post(QUOTES, session, json=body)
    else:
        noon = datetime(target.year, target.month, target.day, 12, tzinfo=UTC)
        async with testklok.moved(ctx, max(int(noon.timestamp()) - ctx.now(), 0), session):
            resp = await ctx.post(QUOTES, session, json=body)
        dates = [target]
    expected = [{"zaakkenmerken": [case["zaakkenmerk"]],
                 **expected_quote(total, amount, d, conditions)} for d in dates]
    return resp, expected


def _differences(body: dict[str, Any], expected: dict[str, Any], names: tuple[str, ...]
                 ) -> list[str]:
    return [f"{n} is {body.get(n)!r}, the rule gives {expected[n]!r}"
            for n in names if body.get(n) != expected[n]]


SCHEDULE_MEMBERS = ("zaakkenmerken", "totaalbedrag", "termijnbedrag", "aantal_termijnen",
                    "rekenregel")


@check(rule="/betalingsregeling/rekenregel-2-2", area=AREA, needs=NEEDS)
async def quote_follows_rule_2_2(ctx: CheckContext) -> None:
    """A quote asked with ``rekenregel: "2.2"`` arranges Σ ``regelbaar_bedrag`` (else
    ``saldo``), splits the principal as rule 2.0 does, and falls due on the source's
    ``vervaldag``, the first at least ``minimale_aanlooptijd_dagen`` after the quote date."""
    resp, candidates = await _quote_2_2(ctx)
    expect_status(resp, 201)
    body = json_body(resp)
    found = [_differences(body, c, SCHEDULE_MEMBERS) for c in candidates]
    if all(found):
        fail("; ".join(found[0]), resp)
    mine = [(t.get("volgnummer"), t.get("vervaldatum"), t.get("hoofdsom"))
            for t in body.get("termijnen") or [] if isinstance(t, dict)]
    options = [[(t["volgnummer"], t["vervaldatum"], t["hoofdsom"]) for t in c["termijnen"]]
               for c in candidates]
    if mine not in options:
        fail(f"termijnen (volgnummer, vervaldatum, hoofdsom) {mine!r} differ from the rule's "
             f"{options[0]!r}", resp)


@check(rule="/betalingsregeling/rente", area=AREA, needs=NEEDS)
async def quote_interest_on_outstanding_principal(ctx: CheckContext) -> None:
    """Under rule 2.2 each instalment's ``rente`` is floor(outstanding principal ×
    ``rente_basispunten`` / 120000), its ``bedrag`` is ``hoofdsom`` + ``rente``, and
    ``rente_totaal`` is their sum."""
    resp, candidates = await _quote_2_2(ctx)
    expect_status(resp, 201)
    body = json_body(resp)
    for name in ("rente_basispunten", "rente_totaal"):
        if body.get(name) != candidates[0][name]:
            fail(f"{name} is {body.get(name)!r}, the rule gives {candidates[0][name]!r}", resp)
    mine = [(t.get("rente"), t.get("bedrag")) for t in body.get("termijnen") or []
            if isinstance(t, dict)]
    wanted = [(t["rente"], t["bedrag"]) for t in candidates[0]["termijnen"]]
    if mine != wanted:
        fail(f"termijnen (rente, bedrag) {mine!r} differ from the rule's {wanted!r}", resp)


@check(rule="/betalingsregeling/rekenregel-2-2", area=AREA,
       needs=("test_bsn", "dienst:betalingsregelingen"))
async def nothing_arrangeable_refused(ctx: CheckContext) -> None:
    """Under rule 2.2 a case with a balance but ``regelbaar_bedrag`` 0 is refused with 422
    betalingsregeling/niet-mogelijk, reason zaak-afgelost with ``detail: niets-regelbaar``."""
    for bsn in ctx.target.test_bsns:
        session = await ctx.session(bsn)
        found = [c for c in cases(await ctx.overview(session))
                 if c.get("regelbaar_bedrag") == 0 and isinstance(c.get("saldo"), int)
                 and c["saldo"] > 0 and c.get("status") in ("open", "gepauzeerd")
                 and isinstance(c.get("zaakkenmerk"), str)]
        if found:
            break
    else:
        raise CheckSkipped("no test citizen has an open case with a balance and "
                           "regelbaar_bedrag 0; give one such a case to test it")
    zaak = found[0]["zaakkenmerk"]
    resp = await ctx.post(QUOTES, session, json={
        "zaakkenmerken": [zaak], "aantal_termijnen": 1, "rekenregel": RULE})
    expect_problem(resp, 422, "betalingsregeling/niet-mogelijk")
    if not any(r.get("code") == "zaak-afgelost" and r.get("zaakkenmerk") == zaak
               and r.get("detail") == NOTHING_ARRANGEABLE for r in reasons(resp)):
        fail(f"case {zaak!r} (regelbaar_bedrag 0) is not refused with zaak-afgelost, detail "
             f"{NOTHING_ARRANGEABLE}: redenen {reasons(resp)!r}", resp)


@check(rule="/configuratie/limieten-2-2", area=AREA, needs=NEEDS)
async def limits_2_2_published_as_applied(ctx: CheckContext) -> None:
    """The 2.2 limits a source applies are the ones /configuratie publishes (absent: the
    default): a rule-2.2 quote records the published ``rente_basispunten`` and falls due on
    the published ``vervaldag``; without ``reservering_geldigheid_s`` a reservation is 404
    algemeen/dienst-niet-aangeboden."""
    conditions = terms(ctx)
    session = await ctx.session()
    if not isinstance((ctx.config.get("betalingsregeling") or {}).get(
            "reservering_geldigheid_s"), int):
        resp = await ctx.post("/betalingsregelingen/reserveringen", session,
                              headers={"Idempotency-Key": "conformance-geen-reservering"},
                              json={"voorstel_id": "00000000-0000-4000-8000-000000000000",
                                    "groep_id": "00000000-0000-4000-8000-000000000001",
                                    "groep_omvang": 1})
        expect_problem(resp, 404, "algemeen/dienst-niet-aangeboden")
    case = await rule_2_2_case(ctx, session)
    resp = await ctx.post(QUOTES, session, json={
        "zaakkenmerken": [case["zaakkenmerk"]], "aantal_termijnen": 1, "rekenregel": RULE})
    expect_status(resp, 201, rule="/betalingsregeling/rekenregel-2-2")
    body = json_body(resp)
    due = [t.get("vervaldatum") for t in body.get("termijnen") or [] if isinstance(t, dict)]
    if body.get("rente_basispunten") != conditions["rente_basispunten"]:
        fail(f"the quote applies rente_basispunten {body.get('rente_basispunten')!r}; "
             f"/configuratie publishes {conditions['rente_basispunten']} (absent: 0)", resp)
    if not due or not isinstance(due[0], str) or \
            due[0][-2:] != f"{conditions['vervaldag']:02d}":
        fail(f"the quote falls due on {due[:1]}, not on the published vervaldag "
             f"{conditions['vervaldag']} (absent: 1)", resp)


PROFILE_CHECKS = {"betalingsregelingen": (limits_2_2_published_as_applied,
                                          quote_follows_rule_2_2,
                                          quote_interest_on_outstanding_principal,
                                          nothing_arrangeable_refused)}
