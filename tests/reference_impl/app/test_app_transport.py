"""The fan-out's lean HTTP/1.1 (reference_impl/app/transport.py and connections.py:
`LeanClient`, and `LeanTransport` behind an httpx client) against a real loopback server
whose every byte the test controls: connections are kept alive and reused, one the server
closed is replaced, a dropped kept-alive connection is retried once for an idempotent
request only, a slow but steady answer is no time-out, nothing is sent that could smuggle
a header, and every failure is the httpx exception `call` maps to the app's codes (no
connection, time-out). Host names resolve in the fan-out's own pool (resolver.py), many at
once, and the next address is tried when one refuses."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from reference_impl.app import connections
from reference_impl.app.errors import AnswerError, Unreachable
from reference_impl.app.http import Requester, call
from reference_impl.app.transport import LeanClient, LeanTransport

pytestmark = pytest.mark.anyio

OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


class Server:
    """Answers each request head with what `answer(connection_no, head)` returns (None:
    close the connection without answering)."""

    def __init__(self, answer: Callable[[int, bytes], bytes | None]) -> None:
        self.answer = answer
        self.connections = 0
        self.requests: list[tuple[int, bytes]] = []
        self.heads: list[bytes] = []

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
                self.heads.append(head)
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


@pytest.fixture(params=["LeanClient", "httpx+LeanTransport"])
def client(request: pytest.FixtureRequest) -> Callable[[], Requester]:
    """The fan-out's own client, and the transport behind an httpx client: both behave so."""
    if request.param == "LeanClient":
        return LeanClient
    return lambda: httpx.AsyncClient(transport=LeanTransport())


async def test_connections_are_kept_alive_and_reused(serve, client) -> None:
    server = Server(lambda _n, _head: OK)
    base = await serve(server)
    http = client()
    for path in ("/a", "/b", "/c"):
        response = await call(http, "GET", base + path, expect=200)
        assert response.json() == {}
    await call(http, "POST", base + "/d", expect=200, json_body={"x": 1})
    await http.aclose()
    assert b"content-type: application/json" in server.heads[-1].lower()
    assert b"content-length: 7" in server.heads[-1].lower()  # {"x":1}
    assert server.connections == 1
    assert [line for _n, line in server.requests] == [
        b"GET /a HTTP/1.1", b"GET /b HTTP/1.1", b"GET /c HTTP/1.1", b"POST /d HTTP/1.1"]


async def test_an_answer_that_closes_the_connection_is_not_reused(serve, client) -> None:
    closing = OK.replace(b"content-length", b"connection: close\r\ncontent-length")
    server = Server(lambda _n, _head: closing)
    base = await serve(server)
    http = client()
    await call(http, "GET", base + "/a", expect=200)
    await call(http, "GET", base + "/b", expect=200)
    await http.aclose()
    assert server.connections == 2


@pytest.mark.parametrize(("method", "answered"), [("GET", True), ("POST", False)])
async def test_a_dropped_kept_alive_connection_is_retried_only_when_idempotent(
    serve, client, method: str, answered: bool
) -> None:
    # The first connection answers once, then drops the next request unanswered (as a
    # server does whose keep-alive ran out at that moment); later connections answer.
    server = Server(lambda number, _head: OK if number > 1 or len(server.requests) == 1
                    else None)
    base = await serve(server)
    http = client()
    await call(http, "GET", base + "/first", expect=200)
    if answered:
        await call(http, method, base + "/again", expect=200)
    else:
        with pytest.raises(Unreachable) as refused:
            await call(http, method, base + "/again", expect=200, json_body={})
        assert refused.value.code == "app/geen-verbinding"
    await http.aclose()
    assert server.connections == (2 if answered else 1)


async def test_a_silent_server_is_a_time_out(serve, client) -> None:
    server = Server(lambda _n, _head: b"")  # reads the request, never answers
    base = await serve(server)
    http = client()
    with pytest.raises(Unreachable) as refused:
        await call(http, "GET", base + "/slow", expect=200, timeout_s=0.2)
    await http.aclose()
    assert refused.value.code == "app/time-out"


async def test_an_answer_that_keeps_coming_is_no_time_out(client) -> None:
    # The read timeout is "no byte within it", not a bound on the whole answer: six
    # pieces 0.25 s apart take 1.25 s, each well within the 1 s timeout.
    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        for i, piece in enumerate((OK[:20], OK[20:40], OK[40:60], OK[60:70], OK[70:-1],
                                   OK[-1:])):
            if i:
                await asyncio.sleep(0.25)
            writer.write(piece)
            await writer.drain()
        await reader.read()  # until the client closes
        writer.close()

    listening = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    http = client()
    try:
        response = await call(http, "GET", f"http://127.0.0.1:{port}/drip", expect=200,
                              timeout_s=1.0)
        assert response.json() == {}
    finally:
        await http.aclose()
        listening.close()


