"""The invariants of a claims document, as pure functions (spec/rules/document.md).

Every function takes the `document` member of an envelope (a plain dict as parsed from JSON)
and returns a list of `Violation(rule, message, pointer)`; an empty list means the rule
holds. The functions never raise on malformed input: what they cannot interpret they leave
to the schema check (`/document/schema-open`), so a broken source yields findings, not crashes.

`violations(document, bsn=...)` runs every single-document rule; `unstable_event_ids(first,
second)` compares two fetches of the same citizen's document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from conformance import case_rules, ledger_rules
from conformance import document_walk as walk
from conformance.document_walk import (
    IMPOSED,
    PAID,
    PAYMENT_DUE,
    PAYMENT_WITHDRAWN,
    REMITTED,
    Violation,
    parse_datetime,
)

AMOUNT_FIELDS = (
    "totaal_financieel_verplicht",
    "totaal_financieel_vereffend",
    "saldo",
    "achterstand",
    "regelbaar_bedrag",
)
BSN_LENGTH = 9
ELFPROEF_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)

CASE_STATUSES = frozenset(
    {"open", "in_regeling", "gepauzeerd", "in_bezwaar", "overgedragen_aan_deurwaarder", "afgelost"}
)
LOOPTIJDEN = frozenset({"eenmalig", "termijnen", "doorlopend"})
ACTIONS = frozenset({"betalen", "betalingsregeling", "pauze", "bezwaar", "hulp"})
EVENT_TYPES = frozenset({IMPOSED, PAYMENT_DUE, PAYMENT_WITHDRAWN, PAID, REMITTED})
CATEGORIES = frozenset({"hoofdsom", "administratiekosten", "verhoging", "rente", "kosten"})
PAYMENT_KINDS = frozenset({"aanschrijving", "termijn", "herinnering", "aanmaning"})

# (event type, field) → the event type the field must refer to.
REFERENCES: dict[tuple[str, str], str] = {
    (IMPOSED, "correctie_van"): IMPOSED,
    (PAYMENT_WITHDRAWN, "betalingsverplichting"): PAYMENT_DUE,
    (PAID, "betalingsverplichting"): PAYMENT_DUE,
    (REMITTED, "financiele_verplichting"): IMPOSED,
}


_cases = walk.cases
_events = walk.events
_all_events = walk.all_events
_is_cents = walk.is_cents
_amount = walk.amount


# --- single-document rules ------------------------------------------------------------------


def amounts_in_cents(document: Any) -> list[Violation]:
    """Every amount is an integer number of euro cents (no fractions, strings or booleans)."""
    found = []
    for case_ptr, case in _cases(document):
        for field in AMOUNT_FIELDS:
            if field in case and not _is_cents(case[field]):
                found.append(Violation(
                    "/document/bedragen-in-centen",
                    f"{field} is {case[field]!r}, not an integer number of cents",
                    f"{case_ptr}/{field}",
                ))
        for event_ptr, event in _events(case, case_ptr):
            if "bedrag" in event and not _is_cents(event["bedrag"]):
                found.append(Violation(
                    "/document/bedragen-in-centen",
                    f"bedrag is {event['bedrag']!r}, not an integer number of cents",
                    f"{event_ptr}/bedrag",
                ))
    return found


def datetimes_with_offset(document: Any) -> list[Violation]:
    """Every date-time is RFC 3339 with an explicit offset (`Z` or `±hh:mm`)."""
    places: list[tuple[str, Any]] = []
    if isinstance(document, dict) and "opgesteld_op" in document:
        places.append(("/opgesteld_op", document["opgesteld_op"]))
    for case_ptr, case in _cases(document):
        if "saldo_datumtijd" in case:
            places.append((f"{case_ptr}/saldo_datumtijd", case["saldo_datumtijd"]))
        for event_ptr, event in _events(case, case_ptr):
            if "datumtijd" in event:
                places.append((f"{event_ptr}/datumtijd", event["datumtijd"]))
    return [
        Violation(
            "/document/datumtijd-met-offset",
            f"{value!r} is not an RFC 3339 date-time with an offset",
            pointer,
        )
        for pointer, value in places
        if parse_datetime(value) is None
    ]


def unique_event_ids(document: Any) -> list[Violation]:
    """No two events in the document share a `gebeurtenis_id`."""
    seen: dict[str, str] = {}
    found = []
    for event_ptr, event, _case in _all_events(document):
        event_id = event.get("gebeurtenis_id")
        if not isinstance(event_id, str):
            continue
        if event_id in seen:
            found.append(Violation(
                "/document/gebeurtenis-id-uniek",
                f"gebeurtenis_id {event_id!r} also used at {seen[event_id]}",
                f"{event_ptr}/gebeurtenis_id",
            ))
        else:
            seen[event_id] = event_ptr
    return found


def unique_case_ids(document: Any) -> list[Violation]:
    """No two cases in the document share a `zaakkenmerk`."""
    seen: dict[str, str] = {}
    found = []
    for case_ptr, case in _cases(document):
        kenmerk = case.get("zaakkenmerk")
        if not isinstance(kenmerk, str):
            continue
        if kenmerk in seen:
            found.append(Violation(
                "/document/zaakkenmerk-uniek",
                f"zaakkenmerk {kenmerk!r} also used at {seen[kenmerk]}",
                f"{case_ptr}/zaakkenmerk",
            ))
        else:
            seen[kenmerk] = case_ptr
    return found


def references_resolve(document: Any) -> list[Violation]:
    """Every reference names an earlier-or-simultaneous event of the right type in its case."""
    found = []
    for case_ptr, case in _cases(document):
        by_id = {
            e.get("gebeurtenis_id"): e for _p, e in _events(case, case_ptr)
            if isinstance(e.get("gebeurtenis_id"), str)
        }
        for event_ptr, event in _events(case, case_ptr):
            kind = event.get("gebeurtenistype")
            for (source_kind, field), target_kind in REFERENCES.items():
                if kind != source_kind or field not in event:
                    continue
                problem = _reference_problem(event, by_id.get(event[field]), field, target_kind)
                if problem:
                    found.append(Violation(
                        "/document/referenties-kloppen", problem, f"{event_ptr}/{field}"
                    ))
    return found


def _reference_problem(event: dict, target: dict | None, field: str, kind: str) -> str | None:
    ref = event[field]
    if target is None:
        return f"{field} {ref!r} names no event in this case"
    if target.get("gebeurtenistype") != kind:
        return f"{field} {ref!r} is a {target.get('gebeurtenistype')}, not a {kind}"
    if target is event:
        return f"{field} {ref!r} refers to the event itself"
    when, then = parse_datetime(event.get("datumtijd")), parse_datetime(target.get("datumtijd"))
    if when is not None and then is not None and then > when:
        return f"{field} {ref!r} is dated after the event that refers to it"
    return None


def _sum_of(case: dict, case_ptr: str, kinds: tuple[str, ...]) -> int:
    return sum(
        _amount(e) for _p, e in _events(case, case_ptr) if e.get("gebeurtenistype") in kinds
    )


def totals_add_up(document: Any) -> list[Violation]:
    """verplicht = Σ imposed; vereffend = Σ paid + Σ remitted; saldo = verplicht − vereffend."""
    found = []
    for case_ptr, case in _cases(document):
        imposed = _sum_of(case, case_ptr, (IMPOSED,))
        settled = _sum_of(case, case_ptr, (PAID, REMITTED))
        verplicht = case.get("totaal_financieel_verplicht")
        vereffend = case.get("totaal_financieel_vereffend")
        saldo = case.get("saldo")
        if _is_cents(verplicht) and verplicht != imposed:
            found.append(Violation(
                "/document/verplicht-is-som",
                f"totaal_financieel_verplicht is {verplicht}, the imposed events add up to "
                f"{imposed}",
                f"{case_ptr}/totaal_financieel_verplicht",
            ))
        if _is_cents(vereffend) and vereffend != settled:
            found.append(Violation(
                "/document/vereffend-is-som",
                f"totaal_financieel_vereffend is {vereffend}, payments and remissions add up "
                f"to {settled}",
                f"{case_ptr}/totaal_financieel_vereffend",
            ))
        if _is_cents(verplicht) and _is_cents(vereffend) and _is_cents(saldo) \
                and saldo != verplicht - vereffend:
            found.append(Violation(
                "/document/saldo-klopt",
                f"saldo is {saldo}, verplicht − vereffend is {verplicht - vereffend}",
                f"{case_ptr}/saldo",
            ))
    return found


def arrears_bounded(document: Any) -> list[Violation]:
    """0 ≤ achterstand ≤ max(saldo, 0)."""
    found = []
    for case_ptr, case in _cases(document):
        achterstand, saldo = case.get("achterstand"), case.get("saldo")
        if not (_is_cents(achterstand) and _is_cents(saldo)):
            continue
        if not 0 <= achterstand <= max(saldo, 0):
            found.append(Violation(
                "/document/achterstand-begrensd",
                f"achterstand {achterstand} is outside 0…max(saldo {saldo}, 0)",
                f"{case_ptr}/achterstand",
            ))
    return found


def balance_time_after_events(document: Any) -> list[Violation]:
    """`saldo_datumtijd` is not earlier than any event of its case."""
    found = []
    for case_ptr, case in _cases(document):
        balance_time = parse_datetime(case.get("saldo_datumtijd"))
        if balance_time is None:
            continue
        for event_ptr, event in _events(case, case_ptr):
            when = parse_datetime(event.get("datumtijd"))
            if when is not None and when > balance_time:
                found.append(Violation(
                    "/document/saldo-datumtijd",
                    f"saldo_datumtijd {case['saldo_datumtijd']} is before event time "
                    f"{event['datumtijd']} at {event_ptr}",
                    f"{case_ptr}/saldo_datumtijd",
                ))
    return found


def passes_elfproef(bsn: Any) -> bool:
    """True for a 9-digit BSN whose weighted digit sum is a non-zero multiple of 11."""
    if not isinstance(bsn, str) or len(bsn) != BSN_LENGTH or not bsn.isascii() \
            or not bsn.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(bsn, ELFPROEF_WEIGHTS, strict=True))
    return total != 0 and total % 11 == 0


def bsn_valid(document: Any) -> list[Violation]:
    """The document's `bsn` is 9 digits and passes the elfproef."""
    if not isinstance(document, dict) or "bsn" not in document:
        return []
    if passes_elfproef(document["bsn"]):
        return []
    return [Violation("/document/bsn-elfproef", "bsn does not pass the elfproef", "/bsn")]


