"""Test support for the app against a real federation on loopback.

- `ValidatingTransport`: every request the app sends and every answer it gets, checked
  against the OpenAPI document of the interface it belongs to (openapi-core); a mismatch
  fails the test at once.
- `FaultProxy` + `RoutingTransport`: a failing proxy ASGI app put between the app and one
  real source: it forwards everything to the source over HTTP, except the requests a
  `Fault` matches, which it answers with a problem, an unreachable connection, a delay,
  or an altered body. Failures are injected on the wire, never by mocking the app.
- `app_for(federation, ...)`: a `CitizenApp` trusting the federation's scheme;
  `login_as(app, bsn)`: its login, completed by a test citizen's browser.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import uvicorn
from openapi_support import openapi, validate_exchange

from reference_impl.app.citizen import AppSettings, CitizenApp
from reference_impl.app.identity import Identity
from reference_impl.app.trust import TrustAnchor
from reference_impl.demo.test_citizen import TestCitizenBrowser

APIS = {"/vorderingen/v2": "bron", "/app-manager/v2": "app-manager", "/stelsel/v2": "stelsel"}
NOT_IN_SPEC = re.compile(r"/test-idp/")
TEST_OMGEVING = "test"


def spec_path(url_path: str) -> str:
    """The path as the OpenAPI documents see it.

    An api_url may sit below any path (`https://host/org7/vorderingen/v2`); the documents'
    servers are relative (`/vorderingen/v2`), so match from there.
    """
    starts = [url_path.find(prefix) for prefix in APIS if prefix in url_path]
    return url_path[min(starts):] if starts else url_path


def api_of(path: str) -> str | None:
    if NOT_IN_SPEC.search(path):
        return None
    for prefix, name in APIS.items():
        if prefix in path:
            return name
    return None


class ValidatingTransport(httpx.AsyncBaseTransport):
    """Validates every exchange against the OpenAPI documents; counts them per API."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.validated: dict[str, int] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        name = api_of(request.url.path)
        if name is None:
            return response
        await response.aread()
        checked = httpx.Response(response.status_code, headers=response.headers,
                                 content=response.content, request=request)
        validate_exchange(openapi(name), checked, path=spec_path(request.url.path))
        self.validated[name] = self.validated.get(name, 0) + 1
        return checked

    async def aclose(self) -> None:
        await self.inner.aclose()


# --- failure injection --------------------------------------------------------------------


@dataclass
class Fault:
    """What to do to the requests that match `method` and `path` (a regex on the path)."""

    method: str
    path: str
    status: int | None = None  # answer with this problem status...
    code: str = "algemeen/interne-fout"
    unreachable: bool = False  # ...or as a closed port would...
    delay_s: float = 0.0  # ...or only after this delay...
    alter: Callable[[Any], Any] | None = None  # ...or change the JSON answer of the source
    extensions: dict[str, Any] = field(default_factory=dict)  # e.g. {"redenen": [...]}
    times: int | None = None  # how often (None: always)
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if method != self.method or not re.search(self.path, path):
            return False
        return self.times is None or self.hits < self.times


@dataclass
class FaultProxy:
    """An ASGI app forwarding to a real source, failing where a `Fault` says so."""

    target: str  # scheme://host:port of the real source
    faults: list[Fault] = field(default_factory=list)
    forwarded: list[tuple[str, str]] = field(default_factory=list)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        method, path = scope["method"], scope["path"]
        fault = next((f for f in self.faults if f.matches(method, path)), None)
        if fault is not None:
            fault.hits += 1
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)
            if fault.unreachable:
                raise httpx.ConnectError("All connection attempts failed")
            if fault.status is not None:
                problem = {"type": f"urn:nl-vorderingen:probleem:{fault.code}",
                           "title": "Fout", "status": fault.status,
                           "detail": "ingespoten fout", "code": fault.code, **fault.extensions}
                extra = ([("WWW-Authenticate", 'Sessie realm="vorderingen"')]
                         if fault.status == 401 else [])
                await _answer(send, fault.status, json.dumps(problem).encode(),
                              "application/problem+json", extra)
                return
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]
                   if k.decode().lower() not in ("host", "content-length")]
        query = scope.get("query_string", b"").decode()
        url = self.target + path + (f"?{query}" if query else "")
        async with httpx.AsyncClient(timeout=10) as client:
            real = await client.request(method, url, headers=headers, content=body)
        self.forwarded.append((method, path))
        content = real.content
        if fault is not None and fault.alter is not None:
            content = json.dumps(fault.alter(real.json())).encode()
        await _answer(send, real.status_code, content,
                      real.headers.get("content-type", "application/json"),
                      [(k, v) for k, v in real.headers.items()
                       if k.lower() not in ("content-length", "content-type", "content-encoding",
                                            "transfer-encoding")])


