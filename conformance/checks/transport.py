"""Transport (spec/trust-model.md §6, spec/rules/transport.md): HTTPS with HSTS, and the TLS
versions an HTTPS endpoint accepts.

Plain HTTP is allowed on a loopback address only (development and tests): those checks
skip there with that reason. The TLS checks make real handshakes limited to one protocol
version each; when this machine's OpenSSL cannot even offer an old version, the check says
so and skips instead of guessing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
import warnings
from urllib.parse import urlsplit

from conformance.checks.base import check, fail
from conformance.context import CheckContext
from conformance.errors import CheckError, CheckSkipped, NotApplicable

AREA = "transport"
HSTS_MIN_AGE_S = 31536000
LOOPBACK_NAMES = ("localhost",)
HTTPS_PORT = 443
LOCAL_INABILITY = ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE")  # our side cannot offer it


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@check(rule="/http/https", area=AREA)
async def https_with_hsts(ctx: CheckContext) -> None:
    """The endpoint is served over HTTPS with ``Strict-Transport-Security: max-age`` of at
    least a year; plain HTTP is allowed on a loopback address only (development, tests)."""
    url = urlsplit(ctx.target.base_url)
    host = url.hostname or ""
    if url.scheme == "http":
        if is_loopback(host):  # /transport/http-alleen-loopback: the rule does not bind
            raise NotApplicable(f"plain HTTP on loopback ({host}) is allowed for "
                                "development; HTTPS is checked on a non-loopback endpoint")
        fail(f"the endpoint {ctx.target.base_url} is plain HTTP on a non-loopback host")
    resp = await ctx.get("/configuratie")
    hsts = resp.headers.get("strict-transport-security", "")
    ages = [p.split("=", 1)[1] for p in map(str.strip, hsts.split(";"))
            if p.lower().startswith("max-age=")]
    if not ages or not ages[0].isdigit() or int(ages[0]) < HSTS_MIN_AGE_S:
        fail(f"Strict-Transport-Security is {hsts!r}; expected max-age={HSTS_MIN_AGE_S}", resp)


def _https_endpoint(ctx: CheckContext) -> tuple[str, int]:
    url = urlsplit(ctx.target.base_url)
    if url.scheme != "https" or not url.hostname:
        reason = f"{ctx.target.base_url} is not an HTTPS endpoint; TLS versions are checked on one"
        if url.scheme == "http" and is_loopback(url.hostname or ""):
            raise NotApplicable(reason)  # plain HTTP on loopback: no TLS rule binds it
        raise CheckSkipped(reason)
    return url.hostname, url.port or HTTPS_PORT


def _client_context(version: ssl.TLSVersion) -> ssl.SSLContext:
    """A client context offering exactly `version`. Only the protocol version is under test
    here, so the server certificate is not verified (the HTTP checks connect verified)."""
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version = version
        context.maximum_version = version
    return context


async def reachable(host: str, port: int, timeout_s: float) -> str | None:
    """None when a TCP connection to host:port opens, else why not."""
    try:
        async with asyncio.timeout(timeout_s):
            _reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}".rstrip(": ")
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return None


async def handshake(host: str, port: int, version: ssl.TLSVersion, timeout_s: float) -> str | None:
    """None when a TLS handshake offering only `version` succeeds, else why it failed. Call
    `reachable` first: then a failure here is the TLS layer's answer."""
    try:
        async with asyncio.timeout(timeout_s):
            _reader, writer = await asyncio.open_connection(
                host, port, ssl=_client_context(version))
    except ssl.SSLError as exc:
        return str(exc.reason or exc)
    except (OSError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}".rstrip(": ")
    writer.close()
    with contextlib.suppress(OSError, ssl.SSLError):
        await writer.wait_closed()
    return None


async def _tls_endpoint(ctx: CheckContext) -> tuple[str, int]:
    """Host and port of the HTTPS endpoint; skip for plain HTTP, CheckError when no TCP
    connection opens (then no verdict about TLS is possible)."""
    host, port = _https_endpoint(ctx)
    problem = await reachable(host, port, ctx.target.timeout_s)
    if problem is not None:
        raise CheckError(f"cannot open a TCP connection to {host}:{port} ({problem})")
    return host, port


def _old_versions() -> list[tuple[str, ssl.TLSVersion]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [("TLS 1.0", ssl.TLSVersion.TLSv1), ("TLS 1.1", ssl.TLSVersion.TLSv1_1)]


@check(rule="/transport/tls-12", area=AREA)
async def old_tls_refused(ctx: CheckContext) -> None:
    """The HTTPS endpoint accepts only TLS 1.2 or newer: a handshake offering only TLS 1.0 or
    only TLS 1.1 fails."""
    host, port = await _tls_endpoint(ctx)
    for label, version in _old_versions():
        problem = await handshake(host, port, version, ctx.target.timeout_s)
        if problem is None:
            fail(f"the endpoint completed a {label} handshake")
        if any(marker in problem for marker in LOCAL_INABILITY):
            raise CheckSkipped(f"this machine's OpenSSL cannot offer {label} ({problem})")


@check(rule="/transport/tls-13", severity="should", area=AREA)
async def tls13_offered(ctx: CheckContext) -> None:
    """The HTTPS endpoint offers TLS 1.3: a handshake offering only TLS 1.3 succeeds."""
    host, port = await _tls_endpoint(ctx)
    problem = await handshake(host, port, ssl.TLSVersion.TLSv1_3, ctx.target.timeout_s)
    if problem is not None:
        fail(f"a TLS 1.3 handshake failed: {problem}")