def bsn_of_certificate(document: Any, bsn: str) -> list[Violation]:
    """The document's `bsn` is the BSN of the certificate the session was opened with."""
    if isinstance(document, dict) and document.get("bsn") == bsn:
        return []
    # The message never quotes a BSN: findings end up in reports.
    return [Violation(
        "/document/bsn-van-certificaat",
        "bsn differs from the BSN in the session's certificate (a verifier that knows the "
        "citizen refuses it: envelop/bsn-onjuist)",
        "/bsn",
    )]


def settled_without_balance(document: Any) -> list[Violation]:
    """A case with `status: afgelost` has `saldo ≤ 0`."""
    return [
        Violation(
            "/document/afgelost-zonder-saldo",
            f"status afgelost with saldo {case['saldo']} > 0",
            f"{case_ptr}/status",
        )
        for case_ptr, case in _cases(document)
        if case.get("status") == "afgelost" and _is_cents(case.get("saldo")) and case["saldo"] > 0
    ]


def closed_enums(document: Any) -> list[Violation]:
    """Enumerated fields hold only the values the standard lists."""
    found = []

    def check(value: Any, allowed: frozenset[str], pointer: str, name: str) -> None:
        if value not in allowed:
            found.append(Violation(
                "/document/enums-gesloten", f"{name} {value!r} is not one of the standard's "
                f"values ({', '.join(sorted(allowed))})", pointer,
            ))

    for case_ptr, case in _cases(document):
        if "status" in case:
            check(case["status"], CASE_STATUSES, f"{case_ptr}/status", "status")
        if "looptijd" in case:
            check(case["looptijd"], LOOPTIJDEN, f"{case_ptr}/looptijd", "looptijd")
        acties = case.get("acties")
        if isinstance(acties, list):
            for k, actie in enumerate(acties):
                check(actie, ACTIONS, f"{case_ptr}/acties/{k}", "actie")
        for event_ptr, event in _events(case, case_ptr):
            kind = event.get("gebeurtenistype")
            check(kind, EVENT_TYPES, f"{event_ptr}/gebeurtenistype", "gebeurtenistype")
            if kind == IMPOSED and "categorie" in event:
                check(event["categorie"], CATEGORIES, f"{event_ptr}/categorie", "categorie")
            if kind == PAYMENT_DUE and "soort" in event:
                check(event["soort"], PAYMENT_KINDS, f"{event_ptr}/soort", "soort")
    return found


