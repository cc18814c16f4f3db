"""How every actor's `serve` runs uvicorn, so no client can hold a server's connections.

`server_config(app, host=..., port=...)` gives a `uvicorn.Config` with:

- a **head timeout**: a connection must deliver a complete request head within
  `HEAD_TIMEOUT_S` of opening (or of its previous answer), else it is closed — uvicorn
  alone waits forever for a head sent one byte at a time (slowloris);
- a **keep-alive timeout** of `KEEP_ALIVE_S` between requests;
- a **connection limit** (`MAX_CONNECTIONS`; beyond it uvicorn answers 503) that stays
  below the open-file limit, which `serve` raises to the hard limit where it can — so the
  server never fails `accept()` with "Too many open files";
- a **head size limit** (`MAX_HEAD_BYTES`; h11 answers 400 above it);
- uvicorn's own access log off (the HTTP middleware writes one without personal data).

The body's own size and time limits are enforced where it is read (request_body.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5
MAX_CONNECTIONS = 1000
MAX_HEAD_BYTES = 16 * 1024
GRACEFUL_SHUTDOWN_S = 10
FILES_PER_CONNECTION_MARGIN = 64  # database files, sockets to PostgreSQL, logs

log = logging.getLogger(__name__)


def head_timeout_protocol(head_timeout_s: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request head is late."""

    class HeadTimeoutProtocol(H11Protocol):
        _head_deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_head_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
            super().connection_lost(exc)

        def _arm_head_deadline(self) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
            self._head_deadline = self.loop.call_later(head_timeout_s, self._head_overdue)

        def _head_overdue(self) -> None:
            # IDLE: no complete head yet (a request in progress is SEND_BODY or DONE).
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return HeadTimeoutProtocol


def open_file_limit() -> int | None:
    """The soft limit on open files, raised to the hard limit where allowed."""
    try:
        import resource
    except ImportError:  # not on this platform
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return None if soft == resource.RLIM_INFINITY else soft


def connection_limit(files: int | None, maximum: int = MAX_CONNECTIONS) -> int:
    """`maximum`, or fewer when the open-file limit leaves less room."""
    if files is None:
        return maximum
    return max(1, min(maximum, files - FILES_PER_CONNECTION_MARGIN))


def server_config(app: Any, *, host: str, port: int, log_level: str = "info",
                  head_timeout_s: float = HEAD_TIMEOUT_S, max_connections: int | None = None,
                  **options: Any) -> uvicorn.Config:
    """The uvicorn settings every actor serves with (see the module docstring); `options`
    are further `uvicorn.Config` arguments (e.g. `log_config`), which win. Without
    `max_connections`, the limit follows the open-file limit (raised first)."""
    if max_connections is None:
        max_connections = connection_limit(open_file_limit())
    settings: dict[str, Any] = {
        "log_level": log_level, "access_log": False,
        "http": head_timeout_protocol(head_timeout_s),
        "timeout_keep_alive": KEEP_ALIVE_S,
        "limit_concurrency": max_connections,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
    }
    return uvicorn.Config(app, host=host, port=port, **(settings | options))


def run(app: Any, *, host: str, port: int, **options: Any) -> None:
    """Serve `app` until interrupted, with `server_config`'s protections."""
    uvicorn.Server(server_config(app, host=host, port=port, **options)).run()
