"""Getting a certificate from an App Manager (spec/openapi/app-manager.yaml).

1. `register(identity)`: `POST /registraties` with the app's public key → registration
   (`registratie_id`, `uitdaging`, `inlog_url`).
2. The citizen logs in at `inlog_url` (DigiD; in development the test identity provider):
   - interactively: the app shows the URL and polls step 3 until the login is done;
   - non-interactively for development (`login_with_test_idp`, CLI `--test-bsn`): the app
     follows the redirect to the test identity provider, fills in its HTML form with the
     test BSN and submits it, and follows the redirects back to the App Manager's return
     page. This only works against a test identity provider (DigiD has no such form).
3. `request_certificate(...)`: `POST /certificaten` with a `certificaat-aanvraag+jwt` over the
   registration's challenge → the `app-certificaat+jwt`, checked by the identity before use.

No BSN is ever sent to the App Manager by the app; the test BSN goes only into the test
identity provider's form, as a person would type it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from reference_impl.app.errors import AnswerError, LoginError, Unreachable
from reference_impl.app.http import call, checked_json
from reference_impl.app.identity import Identity
from reference_impl.common.scheme import Scheme

MAX_REDIRECTS = 8
POLL_INTERVAL_S = 1.0
LOGIN_WAIT_S = 600.0  # a registration lives 600 s
NOT_LOGGED_IN = "registratie/niet-ingelogd"
BSN_FIELDS = ("bsn", "test_bsn", "burgerservicenummer")
LEVEL_FIELDS = ("niveau", "betrouwbaarheidsniveau")


@dataclass(frozen=True)
class Registration:
    registratie_id: str
    uitdaging: str
    inlog_url: str
    verloopt_op: str


class AppManagerClient:
    """One App Manager, addressed by its base URL (`…/app-manager/v1`) and scheme id."""

    def __init__(self, client: httpx.AsyncClient, api_url: str, manager_id: str) -> None:
        self.client = client
        self.api_url = api_url.rstrip("/")
        self.manager_id = manager_id

    async def register(self, identity: Identity) -> Registration:
        response = await call(self.client, "POST", f"{self.api_url}/registraties", expect=201,
                              json_body={"publieke_sleutel": identity.public_jwk})
        body = checked_json(response, "app-manager", "Registratie")
        return Registration(body["registratie_id"], body["uitdaging"], body["inlog_url"],
                            body["verloopt_op"])

    async def request_certificate(
        self, identity: Identity, registration: Registration, scheme: Scheme
    ) -> str:
        """The certificate of a logged-in registration, checked and kept by `identity`."""
        request = identity.certificate_request(self.manager_id, registration.uitdaging)
        response = await call(
            self.client, "POST", f"{self.api_url}/certificaten", expect=201,
            json_body={"registratie_id": registration.registratie_id, "aanvraag": request})
        body = checked_json(response, "app-manager", "Certificaat")
        identity.accept_certificate(body["certificaat"], scheme)
        return body["certificaat"]

    async def wait_for_certificate(
        self, identity: Identity, registration: Registration, scheme: Scheme,
        *, wait_s: float = LOGIN_WAIT_S, poll_s: float = POLL_INTERVAL_S,
    ) -> str:
        """Poll `POST /certificaten` until the citizen has logged in (interactive login)."""
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return await self.request_certificate(identity, registration, scheme)
            except AnswerError as refused:
                if refused.code != NOT_LOGGED_IN or time.monotonic() > deadline:
                    raise LoginError(f"no certificate: {refused.code}") from refused
            await asyncio.sleep(poll_s)

    async def login_with_test_idp(
        self, registration: Registration, bsn: str, niveau: str | None = None
    ) -> None:
        """Log in non-interactively at a *test* identity provider by submitting its form."""
        try:
            await self._login_with_test_idp(registration, bsn, niveau)
        except (AnswerError, Unreachable) as exc:
            raise LoginError(f"test login failed: {exc}") from exc

    async def _login_with_test_idp(
        self, registration: Registration, bsn: str, niveau: str | None
    ) -> None:
        response = await self._get(registration.inlog_url)
        hops = 0
        while response.is_redirect:
            hops += 1
            if hops > MAX_REDIRECTS:
                raise LoginError("too many redirects before the login form")
            response = await self._get(urljoin(str(response.url), response.headers["location"]))
        form = find_form(response.text)
        if form is None:
            raise LoginError("the identity provider shows no login form (not a test IdP?)")
        fields = dict(form.fields)
        bsn_field = next((name for name in BSN_FIELDS if name in fields), None)
        if bsn_field is None:
            raise LoginError("the login form has no BSN field (not a test IdP?)")
        fields[bsn_field] = bsn
        if niveau is not None:
            for name in LEVEL_FIELDS:
                if name in fields:
                    fields[name] = niveau
        target = urljoin(str(response.url), form.action or str(response.url))
        if form.method == "get":
            response = await self._get(str(httpx.URL(target, params=fields)))
        else:
            response = await self._send("POST", target, form=fields)
        while response.is_redirect:
            hops += 1
            if hops > MAX_REDIRECTS:
                raise LoginError("too many redirects after the login form")
            response = await self._get(urljoin(str(response.url), response.headers["location"]))
        if response.status_code != 200:
            raise LoginError(f"the login ended with HTTP {response.status_code}")

    async def _get(self, url: str) -> httpx.Response:
        return await self._send("GET", url)

    async def _send(
        self, method: str, url: str, form: dict[str, str] | None = None
    ) -> httpx.Response:
        expect = (200, 301, 302, 303, 307, 308)
        headers = {"Accept": "text/html, application/json"}
        return await call(self.client, method, url, expect=expect, form=form, headers=headers)


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(attributes.get("action", ""),
                                   attributes.get("method", "get").lower(), []))
        elif not self.forms:
            return
        elif tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text").lower()
            if kind in ("radio", "checkbox") and "checked" not in attributes:
                return
            if kind not in ("submit", "button", "image", "reset"):
                self.forms[-1].fields.append((attributes["name"], attributes.get("value", "")))
        elif tag == "select" and attributes.get("name"):
            self._select = attributes["name"]
        elif tag == "option" and self._select is not None:
            names = [n for n, _ in self.forms[-1].fields]
            if self._select not in names or "selected" in attributes:
                self.forms[-1].fields = [f for f in self.forms[-1].fields if f[0] != self._select]
                self.forms[-1].fields.append((self._select, attributes.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def find_form(html: str) -> Form | None:
    """The first form of an HTML page with its submitted fields (as a browser would send)."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms[0] if parser.forms else None
