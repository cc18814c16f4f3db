"""Time as the source tells it: Unix seconds in, RFC 3339 with the Dutch offset out.

Every component takes a `Clock` (a function returning Unix seconds) so tests can move
time without sleeping. Calendar dates ("today", due dates) are those of Europe/Amsterdam.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Amsterdam")
SECONDS_PER_DAY = 86_400

Clock = Callable[[], float]
system_clock: Clock = time.time


def rfc3339(unix_s: float) -> str:
    """`2026-03-02T10:17:42+01:00`: whole seconds, Amsterdam offset."""
    return datetime.fromtimestamp(int(unix_s), TIMEZONE).isoformat()


def local_date(unix_s: float) -> date:
    """The calendar date in Amsterdam at `unix_s`."""
    return datetime.fromtimestamp(unix_s, TIMEZONE).date()


def start_of_day(day: date) -> int:
    """Unix seconds at 00:00 Amsterdam time on `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=TIMEZONE).timestamp())


def add_days(unix_s: float, days: int) -> int:
    """`unix_s` plus `days` calendar days at the same wall-clock time in Amsterdam."""
    moment = datetime.fromtimestamp(int(unix_s), TIMEZONE) + timedelta(days=days)
    return int(moment.replace(tzinfo=TIMEZONE).timestamp())


def first_of_month_after(day: date, months: int) -> date:
    """The first day of the `months`-th month after the month of `day`."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)
