"""A case's ledger as a 2.2 reader shows it: reversals, net figures, creditors, payments.

In major 2 a settlement cannot be negative, so a reversed payment (storno, refund, a
payment booked to the wrong case, a correction of a remission) is a counter-entry: a
`FinancieleVerplichtingOpgelegd` with `tegenboeking_van` (spec/rules/document.md,
`/document/tegenboeking`). A 2.0 reader counts it as a new debt; this module shows it as
what it is (rule `/app/netto-totalen`):

- `opgelegd_netto` = Σ imposed lines that are not counter-entries (corrections included);
- `tegengeboekt` = Σ counter-entries;
- `vereffend_netto` = `totaal_financieel_vereffend` − `tegengeboekt`;

so `opgelegd_netto − vereffend_netto` = `saldo` exactly, as for every 2.0 reader. When the
lines carry `schuldeiser` (a combined assessment), `per_schuldeiser` gives per creditor
what was imposed minus what was remitted (payments are not split per creditor). Works on
2.0 documents too: without counter-entries the net figures are the 2.0 totals.
"""

from __future__ import annotations

from typing import Any

IMPOSED = "FinancieleVerplichtingOpgelegd"
PAID = "BetalingVerwerkt"
REMITTED = "FinancieleVerplichtingKwijtgescholden"
PAYMENT_MEMBERS = ("betaalwijze", "verrekend_met", "herboekt_van")


def _day(event: dict[str, Any]) -> str:
    return str(event["datumtijd"])[:10]


def is_counter_entry(event: dict[str, Any]) -> bool:
    return event.get("gebeurtenistype") == IMPOSED and "tegenboeking_van" in event


def reversals(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The counter-entries of a case, oldest first, as the app shows them."""
    found = []
    for event in case.get("gebeurtenissen") or []:
        if not is_counter_entry(event):
            continue
        row = {"gebeurtenis_id": event["gebeurtenis_id"], "datum": _day(event),
               "bedrag": event["bedrag"], "soort": event.get("tegenboeking_soort", "correctie"),
               "tegenboeking_van": event["tegenboeking_van"]}
        if event.get("omschrijving"):
            row["omschrijving"] = event["omschrijving"]
        found.append(row)
    return sorted(found, key=lambda r: (r["datum"], r["gebeurtenis_id"]))


def payments(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Payments that say how they were made (2.2 `betaalwijze`), with what was reversed."""
    reversed_by: dict[str, int] = {}
    for event in case.get("gebeurtenissen") or []:
        if is_counter_entry(event):
            target = event["tegenboeking_van"]
            reversed_by[target] = reversed_by.get(target, 0) + event["bedrag"]
    rows = []
    for event in case.get("gebeurtenissen") or []:
        if event.get("gebeurtenistype") != PAID or "betaalwijze" not in event:
            continue
        row = {"gebeurtenis_id": event["gebeurtenis_id"], "datum": _day(event),
               "bedrag": event["bedrag"]}
        row.update({m: event[m] for m in PAYMENT_MEMBERS if m in event})
        if event["gebeurtenis_id"] in reversed_by:
            row["tegengeboekt"] = reversed_by[event["gebeurtenis_id"]]
        rows.append(row)
    return sorted(rows, key=lambda r: (r["datum"], r["gebeurtenis_id"]))


def net_figures(case: dict[str, Any]) -> dict[str, int]:
    """`opgelegd_netto`, `tegengeboekt`, `vereffend_netto` (their difference is `saldo`)."""
    countered = sum(e["bedrag"] for e in case.get("gebeurtenissen") or [] if is_counter_entry(e))
    return {"opgelegd_netto": case["totaal_financieel_verplicht"] - countered,
            "tegengeboekt": countered,
            "vereffend_netto": case["totaal_financieel_vereffend"] - countered}


def per_creditor(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Per creditor (in order of first appearance) imposed minus remitted; empty when no
    line names a creditor. A correction without `schuldeiser` and a remission without it
    take the creditor of the line they refer to."""
    events = case.get("gebeurtenissen") or []
    lines = [e for e in events if e.get("gebeurtenistype") == IMPOSED and not is_counter_entry(e)]
    if not any("schuldeiser" in e for e in lines):
        return []
    by_id = {e.get("gebeurtenis_id"): e for e in events}

    def creditor(event: dict[str, Any], reference: str) -> dict[str, Any] | None:
        seen = set()
        while "schuldeiser" not in event and event.get(reference) in by_id:
            if event["gebeurtenis_id"] in seen:  # a cycle is the document's problem, not ours
                return None
            seen.add(event["gebeurtenis_id"])
            event, reference = by_id[event[reference]], "correctie_van"
        return event.get("schuldeiser")

    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row_for(who: dict[str, Any] | None) -> dict[str, Any]:
        who = who or {"naam": case.get("schuldeiser", {}).get("naam") or "onbekend"}
        key = (who.get("oin", ""), who["naam"])
        return rows.setdefault(key, {"schuldeiser": dict(who), "opgelegd": 0,
                                     "kwijtgescholden": 0, "netto": 0})

    for event in lines:
        row_for(creditor(event, "correctie_van"))["opgelegd"] += event["bedrag"]
    for event in events:
        if event.get("gebeurtenistype") == REMITTED:
            row = row_for(creditor(event, "financiele_verplichting"))
            row["kwijtgescholden"] += event["bedrag"]
    for row in rows.values():
        row["netto"] = row["opgelegd"] - row["kwijtgescholden"]
    return list(rows.values())


def ledger_members(case: dict[str, Any]) -> dict[str, Any]:
    """Everything this module adds to a case row of the overview."""
    members: dict[str, Any] = net_figures(case)
    found = reversals(case)
    if found:
        members["tegenboekingen"] = found
    paid = payments(case)
    if paid:
        members["betalingen"] = paid
    creditors = per_creditor(case)
    if creditors:
        members["per_schuldeiser"] = creditors
    return members
