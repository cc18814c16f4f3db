"""Test support for the App Manager: the test plays the app (and, for OIDC, the provider).

- `FakeClock`: time that moves only when a test says so.
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
from joserfc.jwk import ECKey
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.util import json_loads, plain_loads
from werkzeug.datastructures import Headers, ImmutableMultiDict

from reference_impl.app_manager.app import create_app
from reference_impl.app_manager.config import config_from_mapping
from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.spec import openapi_path

START = 1_767_225_600 + 10 * 3600  # 2026-01-01 11:00 Amsterdam: a fixed "now"
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


class FakeClock:
    def __init__(self, start: float = START) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- openapi-core adapters over httpx ------------------------------------------------------


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        url = urlparse(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(httpx.QueryParams(url.query).multi_items()),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


_APIS: dict[str, OpenAPI] = {}


def openapi(name: str) -> OpenAPI:
    """spec/openapi/<name>.yaml for openapi-core, with the standard's other media types."""
    if name not in _APIS:
        config = Config(extra_media_type_deserializers={
            "application/problem+json": json_loads, "application/jose": plain_loads})
        _APIS[name] = OpenAPI.from_file_path(str(openapi_path(name)), config=config)
    return _APIS[name]


def validate(api: OpenAPI, response: httpx.Response, *, valid_request: bool = True) -> None:
    request = _Request(response.request)
    if valid_request:
        api.validate_request(request)
    api.validate_response(request, _Response(response))


class ValidatingClient:
    """Every exchange checked against spec/openapi/app-manager.yaml (openapi-core)."""

    def __init__(self, app: Any, base_url: str = BASE_URL) -> None:
        self.api = openapi("app-manager")
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.validated = 0

    async def request(self, method: str, path: str, *, valid_request: bool = True,
                      in_spec: bool = True, **kwargs: Any) -> httpx.Response:
        response = await self.http.request(method, path, **kwargs)
        if in_spec:
            validate(self.api, response, valid_request=valid_request)
            self.validated += 1
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def aclose(self) -> None:
        await self.http.aclose()


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
