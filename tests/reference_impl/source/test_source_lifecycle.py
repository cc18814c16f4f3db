"""The arrangement lifecycle (design §B.4) and calculation rule 2.2 (§B.2), as pure rules,
then as the demo federation's seeded citizens show them: a lapsed and an amended arrangement."""

from __future__ import annotations

from datetime import date

import pytest
from source_support import CJIB, GEMEENTE, RunningSource

from reference_impl.source.lifecycle import evaluate, net_payments
from reference_impl.source.limits import ArrangementLimits
from reference_impl.source.schedule import first_due_date, schedule_2_2

pytestmark = pytest.mark.anyio
LIMITS = ArrangementLimits(2500, 36, 14, 900, respijt_dagen=5, maximaal_gemiste_termijnen=2)
TERMIJNEN = [{"volgnummer": k, "vervaldatum": f"2026-0{k + 1}-01", "bedrag": 10_000}
             for k in range(1, 5)]  # due 1 Feb, 1 Mar, 1 Apr, 1 May


def paid(*moves: tuple[str, int]) -> list[tuple[date, int]]:
    return sorted((date.fromisoformat(day), amount) for day, amount in moves)


def statuses(life) -> list[tuple[str, int]]:
    return [(t["status"], t["betaald"]) for t in life.termijnen]


def test_payments_fill_instalments_oldest_first_and_grace_days_count():
    life = evaluate(TERMIJNEN, paid(("2026-01-20", 15_000)), LIMITS, [], date(2026, 3, 6))
    # 1 Mar + 5 grace days: instalment 2 is partly paid and not missed until 7 Mar.
    assert statuses(life) == [("betaald", 10_000), ("deels_betaald", 5_000), ("open", 0),
                              ("open", 0)]
    assert (life.status, life.gemiste_termijnen) == ("actief", 0)
    later = evaluate(TERMIJNEN, paid(("2026-01-20", 15_000)), LIMITS, [], date(2026, 3, 7))
    assert statuses(later)[1] == ("gemist", 5_000) and later.gemiste_termijnen == 1


def test_the_second_missed_instalment_lapses_the_arrangement_on_that_day():
    moves = paid(("2026-01-20", 10_000))
    life = evaluate(TERMIJNEN, moves, LIMITS, [], date(2026, 6, 30))
    assert life.status == "beeindigd"
    assert life.beeindiging["reden"] == "vervallen"
    assert life.beeindiging["datum"] == "2026-04-07"  # 1 Apr + 5 grace days + 1
    # Shown as it was on that day: instalment 4 (due 1 May) stays open, not missed.
    assert statuses(life) == [("betaald", 10_000), ("gemist", 0), ("gemist", 0), ("open", 0)]
    assert life.gemiste_termijnen == 2


def test_catching_up_before_the_next_miss_day_prevents_the_lapse():
    moves = paid(("2026-01-20", 10_000), ("2026-03-20", 10_000))
    life = evaluate(TERMIJNEN, moves, LIMITS, [], date(2026, 4, 10))
    assert life.status == "actief"
    assert statuses(life)[:3] == [("betaald", 10_000), ("betaald", 10_000), ("gemist", 0)]


def test_never_lapses_without_a_maximum_and_ends_paid_off_on_the_last_payment():
    limits = ArrangementLimits(2500, 36, 14, 900)
    assert evaluate(TERMIJNEN, [], limits, [], date(2026, 12, 1)).status == "actief"
    life = evaluate(TERMIJNEN, paid(("2026-02-01", 30_000), ("2026-03-03", 10_000)), limits, [],
                    date(2026, 3, 10))
    assert life.beeindiging == {"reden": "afgelost", "datum": "2026-03-03"}
    assert {t["status"] for t in life.termijnen} == {"betaald"}


