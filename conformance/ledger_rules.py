"""The invariants of the ledger members of standard 2.2 (spec/rules/document.md), as pure
functions over the `document` member of an envelope.

A reversal of a settlement is a counter-entry (`tegenboeking_van` + `tegenboeking_soort` on a
`FinancieleVerplichtingOpgelegd`): major 2 has no negative settlement, so the 2.0 totals stay
exact for every reader. A payment moved between cases is a counter-entry `verkeerd_geboekt`
in the case it left and a `BetalingVerwerkt` with `betaalwijze: herboeking` in the case it
reached. Each function returns `Violation`s and never raises on malformed input.
"""

from __future__ import annotations

from typing import Any

from conformance.document_walk import (
    IMPOSED,
    PAID,
    REMITTED,
    Violation,
    amount,
    cases,
    dated_after,
    events,
    events_by_id,
)

TEGENBOEKING = "/document/tegenboeking"
HERBOEKING = "/document/herboeking"
VERREKENING = "/document/verrekening"
BESLAG = "/document/beslag"
SCHULDEISER = "/document/schuldeiser-per-regel"
REVERSIBLE = (PAID, REMITTED)
MOVED_WRONGLY = "verkeerd_geboekt"


def is_counter_entry(event: dict) -> bool:
    """A `FinancieleVerplichtingOpgelegd` that reverses a settlement (either member present)."""
    return event.get("gebeurtenistype") == IMPOSED and (
        "tegenboeking_van" in event or "tegenboeking_soort" in event)


def counter_entries(document: Any) -> list[Violation]:
    """A counter-entry has both members, no `correctie_van`, `categorie: hoofdsom`, and
    reverses a payment or remission of its case dated no later; the counter-entries of one
    settlement add up to at most its `bedrag`."""
    found = []
    for case_ptr, case in cases(document):
        by_id = events_by_id(case, case_ptr)
        reversed_total: dict[str, int] = {}
        for event_ptr, event in events(case, case_ptr):
            if not is_counter_entry(event):
                continue
            problem = _counter_entry_problem(event, by_id)
            if problem is not None:
                found.append(Violation(TEGENBOEKING, problem, event_ptr))
                continue
            target = event["tegenboeking_van"]
            reversed_total[target] = reversed_total.get(target, 0) + amount(event)
            if reversed_total[target] > amount(by_id[target]):
                found.append(Violation(
                    TEGENBOEKING, f"the counter-entries of {target!r} add up to "
                    f"{reversed_total[target]}, more than its bedrag {amount(by_id[target])}",
                    f"{event_ptr}/bedrag"))
    return found


def _counter_entry_problem(event: dict, by_id: dict[str, dict]) -> str | None:
    if "tegenboeking_van" not in event or "tegenboeking_soort" not in event:
        return "tegenboeking_van and tegenboeking_soort come together"
    if "correctie_van" in event:
        return "a counter-entry is no correction: it has correctie_van too"
    if event.get("categorie") != "hoofdsom":
        return f"a counter-entry has categorie hoofdsom, not {event.get('categorie')!r}"
    ref = event["tegenboeking_van"]
    target = by_id.get(ref) if isinstance(ref, str) else None
    if target is None:
        return f"tegenboeking_van {ref!r} names no event in this case"
    if target.get("gebeurtenistype") not in REVERSIBLE:
        return (f"tegenboeking_van {ref!r} is a {target.get('gebeurtenistype')}, not a "
                "BetalingVerwerkt or FinancieleVerplichtingKwijtgescholden")
    if dated_after(event, target):
        return f"tegenboeking_van {ref!r} is dated after the counter-entry"
    return None


def moved_payments(document: Any) -> list[Violation]:
    """`herboekt_van` ⇔ `betaalwijze: herboeking`; it names a payment of another case of the
    document that has a counter-entry `verkeerd_geboekt` of exactly the moved amount."""
    all_cases = {c.get("zaakkenmerk"): (p, c) for p, c in cases(document)
                 if isinstance(c.get("zaakkenmerk"), str)}
    found = []
    for case_ptr, case in cases(document):
        for event_ptr, event in events(case, case_ptr):
            if event.get("gebeurtenistype") != PAID:
                continue
            problem = _moved_payment_problem(event, case, all_cases)
            if problem is not None:
                found.append(Violation(HERBOEKING, problem, event_ptr))
    return found


