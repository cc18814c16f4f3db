"""The source's state, in memory: nonces, sessions, quotes, arrangements, pauses, help requests.

Plain dicts guarded by one `asyncio.Lock` where a check-then-act must be atomic (accepting a
quote under an Idempotency-Key). Everything else runs without an await between reading and
writing, which is atomic on one event loop. Sessions are kept under the SHA-256 of their token.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

BACK_OFFICE_ROUND_TRIP_S = 0.05  # a database write; long enough for a concurrent request


@dataclass
class Nonce:
    expires: float
    used: bool = False


@dataclass
class Session:
    """A session bound to its certificate: jti, BSN, level and the app key (`jwk`)."""

    bsn: str
    niveau: str
    jti: str
    expires: float
    jwk: dict[str, Any] = field(default_factory=dict)
    proof_ids: dict[Any, float] = field(default_factory=dict)  # jti → kept until


@dataclass
class Quote:
    """A `Voorstel` as given: the body returned, and what it was computed from."""

    id: str
    bsn: str
    expires: float
    saldi: dict[str, int]  # zaakkenmerk → saldo at quote time
    body: dict[str, Any]
    arrangement_id: str | None = None
    reservation_id: str | None = None  # a quote reserved counts as used
    replaces: str | None = None  # the arrangement an amendment replaces

    @property
    def used(self) -> bool:
        return self.arrangement_id is not None or self.reservation_id is not None


@dataclass
class Arrangement:
    id: str
    bsn: str
    quote_id: str
    body: dict[str, Any]  # the Betalingsregeling without status/ingetrokken_op
    accepted_at: float
    cooling_off_until: float
    withdrawn_at: float | None = None
    group: dict[str, Any] | None = None  # made by confirming a reservation (2.2)
    withdrawable_until: float | None = None  # the group's annuleerbaar_tot
    ending: dict[str, Any] | None = None  # beeindiging: {reden, datum}
    replaced_by: str | None = None



RESERVED, CONFIRMED, LAPSED, CANCELLED = "gereserveerd", "bevestigd", "vervallen", "geannuleerd"


@dataclass
class Reservation:
    """A provisional acceptance of a quote under a group (standard 2.2)."""

    id: str
    bsn: str
    quote_id: str
    group_id: str
    group_size: int
    cases: list[str]
    reserved_at: float
    expires_at: float
    state: str = RESERVED  # gereserveerd, bevestigd or geannuleerd; lapsing is computed
    arrangement_id: str | None = None

    def status(self, now: float, *, lapses: bool = True) -> str:
        """The status at `now`: an unconfirmed reservation lapses at `expires_at` by itself."""
        if self.state == RESERVED and lapses and now > self.expires_at:
            return LAPSED
        return self.state


@dataclass
class Pause:
    id: str
    bsn: str
    zaakkenmerken: list[str]
    ingangsdatum: date
    einddatum: date
    created_at: float
    ended: bool = False

    def active(self, today: date) -> bool:
        # a pause made under a test-clock shift starts in the future: not yet (testomgeving §4)
        return not self.ended and self.ingangsdatum <= today <= self.einddatum

    @property
    def withdrawn_same_day(self) -> bool:
        """Ended on the day it began: it never held, and counts for no limit (2.2)."""
        return self.ended and self.einddatum == self.ingangsdatum


@dataclass
class IdempotentResult:
    """What one Idempotency-Key produced: the request body it came with, the answer, and
    the operation (acceptances and reservations share one key space)."""

    request: Any
    response: dict[str, Any]
    operation: str = "acceptatie"


@dataclass
class Store:
    nonces: dict[str, Nonce] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    arrangements: dict[str, Arrangement] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotentResult] = field(default_factory=dict)
    reservations: dict[str, Reservation] = field(default_factory=dict)
    pauses: dict[str, Pause] = field(default_factory=dict)
    help_requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock_shifts: dict[str, int] = field(default_factory=dict)  # BSN → test-clock seconds
    quote_locks: dict[str, asyncio.Lock] = field(default_factory=dict)  # one flaw's locks
    document_fetches: int = 0
    tokens_issued: int = 0  # only the flaw `voorspelbaar-sessietoken` counts on this
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # how an arrangement ended by itself (a lapse, computed from the clock), set by the source
    lapse_of: Callable[[Arrangement], dict[str, Any] | None] = lambda _a: None

    def ending_of(self, arrangement: Arrangement) -> dict[str, Any] | None:
        """The arrangement's `beeindiging`: recorded, or a lapse as of now."""
        if arrangement.withdrawn_at is not None:
            return None
        return arrangement.ending or self.lapse_of(arrangement)

    def is_active(self, arrangement: Arrangement) -> bool:
        return arrangement.withdrawn_at is None and self.ending_of(arrangement) is None

    def latest_ended(self, bsn: str, zaakkenmerk: str) -> Arrangement | None:
        """The citizen's most recent arrangement of the case that ended (not withdrawn)."""
        ended = [a for a in self.arrangements.values()
                 if a.bsn == bsn and zaakkenmerk in a.body["zaakkenmerken"]
                 and self.ending_of(a) is not None]
        return max(ended, key=lambda a: a.accepted_at, default=None)

    def pause_end_on(self, bsn: str, cases: list[str], day: date) -> date | None:
        """The end of the citizen's pause that held one of `cases` on `day`, if any."""
        ends = [p.einddatum for p in self.pauses.values() if p.bsn == bsn
                and set(cases) & set(p.zaakkenmerken) and p.ingangsdatum <= day <= p.einddatum]
        return max(ends, default=None)

    async def round_trip(self) -> None:
        """Stands for the I/O of a real back office: other requests run meanwhile, so only
        the lock keeps a check-then-act atomic (as it must be with a real database)."""
        await asyncio.sleep(BACK_OFFICE_ROUND_TRIP_S)

    def arrangement_covering(self, bsn: str, zaakkenmerk: str) -> Arrangement | None:
        """The citizen's active arrangement that includes the case, if any."""
        for arrangement in self.arrangements.values():
            if (arrangement.bsn == bsn and self.is_active(arrangement)
                    and zaakkenmerk in arrangement.body["zaakkenmerken"]):
                return arrangement
        return None

    def reservation_holding(self, bsn: str, zaakkenmerk: str, now: float,
                            *, lapses: bool = True) -> Reservation | None:
        """The citizen's unconfirmed reservation that holds the case at `now`, if any."""
        for reservation in self.reservations.values():
            if (reservation.bsn == bsn and zaakkenmerk in reservation.cases
                    and reservation.status(now, lapses=lapses) == RESERVED):
                return reservation
        return None

    def pause_held(self, bsn: str, zaakkenmerk: str, day: date) -> bool:
        """True when a pause of the citizen (active or ended) held the case on `day`; an
        ended pause ends on the day it was ended."""
        return any(p.bsn == bsn and zaakkenmerk in p.zaakkenmerken
                   and p.ingangsdatum <= day <= p.einddatum for p in self.pauses.values())

    def pause_covering(self, bsn: str, zaakkenmerk: str, today: date) -> Pause | None:
        """The citizen's active pause that includes the case, if any."""
        for pause in self.pauses.values():
            if pause.bsn == bsn and pause.active(today) and zaakkenmerk in pause.zaakkenmerken:
                return pause
        return None
