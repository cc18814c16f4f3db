"""HTTP/1.1 for the app's fan-out to every source: `LeanClient`, straight on an asyncio
protocol and llhttp (connections.py), and `LeanTransport`, the same connections as an httpx
transport.

httpx's client layer and its own transport (httpcore over anyio) spend most of the app's
CPU per request in request building, cookie handling, cancel scopes, locks and pool
bookkeeping; with 400 sources answering at once that CPU, not the network, sets the
overview's wall time (bench/fanout_bench.py). `sources.clients_for` gives every
organisation a `LeanClient`; everything else the app sends keeps httpx's client. Both
classes here share the connections of `connections.ConnectionPool`.
"""

from __future__ import annotations

import contextlib
import functools
import json as jsonlib
import ssl
from typing import Any
from urllib.parse import urlsplit

import httpx

from reference_impl.app.connections import ConnectionPool, Timeouts
from reference_impl.app.http import CONNECT_TIMEOUT_S, MAX_CONNECTIONS, REQUEST_TIMEOUT_S

WITH_BODY = frozenset({"POST", "PUT", "PATCH"})  # sent with Content-Length: 0 when empty


class LeanClient:
    """The fan-out's HTTP client: what `http.call` asks of an `httpx.AsyncClient` —
    `request(method, url, headers=, json=, timeout=)` answering a `LeanResponse` (an
    `httpx.Response` when the answer is content-coded), and `aclose()` — with httpx's
    bounded timeouts (`timeout_s`, connect at most `CONNECT_TIMEOUT_S`), no cookies, no
    redirects, TLS verified with `ssl_context`."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None,
                 timeout_s: float = REQUEST_TIMEOUT_S,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        self.pool = ConnectionPool(ssl_context=ssl_context, max_connections=max_connections)
        self.timeouts: Timeouts = _bounded_timeouts(timeout_s)

    async def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                      json: Any = None, data: Any = None,
                      timeout: float | httpx.Timeout | None = None) -> Any:
        if data is not None:
            raise TypeError("LeanClient sends JSON bodies only")
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:  # a port that is no number
            raise httpx.UnsupportedProtocol(f"geen geldige URL: {url!r}") from exc
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise httpx.UnsupportedProtocol(f"geen http(s)-URL: {url!r}")
        sent = [("Host", parts.netloc.rpartition("@")[2]), ("Accept", "application/json"),
                ("Accept-Encoding", "identity")]
        body = b""
        if json is not None:
            body = jsonlib.dumps(json, ensure_ascii=False, separators=(",", ":"),
                                 allow_nan=False).encode("utf-8")
            sent.append(("Content-Type", "application/json"))
        if body or method in WITH_BODY:
            sent.append(("Content-Length", str(len(body))))
        sent += (headers or {}).items()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        timeouts = self.timeouts if timeout is None else _timeouts(httpx.Timeout(timeout))
        try:
            status, raw, content = await self.pool.send(
                method, (parts.scheme, parts.hostname, port), target, sent, body, timeouts)
        except httpx.HTTPError as exc:
            with contextlib.suppress(httpx.InvalidURL, UnicodeEncodeError):
                # for whoever reports it (what could not be sent may not be expressible)
                exc.request = httpx.Request(method, url, headers=sent)
            raise
        answer = LeanResponse(status, raw, content)
        if answer.headers.get("content-encoding", "identity").lower() != "identity":
            # asked for none, but sent anyway: httpx's response decodes it (or refuses it)
            return httpx.Response(status, headers=raw, content=content)
        return answer

    async def aclose(self) -> None:
        self.pool.close()


class LeanHeaders(dict[str, str]):
    """An answer's header fields by lower-case name (repeated fields joined by ", ")."""

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        super().__init__()
        for name, value in raw:
            key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            self[key] = f"{self[key]}, {text}" if key in self else text

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


class LeanResponse:
    """What the app reads of a source's answer — `status_code`, `headers`, `content`,
    `text`, `json()` — as `httpx.Response` offers them, without its stream machinery
    (≈ 8 % of the fan-out's CPU)."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status: int, raw: list[tuple[bytes, bytes]], content: bytes) -> None:
        self.status_code = status
        self.headers = LeanHeaders(raw)
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class LeanTransport(httpx.AsyncBaseTransport):
    """`ConnectionPool` as an httpx transport (an `httpx.AsyncClient` in front of it)."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None,
                 max_connections: int = MAX_CONNECTIONS, max_idle: int = 64) -> None:
        self.pool = ConnectionPool(ssl_context=ssl_context, max_connections=max_connections,
                                   max_idle=max_idle)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
        url = request.url
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        try:
            status, headers, content = await self.pool.send(
                request.method, origin, url.raw_path, request.headers.raw, body,
                request.extensions.get("timeout", {}))
        except httpx.HTTPError as exc:
            exc.request = request
            raise
        return httpx.Response(status, headers=headers, content=content,
                              extensions={"http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        self.pool.close()


def _timeouts(timeout: httpx.Timeout) -> Timeouts:
    return timeout.as_dict()


@functools.cache
def _bounded_timeouts(timeout_s: float) -> Timeouts:
    # one per timeout, shared read-only by the clients of a fan-out (one per organisation)
    return _timeouts(httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s)))
