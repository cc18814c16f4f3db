"""Test support for the reference source: the test plays scheme operator, App Manager and app.

- `FakeClock`: time that moves only when a test says so.
- `Trust`: a scheme operator key and an App Manager key made at test time; it signs a scheme
  document listing the source (and the App Manager), and issues certificates and proofs.
- `ValidatingClient`: an httpx client over the ASGI app that validates every request and
  response against spec/openapi/bron.yaml with openapi-core (a test opts out only for a
  request it makes invalid on purpose, or a path the spec does not have).
- `start_source(...)`: a source with the demo data on SQLite (or any database URL).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from joserfc.jwk import ECKey
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.scheme import MemoryVolgnummer, SchemeSource, SchemeVerifier
from reference_impl.common.spec import openapi_path
from reference_impl.demo.data import DEMO_DATA, load_demo
from reference_impl.source.app import create_app, signing_key
from reference_impl.source.clock import local_date
from reference_impl.source.config import SourceConfig, config_from_mapping

START = 1_767_225_600 + 10 * 3600  # 2026-01-01 11:00 Amsterdam: a fixed "now"
BASE = "/vorderingen/v1"
APP_MANAGER = "test-app-manager"
CJIB, DUO, GEMEENTE, WATERSCHAP = "cjib", "duo", "voorbeeldstad", "delta"
SANNE, MOHAMED, LOTTE, KEES, FATIMA = (
    "999993653", "999990019", "999990020", "999990032", "999990044")


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


@dataclass
class Trust:
    """The test's scheme operator and App Manager."""

    clock: FakeClock
    scheme_key: ECKey = field(default_factory=generate_key)
    app_manager_key: ECKey = field(default_factory=generate_key)
    revoked: list[str] = field(default_factory=list)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    volgnummer: int = 1

    def list_source(self, config: SourceConfig, key: ECKey) -> None:
        self.organisations.append({
            "oin": config.oin, "naam": config.naam, "soort": config.soort,
            "api_url": f"http://127.0.0.1:8001{BASE}",
            "sleutels": {"keys": [public_jwk(key)]}, "diensten": list(config.diensten),
            "status": "actief",
        })

    def scheme_payload(self) -> dict[str, Any]:
        now = int(self.clock())
        return {
            "iss": "test-stelselbeheerder", "iat": now, "exp": now + 86_400,
            "volgnummer": self.volgnummer, "omgeving": "test",
            "organisaties": self.organisations,
            "app_managers": [{"id": APP_MANAGER, "naam": "Test App Manager",
                              "sleutels": {"keys": [public_jwk(self.app_manager_key)]},
                              "status": "actief"}],
            "ingetrokken_certificaten": self.revoked,
        }

    def scheme_token(self) -> str:
        return sign(self.scheme_payload(), self.scheme_key, typ="stelsel+jwt")

    def write_scheme(self, path: Path) -> None:
        path.write_text(self.scheme_token(), encoding="ascii")
        self.volgnummer += 1

    def scheme_source(self, path: Path) -> SchemeSource:
        verifier = SchemeVerifier(public_jwk(self.scheme_key), "test", MemoryVolgnummer())
        return SchemeSource(path, verifier, clock=self.clock)

    def certificate(self, bsn: str, app_key: ECKey, *, niveau: str = "substantieel",
                    key: ECKey | None = None, **claims: Any) -> str:
        now = int(self.clock())
        jwk = {k: v for k, v in public_jwk(app_key).items() if k != "kid"}
        payload = {"iss": APP_MANAGER, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
                   "exp": now + 3600, "bsn": bsn, "cnf": {"jwk": jwk},
                   "betrouwbaarheidsniveau": niveau, **claims}
        return sign(payload, key or self.app_manager_key, typ="app-certificaat+jwt")

    def proof(self, app_key: ECKey, nonce: str, aud: str, **claims: Any) -> str:
        payload = {"nonce": nonce, "aud": aud, "iat": int(self.clock()),
                   "jti": str(uuid.uuid4()), **claims}
        return sign(payload, app_key, typ="sessie-bewijs+jwt")


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


