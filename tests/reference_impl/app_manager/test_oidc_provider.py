"""The App Manager with a real OpenID Connect provider: here a tiny fake provider (an ASGI
app) that speaks the authorization-code flow, reached over an in-process transport."""

from __future__ import annotations

import base64
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from app_manager_support import (
    BASE,
    MOHAMED,
    AppSide,
    FakeClock,
    ValidatingClient,
    build_app_manager,
    claims_of,
    consent_choice,
    problem,
    query_of,
)
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

pytestmark = pytest.mark.anyio
ISSUER = "https://inloggen.example"
CLIENT_ID = "test-app-manager"
CLIENT_SECRET = "geheim-voor-de-test"
SMARTCARD = "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"


@dataclass
class FakeOidcProvider:
    """Logs in `bsn` at `acr` on every authorisation; `id_token_changes` spoil the token."""

    clock: FakeClock
    bsn: str = MOHAMED
    acr: str = SMARTCARD
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, private=True))
    id_token_changes: dict[str, Any] = field(default_factory=dict)
    signing_key: RSAKey | None = None
    codes: dict[str, str] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
            Route("/jwks", self.jwks),
        ])

    async def discovery(self, _request: Request) -> Response:
        return JSONResponse({"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                             "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks"})

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
        assert "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = query["redirect_uri"]
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return RedirectResponse(target, status_code=302)

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        self.token_requests.append(form)
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        redirect_uri = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or redirect_uri is None or (
            redirect_uri != form.get("redirect_uri")
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(self.clock())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": self.bsn, "acr": self.acr,
                  "iat": now, "exp": now + 300, **self.id_token_changes}
        key = self.signing_key or self.key
        id_token = jwt.encode({"alg": "RS256", "kid": self.key.thumbprint()}, claims, key)
        return JSONResponse({"access_token": "x", "token_type": "Bearer", "id_token": id_token})

    async def jwks(self, _request: Request) -> Response:
        public = self.key.as_dict(private=False)
        return JSONResponse({"keys": [{**public, "kid": self.key.thumbprint()}]})


@pytest.fixture
def provider(clock: FakeClock) -> FakeOidcProvider:
    return FakeOidcProvider(clock)


@pytest.fixture
async def oidc_setup(tmp_path: Path, clock: FakeClock,
                     provider: FakeOidcProvider) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """(App Manager app, client of the fake provider) — the App Manager reaches the
    provider through that client."""
    to_provider = httpx.AsyncClient(transport=httpx.ASGITransport(app=provider.app()))
    app = build_app_manager(tmp_path, clock, http_client=to_provider, settings={
        "identity_provider": {"type": "oidc", "issuer": ISSUER, "client_id": CLIENT_ID,
                              "client_secret": CLIENT_SECRET}})
    await app.state.app_manager.start()
    yield app, to_provider
    await app.state.app_manager.close()
    await to_provider.aclose()


async def _login(oidc_setup: tuple[Any, httpx.AsyncClient], app_side: AppSide
                 ) -> tuple[ValidatingClient, dict[str, Any], httpx.Response]:
    app, to_provider = oidc_setup
    client = ValidatingClient(app)
    registration = await app_side.register(client)
    start = await consent_choice(client, registration)
    assert start.status_code == 302
    location = start.headers["location"]
    assert location.startswith(f"{ISSUER}/authorize?")
    query = parse_qs(urlparse(location).query)
    assert query["redirect_uri"] == [f"http://testserver{BASE}/inloggen/terugkeer"]
    at_provider = await to_provider.get(location)
    back = urlparse(at_provider.headers["location"])
    return client, registration, await client.get(f"/inloggen/terugkeer?{back.query}")


async def test_login_through_oidc_gives_certificate_with_bsn_and_level(
    oidc_setup: tuple[Any, httpx.AsyncClient], app_side: AppSide, provider: FakeOidcProvider
) -> None:
    client, registration, back = await _login(oidc_setup, app_side)
    try:
        assert back.status_code == 302, back.text
        result = query_of(back.headers["location"])
        assert back.headers["location"].startswith(app_side.redirect_uri + "?")
        assert result["state"] == app_side.state and result["iss"] == "test-app-manager"
        assert provider.token_requests[0]["redirect_uri"] == (
            f"http://testserver{BASE}/inloggen/terugkeer")
        response = await client.post("/certificaten",
                                     json=app_side.certificate_body(registration, result["code"]))
        assert response.status_code == 201, response.text
        claims = claims_of(response.json()["certificaat"])
        assert claims["bsn"] == MOHAMED and claims["betrouwbaarheidsniveau"] == "substantieel"
        assert claims["identiteitsdienst"] == "digid"
    finally:
        await client.aclose()


@pytest.mark.parametrize("spoil", ["wrong-aud", "wrong-iss", "expired", "other-key",
                                   "unknown-level", "bad-bsn"])
async def test_a_bad_id_token_is_refused(
    oidc_setup: tuple[Any, httpx.AsyncClient], app_side: AppSide, provider: FakeOidcProvider,
    clock: FakeClock, spoil: str,
) -> None:
    now = int(clock())
    if spoil == "other-key":
        provider.signing_key = RSAKey.generate_key(2048, private=True)
    elif spoil == "unknown-level":
        provider.acr = "urn:iets:onbekends"
    elif spoil == "bad-bsn":
        provider.bsn = "123456789"
    else:
        provider.id_token_changes = {
            "wrong-aud": {"aud": "een-andere-client"},
            "wrong-iss": {"iss": "https://nep.example"},
            "expired": {"iat": now - 1000, "exp": now - 600},
        }[spoil]
    client, registration, back = await _login(oidc_setup, app_side)
    try:
        # A refused login reaches the app as error=access_denied and ends the registration.
        assert back.status_code == 302
        assert query_of(back.headers["location"]) == {
            "error": "access_denied", "state": app_side.state, "iss": "test-app-manager"}
        again = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
        assert problem(again) == (404, "algemeen/niet-gevonden")
    finally:
        await client.aclose()


@pytest.mark.parametrize("answer", ["code=verzonnen", "error=access_denied"])
async def test_a_login_the_provider_refuses_sends_access_denied_to_the_app(
    oidc_setup: tuple[Any, httpx.AsyncClient], app_side: AppSide, answer: str
) -> None:
    app, _to_provider = oidc_setup
    client = ValidatingClient(app)
    try:
        registration = await app_side.register(client)
        start = await consent_choice(client, registration)
        state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
        # An OIDC provider's refusal carries `error` instead of `code` (RFC 6749 §4.1.2.1).
        back = await client.get(f"/inloggen/terugkeer?state={state}&{answer}",
                                valid_request=answer.startswith("code="))
        assert back.status_code == 302
        assert query_of(back.headers["location"])["error"] == "access_denied"
    finally:
        await client.aclose()


async def test_the_consent_page_may_post_to_the_provider(
    oidc_setup: tuple[Any, httpx.AsyncClient], app_side: AppSide
) -> None:
    app, _to_provider = oidc_setup
    client = ValidatingClient(app)
    try:
        registration = await app_side.register(client)
        page = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
        csp = page.headers["content-security-policy"]
        assert f"form-action 'self' {ISSUER} http://127.0.0.1:53682;" in csp
    finally:
        await client.aclose()
