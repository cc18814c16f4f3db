"""The invariants of a claims document that standard 2.2 added (spec/rules/document.md, all
`since: 2.2.0`): counter-entries, moved payments, how a payment was made, creditor per
line, the arrangement lifecycle, remedy, debt scheme, pause possibility and `acties`.

`problems_2_2(document)` returns `"<rule id> <JSON pointer>"` lines like
`document.problems`, which calls it only for a document of minor 2.2 or later: a 2.0 or
2.1 party is not bound by these rules (spec/versioning.md §3). Every check is vacuous for a
document that does not use the 2.2 member it is about, except `/document/acties-betekenis`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

IMPOSED = "FinancieleVerplichtingOpgelegd"
PAID = "BetalingVerwerkt"
REMITTED = "FinancieleVerplichtingKwijtgescholden"
SETTLEMENTS = (PAID, REMITTED)
FROZEN_ACTIONS = frozenset({"bezwaar", "hulp"})
PART_PAID = ("deels_betaald", "gemist")

Finding = Callable[[str, str], None]


def problems_2_2(document: dict[str, Any], when: Callable[[str], datetime]) -> list[str]:
    """Every broken 2.2 invariant; `when` parses an event's `datumtijd` (the caller's parser,
    so both agree on fractions and offsets)."""
    found: list[str] = []
    cases = document["financiele_zaken"]
    by_kenmerk = {case["zaakkenmerk"]: case for case in cases}
    for i, case in enumerate(cases):
        pointer = f"/financiele_zaken/{i}"

        def add(rule: str, member: str, pointer: str = pointer) -> None:
            found.append(f"/document/{rule} {pointer}{member}")

        _ledger(case, add, when)
        _moved_payments(case, by_kenmerk, add)
        _creditor_per_line(case, add)
        _arrangement(case, add)
        _case_state(case, add)
    return found


def _events(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for event in case["gebeurtenissen"]:
        found.setdefault(event["gebeurtenis_id"], event)
    return found


def _ledger(case: dict[str, Any], add: Finding, when: Callable[[str], datetime]) -> None:
    """/document/tegenboeking, /document/verrekening, /document/beslag and the
    regelbaar_bedrag bound."""
    if "regelbaar_bedrag" in case and not 0 <= case["regelbaar_bedrag"] <= max(case["saldo"], 0):
        add("regelbaar-bedrag-begrensd", "/regelbaar_bedrag")
    by_id = _events(case)
    reversed_sum: dict[str, int] = {}
    for j, event in enumerate(case["gebeurtenissen"]):
        at = f"/gebeurtenissen/{j}"
        kind = event["gebeurtenistype"]
        if kind == IMPOSED and ("tegenboeking_van" in event or "tegenboeking_soort" in event):
            target = by_id.get(event.get("tegenboeking_van", ""))
            if (
                "tegenboeking_van" not in event or "tegenboeking_soort" not in event
                or "correctie_van" in event or event["categorie"] != "hoofdsom"
                or target is None or target["gebeurtenistype"] not in SETTLEMENTS
                or when(target["datumtijd"]) > when(event["datumtijd"])
            ):
                add("tegenboeking", at)
            else:
                target_id = event["tegenboeking_van"]
                reversed_sum[target_id] = reversed_sum.get(target_id, 0) + event["bedrag"]
                if reversed_sum[target_id] > target["bedrag"]:
                    add("tegenboeking", f"{at}/bedrag")
        if kind == PAID:
            wijze = event.get("betaalwijze")
            if ("verrekend_met" in event) != (wijze == "verrekening"):
                add("verrekening", at)
            if wijze == "beslag" and "beslag" not in case:
                add("beslag", at)


def _moved_payments(case: dict[str, Any], by_kenmerk: dict[str, dict[str, Any]],
                    add: Finding) -> None:
    """/document/herboeking: a moved payment points at a payment of another case that was
    counter-booked there as `verkeerd_geboekt` for exactly the amount moved."""
    for j, event in enumerate(case["gebeurtenissen"]):
        if event["gebeurtenistype"] != PAID:
            continue
        moved = "herboekt_van" in event
        if moved != (event.get("betaalwijze") == "herboeking"):
            add("herboeking", f"/gebeurtenissen/{j}")
            continue
        if not moved:
            continue
        origin = event["herboekt_van"]
        other = by_kenmerk.get(origin["zaakkenmerk"])
        payment = _events(other).get(origin["gebeurtenis_id"]) if other is not None else None
        if other is None or other is case or payment is None or payment["gebeurtenistype"] != PAID:
            add("herboeking", f"/gebeurtenissen/{j}/herboekt_van")
            continue
        if not any(
            e["gebeurtenistype"] == IMPOSED
            and e.get("tegenboeking_soort") == "verkeerd_geboekt"
            and e.get("tegenboeking_van") == origin["gebeurtenis_id"]
            and e["bedrag"] == event["bedrag"]
            for e in other["gebeurtenissen"]
        ):
            add("herboeking", f"/gebeurtenissen/{j}/bedrag")


def _creditor_per_line(case: dict[str, Any], add: Finding) -> None:
    """/document/schuldeiser-per-regel."""
    by_id = _events(case)
    events = case["gebeurtenissen"]
    lines = [
        (j, e) for j, e in enumerate(events)
        if e["gebeurtenistype"] == IMPOSED
        and "correctie_van" not in e and "tegenboeking_van" not in e
        and "tegenboeking_soort" not in e
    ]
    if any("schuldeiser" in e for _, e in lines):
        for j, event in lines:
            if "schuldeiser" not in event:
                add("schuldeiser-per-regel", f"/gebeurtenissen/{j}")
    for j, event in enumerate(events):
        reference = (
            event.get("correctie_van") if event["gebeurtenistype"] == IMPOSED
            else event.get("financiele_verplichting") if event["gebeurtenistype"] == REMITTED
            else None
        )
        target = by_id.get(reference) if reference is not None else None
        if target is None or target["gebeurtenistype"] != IMPOSED:
            continue  # a dangling reference is /document/referenties-kloppen's finding
        if event.get("schuldeiser") != target.get("schuldeiser"):
            add("schuldeiser-per-regel", f"/gebeurtenissen/{j}/schuldeiser")


def _arrangement(case: dict[str, Any], add: Finding) -> None:
    """/document/regeling-levenscyclus and /document/regeling-en-zaakstatus."""
    regeling = case.get("betalingsregeling")
    status = case["status"]
    if regeling is None:
        return
    at = "/betalingsregeling"
    state = regeling.get("status")
    if (state == "beeindigd") != ("beeindiging" in regeling):
        add("regeling-levenscyclus", f"{at}/beeindiging")
    termijnen = regeling.get("termijnen", [])
    if "gemiste_termijnen" in regeling and "termijnen" in regeling and (
        regeling["gemiste_termijnen"] != sum(t["status"] == "gemist" for t in termijnen)
    ):
        add("regeling-levenscyclus", f"{at}/gemiste_termijnen")
    for k, termijn in enumerate(termijnen):
        if "betaald" not in termijn:
            continue
        paid, amount = termijn["betaald"], termijn["bedrag"]
        if (
            not 0 <= paid <= amount
            or (paid == amount) != (termijn["status"] == "betaald")
            or (0 < paid < amount and termijn["status"] not in PART_PAID)
            or (termijn["status"] == "deels_betaald" and paid == 0)
        ):
            add("regeling-levenscyclus", f"{at}/termijnen/{k}")
    if "vervangen_door" in regeling and (
        state != "beeindigd" or regeling.get("beeindiging", {}).get("reden") != "gewijzigd"
    ):
        add("regeling-levenscyclus", f"{at}/vervangen_door")
    if state is not None and (
        (status == "in_regeling" and state != "actief")
        or (state == "actief" and not _arrangement_may_stand_on(case))
    ):
        add("regeling-en-zaakstatus", "/status")


def _arrangement_may_stand_on(case: dict[str, Any]) -> bool:
    """An active arrangement shows on a case in force, paused, paid off while the
    arrangement's other cases still owe, or in a remedy lodged after it was agreed."""
    return case["status"] in ("in_regeling", "gepauzeerd", "afgelost") or (
        case["status"] == "in_bezwaar" and "rechtsmiddel" in case)


def _case_state(case: dict[str, Any], add: Finding) -> None:
    """/document/rechtsmiddel-status, /document/schuldregeling-bevroren,
    /document/pauze-mogelijkheid and /document/acties-betekenis."""
    acties = case["acties"]
    possible = case.get("pauze_mogelijkheid")
    if "rechtsmiddel" in case and case["status"] != "in_bezwaar":
        add("rechtsmiddel-status", "/status")
    if "schuldregeling" in case and (
        not set(acties) <= FROZEN_ACTIONS
        or (possible is not None and possible["mogelijk"] is not False)
    ):
        add("schuldregeling-bevroren", "/acties")
    if possible is not None and (
        (possible["mogelijk"] is False) != ("reden" in possible)
        or ("pauze" in acties and possible["mogelijk"] is False)
    ):
        add("pauze-mogelijkheid", "/pauze_mogelijkheid")
    if (
        ("bezwaar" in acties and not case["bezwaar"]["mogelijk"])
        or ("betalen" in acties and case["saldo"] <= 0)
        or ("betalingsregeling" in acties and case.get("regelbaar_bedrag", 1) <= 0)
    ):
        add("acties-betekenis", "/acties")
