"""The App Manager's limit on registrations per client (design §9: 429 + `Retry-After`).

The counting is the shared fixed-window limiter of `reference_impl.common.ratelimit`
(bounded memory, per process), set from `registratie_limiet` — on by default
(`DEFAULT_REGISTRATION_LIMIT` per `DEFAULT_REGISTRATION_PERIOD_S`). Registrations
themselves are kept for a bounded time (registrations.py, `REGISTRATION_RETENTION_S`).
"""

from __future__ import annotations

from reference_impl.app_manager.config import RateLimit
from reference_impl.common.ratelimit import FixedWindowLimiter


class RateLimiter(FixedWindowLimiter):
    def __init__(self, limit: RateLimit) -> None:
        super().__init__(limit.aantal, limit.periode_s)
        self.limit = limit
