"""Reading what an endpoint answered: JSON bodies, instants and the calendar dates a check
must tolerate.

The standard writes datetimes with any offset and does not fix the time zone of "today"
(the date of a quote, the first day of a pause). A source in the Netherlands may use
Europe/Amsterdam, another UTC; checks accept either and nothing else (`calendar_dates`).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx

from conformance import overlap
from conformance.checks.base import expect_problem, fail
from conformance.document_rules import parse_datetime

try:
    DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # no tz database: UTC only
    DUTCH_TIME = UTC


def json_body(resp: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object; {} when it is not one."""
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def parse_instant(value: Any) -> datetime | None:
    """An aware datetime for an RFC 3339 date-time with offset, else None."""
    return parse_datetime(value)


def calendar_dates(*moments: datetime) -> list[date]:
    """The dates "today" may be at these moments (UTC and Dutch time), earliest first."""
    found = {m.astimezone(zone).date() for m in moments for zone in (UTC, DUTCH_TIME)}
    return sorted(found)


def now_utc() -> datetime:
    return datetime.now(UTC)


async def wait(seconds: float, *, others_may_run: bool = False) -> None:
    """The one place a check waits for time to pass (a nonce, a quote, a session to
    expire); the suite's own tests replace it with a jump of the source's clock. With
    `others_may_run` the runner starts the next checks meanwhile (conformance/overlap.py):
    only for what expires by time alone, never for a wait on the citizen's cases."""
    await overlap.waiting(seconds, others_may_run=others_may_run)


def without_id(resp: httpx.Response, value: str) -> Any:
    """The answer's JSON with `value` written as ``{id}`` and `instance` dropped: two answers
    that differ only in the id they name compare equal."""
    text = resp.text.replace(value, "{id}")
    try:
        body = json.loads(text)
    except ValueError:
        return text
    if isinstance(body, dict):
        body.pop("instance", None)
    return body


def refused_like_an_unknown_case(answers: list[httpx.Response], theirs: str, unknown: str,
                                 code: str) -> None:
    """Fail unless a request naming another citizen's case (`answers[0]`) is refused with 422
    `code` and reason zaak-onbekend for that case, exactly as the same request naming an
    unknown case (`answers[1]`) apart from the id: nothing may reveal that the case exists."""
    expect_problem(answers[0], 422, code)
    found = json_body(answers[0]).get("redenen")
    given = [(r.get("code"), r.get("zaakkenmerk")) for r in found or [] if isinstance(r, dict)] \
        if isinstance(found, list) else []
    if ("zaak-onbekend", theirs) not in given:
        fail(f"another citizen's case {theirs!r} got reasons {given}, not zaak-onbekend",
             answers[0])
    if without_id(answers[0], theirs) != without_id(answers[1], unknown):
        fail("the answer for another citizen's case differs from the answer for an unknown "
             "zaakkenmerk, revealing that it exists", *answers)
