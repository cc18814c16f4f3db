"""The loopback servers of the suite (demo gallery, `stelsel serve`, the app profile's
federation) answer without Nagle delays."""

from __future__ import annotations

import asyncio
import socket

from conformance.serving import bind_loopback


async def _nodelay_of_accepted(listening: socket.socket) -> int:
    """TCP_NODELAY of the connection asyncio accepts on `listening` (as uvicorn does)."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=listening)
    async with server:
        host, port = listening.getsockname()[:2]
        _reader, writer = await asyncio.open_connection(host, port)
        try:
            return await asyncio.wait_for(accepted, 5)
        finally:
            writer.close()


def test_accepted_connections_get_tcp_nodelay():
    # Without it, the second answer on a kept-alive connection waits for the client's
    # delayed ACK (≈ 40 ms a request: the suite's basis run took 42 s instead of 25 s).
    assert asyncio.run(_nodelay_of_accepted(bind_loopback())) != 0


def test_a_socket_bound_the_default_way_would_not():
    # The reason for bind_loopback's protocol argument: asyncio leaves proto 0 sockets alone.
    plain = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    plain.bind(("127.0.0.1", 0))
    plain.listen(1)
    assert asyncio.run(_nodelay_of_accepted(plain)) == 0
