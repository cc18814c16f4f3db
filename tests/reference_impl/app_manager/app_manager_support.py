"""Test support for the App Manager: the test plays the app (and, for OIDC, the provider).

- `FakeClock` (from clock_support): time that moves only when a test says so.
- `ValidatingClient`: an httpx client over the ASGI app that validates every request and
  response against spec/openapi/app-manager.yaml with openapi-core (opt out per request
  with `valid_request=False` for a request made invalid on purpose, `in_spec=False` for a
  path the spec does not have, such as the test identity provider's page).
- `AppSide`: an app key pair and the tokens an app signs (certificate request, revocation).
- `build_app_manager(...)`: an App Manager on SQLite in a temporary directory.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from clock_support import FakeClock
from joserfc.jwk import ECKey
from openapi_support import ValidatingAsgiClient

from reference_impl.app_manager.app import create_app
from reference_impl.app_manager.config import config_from_mapping
from reference_impl.common.jose import generate_key, public_jwk, sign

BASE = "/app-manager/v1"
BASE_URL = f"http://testserver{BASE}"
MANAGER_ID = "test-app-manager"
SANNE = "999993653"
MOHAMED = "999990019"


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


@dataclass
class AppSide:
    """An app: its own key pair, and the tokens it signs with it."""

    clock: FakeClock
    key: ECKey = field(default_factory=generate_key)
    manager_id: str = MANAGER_ID

    @property
    def jwk(self) -> dict[str, str]:
        return public_jwk(self.key)

    def aanvraag(self, uitdaging: str, *, key: ECKey | None = None, typ: str =
                 "certificaat-aanvraag+jwt", **claims: Any) -> str:
        payload = {"aud": self.manager_id, "nonce": uitdaging, "iat": int(self.clock()),
                   "jti": str(uuid.uuid4()), **claims}
        return sign(payload, key or self.key, typ=typ)

    def verzoek(self, certificaat_jti: str, *, key: ECKey | None = None, **claims: Any) -> str:
        payload = {"aud": self.manager_id, "certificaat_jti": certificaat_jti,
                   "iat": int(self.clock()), "jti": str(uuid.uuid4()), **claims}
        return sign(payload, key or self.key, typ="intrekking-verzoek+jwt")

    async def register(self, client: ValidatingClient) -> dict[str, Any]:
        response = await client.post("/registraties", json={"publieke_sleutel": self.jwk})
        assert response.status_code == 201, response.text
        return response.json()

    async def login(self, client: ValidatingClient, registration: dict[str, Any],
                    bsn: str = SANNE, niveau: str = "substantieel") -> httpx.Response:
        """Log in through the test identity provider's form, as a CLI does; returns the
        answer of `/inloggen/terugkeer`."""
        start = await client.get(urlparse(registration["inlog_url"]).path.removeprefix(BASE))
        assert start.status_code == 302, start.text
        location = urlparse(start.headers["location"])
        query = parse_qs(location.query)
        submitted = await client.post(
            location.path.removeprefix(BASE), in_spec=False,
            data={"state": query["state"][0], "redirect_uri": query["redirect_uri"][0],
                  "bsn": bsn, "niveau": niveau})
        assert submitted.status_code == 303, submitted.text
        back = urlparse(submitted.headers["location"])
        return await client.get(f"{back.path.removeprefix(BASE)}?{back.query}")

    async def certificate(self, client: ValidatingClient, bsn: str = SANNE,
                          niveau: str = "substantieel") -> str:
        """Register, log in and get a certificate: the whole happy path."""
        registration = await self.register(client)
        assert (await self.login(client, registration, bsn, niveau)).status_code == 200
        response = await client.post("/certificaten", json={
            "registratie_id": registration["registratie_id"],
            "aanvraag": self.aanvraag(registration["uitdaging"])})
        assert response.status_code == 201, response.text
        return response.json()["certificaat"]


def manager_config(tmp_path: Path, **settings: Any) -> Any:
    mapping = {
        "id": MANAGER_ID, "naam": "Test App Manager", "omgeving": "test",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'app-manager.db'}",
        "key_dir": str(tmp_path / "keys"), "identity_provider": {"type": "test"},
        **settings,
    }
    return config_from_mapping(mapping)


def build_app_manager(tmp_path: Path, clock: FakeClock, **options: Any) -> Any:
    settings = options.pop("settings", {})
    return create_app(manager_config(tmp_path, **settings), clock=clock, **options)