async def test_no_server_is_no_connection(client) -> None:
    with socket.socket() as bound:  # bound, not listening: connecting is refused
        bound.bind(("127.0.0.1", 0))
        port = bound.getsockname()[1]
        http = client()
        with pytest.raises(Unreachable) as refused:
            await call(http, "GET", f"http://127.0.0.1:{port}/x", expect=200)
        await http.aclose()
    assert refused.value.code == "app/geen-verbinding"


async def _failure(serve, http: Requester, answer: bytes = OK, path: str = "/x",
                   headers: dict[str, str] | None = None) -> tuple[str, list[bytes]]:
    """The app's code for a GET of `path` that fails against a server answering `answer`,
    and the request heads that server saw."""
    server = Server(lambda _n, _head: answer)
    base = await serve(server)
    with pytest.raises(Unreachable) as refused:
        await call(http, "GET", base + path, expect=200, headers=headers)
    await http.aclose()
    return refused.value.code, server.heads


async def test_an_endless_answer_is_cut_off(serve, client, monkeypatch) -> None:
    monkeypatch.setattr(connections, "MAX_ANSWER_BYTES", 1000)
    big = b"HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n" + b"x" * 5000
    assert (await _failure(serve, client(), big))[0] == "app/geen-verbinding"


async def test_a_header_value_with_a_line_break_is_never_sent(serve, client) -> None:
    smuggling = {"Idempotency-Key": "a\r\nX-Smuggled: 1"}
    assert await _failure(serve, client(), headers=smuggling) == ("app/geen-verbinding", [])


async def test_a_problem_answer_names_the_request(serve) -> None:
    problem = (b'{"type":"about:blank","title":"x","status":404,"code":"algemeen/niet-gevonden"}')
    answer = (b"HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\n"
              b"content-length: %d\r\n\r\n" % len(problem)) + problem
    server = Server(lambda _n, _head: answer)
    base = await serve(server)
    http = LeanClient()
    with pytest.raises(AnswerError) as refused:
        await call(http, "GET", base + "/zaak?x=1", expect=200)
    await http.aclose()
    assert refused.value.code == "algemeen/niet-gevonden"
    assert server.requests == [(1, b"GET /zaak?x=1 HTTP/1.1")]


async def test_bytes_beyond_the_answer_end_the_connection(serve, client) -> None:
    # A second answer nobody asked for must never be taken as the next request's answer.
    smuggled = b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{\"x\":1}"
    server = Server(lambda _n, _head: OK + smuggled)
    base = await serve(server)
    http = client()
    first = await call(http, "GET", base + "/a", expect=200)
    second = await call(http, "GET", base + "/b", expect=200)
    await http.aclose()
    assert first.json() == second.json() == {}
    assert server.connections == 2


async def test_a_content_coded_answer_is_decoded(serve, client) -> None:
    # The app asks for none (Accept-Encoding: identity), but a server may code anyway.
    body = gzip.compress(b'{"x":1}')
    coded = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
             b"content-length: %d\r\n\r\n" % len(body)) + body
    server = Server(lambda _n, _head: coded)
    base = await serve(server)
    http = client()
    response = await call(http, "GET", base + "/coded", expect=200)
    await http.aclose()
    assert response.json() == {"x": 1}


# --- framing: what llhttp reads and what the connection makes of it ---------------------

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


