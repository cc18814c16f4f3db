"""The source's state, in memory: nonces, sessions, quotes, arrangements, pauses, help requests.

Plain dicts guarded by one `asyncio.Lock` where a check-then-act must be atomic (accepting a
quote under an Idempotency-Key). Everything else runs without an await between reading and
writing, which is atomic on one event loop. Sessions are kept under the SHA-256 of their token.
"""

from __future__ import annotations

import asyncio
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


@dataclass
class Arrangement:
    id: str
    bsn: str
    quote_id: str
    body: dict[str, Any]  # the Betalingsregeling without status/ingetrokken_op
    accepted_at: float
    cooling_off_until: float
    withdrawn_at: float | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


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
        return not self.ended and today <= self.einddatum


@dataclass
class IdempotentResult:
    """What one Idempotency-Key produced: the request body it came with and the answer."""

    request: Any
    response: dict[str, Any]


@dataclass
class Store:
    nonces: dict[str, Nonce] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    quotes: dict[str, Quote] = field(default_factory=dict)
    arrangements: dict[str, Arrangement] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotentResult] = field(default_factory=dict)
    pauses: dict[str, Pause] = field(default_factory=dict)
    help_requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock_shifts: dict[str, int] = field(default_factory=dict)  # BSN → test-clock seconds
    quote_locks: dict[str, asyncio.Lock] = field(default_factory=dict)  # one flaw's locks
    document_fetches: int = 0
    tokens_issued: int = 0  # only the flaw `voorspelbaar-sessietoken` counts on this
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def round_trip(self) -> None:
        """Stands for the I/O of a real back office: other requests run meanwhile, so only
        the lock keeps a check-then-act atomic (as it must be with a real database)."""
        await asyncio.sleep(BACK_OFFICE_ROUND_TRIP_S)

    def arrangement_covering(self, bsn: str, zaakkenmerk: str) -> Arrangement | None:
        """The citizen's active arrangement that includes the case, if any."""
        for arrangement in self.arrangements.values():
            if (arrangement.bsn == bsn and arrangement.active
                    and zaakkenmerk in arrangement.body["zaakkenmerken"]):
                return arrangement
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
