"""Bounds on every answer the suite reads, whatever the endpoint does: a deadline for the
WHOLE exchange (connect, head and body — a drip of one byte a second ends), a maximum body
size counted after decompression (no gzip or deflate bomb), and a maximum JSON nesting depth
(a deeply nested answer is refused before any parser recurses).

Both HTTP stacks enforce the same bounds: `LimitedTransport` wraps an httpx transport,
`LimitedAdapter` is the requests adapter of the session schemathesis uses. Breaking a bound
raises `ResponseRefused` (httpx) or a requests `RequestException`, so every caller's
existing network-error path (outcome `error`, or "could not run") applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
import threading
import time
import zlib
from typing import Any

import httpx
import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_RESPONSE_BYTES = 2 * 1024 * 1024  # decoded; the standard's largest answer is far smaller
MAX_JSON_DEPTH = 100  # far below the parser's recursion limit, far above any real document
READ_CHUNK_BYTES = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"  # the codings the suite can decode within its bounds

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class ResponseRefused(httpx.TransportError):
    """An answer that broke one of the suite's bounds (size, depth)."""


class DeadlineExceeded(httpx.TimeoutException):
    """No complete answer within the request deadline."""


class RequestsResponseRefused(requests.exceptions.RequestException):
    """`ResponseRefused` on the requests stack."""


# -- the bounds themselves ------------------------------------------------------------------


def decoded_body(raw: bytes, content_encoding: str, limit: int = MAX_RESPONSE_BYTES) -> bytes:
    """`raw` decoded as its Content-Encoding says (gzip, deflate, stacked), never producing
    more than `limit` bytes: ValueError past it, and for a coding the suite did not offer
    (br, zstd: an HTTP library may decode them without a bound)."""
    data = raw
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",") if c.strip()]):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise ValueError(f"the answer is in Content-Encoding {coding!r}, which the suite "
                             f"did not accept (Accept-Encoding: {ACCEPT_ENCODING})")
        try:
            if coding == "deflate":
                try:
                    data = _inflate(data, zlib.MAX_WBITS, limit)
                except zlib.error:  # a raw deflate stream, as some servers send
                    data = _inflate(data, -zlib.MAX_WBITS, limit)
            else:
                data = _inflate(data, zlib.MAX_WBITS | 16, limit)
        except zlib.error as exc:
            raise ValueError(f"the answer's {coding} body does not decode ({exc})") from None
    if len(data) > limit:
        raise ValueError(f"the answer exceeds {limit} bytes")
    return data


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    out = decompressor.decompress(data, limit + 1)
    if len(out) > limit or decompressor.unconsumed_tail:
        raise ValueError(f"the answer inflates past {limit} bytes")
    return out


def json_depth_exceeded(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when `body` looks like JSON and nests arrays/objects deeper than `limit`."""
    start = body.lstrip()[:1]
    if start not in (b"[", b"{") or body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b"", body)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


def check_body(raw: bytes, content_encoding: str, limit: int = MAX_RESPONSE_BYTES) -> bytes:
    """The decoded body of an answer within the bounds; ValueError naming the bound."""
    body = decoded_body(raw, content_encoding, limit)
    if json_depth_exceeded(body):
        raise ValueError(f"the answer nests JSON deeper than {MAX_JSON_DEPTH} levels")
    return body


# -- httpx -----------------------------------------------------------------------------------


class LimitedTransport(httpx.AsyncBaseTransport):
    """Wraps an httpx transport: the whole exchange within `deadline_s`, the body read in
    full (at most `max_bytes` raw, at most `max_bytes` decoded) and checked for depth."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, deadline_s: float,
                 max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.inner, self.deadline_s, self.max_bytes = inner, deadline_s, max_bytes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            async with asyncio.timeout(self.deadline_s):
                response = await self.inner.handle_async_request(request)
                try:
                    raw = await self._read(response, request)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise DeadlineExceeded(
                f"no complete answer within {self.deadline_s:g} s", request=request) from None
        except (ssl.SSLError, OSError) as exc:  # e.g. a TLS 1.3 alert httpcore lets through
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}", request=request) from None
        try:
            check_body(raw, response.headers.get("content-encoding", ""), self.max_bytes)
        except ValueError as exc:
            raise ResponseRefused(str(exc), request=request) from None
        return httpx.Response(response.status_code, headers=response.headers, content=raw,
                              extensions=response.extensions, request=request)

    async def _read(self, response: httpx.Response, request: httpx.Request) -> bytes:
        if response.is_stream_consumed:  # built in memory (a test transport): already whole
            if len(response.content) > self.max_bytes:
                raise ResponseRefused(f"the answer exceeds {self.max_bytes} bytes",
                                      request=request)
            return response.content
        chunks, size = [], 0
        async for chunk in response.aiter_raw():
            size += len(chunk)
            if size > self.max_bytes:
                raise ResponseRefused(f"the answer exceeds {self.max_bytes} bytes",
                                      request=request)
            chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        await self.inner.aclose()


