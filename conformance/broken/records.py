"""The organisation's own records of its cases, as its back office keeps them.

`book` copies the given cases into the source and applies the bookkeeping flaws ONCE, when
the source is built: a wrongly computed saldo is then wrong everywhere (in the claims
document, in quotes, in what can be paused), as it would be in a real back office. Flaws in
how a document is written out live in `documents.py` instead.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, time
from typing import Any

from conformance.broken.flaws import Flaws
from conformance.broken.source import Source
from conformance.broken.store import Arrangement

IMPOSED = "FinancieleVerplichtingOpgelegd"
PAID = "BetalingVerwerkt"
SALDO_OFFSET_CENTS = 100


def book(citizens: dict[str, list[dict[str, Any]]],
         flaws: Flaws) -> dict[str, dict[str, dict[str, Any]]]:
    """BSN → zaakkenmerk → case, with the bookkeeping flaw (if any) applied."""
    booked = {}
    for bsn, cases in citizens.items():
        mine = [copy.deepcopy(case) for case in cases]
        _apply_flaws(mine, flaws)
        booked[bsn] = {case["zaakkenmerk"]: case for case in mine}
    return booked


def remember(source: Source, past: list[dict[str, Any]]) -> None:
    """Put arrangements made before the source was built into its records."""
    for item in past:
        agreed = datetime.combine(item["accepted"], time(10), UTC).timestamp()
        source.store.arrangements[item["id"]] = Arrangement(
            id=item["id"], bsn=item["bsn"], quote_id=item["id"], body=copy.deepcopy(item["body"]),
            accepted_at=agreed,
            cooling_off_until=agreed + source.bedenktijd_dagen * 86_400)


def _apply_ledger_flaws(cases: list[dict[str, Any]], flaws: Flaws) -> None:
    """The bookkeeping flaws of standard 2.2's ledger."""
    if flaws.on("herboeking-zonder-tegenboeking"):
        for case in cases:  # the payment was moved, its reversal never booked
            moved = [e for e in case["gebeurtenissen"]
                     if e.get("tegenboeking_soort") == "verkeerd_geboekt"]
            for event in moved:
                case["gebeurtenissen"].remove(event)
                case["totaal_financieel_verplicht"] -= event["bedrag"]
                case["saldo"] -= event["bedrag"]
    if flaws.on("regelbaar-uit-verplicht"):
        for case in cases:
            if "regelbaar_bedrag" in case:
                case["regelbaar_bedrag"] = case["totaal_financieel_verplicht"]


def _sum(case: dict[str, Any], kind: str, *, corrections: bool = True) -> int:
    return sum(e["bedrag"] for e in case["gebeurtenissen"]
               if e["gebeurtenistype"] == kind and (corrections or "correctie_van" not in e))


def _apply_flaws(cases: list[dict[str, Any]], flaws: Flaws) -> None:
    _apply_ledger_flaws(cases, flaws)
    if flaws.on("saldo-klopt-niet"):
        case = next((c for c in cases if c["saldo"] > 0), None)
        if case is not None:
            case["saldo"] += SALDO_OFFSET_CENTS
    if flaws.on("vereffend-zonder-kwijtschelding"):
        for case in cases:
            case["totaal_financieel_vereffend"] = _sum(case, PAID)
            case["saldo"] = case["totaal_financieel_verplicht"] - _sum(case, PAID)
    if flaws.on("verplicht-zonder-correctie"):
        for case in cases:
            case["totaal_financieel_verplicht"] = _sum(case, IMPOSED, corrections=False)
            case["saldo"] = case["totaal_financieel_verplicht"] - case[
                "totaal_financieel_vereffend"]
    if flaws.on("achterstand-te-hoog"):
        for case in cases:  # arrears taken from what was imposed, forgetting the payments
            if case["achterstand"] > 0 and case["saldo"] < case["totaal_financieel_verplicht"]:
                case["achterstand"] = case["totaal_financieel_verplicht"]
                break
    if flaws.on("afgelost-met-saldo"):
        for case in cases:  # "nothing overdue" taken for "paid off"
            if case["looptijd"] == "eenmalig" and case["status"] == "open" \
                    and case["achterstand"] == 0:
                case["status"] = "afgelost"
    if flaws.on("saldo-datumtijd-te-vroeg"):
        for case in cases:  # the date the case was opened, not when the saldo was computed
            if case["gebeurtenissen"]:
                case["saldo_datumtijd"] = min(e["datumtijd"] for e in case["gebeurtenissen"])
