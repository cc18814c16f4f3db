"""The claims-document invariants of standard 2.2 (spec/rules/document.md, `Since 2.2.0`),
written from the text of the rules for the vector verifier (tests/spec/vector_verifier.py).

They judge a document whose `documentversie` is 2.2 or later, and no other. Like the verifier,
this shares no code with `conformance/` or `reference_impl/`: those are measured against the
vectors. Each function returns whether its rule is broken for one case (a rule is reported at
most once per case); the input has passed the schema.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

FIRST_MINOR = 2  # the minor of major 2 that introduced these rules
SETTLEMENTS = ("BetalingVerwerkt", "FinancieleVerplichtingKwijtgescholden")
FROZEN_ACTIONS = {"bezwaar", "hulp"}

Zaak = dict[str, Any]


def applies(document: dict[str, Any]) -> bool:
    """Whether the rules of 2.2 judge this document (its wire version is 2.2 or later)."""
    major, minor = document["documentversie"].split(".")
    return major == "2" and int(minor) >= FIRST_MINOR


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _imposed(zaak: Zaak) -> list[dict[str, Any]]:
    return [e for e in zaak["gebeurtenissen"]
            if e["gebeurtenistype"] == "FinancieleVerplichtingOpgelegd"]


def _payments(zaak: Zaak) -> list[dict[str, Any]]:
    return [e for e in zaak["gebeurtenissen"] if e["gebeurtenistype"] == "BetalingVerwerkt"]


def _same_creditor(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return a["naam"] == b["naam"] and a.get("oin") == b.get("oin")


def regelbaar_bedrag_out_of_bounds(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    if "regelbaar_bedrag" not in zaak:
        return False
    return not 0 <= zaak["regelbaar_bedrag"] <= max(zaak["saldo"], 0)


def bad_counter_entry(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    by_id = {e["gebeurtenis_id"]: e for e in zaak["gebeurtenissen"]}
    reversed_sum: dict[str, int] = defaultdict(int)
    for line in _imposed(zaak):
        if ("tegenboeking_van" in line) != ("tegenboeking_soort" in line):
            return True
        if "tegenboeking_van" not in line:
            continue
        if "correctie_van" in line or line["categorie"] != "hoofdsom":
            return True
        target = by_id.get(line["tegenboeking_van"])
        if (target is None or target["gebeurtenistype"] not in SETTLEMENTS
                or _instant(target["datumtijd"]) > _instant(line["datumtijd"])):
            return True
        reversed_sum[line["tegenboeking_van"]] += line["bedrag"]
    return any(total > by_id[target]["bedrag"] for target, total in reversed_sum.items())


def bad_moved_payment(zaak: Zaak, cases: dict[str, Zaak]) -> bool:
    for payment in _payments(zaak):
        moved = payment.get("betaalwijze") == "herboeking"
        if moved != ("herboekt_van" in payment):
            return True
        if not moved:
            continue
        source = payment["herboekt_van"]
        other = cases.get(source["zaakkenmerk"])
        if other is None or other is zaak:
            return True
        if not any(e["gebeurtenis_id"] == source["gebeurtenis_id"] for e in _payments(other)):
            return True
        if not any(line.get("tegenboeking_van") == source["gebeurtenis_id"]
                   and line.get("tegenboeking_soort") == "verkeerd_geboekt"
                   and line["bedrag"] == payment["bedrag"] for line in _imposed(other)):
            return True
    return False


def bad_offset(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    return any((p.get("betaalwijze") == "verrekening") != ("verrekend_met" in p)
               for p in _payments(zaak))


def garnished_without_garnishment(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    return "beslag" not in zaak and any(p.get("betaalwijze") == "beslag"
                                        for p in _payments(zaak))


def bad_creditor_per_line(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    lines = {e["gebeurtenis_id"]: e for e in _imposed(zaak)}
    own = [e for e in lines.values() if "correctie_van" not in e and "tegenboeking_van" not in e]
    if any("schuldeiser" in e for e in own) and not all("schuldeiser" in e for e in own):
        return True
    for line in lines.values():
        corrected = lines.get(line.get("correctie_van", ""), {})
        if "correctie_van" in line and not _same_creditor(
                line.get("schuldeiser"), corrected.get("schuldeiser")):
            return True
    for event in zaak["gebeurtenissen"]:
        if event["gebeurtenistype"] == "FinancieleVerplichtingKwijtgescholden":
            remitted = lines.get(event["financiele_verplichting"], {})
            if not _same_creditor(event.get("schuldeiser"), remitted.get("schuldeiser")):
                return True
    return False


def inconsistent_lifecycle(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    regeling = zaak.get("betalingsregeling")
    if regeling is None:
        return False
    ended = regeling.get("status") == "beeindigd"
    if ended != ("beeindiging" in regeling):
        return True
    termijnen = regeling.get("termijnen")
    missed = sum(t["status"] == "gemist" for t in termijnen or [])
    if termijnen is not None and regeling.get("gemiste_termijnen", missed) != missed:
        return True
    for termijn in termijnen or []:
        if "betaald" in termijn:
            betaald, bedrag, status = termijn["betaald"], termijn["bedrag"], termijn["status"]
            if not 0 <= betaald <= bedrag or (betaald == bedrag) != (status == "betaald"):
                return True
            if 0 < betaald < bedrag and status not in ("deels_betaald", "gemist"):
                return True
            if status == "deels_betaald" and betaald == 0:
                return True
    if "vervangen_door" in regeling:
        return not ended or regeling["beeindiging"]["reden"] != "gewijzigd"
    return False


def arrangement_disagrees_with_status(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    regeling_status = zaak.get("betalingsregeling", {}).get("status")
    if zaak["status"] == "in_regeling" and regeling_status not in (None, "actief"):
        return True
    return regeling_status == "actief" and not arrangement_may_stand_on(zaak)


def arrangement_may_stand_on(zaak: Zaak) -> bool:
    """The case statuses an active arrangement may show with: in force, paused, this case
    paid off while others of the arrangement still owe, or a remedy lodged afterwards."""
    return zaak["status"] in ("in_regeling", "gepauzeerd", "afgelost") or (
        zaak["status"] == "in_bezwaar" and "rechtsmiddel" in zaak)


def remedy_not_in_objection(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    return "rechtsmiddel" in zaak and zaak["status"] != "in_bezwaar"


def debt_scheme_not_frozen(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    if "schuldregeling" not in zaak:
        return False
    pause = zaak.get("pauze_mogelijkheid", {"mogelijk": False})
    return not set(zaak["acties"]) <= FROZEN_ACTIONS or pause["mogelijk"] is not False


def bad_pause_possibility(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    pause = zaak.get("pauze_mogelijkheid")
    if pause is None:
        return False
    if (pause["mogelijk"] is False) != ("reden" in pause):
        return True
    return "pauze" in zaak["acties"] and pause["mogelijk"] is False


def action_not_accepted(zaak: Zaak, _: dict[str, Zaak]) -> bool:
    acties = set(zaak["acties"])
    if "bezwaar" in acties and zaak["bezwaar"]["mogelijk"] is not True:
        return True
    if "betalen" in acties and zaak["saldo"] <= 0:
        return True
    return "betalingsregeling" in acties and zaak.get("regelbaar_bedrag", 1) <= 0


CHECKS: dict[str, Callable[[Zaak, dict[str, Zaak]], bool]] = {
    "/document/regelbaar-bedrag-begrensd": regelbaar_bedrag_out_of_bounds,
    "/document/tegenboeking": bad_counter_entry,
    "/document/herboeking": bad_moved_payment,
    "/document/verrekening": bad_offset,
    "/document/beslag": garnished_without_garnishment,
    "/document/schuldeiser-per-regel": bad_creditor_per_line,
    "/document/regeling-levenscyclus": inconsistent_lifecycle,
    "/document/regeling-en-zaakstatus": arrangement_disagrees_with_status,
    "/document/rechtsmiddel-status": remedy_not_in_objection,
    "/document/schuldregeling-bevroren": debt_scheme_not_frozen,
    "/document/pauze-mogelijkheid": bad_pause_possibility,
    "/document/acties-betekenis": action_not_accepted,
}


def problems(document: dict[str, Any]) -> list[str]:
    """Rule ids of 2.2 the document breaks, once per case that breaks them."""
    if not applies(document):
        return []
    cases = {z["zaakkenmerk"]: z for z in document["financiele_zaken"]}
    return [rule for zaak in document["financiele_zaken"]
            for rule, broken in CHECKS.items() if broken(zaak, cases)]
