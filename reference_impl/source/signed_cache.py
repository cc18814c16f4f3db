"""A per-process cache of signed overviews (issue 16: not re-signing an unchanged document).

See `SignedCache`. Correct under several processes on one database by construction: the
key is either the citizen's version, which database triggers raise on every write to the
tables the document is read from (migration 0005; no writer can forget it, not even plain
SQL), read in the statement every authenticated request runs anyway — or, for a claims
backend that has no version of its own (backend.py, `VersionedBackend`), the full input of
the build, read anew on every request. An entry keeps the answer's JSON bytes too
(`response_body`), so a cached overview is not encoded again either (≈ 0.4 ms for 20
cases × 10 events).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from reference_impl.common import document as claims_document
from reference_impl.source.clock import local_date, start_of_day

if TYPE_CHECKING:
    from reference_impl.source.backend import Case

# A cached envelope is served at most this long after it was signed: its opgesteld_op stays
# "the moment of signing" within a few seconds of the answer (rule /envelop/opgesteld-op,
# which a verifier reads against CLOCK_SKEW_S = 60 s).
CACHE_MAX_AGE_S = 5
# An entry holds the parsed cases and the document: ≈ 0.5 MB for 20 cases × 10 events, a few
# KB for a usual citizen. Entries live 5 s, so 256 serve ≈ 50 distinct citizens a second.
CACHE_ENTRIES = 256


def valid_until(cases: list[Case], now: float) -> float:
    """Until when a document built at `now` from these inputs stays what a build would give
    (apart from `opgesteld_op` and `saldo_datumtijd`, the signing moment): the next local
    midnight (arrears, due dates, pauses and instalments go by the date) and the next
    planned surcharge or reminder that falls due — both make the document change on their own."""
    until = float(start_of_day(local_date(now) + timedelta(days=1)))
    for case in cases:
        for planned in case.gepland:
            moment = claims_document.parse_datetime(planned["datumtijd"]).timestamp()
            if now < moment < until:
                until = moment
    return until


def response_body(envelope: dict[str, Any]) -> bytes:
    """The bytes of an answer carrying `envelope`: compact JSON in UTF-8, exactly as the
    handlers encode every JSON answer."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class _Signed:
    inputs: tuple[Any, ...]
    signed_at: float
    valid_until: float
    envelope: dict[str, Any]
    body: bytes | None = None  # encoded once, when first asked for


class SignedCache:
    """Signed overviews of the citizens asked for lately, one per citizen, in this process.

    Signing (build, self-check, JCS, ES256) is most of an overview's cost; a citizen's app
    and the help-request flow ask for the same overview several times in a row. An entry is
    keyed by the citizen's trigger-kept version (and the backend's own, when it is not the
    database backend), or else by everything the document is built from — the backend's
    cases and the source's own arrangements and pauses, read on every request and compared
    in full — plus the major and the configuration; so any write by any process (an
    arrangement, a withdrawal, a pause, new backend data) makes the next request build anew:
    nothing needs invalidating, and several processes on one database stay correct. It serves an
    envelope at most `CACHE_MAX_AGE_S` after its `opgesteld_op` (the rule
    /envelop/opgesteld-op: the signing moment, within seconds of the answer) and never
    past `valid_until` (when time alone changes the document). A cached envelope is the
    very one a fresh build at its `opgesteld_op` would sign: tests compare them.
    """

    def __init__(self, max_age_s: float = CACHE_MAX_AGE_S,
                 max_entries: int = CACHE_ENTRIES) -> None:
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self._entries: OrderedDict[str, _Signed] = OrderedDict()
        self._building: dict[str, tuple[tuple[Any, ...], asyncio.Future[None]]] = {}
        self.hits = self.misses = 0

    def get(self, bsn: str, inputs: tuple[Any, ...], now: float) -> dict[str, Any] | None:
        entry = self._entry(bsn, inputs, now)
        return None if entry is None else entry.envelope

    def get_body(self, bsn: str, inputs: tuple[Any, ...], now: float) -> bytes | None:
        """As `get`, the answer's bytes (`response_body` of the cached envelope)."""
        entry = self._entry(bsn, inputs, now)
        if entry is None:
            return None
        if entry.body is None:
            entry.body = response_body(entry.envelope)
        return entry.body

    def _entry(self, bsn: str, inputs: tuple[Any, ...], now: float) -> _Signed | None:
        entry = self._entries.get(bsn)
        if (entry is None or not entry.signed_at <= now < entry.valid_until
                or now - entry.signed_at > self.max_age_s or entry.inputs != inputs):
            self.misses += 1
            return None
        self.hits += 1
        return entry

    @contextlib.contextmanager
    def building(self, bsn: str, inputs: tuple[Any, ...]) -> Iterator[None]:
        """Mark a build of `bsn`'s entry for `inputs` as running (see `joined_build`)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._building[bsn] = (inputs, done)
        try:
            yield
        finally:
            done.set_result(None)
            if self._building.get(bsn, (None, None))[1] is done:
                del self._building[bsn]

    async def joined_build(self, bsn: str, inputs: tuple[Any, ...]) -> bool:
        """Wait for a running build of this very entry, if any (True when there was one):
        when an entry expires, the requests arriving during its rebuild would otherwise all
        build and sign too. The caller then looks the entry up as on any other hit."""
        running = self._building.get(bsn)
        if running is None or running[0] != inputs:
            return False
        await asyncio.shield(running[1])  # a waiter cancelled does not cancel the build
        return True

    def put(self, bsn: str, inputs: tuple[Any, ...], now: float, until: float,
            envelope: dict[str, Any], body: bytes | None = None) -> None:
        """Keep `envelope` (signed at `now`, unchanged until `until`) and, when the caller
        encoded it already, its answer's `body`."""
        if self.max_age_s <= 0:
            return
        self._entries[bsn] = _Signed(inputs, now, until, envelope, body)
        self._entries.move_to_end(bsn)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
