"""The claims document of one citizen, as of now.

`build_document` starts from the organisation's records (`records.py`), imposes the planned
surcharges (`gepland`) whose moment has come unless a pause held the case that day, lays the
current arrangements and pauses over them (status, `betalingsregeling`, `pauze`, `acties`) and then
lets the flaws in writing a document out do their one wrong thing each. Signing is
`envelopes.py`.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from conformance.broken import pause_limits
from conformance.broken.arrangements import view
from conformance.broken.clock import Clock
from conformance.broken.errors import Problem
from conformance.broken.source import API_VERSION, DOCUMENT_VERSION, SETTLED, Source
from conformance.broken.store import Arrangement, Pause
from conformance.broken.testklok import citizen_clock

AMOUNTS = ("totaal_financieel_verplicht", "totaal_financieel_vereffend", "saldo", "achterstand")
REFERENCE_FIELDS = ("correctie_van", "betalingsverplichting", "financiele_verplichting",
                    "tegenboeking_van")
PAID = "BetalingVerwerkt"
ARCHIVED_DEMAND_ID = "BV-ARCHIEF-2019-0001"
ARCHIVE_PREFIX = "ARCH-"
PARENT_OIN = "00000001003214345000"  # the parent organisation, not this source
INTEREST_CENTS = 150
INTERNAL_STATUS = {"in_bezwaar": "in_behandeling"}
NEXT_MINOR_MEMBER = "voorbeeld_uitbreiding"
# the fixed no-claims citizens of the 2.0 suite, which the flaw below was tuned to
SUITE_2_0_PROBES = ("111222333", "123456782", "100000010")
FROZEN_ACTIONS = ("bezwaar", "hulp")  # what a case in a debt scheme still offers
REGELING_MEMBERS = ("id", "status", "termijnbedrag", "aantal_termijnen", "termijnen",
                    "gemiste_termijnen", "beeindiging", "vervangt", "vervangen_door", "groep")


def build_document(source: Source, bsn: str) -> dict[str, Any]:
    """The `document` member for the citizen `bsn` as of the citizen's now (test clock)."""
    if not source.cases_of(bsn) and bsn not in SUITE_2_0_PROBES and source.flaws.on(
            "zonder-zaken-alleen-bekende-bsns"):
        raise Problem(404, "algemeen/niet-gevonden", "No claims for this citizen.")
    source.store.document_fetches += 1
    clock = citizen_clock(source, bsn)
    cases = [_with_state(source, bsn, _imposed(source, bsn, copy.deepcopy(case), clock), clock)
             for case in source.cases_of(bsn)]
    document = {
        "documentversie": (API_VERSION if source.flaws.on("documentversie-met-patch")
                           else DOCUMENT_VERSION),
        "bron": {"oin": source.oin, "naam": source.naam},
        "bsn": bsn,
        # the flaw: the dunning run follows the test clock, writing the document does not
        "opgesteld_op": (source.clock if source.flaws.on("testklok-niet-in-document")
                         else clock).iso(),
        "financiele_zaken": cases,
        # a member of a later minor: data is open, so every reader must ignore it
        NEXT_MINOR_MEMBER: {"sinds": "2.2"},
    }
    for case in cases:
        case[NEXT_MINOR_MEMBER] = {"sinds": "2.2"}
    _apply_flaws(source, document)
    return document


def _imposed(source: Source, bsn: str, case: dict[str, Any], clock: Clock) -> dict[str, Any]:
    """The case with each planned surcharge whose moment has come, unless a pause held the
    case on that day (the flaw `planning-negeert-pauze`: the dunning run ignores pauses; the
    flaw `pauze-stelt-alleen-uit`: it catches up once the pause is over)."""
    flaws, zaakkenmerk = source.flaws, case["zaakkenmerk"]
    for planned in case.pop("gepland", []):
        moment = datetime.fromisoformat(planned["datumtijd"]).astimezone(UTC)
        if moment.timestamp() > clock.now():
            continue
        held = source.store.pause_held(bsn, zaakkenmerk, moment.date())
        caught_up = flaws.on("pauze-stelt-alleen-uit") and source.store.pause_covering(
            bsn, zaakkenmerk, clock.today()) is None
        if held and not flaws.on("planning-negeert-pauze") and not caught_up:
            continue
        case["gebeurtenissen"].append(planned)
        case["totaal_financieel_verplicht"] += planned["bedrag"]
        case["saldo"] += planned["bedrag"]
        case["saldo_datumtijd"] = clock.iso()
    return case


