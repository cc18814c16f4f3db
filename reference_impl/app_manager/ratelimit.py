"""A per-client rate limit on state-creating requests (design §9: 429 + `Retry-After`).

Fixed windows of `periode_s` seconds per client address, at most `aantal` requests in
each. Memory is bounded: windows that ended are dropped when the table grows past
`MAX_CLIENTS`, and if it is still full the oldest windows go (a client then starts
afresh, which errs on the side of serving). It counts per process; several processes
each enforce the limit, so the federation-wide bound is the limit times the processes.
"""

from __future__ import annotations

import math

from reference_impl.app_manager.config import RateLimit

MAX_CLIENTS = 10_000


class RateLimiter:
    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, client: str, now: float) -> int | None:
        """Count one request of `client`; None when allowed, else seconds to wait (≥ 1)."""
        start, count = self._windows.get(client, (now, 0))
        if now - start >= self.limit.periode_s:
            start, count = now, 0
        if count >= self.limit.aantal:
            return max(1, math.ceil(start + self.limit.periode_s - now))
        if client not in self._windows and len(self._windows) >= MAX_CLIENTS:
            self._prune(now)
        self._windows[client] = (start, count + 1)
        return None

    def _prune(self, now: float) -> None:
        period = self.limit.periode_s
        self._windows = {c: w for c, w in self._windows.items() if now - w[0] < period}
        if len(self._windows) >= MAX_CLIENTS:
            newest = sorted(self._windows.items(), key=lambda item: item[1][0])
            self._windows = dict(newest[len(newest) - MAX_CLIENTS // 2:])
