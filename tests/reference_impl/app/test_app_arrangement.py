"""One arrangement across three organisations, with a failure injected at each step.

Sanne owes the CJIB, DUO and the municipality; the app splits one monthly amount over them
(ALLOCATION.md), asks each for a quote by rule 2.2, reserves all three under one group and
confirms them only when all three hold (agreement.py). The 0-day cooling-off case is
test_app_group_demo.py; the orchestration's every branch is test_app_agreement.py. Failures are
injected by a failing proxy in front of one real source; the result is checked both in
what the app reports and in what the sources themselves now hold.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from federation_support import Fault, active_arrangements, app_for, login_as, proxy_for

SANNE = "999993653"
CJIB, DUO, GEMEENTE = "00000001001234001000", "00000001001234002000", "00000001001234567000"
QUOTE = r"/betalingsregelingen/voorstellen$"
RESERVE = r"/betalingsregelingen/reserveringen$"
CONFIRM = r"/betalingsregelingen/reserveringen/[0-9a-f-]{36}/bevestiging$"
WITHDRAW = r"/betalingsregelingen/[0-9a-f-]{36}$"
MONTHLY = 50_000  # € 500 a month


async def _arrange(federation: Any, *proxies: Any, conclude: bool = True) -> Any:
    app, _ = app_for(federation, *proxies)
    async with app:
        await login_as(app, SANNE)
        plan = await app.plan_arrangement(MONTHLY)
        if conclude and plan.status == "voorgesteld":
            plan = await app.conclude(plan)
    return plan


async def _active_arrangements(federation: Any) -> dict[str, list[str]]:
    """Per organisation she owes, the ids of Sanne's active arrangements (asked of each)."""
    return await active_arrangements(federation, SANNE, (CJIB, DUO, GEMEENTE))


def _statuses(plan: Any) -> dict[str, str]:
    return {p.source.oin: p.status for p in plan.parts}


@pytest.mark.anyio
async def test_one_monthly_amount_is_agreed_with_every_organisation(
    fresh_federation: Any
) -> None:
    plan = await _arrange(fresh_federation)
    assert plan.status == "afgesloten", plan.melding
    assert _statuses(plan) == {CJIB: "aangegaan", DUO: "aangegaan", GEMEENTE: "aangegaan"}
    # principal per month plus the first month's interest (rule 2.2) is the monthly amount
    interest = [p.voorstel["termijnen"][0].get("rente", 0) for p in plan.parts]
    assert sum(p.termijnbedrag for p in plan.parts) == MONTHLY - sum(interest)
    assert sum(p.voorstel["termijnen"][0]["bedrag"] for p in plan.parts) == MONTHLY
    assert plan.schedule()[0]["bedrag"] == MONTHLY
    assert max(t["bedrag"] for t in plan.schedule()) == MONTHLY  # later months cost less
    assert sum(t["bedrag"] for t in plan.schedule()) == plan.totaal + sum(
        p.voorstel.get("rente_totaal", 0) for p in plan.parts)
    active = await _active_arrangements(fresh_federation)
    assert {oin: len(ids) for oin, ids in active.items()} == {CJIB: 1, DUO: 1, GEMEENTE: 1}
    assert {p.regeling["id"] for p in plan.parts} == {i for ids in active.values() for i in ids}


@pytest.mark.anyio
async def test_a_refused_quote_means_nothing_is_agreed(fresh_federation: Any) -> None:
    reason = {"code": "te-veel-termijnen", "toelichting": "Het maximum is 60 termijnen."}
    duo = proxy_for(fresh_federation, DUO, Fault("POST", QUOTE, status=422,
                                                 code="betalingsregeling/niet-mogelijk",
                                                 extensions={"redenen": [reason]}))
    plan = await _arrange(fresh_federation, duo)
    assert plan.status == "niet_mogelijk"
    assert _statuses(plan) == {CJIB: "niet_geprobeerd", DUO: "mislukt",
                               GEMEENTE: "niet_geprobeerd"}
    refused = next(p for p in plan.parts if p.source.oin == DUO)
    assert refused.code == "betalingsregeling/niet-mogelijk" and refused.redenen == [reason]
    assert ("POST", "/vorderingen/v1/betalingsregelingen") not in duo[1].forwarded
    assert await _active_arrangements(fresh_federation) == {CJIB: [], DUO: [], GEMEENTE: []}


