"""A per-client fixed-window rate limit for unauthenticated state creation (design §9).

At most `aantal` requests per client address in each window of `periode_s` seconds;
the next one is answered 429 `algemeen/te-veel-verzoeken` with `Retry-After` (the rest of
the window). It counts per process, so with several processes the bound is the limit times
the processes; memory stays bounded (`MAX_CLIENTS`), and when the table is full the oldest
windows are dropped first (a client then starts afresh: it errs on the side of serving).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MAX_CLIENTS = 10_000
# The default for a source's session-opening operations (POST /sessies/uitdagingen and
# POST /sessies together), per client address and process. An honest app needs 2 per source
# per login, a household behind one NAT address a few dozen; the busiest honest client is
# the conformance suite itself, which a source's test environment must serve: a full run
# of every profile against the municipality example (suite 2.2.0) opens 809 (398
# challenges + 411 sessions) within 30 s, the water board's fewer, so one fixed window can
# hold a whole run. Two runs from one CI address, one after the other or at once, put
# 2 × 809 = 1618 in one window (measured: 1614 in 60 s); 2400 leaves 1.5 × that margin for
# the suite's growth, and still cuts a flood to 40 a second, each kept at most an hour.
DEFAULT_SESSION_LIMIT = 2400
DEFAULT_SESSION_PERIOD_S = 60


@dataclass
class FixedWindowLimiter:
    aantal: int
    periode_s: float
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def retry_after(self, client: str, now: float) -> int | None:
        """Count one request of `client`; None when allowed, else whole seconds to wait."""
        start, count = self._windows.get(client, (now, 0))
        if now - start >= self.periode_s:
            start, count = now, 0
        if count >= self.aantal:
            return max(1, math.ceil(start + self.periode_s - now))
        if client not in self._windows and len(self._windows) >= MAX_CLIENTS:
            self._prune(now)
        self._windows[client] = (start, count + 1)
        return None

    def _prune(self, now: float) -> None:
        self._windows = {c: w for c, w in self._windows.items() if now - w[0] < self.periode_s}
        if len(self._windows) >= MAX_CLIENTS:
            newest = sorted(self._windows.items(), key=lambda item: item[1][0])
            self._windows = dict(newest[len(newest) - MAX_CLIENTS // 2:])
