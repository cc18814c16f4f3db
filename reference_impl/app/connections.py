"""Kept-alive HTTP/1.1 connections for the fan-out (`ConnectionPool`), each an asyncio
protocol that feeds h11 as bytes arrive and completes one future per answer.

The read timeout (no byte within it) is one timer per answer, re-armed only while bytes keep
arriving, instead of a cancel scope per read; failures are httpx's exceptions, so
`http.call` maps them to the app's codes as it does for httpx's own transport.
`transport.py` puts the pool behind a client (`LeanClient`) and an httpx transport.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import h11
import httpx

from reference_impl.app import resolver
from reference_impl.app.http import MAX_CONNECTIONS

MAX_ANSWER_BYTES = 32 * 1024 * 1024  # far above any claims document; a stream without end stops
RETRYABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
Origin = tuple[str, str, int]
Timeouts = dict[str, float | None]
Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: h11 fed from `data_received`, one exchange at a time."""

    def __init__(self) -> None:
        self.h11 = h11.Connection(h11.CLIENT)
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.received = 0  # bytes of the current answer: none yet means it may be retried
        self._answer: asyncio.Future[Answer] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._status, self._headers, self._chunks, self._size = 0, [], [], 0
        self._progress = 0.0
        self._timer: asyncio.TimerHandle | None = None

    # --- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._answer is None or self._answer.done():
            self.close()  # bytes nobody asked for: this connection is not reusable
            return
        self.received += len(data)
        self._progress = self._answer.get_loop().time()
        self.h11.receive_data(data)
        self._pump()

    def eof_received(self) -> bool:
        if self._answer is not None and not self._answer.done():
            self.h11.receive_data(b"")
            self._pump()
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

    # --- one exchange ----------------------------------------------------------------------

    def usable(self) -> bool:
        """Still open (a server may close an idle connection any time) and between answers."""
        return not self.closed and self.transport is not None \
            and not self.transport.is_closing()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def exchange(self, method: str, target: str | bytes, headers: Any, body: bytes,
                       timeouts: Timeouts) -> Answer:
        """Send one request, read the whole answer: (status, headers, body)."""
        if self.transport is None or self.closed:
            raise httpx.WriteError("the connection is closed")
        loop = asyncio.get_running_loop()
        data = _request_bytes(self.h11, method, target, headers, body)
        self._answer = answer = loop.create_future()
        self._status, self._headers, self._chunks, self._size = 0, [], [], 0
        self.received, self._progress = 0, loop.time()
        self.transport.write(data)
        read = timeouts.get("read")
        self._timer = None if read is None else loop.call_at(self._progress + read, self._idle,
                                                             read)
        try:
            if self._drained is not None:  # the server does not take our bytes yet
                await within(self._drained, timeouts.get("write"), httpx.WriteTimeout)
            return await answer
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

    def _pump(self) -> None:
        answer = self._answer
        if answer is None:
            return
        try:
            while not answer.done():
                event = self.h11.next_event()
                if event is h11.NEED_DATA or event is h11.PAUSED:
                    return
                if isinstance(event, h11.Response):
                    self._status, self._headers = event.status_code, event.headers.raw_items()
                elif isinstance(event, h11.Data):
                    self._size += len(event.data)
                    if self._size > MAX_ANSWER_BYTES:
                        self.close()
                        self._fail(httpx.ReadError(f"answer larger than {MAX_ANSWER_BYTES} "
                                                   "bytes"))
                        return
                    self._chunks.append(bytes(event.data))
                elif isinstance(event, h11.EndOfMessage):
                    answer.set_result((self._status, self._headers, b"".join(self._chunks)))
                elif isinstance(event, h11.ConnectionClosed):
                    self._fail(httpx.RemoteProtocolError("the server closed the connection "
                                                         "before answering"))
                # h11.InformationalResponse (1xx): the final answer follows
        except h11.ProtocolError as exc:
            self.close()
            self._fail(httpx.RemoteProtocolError(str(exc)))

    def reusable(self) -> bool:
        """True (and ready for the next request) when both sides finished the exchange
        cleanly and the server sent nothing beyond its answer."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE \
                and not self.h11.trailing_data[0]:
            self.h11.start_next_cycle()
            return self.usable()
        return False


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
        if self._slots.locked():
            await within(self._slots.acquire(), timeouts.get("pool"), httpx.PoolTimeout)
        else:
            await self._slots.acquire()
        try:
            for attempt in (1, 2):
                connection, reused = await self._connection(origin, timeouts)
                try:
                    answer = await connection.exchange(method, target, headers, body, timeouts)
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


def _request_bytes(writer: h11.Connection, method: str, target: str | bytes, headers: Any,
                   body: bytes) -> bytes:
    """The request's bytes, through the connection's h11 (which refuses a header or target
    it would not send: no CR, LF or NUL can be smuggled in)."""
    try:
        data = writer.send(h11.Request(method=method, target=target, headers=list(headers)))
        if body:
            data += writer.send(h11.Data(data=body))
        return data + writer.send(h11.EndOfMessage())
    except h11.LocalProtocolError as exc:
        raise httpx.LocalProtocolError(str(exc)) from exc


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