def test_a_storno_makes_a_paid_instalment_unpaid_again():
    events = [
        {"gebeurtenis_id": "p1", "gebeurtenistype": "BetalingVerwerkt", "bedrag": 10_000,
         "datumtijd": "2026-01-31T09:00:00+01:00"},
        {"gebeurtenis_id": "old", "gebeurtenistype": "BetalingVerwerkt", "bedrag": 99_999,
         "datumtijd": "2025-12-01T09:00:00+01:00"},  # before the arrangement: not counted
        {"gebeurtenis_id": "s1", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
         "bedrag": 10_000, "datumtijd": "2026-02-03T09:00:00+01:00", "categorie": "hoofdsom",
         "tegenboeking_van": "p1", "tegenboeking_soort": "storno"},
    ]
    moves = net_payments(events, since=1_767_225_600)  # 2026-01-01 00:00 Amsterdam
    assert moves == paid(("2026-01-31", 10_000), ("2026-02-03", -10_000))
    before = evaluate(TERMIJNEN, moves, LIMITS, [], date(2026, 2, 2))
    after = evaluate(TERMIJNEN, moves, LIMITS, [], date(2026, 2, 4))
    assert statuses(before)[0] == ("betaald", 10_000)
    assert statuses(after)[0] == ("open", 0)  # due 1 Feb, missed only from 7 Feb


def test_an_instalment_due_in_a_pause_is_missed_only_grace_days_after_it():
    pause = [(date(2026, 2, 15), date(2026, 3, 20))]
    life = evaluate(TERMIJNEN, paid(("2026-01-20", 10_000)), LIMITS, pause, date(2026, 3, 25))
    assert statuses(life)[1] == ("open", 0)  # due 1 Mar in the pause: missed from 26 Mar
    life = evaluate(TERMIJNEN, paid(("2026-01-20", 10_000)), LIMITS, pause, date(2026, 3, 26))
    assert statuses(life)[1] == ("gemist", 0) and life.status == "actief"


def test_rule_2_2_due_day_lead_time_and_interest():
    assert first_due_date(date(2026, 1, 31), 28, 14) == date(2026, 2, 28)
    assert first_due_date(date(2026, 1, 10), 15, 5) == date(2026, 1, 15)
    assert first_due_date(date(2026, 12, 20), 1, 0) == date(2027, 1, 1)
    plan = schedule_2_2(39_630, date(2026, 3, 2), vervaldag=15, lead_days=10, basispunten=800,
                        aantal=4)  # the example of bron.yaml
    assert [t["vervaldatum"] for t in plan.termijnen] == [
        "2026-03-15", "2026-04-15", "2026-05-15", "2026-06-15"]
    assert [(t["hoofdsom"], t["rente"], t["bedrag"]) for t in plan.termijnen] == [
        (9908, 264, 10_172), (9908, 198, 10_106), (9908, 132, 10_040), (9906, 66, 9972)]
    assert plan.rente_totaal == 660
    assert sum(t["bedrag"] for t in plan.termijnen) == plan.totaalbedrag + plan.rente_totaal


# --- the demo citizens, seeded by replaying their history --------------------------------

INGRID, THOMAS = "999990123", "999990135"
TODAY = date(2026, 1, 1)  # the FakeClock's start


async def cases_of(source: RunningSource, bsn: str) -> dict[str, dict]:
    token = await source.session(bsn)
    document = (await source.client.get("/vorderingenoverzicht", token=token)).json()["document"]
    return {c["zaakkenmerk"]: c for c in document["financiele_zaken"]}


async def test_the_demo_lapsed_arrangement_frees_its_case(make_source):
    cjib = await make_source(CJIB)
    case = (await cases_of(cjib, INGRID))["CJIB-2025-0555"]
    regeling = case["betalingsregeling"]
    assert regeling["status"] == "beeindigd"
    assert regeling["beeindiging"]["reden"] == "vervallen"
    assert regeling["gemiste_termijnen"] == cjib.config.betalingsregeling.maximaal_gemiste_termijnen
    assert case["status"] == "open" and "betalingsregeling" in case["acties"]
    token = await cjib.session(INGRID)
    again = await cjib.client.post("/betalingsregelingen/voorstellen", token=token, json={
        "zaakkenmerken": ["CJIB-2025-0555"], "aantal_termijnen": 3, "rekenregel": "2.2"})
    assert again.status_code == 201, again.text


