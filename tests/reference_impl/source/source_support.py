"""Test support for the reference source: the test plays scheme operator, App Manager and app.

- `FakeClock` (from clock_support): time that moves only when a test says so.
- `Trust`: a scheme operator key and an App Manager key made at test time; it signs a scheme
  document listing the source (and the App Manager), and issues certificates and proofs.
- `ValidatingClient`: an httpx client over the ASGI app that validates every request and
  response against spec/openapi/bron.yaml with openapi-core (a test opts out only for a
  request it makes invalid on purpose, or a path the spec does not have).
- `start_source(...)`: a source with the demo data on SQLite (or any database URL).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from clock_support import FakeClock
from joserfc.jwk import ECKey
from openapi_support import ValidatingAsgiClient

from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.scheme import MemoryVolgnummer, SchemeSource, SchemeVerifier
from reference_impl.demo.data import DEMO_DATA, load_demo
from reference_impl.source.app import create_app, signing_key
from reference_impl.source.clock import local_date
from reference_impl.source.config import SourceConfig, config_from_mapping

BASE = "/vorderingen/v1"
APP_MANAGER = "test-app-manager"
CJIB, DUO, GEMEENTE, WATERSCHAP = "cjib", "duo", "voorbeeldstad", "delta"
SANNE, MOHAMED, LOTTE, KEES, FATIMA = (
    "999993653", "999990019", "999990020", "999990032", "999990044")


def problem(response: httpx.Response) -> tuple[int, str]:
    """`(status, code)` of a problem answer."""
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, response.json()["code"]


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


class ValidatingClient(ValidatingAsgiClient):
    """Every exchange checked against spec/openapi/bron.yaml (openapi-core); `token=` sends
    it as the bearer session token."""

    def __init__(self, app: Any, base_url: str = f"http://testserver{BASE}") -> None:
        super().__init__("bron", app, base_url)

    async def request(self, method: str, path: str, *, token: str | None = None,
                      **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return await super().request(method, path, headers=headers, **kwargs)


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
