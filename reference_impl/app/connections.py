"""Kept-alive HTTP/1.1 connections for the fan-out (`ConnectionPool`), each an asyncio
protocol that feeds llhttp (httptools, uvicorn's parser) as bytes arrive and completes one
future per answer; requests are written here, checked against HTTP's grammar first.

The read timeout (no byte within it) is one timer per answer, re-armed only while bytes keep
arriving, instead of a cancel scope per read; failures are httpx's exceptions, so
`http.call` maps them to the app's codes as it does for httpx's own transport.
`transport.py` puts the pool behind a client (`LeanClient`) and an httpx transport.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from typing import Any

import httptools
import httpx

from reference_impl.app import resolver
from reference_impl.app.http import MAX_CONNECTIONS

MAX_ANSWER_BYTES = 32 * 1024 * 1024  # far above any claims document; a stream without end stops
RETRYABLE = frozenset({"GET", "OPTIONS", "PUT", "DELETE"})
Origin = tuple[str, str, int]
Timeouts = dict[str, float | None]
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: answers parsed by llhttp (httptools) from `data_received`,
    one exchange at a time.

    llhttp is strict by default (no bare LF, no folded or malformed headers, no duplicate or
    conflicting Content-Length); its callbacks below collect one answer. Interim answers
    (1xx) are skipped; 101 (a protocol switch nobody asked for) is refused."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.received = 0  # bytes of the current answer: none yet means it may be retried
        self._answer: asyncio.Future[Answer] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._chunks: list[bytes] = []
        self._size = 0
        self._head_done = False  # the current answer's head has been parsed
        self._until_eof = False  # the answer's body ends when the server closes
        self._keep_alive = False
        self._beyond = False  # bytes came after the answer: never taken as the next one
        self._progress = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # --- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        answer = self._answer
        if answer is None or answer.done():
            self.close()  # bytes nobody asked for: this connection is not reusable
            return
        self.received += len(data)
        self._progress = answer.get_loop().time()
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self.close()
            if isinstance(exc.__context__, AnswerTooLarge):
                self._fail(httpx.ReadError(str(exc.__context__)))
            elif isinstance(exc, httptools.HttpParserUpgrade):
                self._fail(httpx.RemoteProtocolError("the server switched protocols"))
            else:
                self._fail(httpx.RemoteProtocolError(f"malformed answer: {exc}"))

    def eof_received(self) -> bool:
        answer = self._answer
        if answer is not None and not answer.done():
            if self._head_done and self._until_eof:  # the close ends the body
                self._keep_alive = False
                answer.set_result((self.parser.get_status_code(), self._headers,
                                   b"".join(self._chunks)))
            else:
                self._fail(httpx.RemoteProtocolError("the server closed the connection "
                                                     "before answering"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail(httpx.RemoteProtocolError("the server closed the connection before "
                                             "answering") if exc is None else
                   httpx.ReadError(f"{type(exc).__name__}: {exc}"))
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def pause_writing(self) -> None:
        if self._answer is not None:
            self._drained = self._answer.get_loop().create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    # --- llhttp's callbacks (httptools) ---------------------------------------------------

    def on_message_begin(self) -> None:
        if self._answer is None or self._answer.done():
            self._beyond = True
        self._headers, self._chunks, self._size = [], [], 0
        self._head_done = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self._head_done = True
        self._keep_alive = self.parser.should_keep_alive()
        names = {name.lower(): value for name, value in self._headers}
        coding = names.get(b"transfer-encoding")
        self._until_eof = b"content-length" not in names and (
            coding is None or not coding.lower().rstrip().endswith(b"chunked"))

    def on_body(self, body: bytes) -> None:
        self._size += len(body)
        if self._size > MAX_ANSWER_BYTES:
            raise AnswerTooLarge(f"answer larger than {MAX_ANSWER_BYTES} bytes")
        self._chunks.append(body)

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        answer = self._answer
        if 100 <= status < 200 or answer is None or answer.done():
            return  # an interim answer (the final one follows), or one nobody asked for
        answer.set_result((status, self._headers, b"".join(self._chunks)))

    # --- one exchange ----------------------------------------------------------------------

    def usable(self) -> bool:
        """Still open (a server may close an idle connection any time) and between answers."""
        return not self.closed and self.transport is not None \
            and not self.transport.is_closing()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def exchange(self, data: bytes, keep_alive: bool, timeouts: Timeouts) -> Answer:
        """Send one request (its bytes, from `_request_bytes`), read the whole answer:
        (status, headers, body)."""
        if self.transport is None or self.closed:
            raise httpx.WriteError("the connection is closed")
        loop = asyncio.get_running_loop()
        self._answer = answer = loop.create_future()
        self._head_done = False
        self._keep_alive = False
        self.received, self._progress = 0, loop.time()
        self.transport.write(data)
        read = timeouts.get("read")
        self._timer = None if read is None else loop.call_at(self._progress + read, self._idle,
                                                             read)
        try:
            if self._drained is not None:  # the server does not take our bytes yet
                await within(self._drained, timeouts.get("write"), httpx.WriteTimeout)
            status, answer_headers, content = await answer
            self._keep_alive = self._keep_alive and keep_alive
            return status, answer_headers, content
        finally:
            if self._timer is not None:
                self._timer.cancel()
            self._answer = None

    def _idle(self, read: float) -> None:
        """The read timer: time out when no byte came within `read` s, else wait on."""
        if self._answer is None or self._answer.done():
            return
        loop = self._answer.get_loop()
        if loop.time() - self._progress >= read:
            self._fail(httpx.ReadTimeout(f"no progress within {read} s"))
            self.close()
        else:
            self._timer = loop.call_at(self._progress + read, self._idle, read)

    def _fail(self, error: Exception) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)

    def reusable(self) -> bool:
        """True when the answer was whole, both sides keep the connection alive and the
        server sent nothing beyond its answer."""
        return self._keep_alive and not self._beyond and self.usable()


class AnswerTooLarge(Exception):
    """Raised from llhttp's body callback to stop reading an answer past the bound."""


