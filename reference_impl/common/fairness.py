"""Each client a bounded share of a server, so that one client cannot starve the others.

A server process has one event loop and, in Python, one core's worth of interpreter; a
single client that keeps it busy (a loop of large, invalid bodies, each costing tens of ms
to parse and refuse) slows every other client's answers. `ClientShare` wraps an ASGI app
and charges every request of a client (its address, as uvicorn resolved it) a cost —
`REQUEST_COST_BYTES` for the request itself plus every body byte it sends — against a
budget that refills at `RATE_BYTES_S` up to `BURST_BYTES` (a generic cell rate
algorithm: one number per client, the time its budget is next full). A client within its
share is never delayed; a client beyond it has its next requests *held* (sleeping, at no
cost to the server) until its share allows them, so a client sending bodies as fast as it
can is slowed to `RATE_BYTES_S`, while an honest app — a few small requests per source, an
occasional help request of at most 1 MiB — never notices. Nothing is refused, so the
precedence of answers (404 before 429 ...) is unchanged; a client that would have to wait
longer than `MAX_HOLD_S` is answered 429 `algemeen/te-veel-verzoeken` with `Retry-After`
instead (then it is flooding: it has far more requests queued than it could be served).

The table keeps one float per client and at most `MAX_CLIENTS` clients (idle ones, whose
budget is full again, are dropped first). Behind a reverse proxy every client has the
proxy's address unless uvicorn is told to trust its `X-Forwarded-For`
(reference_impl/OPERATIONS.md §5 and §9).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from reference_impl.common.http import too_many_requests

# 256 KiB/s of bodies per client: ~6 % of one core even for the costliest bodies of the
# hostile set (~230 ms CPU per MB), ~100 requests/s without a body.
RATE_BYTES_S = 256 * 1024
# A full help request (1 MiB) plus a login's worth of sessions at once, without waiting.
BURST_BYTES = 2 * 1024 * 1024
# What a request costs besides its body: the head, routing, a problem document or a small
# answer (an overview request costs a source about as much CPU as 2 KiB of JSON to parse).
REQUEST_COST_BYTES = 2 * 1024
MAX_HOLD_S = 30.0
MAX_CLIENTS = 10_000
UNKNOWN_CLIENT = "onbekend"

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


@dataclass
class ShareTable:
    """Per client, the moment its budget is full again (GCRA's "theoretical arrival time")."""

    rate_bytes_s: float = RATE_BYTES_S
    burst_bytes: float = BURST_BYTES
    clock: Callable[[], float] = time.monotonic
    _full_at: dict[str, float] = field(default_factory=dict)

    def charge(self, client: str, cost_bytes: float) -> None:
        """Spend `cost_bytes` of `client`'s budget (it may go into debt)."""
        now = self.clock()
        if client not in self._full_at and len(self._full_at) >= MAX_CLIENTS:
            self._prune(now)
        self._full_at[client] = max(self._full_at.get(client, now), now) + \
            cost_bytes / self.rate_bytes_s

    def reserve(self, client: str, cost_bytes: float) -> float:
        """Charge a request's `cost_bytes`; the seconds it must wait to fit `client`'s share
        (0: at once). Charging first queues a client's simultaneous requests one after
        another instead of waking them all at the same moment."""
        self.charge(client, cost_bytes)
        return max(0.0, self._full_at[client] - self.clock()
                   - self.burst_bytes / self.rate_bytes_s)

    def _prune(self, now: float) -> None:
        self._full_at = {c: t for c, t in self._full_at.items() if t > now}
        if len(self._full_at) >= MAX_CLIENTS:  # all in debt: keep the most indebted half
            kept = sorted(self._full_at.items(), key=lambda item: item[1])
            self._full_at = dict(kept[len(kept) - MAX_CLIENTS // 2:])


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


class ClientShare:
    """ASGI middleware holding a client's requests while it is beyond its share."""

    def __init__(self, app: Any, table: ShareTable | None = None, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.app = app
        self.table = table or ShareTable()
        self.sleep = sleep

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else UNKNOWN_CLIENT
        # A declared body is paid for before it is read (the work it brings is held, not
        # the client's next request); bytes beyond it, or a chunked body, as they arrive.
        prepaid = min(_declared_length(scope), self.table.burst_bytes)
        wait = self.table.reserve(client, REQUEST_COST_BYTES + prepaid)
        if wait > MAX_HOLD_S:
            self.table.charge(client, -prepaid)  # the body is not read: only the head costs
            refused = too_many_requests(wait)
            refused.headers["Connection"] = "close"  # its body, if any, is not read
            await refused.response()(scope, receive, send)
            return
        if wait > 0:
            await self.sleep(wait)

        received = 0

        async def counted_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                size = len(message.get("body", b""))
                unpaid = received + size - max(received, prepaid)
                received += size
                if unpaid > 0:
                    self.table.charge(client, unpaid)
            return message

        await self.app(scope, counted_receive, send)