def _with_state(source: Source, bsn: str, case: dict[str, Any],
                clock: Clock) -> dict[str, Any]:
    """Arrangement, pause and available actions of one case as they stand now."""
    zaakkenmerk, today, flaws = case["zaakkenmerk"], clock.today(), source.flaws
    case.pop("betalingsregeling", None)
    case.pop("pauze", None)
    arrangement = source.store.arrangement_covering(bsn, zaakkenmerk)
    shown = arrangement or source.store.latest_ended(bsn, zaakkenmerk)
    pause = source.store.pause_covering(bsn, zaakkenmerk, today)
    if pause is not None and pause.einddatum == today and flaws.on("pauze-einddatum-exclusief"):
        pause = None  # "until the end date" read as "before it"
    if shown is not None and not flaws.on("regeling-niet-in-document"):
        # 2.2: the most recent arrangement stays on the case after it ended
        case["betalingsregeling"] = arrangement_member(source, shown)
    if arrangement is not None and not flaws.on("regeling-niet-in-document"):
        case["status"] = "in_regeling"
    if pause is not None and not flaws.on("pauze-niet-in-document"):
        # the pause is the more recent, temporary state: it shows first
        case["status"] = "gepauzeerd"
        case["pauze"] = {"id": pause.id, "einddatum": pause.einddatum.isoformat()}
    if pause is not None and flaws.on("verhoging-tijdens-pauze"):
        _charge_interest(source, case, pause)
    owes = case["saldo"] > 0 and case["status"] != SETTLED
    if flaws.on("betalen-bij-afgelost"):  # "was anything ever imposed?" taken for "owes"
        owes = case["totaal_financieel_verplicht"] > 0
    bar = pause_limits.case_bar(source, bsn, zaakkenmerk, today)
    actions = {
        "betalen": owes,
        "betalingsregeling": source.quote_refusal(bsn, zaakkenmerk) is None,
        "pauze": source.pause_refusal(bsn, zaakkenmerk, today) is None and bar is None,
        "bezwaar": bool(case.get("bezwaar", {}).get("mogelijk")),
        "hulp": owes,
    }
    frozen = "schuldregeling" in case and not flaws.on("schuldregeling-met-acties")
    case["acties"] = [name for name, available in actions.items()
                      if available and (not frozen or name in FROZEN_ACTIONS)]
    if pause is None:
        case["pauze_mogelijkheid"] = {"mogelijk": True} if bar is None else \
            {"mogelijk": False, **bar}
    return case


def arrangement_member(source: Source, arrangement: Arrangement) -> dict[str, Any]:
    """The case's `betalingsregeling` (2.2: with its lifecycle)."""
    body = view(source, arrangement)
    member = {name: body[name] for name in REGELING_MEMBERS if name in body}
    if source.flaws.on("gemiste-termijnen-niet-geteld"):  # counted once, when agreed
        member["gemiste_termijnen"] = 0
    if source.flaws.on("regeling-blijft-actief"):  # the snapshot of the day it was agreed
        member = {"id": member["id"], "status": "actief", "termijnbedrag": member[
            "termijnbedrag"], "aantal_termijnen": member["aantal_termijnen"]}
    return member


def _charge_interest(source: Source, case: dict[str, Any], pause: Pause) -> None:
    """The flaw `verhoging-tijdens-pauze`: the interest run ignores pauses (totals kept right)."""
    case["gebeurtenissen"].append({
        "gebeurtenis_id": f"{case['zaakkenmerk']}-rente-{pause.id[:8]}",
        "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
        "datumtijd": source.clock.iso(pause.created_at),
        "bedrag": INTEREST_CENTS,
        "categorie": "rente",
        "omschrijving": "Wettelijke rente",
    })
    case["totaal_financieel_verplicht"] += INTEREST_CENTS
    case["saldo"] += INTEREST_CENTS
    case["saldo_datumtijd"] = source.clock.iso()


