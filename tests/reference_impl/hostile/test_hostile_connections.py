"""Hostile connections: a head or body sent a byte at a time is cut off within its timeout
while the server keeps answering others (a real uvicorn on loopback, with the settings every
actor's `serve` uses), and a client that hangs up mid-body is logged as gone, not as a 500."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from source_support import RunningSource

from reference_impl.common import request_body, serving
from reference_impl.common.http import API_VERSION
from reference_impl.common.serving import server_config

pytestmark = pytest.mark.anyio
HEAD_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 1.0
DRIP_INTERVAL_S = 0.2
SLOW_CLIENTS = 20
CONFIGURATIE = "/vorderingen/v2/configuratie"
ATTACKER = "127.0.0.2"  # loopback holds all of 127/8: a second client address
PER_CLIENT = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def served(gemeente: RunningSource, monkeypatch: pytest.MonkeyPatch
                 ) -> AsyncIterator[tuple[str, int]]:
    """The source behind a real uvicorn on loopback, with short head and body timeouts."""
    monkeypatch.setattr(request_body, "BODY_READ_TIMEOUT_S", BODY_TIMEOUT_S)
    port = _free_port()
    server = uvicorn.Server(server_config(gemeente.app, host="127.0.0.1", port=port,
                                          log_level="warning", head_timeout_s=HEAD_TIMEOUT_S,
                                          max_connections=100))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    yield "127.0.0.1", port
    server.should_exit = True
    await task


async def _drip(host: str, port: int, data: bytes) -> float:
    """Send `data` a byte per `DRIP_INTERVAL_S`; seconds until the server closed on us."""
    reader, writer = await asyncio.open_connection(host, port)
    started = time.monotonic()
    try:
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                chunk = await asyncio.wait_for(reader.read(65536), DRIP_INTERVAL_S)
            except TimeoutError:
                continue
            if not chunk or chunk.startswith(b"HTTP/1.1 4"):
                return time.monotonic() - started
        raise AssertionError("the server read the whole slow request")
    except (ConnectionResetError, BrokenPipeError):
        return time.monotonic() - started
    finally:
        writer.close()


async def test_a_slow_head_is_cut_off_and_others_are_served(served: tuple[str, int]):
    host, port = served
    head = f"GET {CONFIGURATIE} HTTP/1.1\r\nHost: x\r\n".encode() + b"X-Pad: " + b"a" * 200
    slow = [asyncio.create_task(_drip(host, port, head)) for _ in range(SLOW_CLIENTS)]
    await asyncio.sleep(HEAD_TIMEOUT_S / 2)
    async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as client:
        response = await client.get(CONFIGURATIE)
    assert response.status_code == 200
    durations = await asyncio.gather(*slow)
    # Cut off after the head timeout, far before the 40 s the whole head would take.
    assert all(HEAD_TIMEOUT_S * 0.9 <= d <= HEAD_TIMEOUT_S * 5 for d in durations), durations


async def test_a_slow_body_is_answered_400_within_the_body_timeout(served: tuple[str, int]):
    host, port = served
    head = (b"POST /vorderingen/v2/sessies HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n")
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(head)
    started = time.monotonic()

    async def drip() -> None:
        for _ in range(400):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(DRIP_INTERVAL_S)

    dripping = asyncio.create_task(drip())
    answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BODY_TIMEOUT_S * 10)
    dripping.cancel()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400")
    assert time.monotonic() - started <= BODY_TIMEOUT_S * 5


async def test_a_client_leaving_mid_body_is_not_an_error(gemeente: RunningSource,
                                                         caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"certificaat": "', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/vorderingen/v2/sessies",
             "raw_path": b"/vorderingen/v2/sessies", "root_path": "", "query_string": b"",
             "headers": [(b"content-type", b"application/json"), (b"host", b"testserver")],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {}}
    await gemeente.app(scope, receive, send)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not any(m.get("status", 0) >= 500 for m in sent)
    assert any(" 499 " in r.getMessage() for r in caplog.records
               if r.name == "vorderingen.access")


async def test_one_client_cannot_take_every_connection(gemeente: RunningSource):
    """Beyond its own few connections a client's next one is closed at once, while another
    address is still served (the per-client cap of serving.py, below the global limit)."""
    port = _free_port()
    server = uvicorn.Server(server_config(gemeente.app, host="127.0.0.1", port=port,
                                          log_level="warning", max_connections=50,
                                          max_connections_per_client=PER_CLIENT))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    held = []
    try:
        for _ in range(PER_CLIENT):  # idle connections: no head yet
            held.append(await asyncio.open_connection("127.0.0.1", port,
                                                      local_addr=(ATTACKER, 0)))
        reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                       local_addr=(ATTACKER, 0))
        writer.write(f"GET {CONFIGURATIE} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert await asyncio.wait_for(reader.read(), HEAD_TIMEOUT_S) == b""  # closed, no answer
        writer.close()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as other:
            assert (await other.get(CONFIGURATIE)).status_code == 200
        held.pop()[1].close()  # one of its connections ends: the client may open another
        await asyncio.sleep(0.05)
        transport = httpx.AsyncHTTPTransport(local_address=ATTACKER)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                     transport=transport) as again:
            assert (await again.get(CONFIGURATIE)).status_code == 200
    finally:
        for _, writer in held:
            writer.close()
        server.should_exit = True
        await task


async def _exchange(host: str, port: int, chunks: list[bytes]) -> bytes:
    """Send `chunks` as separate writes; everything the server answers until it closes."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(0.01)
        return await asyncio.wait_for(reader.read(), 5)
    except (ConnectionResetError, BrokenPipeError):
        return await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()


def _problem(answer: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *fields = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, value in
               (field.split(":", 1) for field in fields)}
    return int(status_line.split()[1]), headers, json.loads(body)


@pytest.mark.parametrize("split", [False, True], ids=["one read", "many reads"])
async def test_a_head_over_the_limit_is_a_problem_document(served: tuple[str, int],
                                                            split: bool):
    """However the bytes arrive (h11 alone let a large head in one read through)."""
    host, port = served
    pad = b"X-Pad: " + b"a" * (serving.MAX_HEAD_BYTES + 10) + b"\r\n"
    head = f"GET {CONFIGURATIE} HTTP/1.1\r\nHost: x\r\n".encode() + pad + b"\r\n"
    chunks = [head[i:i + 4096] for i in range(0, len(head), 4096)] if split else [head]
    status, headers, body = _problem(await _exchange(host, port, chunks))
    assert (status, body["code"]) == (400, "verzoek/ongeldig")
    assert headers["content-type"] == "application/problem+json"
    assert headers["api-version"] == API_VERSION and headers["x-content-type-options"]


async def test_a_head_within_the_limit_is_served(served: tuple[str, int]):
    host, port = served
    pad = b"X-Pad: " + b"a" * (serving.MAX_HEAD_BYTES - 200) + b"\r\n"
    head = (f"GET {CONFIGURATIE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".encode()
            + pad + b"\r\n")
    answer = await _exchange(host, port, [head[:5000], head[5000:]])
    assert answer.startswith(b"HTTP/1.1 200 ")


async def test_a_malformed_head_is_a_problem_document(served: tuple[str, int]):
    host, port = served
    answer = await _exchange(host, port, [b"GET / HTTP/1.1\r\nno colon here\r\n\r\n"])
    status, headers, body = _problem(answer)
    assert (status, body["code"]) == (400, "verzoek/ongeldig")
    assert headers["content-type"] == "application/problem+json"
    assert headers["api-version"] == API_VERSION