def _moved_payment_problem(event: dict, case: dict,
                           all_cases: dict[str, tuple[str, dict]]) -> str | None:
    moved = event.get("betaalwijze") == "herboeking"
    origin = event.get("herboekt_van")
    if moved != ("herboekt_van" in event):
        return "herboekt_van and betaalwijze herboeking come together"
    if not moved or not isinstance(origin, dict):
        return None
    other_ref, payment_id = origin.get("zaakkenmerk"), origin.get("gebeurtenis_id")
    if other_ref == case.get("zaakkenmerk"):
        return "herboekt_van names the payment's own case, not another one"
    if other_ref not in all_cases:
        return f"herboekt_van names case {other_ref!r}, which is not in the document"
    other_ptr, other = all_cases[other_ref]
    source = events_by_id(other, other_ptr).get(payment_id)
    if source is None or source.get("gebeurtenistype") != PAID:
        return f"herboekt_van names {payment_id!r}, no BetalingVerwerkt of case {other_ref!r}"
    reversals = [e for _p, e in events(other, other_ptr) if is_counter_entry(e)
                 and e.get("tegenboeking_van") == payment_id
                 and e.get("tegenboeking_soort") == MOVED_WRONGLY]
    if not reversals:
        return (f"case {other_ref!r} has no counter-entry verkeerd_geboekt of payment "
                f"{payment_id!r}: the moved amount would count twice")
    if amount(event) not in {amount(e) for e in reversals}:
        return (f"the moved amount {amount(event)} differs from the counter-entry "
                f"verkeerd_geboekt of {payment_id!r} in case {other_ref!r}")
    return None


def offsets(document: Any) -> list[Violation]:
    """`verrekend_met` ⇔ `betaalwijze: verrekening`."""
    return [
        Violation(VERREKENING, "verrekend_met and betaalwijze verrekening come together",
                  event_ptr)
        for case_ptr, case in cases(document) for event_ptr, event in events(case, case_ptr)
        if event.get("gebeurtenistype") == PAID
        and (event.get("betaalwijze") == "verrekening") != ("verrekend_met" in event)
    ]


def garnishments(document: Any) -> list[Violation]:
    """A payment with `betaalwijze: beslag` is in a case that has `beslag`."""
    return [
        Violation(BESLAG, "a payment by beslag in a case without beslag",
                  f"{event_ptr}/betaalwijze")
        for case_ptr, case in cases(document) for event_ptr, event in events(case, case_ptr)
        if event.get("gebeurtenistype") == PAID and event.get("betaalwijze") == "beslag"
        and not (isinstance(case.get("beslag"), list) and case["beslag"])
    ]


def creditors_per_line(document: Any) -> list[Violation]:
    """When one imposed line of a case (not a correction or counter-entry) names its
    `schuldeiser`, all do; a correction carries the corrected line's, a remission the remitted
    line's (none when that has none)."""
    found = []
    for case_ptr, case in cases(document):
        by_id = events_by_id(case, case_ptr)
        lines = [(p, e) for p, e in events(case, case_ptr) if e.get("gebeurtenistype") == IMPOSED
                 and "correctie_van" not in e and not is_counter_entry(e)]
        if any("schuldeiser" in e for _p, e in lines):
            found += [Violation(SCHULDEISER, "one line of this case names its schuldeiser, "
                                "this one does not", p) for p, e in lines if "schuldeiser" not in e]
        for event_ptr, event in events(case, case_ptr):
            field = _line_reference(event)
            target = by_id.get(event.get(field)) if field else None
            if target is not None and event.get("schuldeiser") != target.get("schuldeiser"):
                found.append(Violation(
                    SCHULDEISER, f"schuldeiser {event.get('schuldeiser')!r} differs from that "
                    f"of line {event[field]!r} ({target.get('schuldeiser')!r})",
                    f"{event_ptr}/schuldeiser"))
    return found


def _line_reference(event: dict) -> str | None:
    """The member naming the line whose creditor this event carries, if any."""
    kind = event.get("gebeurtenistype")
    if kind == IMPOSED and "correctie_van" in event:
        return "correctie_van"
    if kind == REMITTED:
        return "financiele_verplichting"
    return None


RULES = (counter_entries, moved_payments, offsets, garnishments, creditors_per_line)
