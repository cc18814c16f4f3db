"""/app-manager/identiteitsdienst-onbereikbaar: an identity provider that cannot be reached is a
temporary failure — 503 with `Retry-After` and a Dutch page for people, nothing spent, and the
same form works once the provider is back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from app_manager_support import BASE, AppSide, FakeClock, ValidatingClient, build_app_manager
from browser_support import forms_of

pytestmark = pytest.mark.anyio
ISSUER = "https://inloggen.example"
CODE = "algemeen/tijdelijk-niet-beschikbaar"


class SwitchableProvider:
    """The provider's discovery document, or a refused connection while `down`."""

    def __init__(self) -> None:
        self.down = True

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        assert request.url.path == "/.well-known/openid-configuration"
        return httpx.Response(200, json={
            "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/jwks"})


@pytest.fixture
async def setup(tmp_path: Path, clock: FakeClock
                ) -> AsyncIterator[tuple[ValidatingClient, SwitchableProvider]]:
    provider = SwitchableProvider()
    to_provider = httpx.AsyncClient(transport=httpx.MockTransport(provider.handle))
    app = build_app_manager(tmp_path, clock, http_client=to_provider, settings={
        "identity_provider": {"type": "oidc", "issuer": ISSUER, "client_id": "am",
                              "client_secret": "geheim-voor-de-test"}})
    client = ValidatingClient(app)
    yield client, provider
    await client.aclose()
    await app.state.app_manager.close()
    await to_provider.aclose()


def assert_unavailable_page(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["retry-after"].isdigit() and int(response.headers["retry-after"]) > 0
    assert "Inloggen lukt nu niet" in response.text and CODE in response.text


async def test_the_consent_choice_is_503_and_can_be_posted_again(
        setup: tuple[ValidatingClient, SwitchableProvider], app_side: AppSide) -> None:
    client, provider = setup
    registration = await app_side.register(client)
    path = urlparse(registration["inlog_url"]).path.removeprefix(BASE)
    page = await client.get(path)
    assert page.status_code == 200
    form = {"keuze": "doorgaan", "formulier_token": forms_of(page.text)[0].fields[
        "formulier_token"]}

    assert_unavailable_page(await client.post(path, data=form))
    provider.down = False
    again = await client.post(path, data=form)  # the registration and its token are unspent
    assert again.status_code == 302, again.text
    assert again.headers["location"].startswith(f"{ISSUER}/authorize?")


async def test_the_citizens_login_is_503_until_the_provider_is_back(
        setup: tuple[ValidatingClient, SwitchableProvider]) -> None:
    client, provider = setup
    start: Any = await client.post("/burger/inloggen")
    assert_unavailable_page(start)
    provider.down = False
    start = await client.post("/burger/inloggen")
    assert start.status_code == 302 and start.headers["location"].startswith(ISSUER)