@pytest.mark.anyio
async def test_a_refused_reservation_leaves_nothing_reserved_or_active(
    fresh_federation: Any
) -> None:
    gemeente = proxy_for(fresh_federation, GEMEENTE, Fault("POST", RESERVE, status=409,
                                                           code="betalingsregeling/zaak-gewijzigd"))
    plan = await _arrange(fresh_federation, gemeente)
    assert plan.status == "teruggedraaid"
    assert _statuses(plan) == {CJIB: "geannuleerd", DUO: "geannuleerd", GEMEENTE: "mislukt"}
    assert "Gemeente Voorbeeldstad" in plan.melding
    assert not any(re.search(CONFIRM, path) for _, path in gemeente[1].forwarded)
    assert await _active_arrangements(fresh_federation) == {CJIB: [], DUO: [], GEMEENTE: []}


@pytest.mark.anyio
async def test_a_failed_withdrawal_is_reported_so_the_citizen_can_act(
    fresh_federation: Any
) -> None:
    cjib = proxy_for(fresh_federation, CJIB, Fault("DELETE", WITHDRAW, status=500))
    gemeente = proxy_for(fresh_federation, GEMEENTE, Fault(
        "POST", CONFIRM, status=409, code="betalingsregeling/reservering-vervallen"))
    plan = await _arrange(fresh_federation, cjib, gemeente)
    assert plan.status == "deels_actief"
    assert _statuses(plan) == {CJIB: "intrekken_mislukt", DUO: "ingetrokken", GEMEENTE: "mislukt"}
    stuck = next(p for p in plan.parts if p.source.oin == CJIB)
    assert stuck.code == "algemeen/interne-fout"
    assert "Centraal Justitieel Incassobureau" in plan.melding and "contact" in plan.melding
    assert stuck.to_json()["contact"]  # how to reach the organisation is part of the report
    active = await _active_arrangements(fresh_federation)
    assert active[DUO] == [] and active[GEMEENTE] == []
    assert active[CJIB] == [stuck.regeling["id"]]  # really still active there


@pytest.mark.anyio
async def test_a_confirmation_without_answer_is_read_back(fresh_federation: Any) -> None:
    # no answer twice (no connection to DUO): the app reads the reservation back, finds it
    # unconfirmed, and undoes the other two
    duo = proxy_for(fresh_federation, DUO, Fault("POST", CONFIRM, unreachable=True))
    plan = await _arrange(fresh_federation, duo)
    assert plan.status == "teruggedraaid", plan.melding
    assert _statuses(plan) == {CJIB: "ingetrokken", DUO: "mislukt", GEMEENTE: "ingetrokken"}
    assert [p for m, p in duo[1].forwarded if m == "GET" and "reserveringen" in p]  # read back
    assert await _active_arrangements(fresh_federation) == {CJIB: [], DUO: [], GEMEENTE: []}


@pytest.mark.anyio
async def test_a_monthly_amount_below_the_floors_is_refused_with_the_minimum(
    fresh_federation: Any
) -> None:
    app, _ = app_for(fresh_federation)
    async with app:
        await login_as(app, SANNE)
        plan = await app.plan_arrangement(1_000)
    assert plan.status == "niet_mogelijk" and plan.minimum is not None
    assert plan.minimum > 1_000 and "minimaal €" in plan.melding
    assert {p.status for p in plan.parts} == {"niet_geprobeerd"}