@pytest.mark.parametrize(("answer", "connections_for_two"), [
    (CONTINUE + OK, 1),  # an interim answer is skipped, the final one read
    (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n", 1),
    (b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\n{}", 2),  # 1.0 without keep-alive
], ids=["interim-answer", "chunked", "http-1.0"])
async def test_answers_are_framed_as_http_says(serve, client, answer: bytes,
                                               connections_for_two: int) -> None:
    server = Server(lambda _n, _head: answer)
    base = await serve(server)
    http = client()
    for path in ("/a", "/b"):
        assert (await call(http, "GET", base + path, expect=200)).json() == {}
    await http.aclose()
    assert server.connections == connections_for_two


async def _answer_once_and_close(answer: bytes) -> tuple[asyncio.Server, str]:
    async def once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()

    listening = await asyncio.start_server(once, "127.0.0.1", 0)
    return listening, f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"


async def test_an_answer_without_length_ends_when_the_server_closes(client) -> None:
    listening, base = await _answer_once_and_close(b"HTTP/1.1 200 OK\r\n\r\n{\"x\": 1}")
    http = client()
    try:
        assert (await call(http, "GET", base + "/eof", expect=200)).json() == {"x": 1}
    finally:
        await http.aclose()
        listening.close()


async def test_an_answer_cut_short_is_no_connection(client) -> None:
    listening, base = await _answer_once_and_close(
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{}")
    http = client()
    try:
        with pytest.raises(Unreachable) as refused:
            await call(http, "GET", base + "/short", expect=200)
    finally:
        await http.aclose()
        listening.close()
    assert refused.value.code == "app/geen-verbinding"


@pytest.mark.parametrize("answer", [
    b"this is not HTTP\r\n\r\n",
    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 2\r\n\r\n{}",
    b"HTTP/1.1 200 OK\ncontent-length: 2\n\n{}",  # bare LF
    b"HTTP/1.1 200 OK\r\nx: a\r\n folded\r\ncontent-length: 2\r\n\r\n{}",
    b"HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\nconnection: upgrade\r\n\r\n",
], ids=["not-http", "two-lengths", "chunked-and-length", "bare-lf", "folded-header",
        "protocol-switch"])
async def test_a_malformed_or_ambiguous_answer_is_no_connection(serve, client,
                                                                answer: bytes) -> None:
    assert (await _failure(serve, client(), answer))[0] == "app/geen-verbinding"


async def test_garbage_after_the_answer_ends_the_connection(serve, client) -> None:
    server = Server(lambda _n, _head: OK + b"garbage")
    base = await serve(server)
    http = client()
    for path in ("/a", "/b"):
        assert (await call(http, "GET", base + path, expect=200)).json() == {}
    await http.aclose()
    assert server.connections == 2


@pytest.mark.parametrize(("path", "headers"), [
    ("/x", {"X Bad": "1"}),  # a field name is a token
    ("/x", {"X-Naam": "Zoë"}),  # not ASCII
    ("/x", {"X-Nul": "a\x00b"}),
    ("/x%00 HTTP/1.1\r\nX: y", {}),  # a target with a space and a line break
], ids=["field-name", "non-ascii", "nul", "target"])
async def test_a_request_outside_http_grammar_is_never_sent(serve, path: str,
                                                             headers: dict[str, str]) -> None:
    # LeanClient only: httpx refuses these itself before they reach the transport
    failure = await _failure(serve, LeanClient(), path=path, headers=headers)
    assert failure == ("app/geen-verbinding", [])


# --- name resolution (resolver.py) ------------------------------------------------------

# More lookups at once than asyncio's default executor ever runs (min(32, cores + 4)).
LOOKUPS_AT_ONCE = 40


def _port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


async def test_host_names_resolve_in_the_fan_outs_own_pool_many_at_once(
        serve, client, monkeypatch) -> None:
    server = Server(lambda _n, _head: OK)
    port = _port_of(await serve(server))
    real_lookup = socket.getaddrinfo
    together = threading.Barrier(LOOKUPS_AT_ONCE, timeout=20)
    threads: set[str] = set()

    def lookup(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        assert host.endswith(".resolve.test"), host
        threads.add(threading.current_thread().name)
        together.wait()  # passes only when all lookups are under way at the same time
        return real_lookup("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    https = [client() for _ in range(LOOKUPS_AT_ONCE)]
    answers = await asyncio.gather(*(
        call(http, "GET", f"http://org{i}.resolve.test:{port}/x", expect=200)
        for i, http in enumerate(https)))
    for http in https:
        await http.aclose()
    assert [answer.json() for answer in answers] == [{}] * LOOKUPS_AT_ONCE
    assert len(threads) == LOOKUPS_AT_ONCE
    assert all(name.startswith("resolve") for name in threads)
    assert b"host: org0.resolve.test:%d" % port in b"\n".join(server.heads).lower()


async def test_a_name_that_does_not_resolve_is_no_connection(client, monkeypatch) -> None:
    def lookup(host: str, *_args: Any, **_kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    http = client()
    with pytest.raises(Unreachable) as refused:
        await call(http, "GET", "http://gemeente.invalid/x", expect=200)
    await http.aclose()
    assert refused.value.code == "app/geen-verbinding"


async def test_an_ip_literal_is_not_resolved(serve, client, monkeypatch) -> None:
    def lookup(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("an IP literal was looked up")

    base = await serve(Server(lambda _n, _head: OK))
    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    http = client()
    assert (await call(http, "GET", base + "/x", expect=200)).json() == {}
    await http.aclose()


async def test_the_next_address_is_tried_when_one_refuses(serve, client, monkeypatch) -> None:
    port = _port_of(await serve(Server(lambda _n, _head: OK)))
    with socket.socket() as closed:  # bound, never listening: connecting to it is refused
        closed.bind(("127.0.0.1", 0))
        refusing = closed.getsockname()[1]

        def lookup(host: str, _port: int, *_args: Any, **_kwargs: Any) -> Any:
            stream = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
            return [(*stream, ("127.0.0.1", refusing)), (*stream, ("127.0.0.1", port))]

        monkeypatch.setattr(socket, "getaddrinfo", lookup)
        http = client()
        answer = await call(http, "GET", f"http://twee-adressen.test:{port}/x", expect=200)
        await http.aclose()
    assert answer.json() == {}
