"""HTTP/1.1 for the app's fan-out to every source: `LeanTransport`, an httpx transport
straight on asyncio streams and h11.

httpx's own transport (httpcore over anyio) spends most of the app's CPU per request in
cancel scopes, locks and pool bookkeeping; with 400 sources answering at once that CPU,
not the network, sets the overview's wall time (bench/fanout_bench.py). `sources.clients_for`
gives every organisation's client one of these; everything else the app sends keeps httpx's
default transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator

import h11
import httpx

from reference_impl.app.http import MAX_CONNECTIONS

MAX_ANSWER_BYTES = 32 * 1024 * 1024  # far above any claims document; a stream without end stops
READ_CHUNK = 65536
RETRYABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class _Connection:
    """One HTTP/1.1 connection: asyncio streams and an h11 state machine."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.h11 = h11.Connection(h11.CLIENT)
        self.received = 0  # bytes of the current answer: none yet means it may be retried

    def usable(self) -> bool:
        """Still open on both sides (a server may close an idle connection any time)."""
        return not (self.reader.at_eof() or self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()

    async def exchange(self, request: httpx.Request, body: bytes,
                       timeouts: dict[str, float | None]) -> tuple[int, list, bytes]:
        """Send `request`, read the whole answer; (status, headers, body)."""
        target = request.url.raw_path
        data = self.h11.send(h11.Request(method=request.method, target=target,
                                         headers=list(request.headers.raw)))
        if body:
            data += self.h11.send(h11.Data(data=body))
        data += self.h11.send(h11.EndOfMessage())
        self.received = 0
        self.writer.write(data)
        async with _bounded(timeouts.get("write"), httpx.WriteTimeout, request):
            await self.writer.drain()
        status, headers, chunks, size = 0, [], [], 0
        while True:
            event = self.h11.next_event()
            if event is h11.NEED_DATA:
                async with _bounded(timeouts.get("read"), httpx.ReadTimeout, request):
                    received = await self.reader.read(READ_CHUNK)
                self.received += len(received)
                self.h11.receive_data(received)  # b"" is the end of the stream
            elif isinstance(event, h11.Response):
                status, headers = event.status_code, event.headers.raw_items()
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > MAX_ANSWER_BYTES:
                    raise httpx.ReadError(f"answer larger than {MAX_ANSWER_BYTES} bytes",
                                          request=request)
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return status, headers, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("the server closed the connection before "
                                                "answering", request=request)
            # h11.InformationalResponse (1xx): the final answer follows

    def reusable(self) -> bool:
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            return self.usable()
        return False


@contextlib.asynccontextmanager
async def _bounded(seconds: float | None, error: type[httpx.TimeoutException],
                   request: httpx.Request) -> AsyncIterator[None]:
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        raise error(f"no progress within {seconds} s", request=request) from exc


class LeanTransport(httpx.AsyncBaseTransport):
    """What the fan-out needs of a transport and no more: kept-alive connections per origin
    (an idle one the server closed is not reused; a reused one that fails before any answer
    byte is retried once, for idempotent methods only), at most `max_connections` at once,
    TLS with the app's context, httpx's four timeout phases, a bound on the answer's size,
    and httpx's exceptions, so `http.call` and its callers cannot tell the difference."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None,
                 max_connections: int = MAX_CONNECTIONS, max_idle: int = 64) -> None:
        self._ssl = ssl_context
        self._max_idle = max_idle
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        body = b"".join([part async for part in request.stream])  # type: ignore[union-attr]
        async with _bounded(timeouts.get("pool"), httpx.PoolTimeout, request):
            await self._slots.acquire()
        try:
            for attempt in (1, 2):
                connection, reused = await self._connection(request, timeouts)
                try:
                    status, headers, content = await connection.exchange(request, body, timeouts)
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                        h11.ProtocolError, OSError) as exc:
                    connection.close()
                    if reused and attempt == 1 and request.method in RETRYABLE \
                            and not connection.received:
                        continue  # the server dropped a kept-alive connection: a new one
                    raise _as_httpx(exc, request) from exc
                except BaseException:
                    connection.close()
                    raise
                self._release(request, connection)
                return httpx.Response(status, headers=headers, content=content,
                                      extensions={"http_version": b"HTTP/1.1"})
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            self._slots.release()

    async def _connection(self, request: httpx.Request,
                          timeouts: dict[str, float | None]) -> tuple[_Connection, bool]:
        origin = _origin(request.url)
        idle = self._idle.get(origin, [])
        while idle:
            connection = idle.pop()
            if connection.usable():
                return connection, True
            connection.close()
        scheme, host, port = origin
        tls = self._ssl if scheme == "https" else None
        try:
            async with _bounded(timeouts.get("connect"), httpx.ConnectTimeout, request):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None,
                    limit=READ_CHUNK * 4)
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(f"{type(exc).__name__}: {exc}", request=request) from exc
        return _Connection(reader, writer), False

    def _release(self, request: httpx.Request, connection: _Connection) -> None:
        idle = self._idle.setdefault(_origin(request.url), [])
        if connection.reusable() and len(idle) < self._max_idle:
            idle.append(connection)
        else:
            connection.close()

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._idle.clear()


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    port = url.port or (443 if url.scheme == "https" else 80)
    return url.scheme, url.host, port


def _as_httpx(exc: BaseException, request: httpx.Request) -> httpx.HTTPError:
    if isinstance(exc, httpx.HTTPError):
        return exc
    if isinstance(exc, h11.ProtocolError):
        return httpx.RemoteProtocolError(str(exc), request=request)
    return httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request)