async def _answer(send: Callable, status: int, body: bytes, media_type: str,
                  headers: list[tuple[str, str]] | None = None) -> None:
    raw = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode()),
           (b"api-version", b"2.0.0")]
    raw += [(k.encode(), v.encode()) for k, v in headers or [] if k.lower() != "api-version"]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class RoutingTransport(httpx.AsyncBaseTransport):
    """Requests to a proxied `host:port` go through its `FaultProxy`; the rest go out."""

    def __init__(self, proxies: dict[str, FaultProxy] | None = None) -> None:
        self.proxies = {netloc: httpx.ASGITransport(app=p) for netloc, p in (proxies or {}).items()}
        self.direct = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        netloc = request.url.netloc.decode()
        transport = self.proxies.get(netloc, self.direct)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self.direct.aclose()


def netloc(url: str) -> str:
    return urlparse(url).netloc


def proxy_for(federation: Any, oin: str, *faults: Fault) -> tuple[str, FaultProxy]:
    """A `FaultProxy` in front of the federation's source with this OIN."""
    source = next(s for s in federation.sources if s.oin == oin)
    parsed = urlparse(source.url)
    return parsed.netloc, FaultProxy(f"{parsed.scheme}://{parsed.netloc}", list(faults))


def app_for(
    federation: Any,
    *faulty: tuple[str, FaultProxy],
    state_dir: Path | None = None,
    timeout_s: float = 10.0,
    validate: bool = True,
    majors: frozenset[int] = frozenset({2}),
) -> tuple[CitizenApp, ValidatingTransport | RoutingTransport]:
    """A `CitizenApp` trusting the federation's scheme, through the given proxies."""
    routing = RoutingTransport(dict(faulty))
    transport: ValidatingTransport | RoutingTransport = (
        ValidatingTransport(routing) if validate else routing)
    anchor = TrustAnchor.from_key_file(federation.scheme_url, federation.scheme_key_path,
                                       TEST_OMGEVING)
    settings = AppSettings(anchor, federation.app_manager_url, state_dir, timeout_s, majors,
                           "testapparaat")
    return CitizenApp(settings, transport=transport), transport


async def login_as(app: CitizenApp, bsn: str, niveau: str | None = None) -> Identity:
    """Log `app` in; the test citizen `bsn` completes the login in their own browser."""
    async with TestCitizenBrowser(bsn, omgeving=TEST_OMGEVING, niveau=niveau) as browser:
        return await app.login(browser)


async def active_arrangements(federation: Any, bsn: str, oins: tuple[str, ...]
                              ) -> dict[str, list[str]]:
    """Per organisation in `oins`, the ids of the citizen's active arrangements, asked of
    each source itself (`GET /betalingsregelingen`)."""
    app, _ = app_for(federation)
    found: dict[str, list[str]] = {}
    async with app:
        await login_as(app, bsn)
        for source in app.sources:
            if source.oin not in oins:
                continue
            token = await source.open_session()
            response = await app.client.get(
                f"{source.base}/betalingsregelingen",
                headers=source.session_headers("GET", "/betalingsregelingen", token))
            found[source.oin] = [r["id"] for r in response.json()["betalingsregelingen"]
                                 if r["status"] == "actief"]
    return found


# --- real loopback servers for the browser test --------------------------------------------


class LoopbackServer:
    """An ASGI app served by uvicorn on a free loopback port, in a thread of its own."""

    START_TIMEOUT_S = 10.0

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = 0
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning",
                                                     access_log=False, lifespan="off"))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        # IPPROTO_TCP: asyncio then sets TCP_NODELAY (no 40 ms delayed-ACK wait per answer)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[sock])), daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.START_TIMEOUT_S
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SchemeFile:
    """An ASGI app serving one scheme document as the scheme service does (with CORS)."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        assert scope["type"] == "http"
        await _answer(send, 200, self.token.encode(), "application/jose",
                      [("Access-Control-Allow-Origin", "*"), ("Cache-Control", "no-store")])