async def test_the_demo_amended_arrangement_points_both_ways(make_source):
    gemeente = await make_source(GEMEENTE)
    token = await gemeente.session(THOMAS)
    listed = (await gemeente.client.get("/betalingsregelingen", token=token)).json()
    old, new = listed["betalingsregelingen"]
    assert old["status"] == "beeindigd" and old["beeindiging"]["reden"] == "gewijzigd"
    assert (old["vervangen_door"], new["vervangt"]) == (new["id"], old["id"])
    assert new["status"] == "actief" and new["aantal_termijnen"] == 10
    case = (await cases_of(gemeente, THOMAS))["AS-2025-330011"]
    assert case["status"] == "in_regeling" and case["betalingsregeling"]["id"] == new["id"]


async def test_rule_2_2_quotes_the_arrangeable_amount_only(make_source):
    gemeente = await make_source(GEMEENTE)
    token = await gemeente.session(INGRID)
    limits = gemeente.config.betalingsregeling

    async def quote(zaak: str, **body) -> dict:
        response = await gemeente.client.post("/betalingsregelingen/voorstellen", token=token,
                                              json={"zaakkenmerken": [zaak], **body})
        return {"status": response.status_code, **response.json()}

    storno = await quote("AS-2026-000202", aantal_termijnen=2, rekenregel="2.2")
    assert storno["status"] == 201 and storno["totaalbedrag"] == 6000  # the reversed instalment
    first = date.fromisoformat(storno["termijnen"][0]["vervaldatum"])
    assert first.day == limits.vervaldag
    assert (first - TODAY).days >= limits.minimale_aanlooptijd_dagen
    assert storno["rente_totaal"] == 0 and storno["rekenregel"] == "2.2"
    whole = await quote("AS-2026-000202", aantal_termijnen=2)  # rule 2.0: the whole saldo
    assert whole["totaalbedrag"] > 6000 and "rekenregel" not in whole
    nothing = await quote("AS-2026-000203", aantal_termijnen=2, rekenregel="2.2")
    assert nothing["status"] == 422
    assert nothing["redenen"] == [{
        "code": "zaak-afgelost", "zaakkenmerk": "AS-2026-000203", "detail": "niets-regelbaar",
        "toelichting": nothing["redenen"][0]["toelichting"]}]


def test_a_debt_scheme_ends_the_arrangement_on_its_first_day():
    frozen = date(2026, 3, 10)
    life = evaluate(TERMIJNEN, paid(("2026-01-20", 10_000)), LIMITS, [], date(2026, 3, 20),
                    frozen_on=frozen)
    assert life.beeindiging["reden"] == "schuldregeling"
    assert life.beeindiging["datum"] == "2026-03-10"
    assert statuses(life)[1] == ("gemist", 0)  # 1 Mar + 5 grace days, before the scheme
    # A lapse that came first stays the reason.
    lapsed = evaluate(TERMIJNEN, [], LIMITS, [], date(2026, 6, 1), frozen_on=date(2026, 5, 1))
    assert lapsed.beeindiging["reden"] == "vervallen"


async def test_a_case_in_a_debt_scheme_is_not_quoted(make_source):
    cjib = await make_source(CJIB)
    token = await cjib.session("999990160")  # Ellen: a fine frozen in a minnelijke regeling
    answer = await cjib.client.post("/betalingsregelingen/voorstellen", token=token, json={
        "zaakkenmerken": ["CJIB-2025-0808"], "aantal_termijnen": 2})
    assert answer.status_code == 422
    assert [r["code"] for r in answer.json()["redenen"]] == ["zaak-overgedragen"]
