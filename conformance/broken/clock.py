"""The source's clock: one injectable "now" for every time decision and every timestamp.

Times are UTC: datetimes are written with ``Z`` and "today" is the UTC calendar date (a
documented choice of the gallery; any offset is allowed by the standard).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime


@dataclass(frozen=True)
class Clock:
    """`now_fn` returns seconds since the epoch (default `time.time`)."""

    now_fn: Callable[[], float] = field(default=time.time)

    def now(self) -> float:
        return float(self.now_fn())

    def seconds(self) -> int:
        """Now as a NumericDate (whole seconds)."""
        return int(self.now())

    def today(self) -> date:
        return datetime.fromtimestamp(self.now(), UTC).date()

    def iso(self, moment: float | None = None) -> str:
        """RFC 3339 with offset ``Z`` and whole seconds."""
        return iso_utc(self.now() if moment is None else moment)


def iso_utc(moment: float) -> str:
    """RFC 3339 ``YYYY-MM-DDTHH:MM:SSZ`` of a moment in seconds since the epoch."""
    return datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shifted(clock: Clock, seconds: int) -> Clock:
    """`clock` moved `seconds` ahead: a citizen's administrative time under the test clock."""
    if not seconds:
        return clock
    return Clock(now_fn=lambda: clock.now() + seconds)