# -- requests (schemathesis) ------------------------------------------------------------------

_watched = threading.local()


class _Watched:
    """A urllib3 connection that tells the running `LimitedAdapter.send` its socket, so the
    deadline can cut it off mid-read."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        connections = getattr(_watched, "connections", None)
        if connections is not None:
            connections.append(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class LimitedAdapter(HTTPAdapter):
    """A requests adapter enforcing the same bounds as `LimitedTransport`; at the deadline
    it shuts the connection's socket, which ends any read in progress."""

    def __init__(self, *, deadline_s: float, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.deadline_s, self.max_bytes = deadline_s, max_bytes
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        connections: list[Any] = []
        fired = threading.Event()

        def cut_off() -> None:
            fired.set()
            for connection in connections:
                sock = getattr(connection, "sock", None)
                if sock is not None:
                    # the plain socket's shutdown: safe from another thread, also under TLS
                    with contextlib.suppress(OSError):
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)

        timer = threading.Timer(self.deadline_s, cut_off)
        timer.daemon = True
        _watched.connections = connections
        started = time.monotonic()
        timer.start()
        try:
            response = super().send(request, stream=True, timeout=timeout, verify=verify,
                                    cert=cert, proxies=proxies)
            try:
                raw = self._read(response)
            finally:
                response.close()
        except requests.exceptions.RequestException:
            if fired.is_set():
                raise requests.exceptions.Timeout(
                    f"no complete answer within {self.deadline_s:g} s", request=request) from None
            raise
        finally:
            timer.cancel()
            _watched.connections = None
        if fired.is_set() or time.monotonic() - started > self.deadline_s:
            raise requests.exceptions.Timeout(
                f"no complete answer within {self.deadline_s:g} s", request=request)
        try:
            body = check_body(raw, response.headers.get("content-encoding", ""), self.max_bytes)
        except ValueError as exc:
            raise RequestsResponseRefused(str(exc), request=request) from None
        response._content = body  # what requests' .content returns: the decoded body
        response._content_consumed = True
        return response

    def _read(self, response: requests.Response) -> bytes:
        chunks, size = [], 0
        try:
            for chunk in response.raw.stream(READ_CHUNK_BYTES, decode_content=False):
                size += len(chunk)
                if size > self.max_bytes:
                    raise RequestsResponseRefused(f"the answer exceeds {self.max_bytes} bytes",
                                                  request=response.request)
                chunks.append(chunk)
        except requests.exceptions.RequestException:
            raise
        except Exception as exc:  # urllib3's errors while reading a cut or broken stream
            raise requests.exceptions.ConnectionError(
                f"{type(exc).__name__}: {exc}", request=response.request) from None
        return b"".join(chunks)


def limited_session(
    deadline_s: float, headers: tuple[tuple[str, str], ...] = ()
) -> requests.Session:
    """A requests session whose every exchange is bounded, carrying `headers`."""
    session = requests.Session()
    adapter = LimitedAdapter(deadline_s=deadline_s)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers.update({"Accept-Encoding": ACCEPT_ENCODING, **dict(headers)})
    return session
