"""Getting a certificate from an App Manager (design §4; spec/openapi/app-manager.yaml).

OAuth for native apps in shape (RFC 8252 loopback redirect, RFC 7636 PKCE, RFC 9207 `iss`):

1. The app makes a PKCE `code_verifier` + S256 `code_challenge` and its own `state`, and
   starts a `LoopbackReceiver` on `127.0.0.1` (ephemeral port): that is its `redirect_uri`.
2. `POST /registraties` with the public key, `redirect_uri`, `code_challenge`, `state`,
   `app_naam` and `apparaat_naam` → `registratie_id`, `uitdaging`, `inlog_url`.
3. `open_browser(inlog_url)`: the citizen's browser shows the App Manager's consent page
   (naming this app and device), then DigiD; the App Manager redirects the browser to
   `redirect_uri?code&state&iss`. The app checks `state` (its own) and `iss` (the App
   Manager's id from the verified scheme) and never parses HTML.
4. `POST /certificaten` with `registratie_id`, `inlogcode`, `code_verifier` and a
   `certificaat-aanvraag+jwt` over the challenge → the `app-certificaat+jwt`, checked by the
   identity before use.

`open_browser` is pluggable: by default the URL is shown and the system browser opened
(`system_browser`); a development wiring may pass a test citizen's browser. It may be a
plain function or return an awaitable (then it runs alongside the wait for the redirect).
The app never learns or sends a BSN; it learns it from the certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import shlex
import socket
import sys
import webbrowser
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from reference_impl.app.errors import LoginError
from reference_impl.app.http import call, checked_json
from reference_impl.app.identity import Identity
from reference_impl.app.loopback import LoopbackReceiver, Pkce, new_pkce, new_state
from reference_impl.common.scheme import Scheme

APP_NAAM = "Vorderingen referentie-app"
LOGIN_WAIT_S = 600.0  # REGISTRATION_TTL_S: a registration lives no longer
MAX_NAME_CHARS = 64
OpenBrowser = Callable[[str], Any]
BROWSER_ENV = "BROWSER"


def device_name() -> str:
    """The `apparaat_naam` shown on the consent page: this machine's host name."""
    name = " ".join(socket.gethostname().split())[:MAX_NAME_CHARS]
    return name or "onbekend apparaat"


def system_browser(show: Callable[[str], None]) -> OpenBrowser:
    """Show the URL (so it can be copied), then open it: with the command in `$BROWSER`
    when set (`browser_command`), else the system browser — only where there is a desktop:
    without one `webbrowser` would start a text browser in this terminal."""

    async def open_browser(url: str) -> None:
        show(url)
        command = browser_command(url)
        if command:
            await _run_browser(command)
            return
        if not _has_desktop():
            return
        with contextlib.suppress(webbrowser.Error):
            await asyncio.to_thread(webbrowser.open, url)

    return open_browser


def browser_command(url: str) -> list[str]:
    """The `$BROWSER` convention (spec/testomgeving.md, "An app under test"): a command line
    in which `%s` stands for the URL, or to which the URL is appended; the first of several
    separated by the path separator. Empty when `$BROWSER` is not set."""
    value = os.environ.get(BROWSER_ENV, "").split(os.pathsep)[0].strip()
    if not value:
        return []
    try:
        words = shlex.split(value)
    except ValueError:
        raise LoginError(f"${BROWSER_ENV} is geen geldige opdrachtregel") from None
    if any("%s" in word for word in words):
        return [word.replace("%s", url) for word in words]
    return [*words, url]


