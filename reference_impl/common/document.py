"""The claims document: schema check plus the invariants of spec/interface.md.

`problems(document)` returns a list of readable violations (empty when the document is
valid), each `"<rule id> <JSON pointer>"`; for a document of 2.2 or later it adds the 2.2
invariants (case_rules.py), which do not bind a 2.0 or 2.1 party. `totals(events)` is what
a source uses to compute the totals of a case so that producer and verifier apply the same
arithmetic. The messages name the rule and a JSON pointer, never a value that could be
personal data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from reference_impl.common.case_rules import problems_2_2
from reference_impl.common.spec import schema_errors, schema_validator

BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
IMPOSED = "FinancieleVerplichtingOpgelegd"
PAYMENT_DUE = "BetalingsverplichtingOpgelegd"
PAYMENT_WITHDRAWN = "BetalingsverplichtingIngetrokken"
PAID = "BetalingVerwerkt"
REMITTED = "FinancieleVerplichtingKwijtgescholden"

# (event type, member) → the event type that member must refer to.
REFERENCES = {
    (IMPOSED, "correctie_van"): IMPOSED,
    (PAYMENT_WITHDRAWN, "betalingsverplichting"): PAYMENT_DUE,
    (PAID, "betalingsverplichting"): PAYMENT_DUE,
    (REMITTED, "financiele_verplichting"): IMPOSED,
}


def elfproef(bsn: str) -> bool:
    """True when `bsn` is 9 digits passing the elfproef (weights 9..2, −1)."""
    if len(bsn) != len(BSN_WEIGHTS) or not bsn.isascii() or not bsn.isdigit():
        return False
    total = sum(w * int(d) for w, d in zip(BSN_WEIGHTS, bsn, strict=True))
    return total % 11 == 0 and bsn != "000000000"


class NotAnInstant(ValueError):
    """A date-time the schema's format admits that is no instant: a leap second
    (`23:59:60Z`, which RFC 3339 has) cannot be compared (/document/datumtijd-met-offset)."""


def parse_datetime(text: str) -> datetime:
    """An aware datetime for an RFC 3339 date-time with offset (fractions beyond µs cut);
    `NotAnInstant` when it names none."""
    main, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[: min(digits, 6)] + rest[digits:]
        text = f"{main}.{rest}"
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise NotAnInstant(f"{text} is no instant") from None


def totals(events: list[dict[str, Any]]) -> tuple[int, int]:
    """`(totaal_financieel_verplicht, totaal_financieel_vereffend)` of a case's events."""
    verplicht = sum(e["bedrag"] for e in events if e["gebeurtenistype"] == IMPOSED)
    vereffend = sum(e["bedrag"] for e in events if e["gebeurtenistype"] in (PAID, REMITTED))
    return verplicht, vereffend


def problems(document: Any) -> list[str]:
    """Every schema violation and broken invariant of a claims document."""
    found = [f"schema {ptr}: {why}" for ptr, why in
             schema_errors(schema_validator("vorderingendocument"), document)]
    if found:
        return found  # the invariants assume the shape is right
    try:
        parse_datetime(document["opgesteld_op"])  # the one datetime no invariant reads
        return _invariant_problems(document)
    except NotAnInstant as exc:  # the invariants parse every other one on the way to "valid"
        return [f"/document/datumtijd-met-offset: {exc}"]


def _invariant_problems(document: dict[str, Any]) -> list[str]:
    found = []
    if not elfproef(document["bsn"]):
        found.append("/document/bsn-elfproef /bsn")
    seen_events: set[str] = set()
    seen_cases: set[str] = set()
    for i, case in enumerate(document["financiele_zaken"]):
        pointer = f"/financiele_zaken/{i}"
        if case["zaakkenmerk"] in seen_cases:
            found.append(f"/document/zaakkenmerk-uniek {pointer}/zaakkenmerk")
        seen_cases.add(case["zaakkenmerk"])
        found += _case_problems(case, pointer, seen_events)
    if binds_2_2(document["documentversie"]):
        found += problems_2_2(document, parse_datetime)
    return found


def binds_2_2(documentversie: str) -> bool:
    """True for a document of 2.2 or a later minor of major 2: the rules `since: 2.2.0`
    bind only a party that announces 2.2 (spec/versioning.md §3)."""
    major, _, minor = documentversie.partition(".")
    return major == "2" and minor.isdigit() and int(minor) >= 2


def _case_problems(case: dict[str, Any], pointer: str, seen: set[str]) -> list[str]:
    found = []
    events = case["gebeurtenissen"]
    by_id: dict[str, dict[str, Any]] = {}
    for j, event in enumerate(events):
        if event["gebeurtenis_id"] in seen:
            found.append(f"/document/gebeurtenis-id-uniek {pointer}/gebeurtenissen/{j}")
        seen.add(event["gebeurtenis_id"])
        by_id.setdefault(event["gebeurtenis_id"], event)
    for j, event in enumerate(events):
        for (kind, member), target_kind in REFERENCES.items():
            if event["gebeurtenistype"] != kind or member not in event:
                continue
            target = by_id.get(event[member])
            if (
                target is None
                or target is event
                or target["gebeurtenistype"] != target_kind
                or parse_datetime(target["datumtijd"]) > parse_datetime(event["datumtijd"])
            ):
                found.append(f"/document/referenties-kloppen {pointer}/gebeurtenissen/{j}/{member}")
    verplicht, vereffend = totals(events)
    if case["totaal_financieel_verplicht"] != verplicht:
        found.append(f"/document/verplicht-is-som {pointer}/totaal_financieel_verplicht")
    if case["totaal_financieel_vereffend"] != vereffend:
        found.append(f"/document/vereffend-is-som {pointer}/totaal_financieel_vereffend")
    saldo = case["totaal_financieel_verplicht"] - case["totaal_financieel_vereffend"]
    if case["saldo"] != saldo:
        found.append(f"/document/saldo-klopt {pointer}/saldo")
    if not 0 <= case["achterstand"] <= max(case["saldo"], 0):
        found.append(f"/document/achterstand-begrensd {pointer}/achterstand")
    balance_at = parse_datetime(case["saldo_datumtijd"])
    if any(parse_datetime(e["datumtijd"]) > balance_at for e in events):
        found.append(f"/document/saldo-datumtijd {pointer}/saldo_datumtijd")
    if case["status"] == "afgelost" and case["saldo"] > 0:
        found.append(f"/document/afgelost-zonder-saldo {pointer}/status")
    return found


def iso_date(value: date) -> str:
    """`YYYY-MM-DD`."""
    return value.isoformat()
