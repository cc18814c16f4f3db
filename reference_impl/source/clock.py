"""Time as the source tells it: Unix seconds in, RFC 3339 with the Dutch offset out.

Every component takes a `Clock` (a function returning Unix seconds) so tests can move
time without sleeping. Calendar dates ("today", due dates) are those of Europe/Amsterdam.

`CitizenClocks` is the test clock of spec/testomgeving.md: in a test environment that enables it
(`testomgeving: {klok: true}`, never with `omgeving: productie`), each citizen's
*administrative* time may be moved ahead of real time. Trust time (tokens, nonces, sessions,
request proofs) always stays the real clock: other parties' tokens are made with real clocks.
The shifts live in the process: a source with the test clock runs as one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reference_impl.common.constants import NONCE_TTL_S, SESSION_TTL_S
from reference_impl.common.errors import ConfigError
from reference_impl.common.settings import require_integer

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


MAX_SHIFT_S = 366 * SECONDS_PER_DAY  # a year and a day: every yearly rule can be passed


@dataclass(frozen=True)
class Faciliteiten:
    """`testomgeving:` of the configuration: the test-only facilities this source offers."""

    klok: bool = False
    # shorter trust lifetimes (spec/testomgeving.md §5), announced in /configuratie; both or none
    nonce_geldigheid_s: int | None = None
    sessie_geldigheid_s: int | None = None

    @property
    def short_lifetimes(self) -> bool:
        return self.nonce_geldigheid_s is not None


LIFETIME_BOUNDS = {"nonce_geldigheid_s": NONCE_TTL_S, "sessie_geldigheid_s": SESSION_TTL_S}
SHORT_LIFETIME_OMGEVINGEN = ("test", "ontwikkeling")


def facilities_from_mapping(value: Any, omgeving: Any) -> Faciliteiten:
    """`{klok: bool, nonce_geldigheid_s: int, sessie_geldigheid_s: int}` or absent; a
    facility switched on with `omgeving: productie` stops the start (spec/testomgeving.md:
    none of them is ever reachable in production), short lifetimes also in `acceptatie`
    (a certification run there waits the real ones)."""
    if value is None:
        return Faciliteiten()
    if not isinstance(value, dict) or not set(value) <= {"klok", *LIFETIME_BOUNDS}:
        raise ConfigError("testomgeving", value, "moet een mapping met klok, "
                          "nonce_geldigheid_s en sessie_geldigheid_s zijn")
    klok = value.get("klok", False)
    if not isinstance(klok, bool):
        raise ConfigError("testomgeving.klok", klok, "moet true of false zijn")
    if klok and omgeving == "productie":
        raise ConfigError("testomgeving.klok", klok,
                          "een testklok staat nooit aan bij omgeving: productie")
    lifetimes = {name: value[name] for name in LIFETIME_BOUNDS if name in value}
    if lifetimes and len(lifetimes) != len(LIFETIME_BOUNDS):
        raise ConfigError("testomgeving", value,
                          "geef nonce_geldigheid_s en sessie_geldigheid_s allebei, "
                          "of geen van beide")
    for name, seconds in lifetimes.items():
        require_integer(f"testomgeving.{name}", seconds, 1, LIFETIME_BOUNDS[name])
    if lifetimes and omgeving not in SHORT_LIFETIME_OMGEVINGEN:
        raise ConfigError("testomgeving.nonce_geldigheid_s", lifetimes["nonce_geldigheid_s"],
                          "kortere geldigheidsduren alleen bij omgeving: test of ontwikkeling")
    return Faciliteiten(klok=klok, **lifetimes)


class CitizenClocks:
    """Per-citizen shifts of administrative time, ahead of `clock` (real time)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._shifts: dict[str, int] = {}

    def shift(self, bsn: str) -> int:
        return self._shifts.get(bsn, 0)

    def set_shift(self, bsn: str, seconds: int) -> None:
        if not 0 <= seconds <= MAX_SHIFT_S:
            raise ValueError(f"shift {seconds} outside 0..{MAX_SHIFT_S}")
        if seconds:
            self._shifts[bsn] = seconds
        else:
            self._shifts.pop(bsn, None)

    def now(self, bsn: str) -> int:
        """The citizen's administrative now."""
        return int(self.clock()) + self.shift(bsn)
