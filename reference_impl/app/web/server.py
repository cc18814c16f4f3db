"""A tiny Starlette server for the browser app: static files only, on loopback only.

It serves `static/` (the page, its scripts and styles), `vendor/css/` (the NL Design
System stylesheets, vendored from npm: nothing comes from a CDN) and one `config.json`
fixed at start (the scheme document's URL, the scheme operator's public keys to pin, the
environment, the App Manager's URL, the majors the page speaks and the per-source
timeout). It has no API of its own: the browser holds the key (WebCrypto,
non-extractable, in IndexedDB), logs in at the App Manager with this server's own
loopback URL as `redirect_uri` (the page `/` receives `?code&state&iss`), and talks to
every source directly (CORS), so no server of this project ever sees the citizen's data.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_impl.app.citizen import AppSettings
from reference_impl.app.errors import SetupError
from reference_impl.common.serving import server_config

STATIC = Path(__file__).resolve().parent / "static"
# The NL Design System CSS, vendored from npm by vendor/vendor.py (only css/ is served).
VENDOR_CSS = Path(__file__).resolve().parent / "vendor" / "css"
HOST = "127.0.0.1"
DEFAULT_PORT = 8765
# The page may load only its own files; it may connect to its own origin, to loopback
# sources (development) and to any https source (the scheme decides which).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self' http://127.0.0.1:* http://localhost:* https:; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@dataclass(frozen=True)
class WebConfig:
    """What the page is told at start (served as `/config.json`)."""

    stelsel_url: str
    stelsel_sleutels: list[dict[str, Any]]
    omgeving: str
    app_manager_url: str | None = None
    timeout_s: float = 10.0
    majors: list[int] = field(default_factory=lambda: [2])

    @classmethod
    def from_settings(cls, settings: AppSettings) -> WebConfig:
        anchor = settings.anchor
        if not anchor.is_url:
            raise SetupError("de browser-app heeft het stelseldocument nodig als http(s)-URL")
        return cls(anchor.stelsel, [dict(k) for k in anchor.pinned_jwks], anchor.omgeving,
                   settings.app_manager_url, settings.timeout_s, sorted(settings.majors))


class SecurityHeaders:
    """Adds the page's security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(config: WebConfig) -> Starlette:
    """The static site: `/` (the page), `/config.json`, `/static/...`, `/vendor/...`."""
    config_body = json.dumps(asdict(config), ensure_ascii=False).encode()

    async def index(_request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def config_json(_request: Request) -> Response:
        return Response(config_body, media_type="application/json")

    return Starlette(
        routes=[Route("/", index), Route("/config.json", config_json),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
                Mount("/vendor", StaticFiles(directory=VENDOR_CSS), name="vendor")],
        middleware=[Middleware(SecurityHeaders)],
    )


def check_loopback(host: str) -> None:
    """Refuse anything but a loopback IP address: this page is for the citizen's own machine,
    and its origin is the login's `redirect_uri` (an App Manager accepts no `localhost`)."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SetupError(f"de web-app luistert alleen op loopback, niet op {host}")


def serve(config: WebConfig, *, port: int = DEFAULT_PORT, host: str = HOST,
          announce: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted; `announce` gets the page's URL once it listens."""
    check_loopback(host)
    server = uvicorn.Server(server_config(create_app(config), host=host, port=port,
                                          log_level="warning"))
    if announce is not None:
        original = server.startup

        async def startup(sockets: Any = None) -> None:
            await original(sockets)
            bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            announce(f"http://{host}:{bound}/")

        server.startup = startup  # type: ignore[method-assign]
    server.run()
