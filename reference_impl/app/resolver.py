"""Name resolution for the fan-out: a thread pool of its own, sized for a whole country.

asyncio resolves a host name with the blocking `getaddrinfo` in the loop's default
executor: min(32, cores + 4) threads, 6 on two cores. An overview asks every organisation
at once — about 400 host names once the municipalities and water boards have joined — so
with uncached lookups of tens of milliseconds the last organisation would wait for some
70 lookups in a row before its first byte. `create_connection` resolves in a pool of
`RESOLVER_THREADS` threads of its own instead (threads are started only as lookups need
them), then connects to the addresses in the order the system gave them, the next when
one refuses. An IP literal is not resolved at all.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

P = TypeVar("P", bound=asyncio.Protocol)

# Lookups block a thread for their whole round trip to the resolver, using next to no CPU:
# this many may be under way at once.
RESOLVER_THREADS = 64

_pool: ThreadPoolExecutor | None = None


def _resolver_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=RESOLVER_THREADS, thread_name_prefix="resolve")
    return _pool


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def addresses(host: str, port: int) -> list[tuple[str, int]]:
    """The (address, port) pairs of `host`, in the system's order, without repeats; an
    `OSError` (`socket.gaierror`) when the name does not resolve."""
    if _is_ip_literal(host):
        return [(host, port)]
    lookup = functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM,
                               proto=socket.IPPROTO_TCP)
    found = await asyncio.get_running_loop().run_in_executor(_resolver_pool(), lookup)
    return list(dict.fromkeys((sockaddr[0], sockaddr[1]) for *_, sockaddr in found))


async def create_connection(protocol: Callable[[], P], host: str, port: int, *,
                            tls: ssl.SSLContext | None) -> tuple[asyncio.Transport, P]:
    """`loop.create_connection` to `host`, resolved here (see the module docstring); TLS,
    when given, checks the certificate against `host`, not the address."""
    loop = asyncio.get_running_loop()
    refused: OSError | None = None
    for address, address_port in await addresses(host, port):
        try:
            # an IP literal: asyncio connects without resolving again
            return await loop.create_connection(  # type: ignore[return-value]
                protocol, address, address_port, ssl=tls,
                server_hostname=host if tls is not None else None)
        except OSError as exc:
            refused = exc
    raise refused or OSError(f"{host} has no address")
