"""What the context of every actor under test shares: one bounded HTTP client that keeps the
last exchanges (the runner turns the last one into a failed check's evidence), `async with`
closing it, and the clock. The source's `CheckContext`, the App Manager's and the scheme
service's contexts build on it, so evidence, limits and the User-Agent are the same for all.
"""

from __future__ import annotations

import collections
import time
from typing import Any, Self

import httpx

from conformance.http_limits import ACCEPT_ENCODING, LimitedTransport

EXCHANGES_KEPT = 8  # × MAX_RESPONSE_BYTES: the most one check holds
USER_AGENT = "vorderingen-conformance"


class RecordingContext:
    """Base of an actor's context: `client`, `exchanges`, `api_versie`, `now()`."""

    api_versie: str | None = None  # the counterpart's announced version (None: current)

    def open_client(self, *, timeout_s: float, transport: httpx.AsyncBaseTransport | None,
                    headers: dict[str, str] | None = None, base_url: str = "",
                    **client_args: Any) -> None:
        """The client every request of a check goes through: each exchange within the
        per-request deadline and size limits (`http_limits`), the last few kept."""
        self.client = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, follow_redirects=False,
            transport=LimitedTransport(transport or httpx.AsyncHTTPTransport(),
                                       deadline_s=timeout_s),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING,
                     **(headers or {})}, **client_args)
        self.client.event_hooks["response"].append(self._record)
        self.exchanges: collections.deque[httpx.Response] = collections.deque(
            maxlen=EXCHANGES_KEPT)

    async def _record(self, response: httpx.Response) -> None:
        await response.aread()
        self.exchanges.append(response)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.client.aclose()

    @staticmethod
    def now() -> int:
        return int(time.time())
