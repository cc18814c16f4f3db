"""The rule-2.2 schedule vectors (spec/vectors/regeling/rekenregel-2-2.json) say what the rule says.

Every vector is checked three ways: against a second reading of the rule written differently from
the generator (due dates found by walking the calendar day by day, interest with exact fractions),
against the schemas of the quote and the problem document, and against the reference source's
schedule. The checker is shown to catch wrong schedules, and the vectors to cover the edges the
rule names (month ends, a year end, the lead time, rounding, fewer instalments, every refusal).
"""

from __future__ import annotations

import copy
import json
import math
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import pytest
import schedule_vectors as sv
from test_openapi import schema_validator

from reference_impl.source.schedule import schedule_2_2

CASES = json.loads((sv.VECTORS / sv.CASE_FILE).read_text(encoding="utf-8"))
VALID = [pytest.param(case, entry, id=f"{n}/{t}") for n, case in enumerate(CASES)
         for t, entry in enumerate(case["tests"]) if entry["valid"]]
REFUSED = [pytest.param(case, entry, id=f"{n}/{t}") for n, case in enumerate(CASES)
           for t, entry in enumerate(case["tests"]) if not entry["valid"]]
QUOTE_SCHEMA = ("components", "schemas", "Voorstel")
PROBLEM = {"type": "urn:nl-vorderingen:probleem:betalingsregeling/niet-mogelijk",
           "title": "Betalingsregeling niet mogelijk", "status": 422,
           "detail": "Voor deze zaken kan geen betalingsregeling worden voorgesteld.",
           "code": "betalingsregeling/niet-mogelijk"}


def limits_of(case: dict[str, Any]) -> dict[str, Any]:
    return case["context"]["betalingsregeling"]


def next_with_day(start: date, day: int) -> date:
    """The first date on or after `start` whose day of the month is `day`, by walking."""
    while start.day != day:
        start += timedelta(days=1)
    return start


