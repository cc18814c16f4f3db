"""How every actor's `serve` runs uvicorn, so no client can hold a server's connections.

`server_config(app, host=..., port=...)` gives a `uvicorn.Config` with:

- a **head timeout**: a connection must deliver a complete request head within
  `HEAD_TIMEOUT_S` of opening (or of its previous answer), else it is closed — uvicorn
  alone waits forever for a head sent one byte at a time (slowloris);
- a **keep-alive timeout** of `KEEP_ALIVE_S` between requests;
- a **connection limit** (`MAX_CONNECTIONS`; beyond it uvicorn answers 503) that stays
  below the open-file limit, which `serve` raises to the hard limit where it can — so the
  server never fails `accept()` with "Too many open files";
- a **head size limit** (`MAX_HEAD_BYTES`, counted up to the blank line that ends the head,
  however the bytes arrive: h11's own limit only sees a head still incomplete, so a larger
  head in one read got through) — 400 `verzoek/ongeldig`, as a problem document, and so is
  a head h11 cannot parse (uvicorn's own answer is `text/plain` without the standard's
  headers);
- **per client** (peer address) at most `MAX_CONNECTIONS_PER_CLIENT` open connections (more
  are closed at once, so one client cannot take the whole connection limit; a trusted proxy,
  `FORWARDED_ALLOW_IPS`, speaks for many clients and is exempt), and a bounded
  share of the server's work (`fairness.ClientShare`: a client sending more than its share
  has its next requests held until its share allows them);
- uvicorn's own access log off (the HTTP middleware writes one without personal data);
- the **start-up heap frozen** (`gc.freeze()` once the app has started, `FrozenHeap`): the
  schemas, routes and modules a server holds for its whole life are left out of Python's
  full garbage collections, which otherwise walk all of them whenever a request has made
  many objects (a large body) — a pause of ~100 ms for every client at once.

The body's own size and time limits are enforced where it is read (request_body.py).
"""

from __future__ import annotations

import asyncio
import gc
import ipaddress
import json
import logging
from collections import Counter
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from reference_impl.common.fairness import ClientShare, ShareTable
from reference_impl.common.http import standard_headers
from reference_impl.common.problems import MEDIA_TYPE, invalid_request

HEAD_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5
MAX_CONNECTIONS = 1000
MAX_HEAD_BYTES = 16 * 1024
# Browsers open at most 6 connections per host, an app one or two per source; a household
# or office behind one NAT address gets many times that.
MAX_CONNECTIONS_PER_CLIENT = 100
GRACEFUL_SHUTDOWN_S = 10
FILES_PER_CONNECTION_MARGIN = 64  # database files, sockets to PostgreSQL, logs

log = logging.getLogger(__name__)


def head_timeout_protocol(head_timeout_s: float,
                          per_client: int = MAX_CONNECTIONS_PER_CLIENT) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request head is late, and any
    connection beyond a client's `per_client` open ones."""
    open_per_client: Counter[str] = Counter()

    class HeadTimeoutProtocol(H11Protocol):
        _head_deadline: asyncio.TimerHandle | None = None
        _peer: str | None = None
        _head_bytes = 0  # of the request head under way
        _head_tail = b""  # its last bytes: the blank line may straddle two reads

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            address = str(peer[0]) if isinstance(peer, tuple) and peer else "onbekend"
            if is_trusted_proxy(self.config, address):  # it speaks for many clients
                self._arm_head_deadline()
                return
            if open_per_client[address] >= per_client:
                transport.close()
                return
            open_per_client[address] += 1
            self._peer = address
            self._arm_head_deadline()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_head_deadline()

        def data_received(self, data: bytes) -> None:
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                window = self._head_tail + data
                end = window.find(b"\r\n\r\n")
                size = self._head_bytes + (len(data) if end < 0
                                           else end + 4 - len(self._head_tail))
                if size > MAX_HEAD_BYTES:
                    self._refuse(f"the request head is over {MAX_HEAD_BYTES} bytes")
                    return
                self._head_bytes, self._head_tail = (size, window[-3:]) if end < 0 else (0, b"")
            super().data_received(data)

        def send_400_response(self, msg: str) -> None:
            # h11 could not parse the request: uvicorn would answer text/plain
            self._refuse("the request is not valid HTTP/1.1")

        def _refuse(self, reason: str) -> None:
            """400 `verzoek/ongeldig` as every other refusal, then close: written as bytes,
            since h11 has no request to answer (or has given up on it)."""
            problem = invalid_request([("head", reason)], "Het verzoek is geen geldig HTTP.")
            body = json.dumps(problem.document(), separators=(",", ":")).encode()
            headers = {**standard_headers(self.scheme), "content-type": MEDIA_TYPE,
                       "content-length": str(len(body)), "connection": "close"}
            head = "HTTP/1.1 400 Bad Request\r\n" + "".join(
                f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
            log.warning("refused a request: %s", reason)
            self.transport.write(head.encode("latin-1") + body)
            self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_deadline is not None:
                self._head_deadline.cancel()
            if self._peer is not None:
                open_per_client[self._peer] -= 1
                if open_per_client[self._peer] <= 0:
                    del open_per_client[self._peer]
                self._peer = None
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


class FrozenHeap:
    """ASGI wrapper: when the app's lifespan start-up completes, collect once and freeze
    every object there is (`gc.freeze`), so that later full collections only walk what
    requests made; unfrozen again at shutdown (an embedded server leaves no trace)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def freezing_send(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete":
                gc.collect()
                gc.freeze()
            elif message["type"].startswith("lifespan.shutdown"):
                gc.unfreeze()
            await send(message)

        await self.app(scope, receive, freezing_send)


def is_trusted_proxy(config: uvicorn.Config, address: str) -> bool:
    """True when uvicorn takes clients' addresses from `address`'s `X-Forwarded-For`
    (`--forwarded-allow-ips`, `FORWARDED_ALLOW_IPS`): a load balancer is not one client."""
    if not config.proxy_headers:
        return False
    allowed = config.forwarded_allow_ips
    entries = allowed.split(",") if isinstance(allowed, str) else list(allowed)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in (e.strip() for e in entries):
        if entry == "*":
            return True
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a host name or a unix socket path: never a peer address here
    return False


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
                  max_connections_per_client: int = MAX_CONNECTIONS_PER_CLIENT,
                  share: ShareTable | None = None, **options: Any) -> uvicorn.Config:
    """The uvicorn settings every actor serves with (see the module docstring); `options`
    are further `uvicorn.Config` arguments (e.g. `log_config`), which win. Without
    `max_connections`, the limit follows the open-file limit (raised first). `share` sets
    the clients' share of the work (default: `fairness`'s constants)."""
    if max_connections is None:
        max_connections = connection_limit(open_file_limit())
    settings: dict[str, Any] = {
        "log_level": log_level, "access_log": False,
        "http": head_timeout_protocol(head_timeout_s,
                                      min(max_connections_per_client, max_connections)),
        "timeout_keep_alive": KEEP_ALIVE_S,
        "limit_concurrency": max_connections,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
    }
    return uvicorn.Config(FrozenHeap(ClientShare(app, share)), host=host, port=port,
                          **(settings | options))


def run(app: Any, *, host: str, port: int, **options: Any) -> None:
    """Serve `app` until interrupted, with `server_config`'s protections."""
    uvicorn.Server(server_config(app, host=host, port=port, **options)).run()