def _apply_flaws(source: Source, document: dict[str, Any]) -> None:
    flaws, cases = source.flaws, document["financiele_zaken"]
    if flaws.on("float-bedragen"):
        for case in cases:
            for name in AMOUNTS:
                case[name] = float(case[name])
            for event in case["gebeurtenissen"]:
                if "bedrag" in event:
                    event["bedrag"] = float(event["bedrag"])
    if flaws.on("dubbele-gebeurtenis-id"):
        _duplicate_an_event_id(cases)
    if flaws.on("instabiele-gebeurtenis-ids"):
        for case in cases:
            _rename_events(case, lambda i: f"{i}.{source.store.document_fetches}")
    if flaws.on("dangling-referentie"):
        payment = next((e for c in cases for e in c["gebeurtenissen"]
                        if e["gebeurtenistype"] == PAID), None)
        if payment is not None:
            payment["betalingsverplichting"] = ARCHIVED_DEMAND_ID
    if flaws.on("datumtijd-zonder-offset"):
        for case in cases:
            for event in case["gebeurtenissen"]:
                event["datumtijd"] = event["datumtijd"].removesuffix("Z")
    if flaws.on("dubbel-zaakkenmerk"):  # the archive's copy of settled cases listed too
        for case in [c for c in cases if c["status"] == SETTLED]:
            archived = copy.deepcopy(case)
            _rename_events(archived, lambda i: ARCHIVE_PREFIX + i)
            cases.append(archived)
    if flaws.on("instabiel-zaakkenmerk"):  # settled cases: the archive numbers per request
        for case in cases:
            if case["status"] == SETTLED:
                case["zaakkenmerk"] = f"{case['zaakkenmerk']}.{source.store.document_fetches}"
    if flaws.on("onbekende-status"):
        for case in cases:
            case["status"] = INTERNAL_STATUS.get(case["status"], case["status"])
    if flaws.on("verkeerde-bron-oin"):
        document["bron"]["oin"] = PARENT_OIN
    _apply_member_flaws(flaws, cases)


def _apply_member_flaws(flaws: Any, cases: list[dict[str, Any]]) -> None:
    """The flaws in writing out the members of standard 2.2."""
    for case in cases:
        events = case["gebeurtenissen"]
        if flaws.on("storno-als-kosten"):  # reversals booked like a storno fee
            for event in events:
                if "tegenboeking_soort" in event:
                    event["categorie"] = "kosten"
        if flaws.on("verrekening-zonder-omschrijving"):
            for event in events:
                event.pop("verrekend_met", None)
        if flaws.on("beslag-niet-vermeld"):  # the garnishment lives in another system
            case.pop("beslag", None)
        if flaws.on("kwijtschelding-zonder-schuldeiser"):
            for event in events:
                if event["gebeurtenistype"] == "FinancieleVerplichtingKwijtgescholden":
                    event.pop("schuldeiser", None)
        if flaws.on("beroep-zonder-bezwaarstatus") and \
                (case.get("rechtsmiddel") or {}).get("stadium") != "bezwaar" \
                and "rechtsmiddel" in case:
            case["status"] = "open"
        if flaws.on("pauze-onmogelijk-zonder-reden") and \
                case.get("pauze_mogelijkheid", {}).get("mogelijk") is False:
            case["pauze_mogelijkheid"].pop("reden", None)


def _referenced_ids(case: dict[str, Any]) -> set[str]:
    return {e[f] for e in case["gebeurtenissen"] for f in REFERENCE_FIELDS if f in e}


def _duplicate_an_event_id(cases: list[dict[str, Any]]) -> None:
    """Give one event the id of another event of the same case; neither is a reference
    target, so only uniqueness breaks."""
    for case in cases:
        referenced = _referenced_ids(case)
        free = [e for e in case["gebeurtenissen"] if e["gebeurtenis_id"] not in referenced]
        if len(free) >= 2:
            free[1]["gebeurtenis_id"] = free[0]["gebeurtenis_id"]
            return


def _rename_events(case: dict[str, Any], rename: Any) -> None:
    """Rename every event id of a case, and every reference to it, consistently."""
    for event in case["gebeurtenissen"]:
        event["gebeurtenis_id"] = rename(event["gebeurtenis_id"])
        for name in REFERENCE_FIELDS:
            if name in event:
                event[name] = rename(event[name])
        if "herboekt_van" in event:  # a payment of another case, renamed the same way
            event["herboekt_van"] = {**event["herboekt_van"], "gebeurtenis_id": rename(
                event["herboekt_van"]["gebeurtenis_id"])}
