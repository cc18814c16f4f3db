"""Walking a claims document: the cases, their events, amounts and moments, never raising.

Shared by the invariants of `document_rules` (standard 2.0) and of `ledger_rules` and
`case_rules` (the members of 2.2). What a walker cannot interpret it skips: the schema check
(`/document/schema-open`) reports malformed input, so a broken source yields findings, not
crashes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

# RFC 3339 date-time with a mandatory offset, as common.schema.json#/$defs/datetime profiles
# it: uppercase "T" and "Z", at most 9 fraction digits.
DATETIME_WITH_OFFSET = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$"
)

IMPOSED = "FinancieleVerplichtingOpgelegd"
PAYMENT_DUE = "BetalingsverplichtingOpgelegd"
PAYMENT_WITHDRAWN = "BetalingsverplichtingIngetrokken"
PAID = "BetalingVerwerkt"
REMITTED = "FinancieleVerplichtingKwijtgescholden"


class Violation(NamedTuple):
    """One broken invariant: the rule id, what is wrong, and where (a JSON pointer)."""

    rule: str
    message: str
    pointer: str


def cases(document: Any) -> Iterator[tuple[str, dict]]:
    """(pointer, case) for every case object of the document."""
    if not isinstance(document, dict):
        return
    found = document.get("financiele_zaken")
    if not isinstance(found, list):
        return
    for i, case in enumerate(found):
        if isinstance(case, dict):
            yield f"/financiele_zaken/{i}", case


def events(case: dict, case_ptr: str) -> Iterator[tuple[str, dict]]:
    """(pointer, event) for every event object of one case."""
    found = case.get("gebeurtenissen")
    if not isinstance(found, list):
        return
    for j, event in enumerate(found):
        if isinstance(event, dict):
            yield f"{case_ptr}/gebeurtenissen/{j}", event


def all_events(document: Any) -> Iterator[tuple[str, dict, dict]]:
    """(pointer, event, its case) for every event of the document."""
    for case_ptr, case in cases(document):
        for event_ptr, event in events(case, case_ptr):
            yield event_ptr, event, case


def events_by_id(case: dict, case_ptr: str) -> dict[str, dict]:
    """The case's events by `gebeurtenis_id` (the first of a duplicate wins)."""
    found: dict[str, dict] = {}
    for _p, event in events(case, case_ptr):
        if isinstance(event.get("gebeurtenis_id"), str):
            found.setdefault(event["gebeurtenis_id"], event)
    return found


def is_cents(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def amount(event: dict) -> int:
    """The event's `bedrag`, 0 when it is not a number of cents."""
    value = event.get("bedrag")
    return value if is_cents(value) else 0


def parse_datetime(value: Any) -> datetime | None:
    """An aware datetime for an RFC 3339 date-time with offset, else None."""
    if not isinstance(value, str) or not DATETIME_WITH_OFFSET.match(value):
        return None
    try:
        return datetime.fromisoformat(_at_most_microseconds(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _at_most_microseconds(value: str) -> str:
    # Python keeps 6 fraction digits; RFC 3339 allows more (the schema up to 9).
    return re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", value)


def dated_after(event: dict, target: dict) -> bool:
    """True when `target` is dated after `event` (both readable)."""
    when, then = parse_datetime(event.get("datumtijd")), parse_datetime(target.get("datumtijd"))
    return when is not None and then is not None and then > when
