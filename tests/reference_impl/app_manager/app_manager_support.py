"""Test support for the App Manager: the test plays the app (and, for OIDC, the provider).

- `FakeClock` (from clock_support): time that moves only when a test says so.
- `ValidatingClient`: an httpx client over the ASGI app that validates every request and
  response against spec/openapi/app-manager.yaml with openapi-core (opt out per request
  with `valid_request=False` for a request made invalid on purpose, `in_spec=False` for a
  path the spec does not have, such as the test identity provider's page).
- `AppSide`: an app: its key pair, PKCE verifier, `state` and `redirect_uri`, the tokens it
  signs (certificate request, revocation), and the whole login driven through a citizen's
  `Browser` (browser_support.py) as a person would click through it.
- `build_app_manager(...)`: an App Manager on SQLite in a temporary directory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from browser_support import Browser, forms_of
from clock_support import FakeClock
from joserfc.jwk import ECKey
from openapi_support import ValidatingAsgiClient

from reference_impl.app_manager.app import create_app
from reference_impl.app_manager.config import config_from_mapping
from reference_impl.common.jose import b64url_encode, generate_key, public_jwk, sign

BASE = "/app-manager/v2"
BASE_URL = f"http://testserver{BASE}"
MANAGER_ID = "test-app-manager"
SANNE = "999993653"
MOHAMED = "999990019"
# A port on the citizen's device where the app listens; nothing in the tests reads it
# unless a test starts a `LoopbackListener` of its own.
APP_REDIRECT_URI = "http://127.0.0.1:53682/terug"


def claims_of(token: str) -> dict[str, Any]:
    """The (unverified) payload of a compact JWS."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def header_of(token: str) -> dict[str, Any]:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def problem(response: httpx.Response) -> tuple[int, str]:
    """`(status, code)` of a problem answer."""
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, response.json()["code"]


class ValidatingClient(ValidatingAsgiClient):
    """Every exchange checked against spec/openapi/app-manager.yaml (openapi-core)."""

    def __init__(self, app: Any, base_url: str = BASE_URL) -> None:
        super().__init__("app-manager", app, base_url)


# --- the app's side ------------------------------------------------------------------------


def challenge_of(verifier: str) -> str:
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


@dataclass
class AppSide:
    """An app: its own key pair, PKCE verifier and state, and the tokens it signs."""

    clock: FakeClock
    key: ECKey = field(default_factory=generate_key)
    manager_id: str = MANAGER_ID
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    redirect_uri: str = APP_REDIRECT_URI

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.key)

    def registration_body(self, **changes: Any) -> dict[str, Any]:
        return {"publieke_sleutel": self.jwk, "redirect_uri": self.redirect_uri,
                "code_challenge": challenge_of(self.verifier), "code_challenge_method": "S256",
                "state": self.state, "app_naam": "Vorderingen-app",
                "apparaat_naam": "Laptop van Sanne", **changes}

    def aanvraag(self, uitdaging: str, *, key: ECKey | None = None, typ: str =
                 "certificaat-aanvraag+jwt", **claims: Any) -> str:
        payload = {"aud": self.manager_id, "nonce": uitdaging, "iat": int(self.clock()),
                   "jti": str(uuid.uuid4()), **claims}
        return sign(payload, key or self.key, typ=typ)

    def verzoek(self, certificaat_jti: str, *, key: ECKey | None = None, **claims: Any) -> str:
        payload = {"aud": self.manager_id, "certificaat_jti": certificaat_jti,
                   "iat": int(self.clock()), "jti": str(uuid.uuid4()), **claims}
        return sign(payload, key or self.key, typ="intrekking-verzoek+jwt")

    async def register(self, client: ValidatingClient, **changes: Any) -> dict[str, Any]:
        response = await client.post("/registraties", json=self.registration_body(**changes))
        assert response.status_code == 201, response.text
        return response.json()

    def certificate_body(self, registration: dict[str, Any], code: str,
                         **changes: Any) -> dict[str, Any]:
        return {"registratie_id": registration["registratie_id"], "inlogcode": code,
                "code_verifier": self.verifier,
                "aanvraag": self.aanvraag(registration["uitdaging"]), **changes}

    async def certificate(self, client: ValidatingClient, app: Any, bsn: str = SANNE,
                          niveau: str = "substantieel") -> str:
        """Register, log in through a citizen's browser, get a certificate."""
        registration = await self.register(client)
        result = await citizen_logs_in(app, registration["inlog_url"], bsn, niveau)
        response = await client.post("/certificaten",
                                     json=self.certificate_body(registration, result["code"]))
        assert response.status_code == 201, response.text
        return response.json()["certificaat"]


async def consent_choice(client: ValidatingClient, registration: dict[str, Any],
                         keuze: str = "doorgaan") -> httpx.Response:
    """Open the consent page and choose; the answer (a 302) of the choice."""
    path = urlparse(registration["inlog_url"]).path.removeprefix(BASE)
    page = await client.get(path)
    assert page.status_code == 200, page.text
    token = forms_of(page.text)[0].fields["formulier_token"]
    return await client.post(path, data={"keuze": keuze, "formulier_token": token})


async def through_consent(browser: Browser, inlog_url: str, *, bsn: str = SANNE,
                          niveau: str = "substantieel") -> httpx.Response:
    """The citizen continues on the consent page and logs in at the test identity provider."""
    consent = await browser.open(inlog_url)
    assert consent.status_code == 200, consent.text
    idp_page = await browser.submit(consent, button=("keuze", "doorgaan"))
    assert idp_page.status_code == 200 and "Test-DigiD" in idp_page.text, idp_page.text
    return await browser.submit(idp_page, bsn=bsn, niveau=niveau)


async def citizen_logs_in(app: Any, inlog_url: str, bsn: str = SANNE,
                          niveau: str = "substantieel") -> dict[str, str]:
    """A citizen completes the login in their own browser; the query the browser carried
    to the app's `redirect_uri` (as the app's loopback listener would receive it)."""
    browser = Browser(app)
    try:
        last = await through_consent(browser, inlog_url, bsn=bsn, niveau=niveau)
        assert last.status_code == 302 and browser.left_to, last.text
        return query_of(browser.left_to[-1])
    finally:
        await browser.aclose()


def manager_config(tmp_path: Path, **settings: Any) -> Any:
    mapping = {
        "id": MANAGER_ID, "naam": "Test App Manager", "omgeving": "test",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'app-manager.db'}",
        "key_dir": str(tmp_path / "keys"), "identity_provider": {"type": "test"},
        "registratie_limiet": {"aantal": 1000, "periode_s": 60},
        **settings,
    }
    return config_from_mapping(mapping)


def build_app_manager(tmp_path: Path, clock: FakeClock, **options: Any) -> Any:
    settings = options.pop("settings", {})
    return create_app(manager_config(tmp_path, **settings), clock=clock, **options)
