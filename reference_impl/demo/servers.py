"""Running ASGI apps on loopback inside this process (the demo federation's plumbing).

`bind_port(host, port)` binds a socket (port 0: a free one) or raises `FederationError`;
`EmbeddedServer` is a uvicorn server that leaves signals to its owner, so several share one
event loop; `Background(service)` runs anything with `async start()` / `async stop()` on an
event loop in a thread of its own, for synchronous callers (tests, the conformance suite).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

from reference_impl.common.errors import VorderingenError

HOST = "127.0.0.1"
SERVER_START_TIMEOUT_S = 30.0
DRAIN_SETTLE_S = 0.05  # lets worker threads deliver their last results
SERVER_STOP_TIMEOUT_S = 10.0


class FederationError(VorderingenError):
    """The demo federation could not start (a port in use, a service that failed)."""


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the launcher (several share a loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_port(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only then;
    # without it every answer after the first on a kept-alive connection waits ≈ 40 ms
    # (uvicorn writes head and body apart: Nagle against the client's delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "de poort is al in gebruik" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise FederationError(f"kan niet luisteren op {host}:{port}: {why}") from exc
    sock.set_inheritable(False)
    return sock


async def _drain_tasks() -> None:
    """Cancel and await every other task of the running loop, then let callbacks settle."""
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    await asyncio.sleep(DRAIN_SETTLE_S)


class Background:
    """Runs something with `async start()` / `async stop()` on an event loop in a thread of
    its own, for synchronous callers."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Any:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="federation",
                                        daemon=True)
        self._thread.start()
        try:
            self.run(self.service.start())
        except BaseException:
            self._close_loop()
            raise
        return self.service

    def run(self, coroutine: Any, timeout_s: float = 2 * SERVER_START_TIMEOUT_S) -> Any:
        """Run a coroutine on the service's loop and return its result."""
        if self._loop is None:
            raise FederationError("niet gestart")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)

    def stop(self) -> None:
        if self._loop is None:
            return
        try:
            self.run(self.service.stop())
        finally:
            self._close_loop()

    def _close_loop(self) -> None:
        if self._loop is not None and self._thread is not None:
            # Let whatever is still in flight (a database connection closing in aiosqlite's
            # worker thread, a cancelled request) finish on this loop before it closes;
            # otherwise such a thread reports back to a closed loop.
            with contextlib.suppress(Exception):
                self.run(_drain_tasks(), SERVER_STOP_TIMEOUT_S)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(SERVER_STOP_TIMEOUT_S)
            self._loop.close()
        self._loop, self._thread = None, None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