async def _run_browser(command: list[str]) -> None:
    """Run the browser command; one that cannot start or fails stops the login."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL)
    except OSError as exc:
        raise LoginError(f"de browser (${BROWSER_ENV}) start niet: {exc.strerror}") from None
    # Cancelled when the redirect came in first: the browser is left running — it may be
    # the citizen's own, with the page saying the login worked.
    status = await process.wait()
    if status != 0:
        raise LoginError(f"de browser (${BROWSER_ENV}) stopte met code {status}")


def _has_desktop() -> bool:
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@dataclass(frozen=True)
class Registration:
    registratie_id: str
    uitdaging: str
    inlog_url: str
    verloopt_op: str


@dataclass(frozen=True)
class LoginRequest:
    """What the app keeps between registering and redeeming the login result."""

    pkce: Pkce
    state: str
    redirect_uri: str


class AppManagerClient:
    """One App Manager, addressed by its base URL (`…/app-manager/v2`) and scheme id."""

    def __init__(self, client: httpx.AsyncClient, api_url: str, manager_id: str) -> None:
        self.client = client
        self.api_url = api_url.rstrip("/")
        self.manager_id = manager_id

    async def register(
        self, identity: Identity, request: LoginRequest, *, app_naam: str = APP_NAAM,
        apparaat_naam: str | None = None,
    ) -> Registration:
        body = {"publieke_sleutel": identity.public_jwk, "redirect_uri": request.redirect_uri,
                "code_challenge": request.pkce.challenge, "code_challenge_method": "S256",
                "state": request.state, "app_naam": app_naam[:MAX_NAME_CHARS],
                "apparaat_naam": (apparaat_naam or device_name())[:MAX_NAME_CHARS]}
        response = await call(self.client, "POST", f"{self.api_url}/registraties", expect=201,
                              json_body=body)
        answer = checked_json(response, "app-manager", "Registratie")
        return Registration(answer["registratie_id"], answer["uitdaging"], answer["inlog_url"],
                            answer["verloopt_op"])

    async def request_certificate(
        self, identity: Identity, registration: Registration, scheme: Scheme, *,
        inlogcode: str, code_verifier: str,
    ) -> str:
        """Redeem the login result; the certificate, checked and kept by `identity`."""
        aanvraag = identity.certificate_request(self.manager_id, registration.uitdaging)
        response = await call(
            self.client, "POST", f"{self.api_url}/certificaten", expect=201,
            json_body={"registratie_id": registration.registratie_id, "inlogcode": inlogcode,
                       "code_verifier": code_verifier, "aanvraag": aanvraag})
        body = checked_json(response, "app-manager", "Certificaat")
        identity.accept_certificate(body["certificaat"], scheme)
        return body["certificaat"]

    async def login(
        self, identity: Identity, scheme: Scheme, open_browser: OpenBrowser, *,
        app_naam: str = APP_NAAM, apparaat_naam: str | None = None,
        wait_s: float = LOGIN_WAIT_S,
    ) -> str:
        """The whole login of the module docstring; the certificate, or `LoginError`."""
        async with LoopbackReceiver() as receiver:
            request = LoginRequest(new_pkce(), new_state(), receiver.redirect_uri)
            registration = await self.register(identity, request, app_naam=app_naam,
                                               apparaat_naam=apparaat_naam)
            query = await _browse_and_wait(open_browser, registration.inlog_url, receiver,
                                           wait_s)
        code = self.login_result(query, request)
        return await self.request_certificate(identity, registration, scheme, inlogcode=code,
                                              code_verifier=request.pkce.verifier)

    def login_result(self, query: dict[str, str], request: LoginRequest) -> str:
        """The `inlogcode` of a redirect that is the answer to *this* login; else LoginError."""
        if query.get("state") != request.state:
            raise LoginError("de terugverwijzing van het inloggen hoort bij een andere poging "
                             "(state)")
        if query.get("iss") != self.manager_id:
            raise LoginError("de terugverwijzing komt niet van onze App Manager (iss)")
        if "error" in query:
            raise LoginError(f"het inloggen is geweigerd of afgebroken ({query['error'][:64]})")
        code = query.get("code")
        if not code:
            raise LoginError("de terugverwijzing bevat geen code")
        return code


async def _browse_and_wait(open_browser: OpenBrowser, url: str, receiver: LoopbackReceiver,
                           wait_s: float) -> dict[str, str]:
    """Open the browser and wait for the redirect; a browser that fails stops the wait."""
    opened = open_browser(url)
    if not inspect.isawaitable(opened):
        return await receiver.wait(wait_s)
    browsing = asyncio.ensure_future(_awaited(opened))
    waiting = asyncio.ensure_future(receiver.wait(wait_s))
    try:
        await asyncio.wait({browsing, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if waiting.done():
            return waiting.result()
        browsing.result()  # raises what stopped the browser
        return await waiting
    finally:
        waiting.cancel()
        if not browsing.done():
            # The redirect arrived: let the browser finish reading the page, briefly.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(browsing, 5.0)


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value