class ConnectionPool:
    """Kept-alive connections per origin (an idle one the server closed is not reused; a
    reused one that fails before any answer byte is retried once, for idempotent methods
    only), at most `max_connections` at once, TLS with the app's context, httpx's four
    timeout phases, a bound on the answer's size, and httpx's exceptions."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None,
                 max_connections: int = MAX_CONNECTIONS, max_idle: int = 64) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[Origin, list[_Connection]] = {}

    async def send(self, method: str, origin: Origin, target: str | bytes, headers: Any,
                   body: bytes, timeouts: Timeouts) -> Answer:
        """One request to `origin`; the answer, or an httpx exception (without its
        `request`: the caller sets it)."""
        data, keep_alive = _request_bytes(method, target, headers, body)  # before connecting
        if self._slots.locked():
            await within(self._slots.acquire(), timeouts.get("pool"), httpx.PoolTimeout)
        else:
            await self._slots.acquire()
        try:
            for attempt in (1, 2):
                connection, reused = await self._connection(origin, timeouts)
                try:
                    answer = await connection.exchange(data, keep_alive, timeouts)
                except httpx.TimeoutException:
                    connection.close()
                    raise
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                        OSError) as exc:
                    connection.close()
                    if reused and attempt == 1 and method in RETRYABLE \
                            and not connection.received:
                        continue  # the server dropped a kept-alive connection: a new one
                    raise _as_httpx(exc) from exc
                except BaseException:
                    connection.close()
                    raise
                self._release(origin, connection)
                return answer
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            self._slots.release()

    async def _connection(self, origin: Origin, timeouts: Timeouts) -> tuple[_Connection, bool]:
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection, True
            connection.close()
        scheme, host, port = origin
        tls = self._ssl if scheme == "https" else None
        try:
            # resolved in the fan-out's own pool (resolver.py); the connect timeout covers
            # the lookup too, as httpx's does
            _transport, connection = await within(
                resolver.create_connection(_Connection, host, port, tls=tls),
                timeouts.get("connect"), httpx.ConnectTimeout)
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}") from exc
        return connection, False

    def _release(self, origin: Origin, connection: _Connection) -> None:
        idle = self._idle.setdefault(origin, [])
        if connection.reusable() and len(idle) < self._max_idle:
            idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()


# RFC 9110's grammar (as h11 checks it): a token for the method and field names; the target
# and field values only visible ASCII (and obs-text), spaces and tabs inside a value only.
# No CR, LF or NUL can be smuggled into a request's head.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TARGET = re.compile(rb"[\x21-\x7e\x80-\xff]+")
_VISIBLE = rb"[\x21-\x7e\x80-\xff]"
_FIELD_VALUE = re.compile(rb"(?:%s(?:[\t\x20-\x7e\x80-\xff]*%s)?)?" % (_VISIBLE, _VISIBLE))


def _ascii(value: str | bytes, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("ascii")
    except UnicodeEncodeError as exc:
        raise httpx.LocalProtocolError(f"{what} is not ASCII: {value!r}") from exc


def _request_bytes(method: str, target: str | bytes, headers: Any,
                   body: bytes) -> tuple[bytes, bool]:
    """The request's head and body, and whether the connection may be kept alive after it.

    Refuses what must never be sent: a method, target, field name or value outside HTTP's
    grammar (so no CR, LF or NUL), no `Host` or two, a body without a matching
    `Content-Length` (the fan-out never sends chunked bodies) and methods whose answers this
    connection cannot frame (CONNECT, and a HEAD answer's length is not its body's)."""
    verb = _ascii(method, "the method")
    if not _TOKEN.fullmatch(verb) or verb in (b"CONNECT", b"HEAD"):
        raise httpx.LocalProtocolError(f"method {method!r} is not sent on this connection")
    path = _ascii(target, "the target")
    if not _TARGET.fullmatch(path):
        raise httpx.LocalProtocolError(f"invalid request target {path!r}")
    lines = [verb + b" " + path + b" HTTP/1.1"]
    hosts, length, keep_alive = 0, None, True
    for name, value in headers:
        field, text = _ascii(name, "a field name"), _ascii(value, "a field value").strip(b" \t")
        if not _TOKEN.fullmatch(field) or not _FIELD_VALUE.fullmatch(text):
            raise httpx.LocalProtocolError(f"invalid header field {field!r}")
        lower = field.lower()
        if lower == b"host":
            hosts += 1
        elif lower == b"content-length":
            length = text
        elif lower == b"transfer-encoding":
            raise httpx.LocalProtocolError("the fan-out sends no chunked bodies")
        elif lower == b"connection" and b"close" in text.lower():
            keep_alive = False
        lines.append(field + b": " + text)
    if hosts != 1:
        raise httpx.LocalProtocolError("a request needs exactly one Host header")
    if (body or length is not None) and length != str(len(body)).encode():
        raise httpx.LocalProtocolError("Content-Length does not match the body")
    lines.append(b"")
    return b"\r\n".join(lines) + b"\r\n" + body, keep_alive


async def within(waiting: Any, seconds: float | None,
                  error: type[httpx.TimeoutException]) -> Any:
    try:
        async with asyncio.timeout(seconds):
            return await waiting
    except TimeoutError as exc:
        raise error(f"no progress within {seconds} s") from exc


def _as_httpx(exc: BaseException) -> httpx.HTTPError:
    if isinstance(exc, httpx.HTTPError):
        return exc
    return httpx.ReadError(f"{type(exc).__name__}: {exc}")
