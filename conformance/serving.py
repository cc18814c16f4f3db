"""Serve an ASGI app on a loopback port from a background thread (demo, `stelsel serve`,
live tests). The socket is bound before the app is built, so the app may know its own URL."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from conformance.errors import CouldNotRun

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT_S = 10.0
SHUTDOWN_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.02


def bind_loopback(port: int = 0, host: str = LOOPBACK) -> socket.socket:
    """A listening TCP socket on `host` (port 0: any free port) whose accepted connections
    get TCP_NODELAY from asyncio."""
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on an accepted connection only
    # when the listening socket says TCP. Without it every answer after the first on a
    # kept-alive connection waits ≈ 40 ms (uvicorn writes head and body apart; Nagle holds
    # the body until the client's delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def socket_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


class BackgroundServer:
    """uvicorn serving `app` on `sock` in a daemon thread; use as a context manager or call
    start()/stop()."""

    def __init__(self, app: Any, sock: socket.socket) -> None:
        self.sock = sock
        self.url = socket_url(sock)
        config = uvicorn.Config(app, log_level="warning", lifespan="auto", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )

    def start(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise CouldNotRun(f"server on {self.url} did not start")
            time.sleep(POLL_INTERVAL_S)
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(SHUTDOWN_TIMEOUT_S)
        self.sock.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