SINGLE_DOCUMENT_RULES: tuple[Callable[[Any], list[Violation]], ...] = (
    amounts_in_cents,
    datetimes_with_offset,
    unique_event_ids,
    unique_case_ids,
    references_resolve,
    totals_add_up,
    arrears_bounded,
    balance_time_after_events,
    bsn_valid,
    settled_without_balance,
    closed_enums,
)


# The invariants of the members standard 2.2 added (rules `since: 2.2.0`): they bind a
# document that announces documentversie 2.2 or later, or none readable.
RULES_SINCE_2_2: tuple[Callable[[Any], list[Violation]], ...] = (
    *ledger_rules.RULES, *case_rules.RULES,
)
MEMBERS_SINCE = (2, 2)


def binds_2_2(document: Any) -> bool:
    """True unless the document announces a documentversie before 2.2."""
    version = document.get("documentversie") if isinstance(document, dict) else None
    parts = version.split(".") if isinstance(version, str) else []
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return True
    return (int(parts[0]), int(parts[1])) >= MEMBERS_SINCE


def violations(document: Any, *, bsn: str | None = None) -> list[Violation]:
    """Every broken single-document invariant of the document's version; with `bsn`, also the
    certificate's BSN rule."""
    rules = SINGLE_DOCUMENT_RULES + (RULES_SINCE_2_2 if binds_2_2(document) else ())
    found = [v for rule in rules for v in rule(document)]
    if bsn is not None:
        found.extend(bsn_of_certificate(document, bsn))
    return found