def violations(limits: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """Everything in a quote vector that breaks rules `/betalingsregeling/rekenregel-2-2` and
    `/betalingsregeling/rente` (empty when it follows them)."""
    quote, request, found = entry["voorstel"], entry["verzoek"], []
    rate = limits.get("rente_basispunten", 0)
    vervaldag = limits.get("vervaldag", 1)
    total = sum(z.get("regelbaar_bedrag", z["saldo"]) for z in entry["zaken"])
    termijnen = quote["termijnen"]
    if quote["totaalbedrag"] != total:
        found.append(f"totaalbedrag {quote['totaalbedrag']} is not Σ regelbaar_bedrag {total}")
    m = request.get("termijnbedrag") or math.ceil(Fraction(total, request["aantal_termijnen"]))
    # One instalment when m exceeds the total: termijnbedrag is then that instalment, as in 2.0.
    if (quote["termijnbedrag"], quote["aantal_termijnen"]) != (min(m, total),
                                                               math.ceil(Fraction(total, m))):
        found.append("termijnbedrag or aantal_termijnen is not the 2.0 split")
    if [t["volgnummer"] for t in termijnen] != list(range(1, quote["aantal_termijnen"] + 1)):
        found.append("instalments are not numbered 1..aantal_termijnen")
    principal = [t["hoofdsom"] for t in termijnen]
    if principal[:-1] != [m] * (len(principal) - 1) or not 0 < principal[-1] <= m:
        found.append(f"hoofdsom {principal} is not m, …, m, rest")
    if sum(principal) != total:
        found.append("Σ hoofdsom is not totaalbedrag")
    outstanding = Fraction(total)
    due = next_with_day(date.fromisoformat(entry["vandaag"])
                        + timedelta(days=limits.get("minimale_aanlooptijd_dagen", 0)), vervaldag)
    for t in termijnen:
        if t["rente"] != math.floor(outstanding * rate / 12 / 10_000):
            found.append(f"instalment {t['volgnummer']}: rente {t['rente']}")
        if t["bedrag"] != t["hoofdsom"] + t["rente"]:
            found.append(f"instalment {t['volgnummer']}: bedrag is not hoofdsom + rente")
        if t["vervaldatum"] != due.isoformat():
            found.append(f"instalment {t['volgnummer']}: due {t['vervaldatum']}, not {due}")
        outstanding -= t["hoofdsom"]
        due = next_with_day(due + timedelta(days=1), vervaldag)
    if quote["rente_totaal"] != sum(t["rente"] for t in termijnen):
        found.append("rente_totaal is not Σ rente")
    if sum(t["bedrag"] for t in termijnen) != total + quote["rente_totaal"]:
        found.append("Σ bedrag is not totaalbedrag + rente_totaal")
    if (quote["rekenregel"], quote["rente_basispunten"]) != ("2.2", rate):
        found.append("rekenregel or rente_basispunten not stated")
    if len(termijnen) > limits["maximum_aantal_termijnen"]:
        found.append("more instalments than the maximum")
    if len(termijnen) > 1 and m < limits["minimum_termijnbedrag"]:
        found.append("a monthly principal below the minimum")
    return found


@pytest.mark.parametrize(("case", "entry"), VALID)
def test_every_quote_follows_the_rule(case: dict[str, Any], entry: dict[str, Any]) -> None:
    assert violations(limits_of(case), entry) == []


@pytest.mark.parametrize(("case", "entry"), VALID)
def test_every_quote_is_a_valid_answer(case: dict[str, Any], entry: dict[str, Any]) -> None:
    answer = {"voorstel_id": "145aeece-53f3-410f-9620-f283637b838e",
              "verloopt_op": "2026-03-02T10:31:20+01:00",
              "zaakkenmerken": entry["verzoek"]["zaakkenmerken"], **entry["voorstel"]}
    validator = schema_validator("bron.yaml", QUOTE_SCHEMA)
    assert list(validator.iter_errors(answer)) == []
    request = schema_validator("bron.yaml", ("components", "schemas", "VoorstelVerzoek"))
    assert list(request.iter_errors(entry["verzoek"])) == []


@pytest.mark.parametrize(("case", "entry"), VALID)
def test_the_reference_source_computes_every_quote(case: dict[str, Any], entry: dict[str, Any]
                                                   ) -> None:
    limits, request, expected = limits_of(case), entry["verzoek"], entry["voorstel"]
    plan = schedule_2_2(
        expected["totaalbedrag"], date.fromisoformat(entry["vandaag"]),
        vervaldag=limits.get("vervaldag", 1),
        lead_days=limits.get("minimale_aanlooptijd_dagen", 0),
        basispunten=limits.get("rente_basispunten", 0),
        termijnbedrag=request.get("termijnbedrag"), aantal=request.get("aantal_termijnen"))
    assert plan.members() == expected


@pytest.mark.parametrize(("case", "entry"), REFUSED)
def test_every_refusal_is_a_problem_with_reasons_that_apply(case: dict[str, Any],
                                                            entry: dict[str, Any]) -> None:
    limits, request = limits_of(case), entry["verzoek"]
    assert entry["code"] == "betalingsregeling/niet-mogelijk" and entry["redenen"]
    problem = {**PROBLEM, "redenen": [{**r, "toelichting": "Uitleg."} for r in entry["redenen"]]}
    validator = schema_validator("bron.yaml", ("paths", "/betalingsregelingen/voorstellen",
                                               "post", "responses", "422", "content",
                                               "application/problem+json", "schema"))
    assert list(validator.iter_errors(problem)) == []
    cases = {z["zaakkenmerk"]: z for z in entry["zaken"]}
    total = sum(z.get("regelbaar_bedrag", z["saldo"]) for z in cases.values())
    for reason in entry["redenen"]:
        code, case_of = reason["code"], cases.get(reason.get("zaakkenmerk", ""))
        if code == "zaak-afgelost" and reason.get("detail") == "niets-regelbaar":
            assert case_of and case_of["saldo"] > 0 and case_of["regelbaar_bedrag"] == 0
        elif code == "zaak-afgelost":
            assert case_of and case_of["saldo"] <= 0
        elif code == "te-veel-termijnen":
            m = request.get("termijnbedrag") or math.ceil(total / request["aantal_termijnen"])
            asked = request.get("aantal_termijnen", math.ceil(total / m))
            assert asked > limits["maximum_aantal_termijnen"]
        else:
            assert code == "termijnbedrag-te-laag"
            m = request.get("termijnbedrag") or math.ceil(total / request["aantal_termijnen"])
            assert m < limits["minimum_termijnbedrag"] and total > m


def test_the_checker_catches_wrong_schedules() -> None:
    """Each mutation of a correct vector is found: the checker can fail."""
    case = next(c for c in CASES if c["rule"] == sv.RULE_INTEREST)
    entry = next(e for e in case["tests"] if e["valid"] and e["voorstel"]["aantal_termijnen"] > 2)
    limits = limits_of(case)
    assert violations(limits, entry) == []

    def mutated(change: Any) -> dict[str, Any]:
        wrong = copy.deepcopy(entry)
        change(wrong["voorstel"])
        return wrong

    def one_cent_more_interest(q: dict[str, Any]) -> None:
        q["termijnen"][1]["rente"] += 1
        q["termijnen"][1]["bedrag"] += 1
        q["rente_totaal"] += 1

    def a_month_late(q: dict[str, Any]) -> None:
        for t in q["termijnen"]:
            t["vervaldatum"] = sv.add_months(date.fromisoformat(t["vervaldatum"]), 1).isoformat()

    def a_cent_moved(q: dict[str, Any]) -> None:
        for index, delta in ((0, -1), (-1, 1)):
            q["termijnen"][index]["hoofdsom"] += delta
            q["termijnen"][index]["bedrag"] += delta

    def interest_rounded_up(q: dict[str, Any]) -> None:
        q["termijnen"][0]["rente"] += 1
        q["termijnen"][0]["bedrag"] += 1
        q["rente_totaal"] += 1

    def total_is_the_saldo(q: dict[str, Any]) -> None:
        q["totaalbedrag"] += 1

    for change in (one_cent_more_interest, a_month_late, a_cent_moved, interest_rounded_up,
                   total_is_the_saldo):
        assert violations(limits, mutated(change)), change.__name__


def test_the_vectors_cover_the_edges_of_the_rule() -> None:
    quotes = [(limits_of(c), e) for c in CASES for e in c["tests"] if e["valid"]]

    def first_due(entry: dict[str, Any]) -> date:
        return date.fromisoformat(entry["voorstel"]["termijnen"][0]["vervaldatum"])

    def quoted(entry: dict[str, Any]) -> date:
        return date.fromisoformat(entry["vandaag"])

    assert any(first_due(e) == quoted(e) for _, e in quotes), "due on the quote date"
    assert any(first_due(e).month == quoted(e).month and first_due(e) > quoted(e)
               for _, e in quotes), "due later the same month"
    assert any(quoted(e).day > 28 and lim.get("vervaldag") == 28 for lim, e in quotes), \
        "a quote date after the 28th"
    assert any(quoted(e).year < date.fromisoformat(e["voorstel"]["termijnen"][-1]["vervaldatum"])
               .year for _, e in quotes), "a schedule into the next year"
    assert any(lim.get("minimale_aanlooptijd_dagen", 0) == 60 for lim, _ in quotes)
    interest = [e for lim, e in quotes if lim.get("rente_basispunten")]
    assert any(e["voorstel"]["rente_totaal"] > 0 for e in interest)
    assert any(e["voorstel"]["rente_totaal"] == 0 for e in interest), "rounded down to 0"
    assert any(e["voorstel"]["aantal_termijnen"] < e["verzoek"].get("aantal_termijnen", 0)
               for _, e in quotes), "fewer instalments than asked"
    assert any("regelbaar_bedrag" in z and z["regelbaar_bedrag"] < z["saldo"]
               for _, e in quotes for z in e["zaken"])
    reasons = {(r["code"], r.get("detail")) for c in CASES for e in c["tests"]
               for r in e.get("redenen", [])}
    assert reasons == {("zaak-afgelost", "niets-regelbaar"), ("zaak-afgelost", None),
                       ("te-veel-termijnen", None), ("termijnbedrag-te-laag", None)}
    assert {c["rule"] for c in CASES} == {sv.RULE, sv.RULE_INTEREST}


def test_the_committed_file_is_what_the_generator_writes() -> None:
    for name, value in sv.files().items():
        assert (sv.VECTORS / name).read_text(encoding="utf-8") == sv.render(value), name
