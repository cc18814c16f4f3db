"""The fan-out's lean HTTP/1.1 transport (reference_impl/app/transport.py `LeanTransport`) against
a real loopback server whose every byte the test controls: connections are kept alive and
reused, one the server closed is replaced, a dropped kept-alive connection is retried once
for an idempotent request only, and every failure is the httpx exception `call` maps to the
app's codes (no connection, time-out)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from reference_impl.app import transport
from reference_impl.app.errors import Unreachable
from reference_impl.app.http import call
from reference_impl.app.transport import LeanTransport

pytestmark = pytest.mark.anyio

OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


class Server:
    """Answers each request head with what `answer(connection_no, head)` returns (None:
    close the connection without answering)."""

    def __init__(self, answer: Callable[[int, bytes], bytes | None]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[tuple[int, bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                if length:
                    await reader.readexactly(length)
                self.requests.append((number, head.split(b"\r\n")[0]))
                reply = self.answer(number, head)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Server], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(server: Server) -> str:
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        servers.append(listening)
        return f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"

    yield start
    for listening in servers:
        listening.close()


async def test_connections_are_kept_alive_and_reused(serve) -> None:
    server = Server(lambda _n, _head: OK)
    base = await serve(server)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        for path in ("/a", "/b", "/c"):
            response = await call(client, "GET", base + path, expect=200)
            assert response.json() == {}
        sent = await call(client, "POST", base + "/d", expect=200, json_body={"x": 1})
    assert sent.request.headers["content-type"] == "application/json"
    assert server.connections == 1
    assert [line for _n, line in server.requests] == [
        b"GET /a HTTP/1.1", b"GET /b HTTP/1.1", b"GET /c HTTP/1.1", b"POST /d HTTP/1.1"]


async def test_an_answer_that_closes_the_connection_is_not_reused(serve) -> None:
    closing = OK.replace(b"content-length", b"connection: close\r\ncontent-length")
    server = Server(lambda _n, _head: closing)
    base = await serve(server)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        await call(client, "GET", base + "/a", expect=200)
        await call(client, "GET", base + "/b", expect=200)
    assert server.connections == 2


@pytest.mark.parametrize(("method", "answered"), [("GET", True), ("POST", False)])
async def test_a_dropped_kept_alive_connection_is_retried_only_when_idempotent(
    serve, method: str, answered: bool
) -> None:
    # The first connection answers once, then drops the next request unanswered (as a
    # server does whose keep-alive ran out at that moment); later connections answer.
    server = Server(lambda number, _head: OK if number > 1 or len(server.requests) == 1
                    else None)
    base = await serve(server)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        await call(client, "GET", base + "/first", expect=200)
        if answered:
            await call(client, method, base + "/again", expect=200)
        else:
            with pytest.raises(Unreachable) as refused:
                await call(client, method, base + "/again", expect=200, json_body={})
            assert refused.value.code == "app/geen-verbinding"
    assert server.connections == (2 if answered else 1)


async def test_a_silent_server_is_a_time_out(serve) -> None:
    server = Server(lambda _n, _head: b"")  # reads the request, never answers
    base = await serve(server)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        with pytest.raises(Unreachable) as refused:
            await call(client, "GET", base + "/slow", expect=200, timeout_s=0.2)
    assert refused.value.code == "app/time-out"


async def test_no_server_is_no_connection() -> None:
    with socket.socket() as bound:  # bound, not listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        async with httpx.AsyncClient(transport=LeanTransport()) as client:
            with pytest.raises(Unreachable) as refused:
                await call(client, "GET", f"http://127.0.0.1:{port}/x", expect=200)
    assert refused.value.code == "app/geen-verbinding"


async def test_an_endless_answer_is_cut_off(serve, monkeypatch) -> None:
    monkeypatch.setattr(transport, "MAX_ANSWER_BYTES", 1000)
    big = b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n" + b"x" * 5000
    server = Server(lambda _n, _head: big)
    base = await serve(server)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        with pytest.raises(Unreachable) as refused:
            await call(client, "GET", base + "/big", expect=200)
    assert refused.value.code == "app/geen-verbinding"


async def test_a_malformed_answer_is_no_connection(serve) -> None:
    server = Server(lambda _n, _head: b"this is not HTTP\r\n\r\n")
    base = await serve(server)
    async with httpx.AsyncClient(transport=LeanTransport()) as client:
        with pytest.raises(Unreachable) as refused:
            await call(client, "GET", base + "/x", expect=200)
    assert refused.value.code == "app/geen-verbinding"