# --- two fetches ----------------------------------------------------------------------------


def _events_by_id(document: Any) -> dict[str, tuple[str, dict]]:
    return {
        e["gebeurtenis_id"]: (ptr, e) for ptr, e, _c in _all_events(document)
        if isinstance(e.get("gebeurtenis_id"), str)
    }


def unstable_event_ids(first: Any, second: Any) -> list[Violation]:
    """Events are immutable facts: every event of the first fetch is in the second, unchanged.

    A later fetch may add events (a payment came in) but never renames or rewrites one.
    """
    later = _events_by_id(second)
    found = []
    for event_id, (pointer, event) in _events_by_id(first).items():
        if event_id not in later:
            found.append(Violation(
                "/document/gebeurtenis-id-stabiel",
                f"gebeurtenis_id {event_id!r} of the first fetch is missing from the second",
                f"{pointer}/gebeurtenis_id",
            ))
        elif later[event_id][1] != event:
            found.append(Violation(
                "/document/gebeurtenis-id-stabiel",
                f"event {event_id!r} changed between two fetches",
                later[event_id][0],
            ))
    return found


def unstable_case_ids(first: Any, second: Any) -> list[Violation]:
    """A case keeps its `zaakkenmerk`: every case of the first fetch is in the second."""
    later = {c.get("zaakkenmerk") for _p, c in _cases(second)}
    return [
        Violation(
            "/document/zaakkenmerk-stabiel",
            f"zaakkenmerk {case['zaakkenmerk']!r} of the first fetch is missing from the second",
            f"{pointer}/zaakkenmerk",
        )
        for pointer, case in _cases(first)
        if isinstance(case.get("zaakkenmerk"), str) and case["zaakkenmerk"] not in later
    ]


def is_date(value: Any) -> bool:
    """True for a `YYYY-MM-DD` calendar date."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
