"""A case's ledger as a debtor reads it: what is overdue (`achterstand`) and what falls due
next (`volgende_vervaldatum`), from the events of the claims document (the rules are in
overview.py's docstring). Counter-entries (2.2) count: a reversed direct debit leaves its
instalment unpaid again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

DEMAND = "BetalingsverplichtingOpgelegd"
DEMAND_WITHDRAWN = "BetalingsverplichtingIngetrokken"
PAID = "BetalingVerwerkt"
IMPOSED = "FinancieleVerplichtingOpgelegd"
RESTATING_DEMANDS = ("aanschrijving", "herinnering", "aanmaning")


def arrears(events: list[dict[str, Any]], saldo: int, today: date) -> int:
    """The achterstand rule of overview.py's docstring."""
    withdrawn = {
        e["betalingsverplichting"] for e in events if e["gebeurtenistype"] == DEMAND_WITHDRAWN
    }
    paid_against = net_paid_against(events)
    overdue = [
        e for e in events
        if e["gebeurtenistype"] == DEMAND
        and e["gebeurtenis_id"] not in withdrawn
        and date.fromisoformat(e["vervaldatum"]) < today
    ]
    restating = [e for e in overdue if e["soort"] in RESTATING_DEMANDS]
    counted = [e for e in overdue if e["soort"] == "termijn"] + restating[-1:]
    unpaid = sum(max(e["bedrag"] - paid_against.get(e["gebeurtenis_id"], 0), 0) for e in counted)
    return min(unpaid, max(saldo, 0))


def net_paid_against(events: list[dict[str, Any]]) -> dict[str, int]:
    """Per demand the payments that refer to it, less the counter-entries (2.2: a storno,
    a refund, a payment moved to another case) against those payments: a reversed direct
    debit leaves its instalment unpaid again."""
    reversed_by: dict[str, int] = {}
    for e in events:
        if e["gebeurtenistype"] == IMPOSED and "tegenboeking_van" in e:
            reversed_by[e["tegenboeking_van"]] = (
                reversed_by.get(e["tegenboeking_van"], 0) + e["bedrag"])
    paid_against: dict[str, int] = {}
    for e in events:
        if e["gebeurtenistype"] == PAID and "betalingsverplichting" in e:
            reference = e["betalingsverplichting"]
            net = e["bedrag"] - reversed_by.get(e["gebeurtenis_id"], 0)
            paid_against[reference] = paid_against.get(reference, 0) + net
    return paid_against


def next_due_date(
    events: list[dict[str, Any]], today: date, termijnen: Sequence[dict[str, Any]] | None
) -> str | None:
    """Under an active arrangement (its `termijnen`) the next instalment; else the earliest
    due date from today of a demand not withdrawn and not (net) paid against."""
    if termijnen is not None:
        return next((t["vervaldatum"] for t in termijnen
                     if date.fromisoformat(t["vervaldatum"]) >= today), None)
    paid = net_paid_against(events)
    closed = {e["betalingsverplichting"] for e in events
              if e["gebeurtenistype"] == DEMAND_WITHDRAWN} | {k for k, v in paid.items() if v > 0}
    due = [
        date.fromisoformat(e["vervaldatum"]) for e in events
        if e["gebeurtenistype"] == DEMAND and e["gebeurtenis_id"] not in closed
        and date.fromisoformat(e["vervaldatum"]) >= today
    ]
    return min(due).isoformat() if due else None