_API: OpenAPI | None = None


def bron_api() -> OpenAPI:
    global _API
    if _API is None:
        config = Config(extra_media_type_deserializers={
            "application/problem+json": lambda data, **_: json.loads(data)})
        _API = OpenAPI.from_file_path(str(openapi_path("bron")), config=config)
    return _API


class ValidatingClient:
    """Every exchange checked against spec/openapi/bron.yaml (openapi-core)."""

    def __init__(self, app: Any, base_url: str = f"http://testserver{BASE}") -> None:
        self.api = bron_api()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.exchanges = 0

    async def request(self, method: str, path: str, *, valid_request: bool = True,
                      in_spec: bool = True, token: str | None = None,
                      **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.request(method, path, headers=headers, **kwargs)
        if in_spec:
            request = _Request(response.request)
            if valid_request:
                self.api.validate_request(request)
            self.api.validate_response(request, _Response(response))
        self.exchanges += 1
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)

    async def aclose(self) -> None:
        await self.http.aclose()


# --- a running source ----------------------------------------------------------------------


@dataclass
class RunningSource:
    config: SourceConfig
    app: Any
    client: ValidatingClient
    trust: Trust
    clock: FakeClock
    scheme_file: Path

    @property
    def source(self) -> Any:
        return self.app.state.source

    async def session(self, bsn: str, *, niveau: str = "substantieel") -> str:
        """Open a session the way an app does; returns the session token."""
        app_key = generate_key()
        nonce = (await self.client.post("/sessies/uitdagingen")).json()["nonce"]
        response = await self.client.post("/sessies", json={
            "certificaat": self.trust.certificate(bsn, app_key, niveau=niveau),
            "bewijs": self.trust.proof(app_key, nonce, self.config.oin),
        })
        assert response.status_code == 201, response.text
        return response.json()["sessietoken"]

    def republish_scheme(self) -> None:
        self.trust.write_scheme(self.scheme_file)

    async def advance(self, seconds: float) -> None:
        """Move time on; the scheme operator publishes a fresh scheme document meanwhile."""
        self.clock.advance(seconds)
        self.republish_scheme()
        await self.source.scheme_source.refresh()

    async def close(self) -> None:
        await self.client.aclose()
        await self.source.close()


@dataclass
class BuiltSource:
    """A source app that has not started yet (it starts on its first request)."""

    config: SourceConfig
    app: Any
    trust: Trust
    clock: FakeClock
    scheme_file: Path


def build_source(tmp_path: Path, organisation: str = GEMEENTE, *,
                 database_url: str | None = None, clock: FakeClock | None = None,
                 trust: Trust | None = None, backend: Any = None,
                 **settings: Any) -> BuiltSource:
    """A source app for one demo organisation, seeded with the demo data, not yet started."""
    clock = clock or FakeClock()
    trust = trust or Trust(clock)
    demo = load_demo(today=local_date(clock()))
    work = tmp_path / organisation
    work.mkdir(parents=True, exist_ok=True)
    mapping = demo.organisation(organisation).config_mapping(
        database_url=database_url or f"sqlite+aiosqlite:///{work / 'bron.db'}",
        key_dir=str(work / "keys"), seed_file=str(DEMO_DATA), omgeving="test",
    ) | settings
    config = config_from_mapping(mapping)
    trust.list_source(config, signing_key(config))
    scheme_file = work / "stelsel.jwt"
    trust.write_scheme(scheme_file)
    app = create_app(config, scheme_source=trust.scheme_source(scheme_file), clock=clock,
                     backend=backend)
    return BuiltSource(config, app, trust, clock, scheme_file)


async def start_source(tmp_path: Path, organisation: str = GEMEENTE, **kwargs: Any
                       ) -> RunningSource:
    """A started source for one demo organisation with an OpenAPI-validating client."""
    built = build_source(tmp_path, organisation, **kwargs)
    running = RunningSource(built.config, built.app, ValidatingClient(built.app), built.trust,
                            built.clock, built.scheme_file)
    await running.source.start()
    return running
