"""Test support for the reference source: the test plays scheme operator, App Manager and app.

- `FakeClock` (from clock_support): time that moves only when a test says so.
- `Trust`: a scheme operator key and an App Manager key made at test time; it signs a
  format-2 scheme document listing each source (one endpoint per major, key entries with
  windows) and the App Manager, and issues certificates, session proofs and request proofs.
- `ValidatingClient`: an httpx client over the ASGI app that validates every request and
  response against spec/openapi/bron.yaml with openapi-core (a test opts out only for a
  request it makes invalid on purpose, or a path the spec does not have). `token=` sends
  `Authorization: Sessie <token>` **and** a fresh `Verzoek-Bewijs` signed with the key the
  session was opened with (`proof=False` leaves it out; `last_headers` is what was sent).
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
from reference_impl.common.request_proof import session_headers
from reference_impl.common.scheme import (
    TYP as SCHEME_TYP,
)
from reference_impl.common.scheme import (
    MemoryVolgnummer,
    SchemeSource,
    SchemeVerifier,
    key_entry,
)
from reference_impl.demo.data import DEMO_DATA, load_demo
from reference_impl.source.app import create_app, signing_key
from reference_impl.source.clock import local_date
from reference_impl.source.config import SourceConfig, config_from_mapping

BASE = "/vorderingen/v2"
FIRST_PORT = 8001
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
    """The test's scheme operator and App Manager (and the apps' keys per session)."""

    clock: FakeClock
    scheme_key: ECKey = field(default_factory=generate_key)
    app_manager_key: ECKey = field(default_factory=generate_key)
    revoked: list[str] = field(default_factory=list)
    organisations: list[dict[str, Any]] = field(default_factory=list)
    volgnummer: int = 1
    session_keys: dict[str, ECKey] = field(default_factory=dict)

    def list_source(self, config: SourceConfig, key: ECKey, *, majors: tuple[int, ...] = (2,)
                    ) -> dict[str, Any]:
        """List a source (a port of its own, one endpoint per major); returns its entry."""
        origin = f"http://127.0.0.1:{FIRST_PORT + len(self.organisations)}"
        entry = {
            "oin": config.oin, "naam": config.naam, "soort": config.soort,
            "eindpunten": [{"api_url": f"{origin}/vorderingen/v{m}", "major": m}
                           for m in majors],
            "sleutels": [key_entry(public_jwk(key), 0)], "diensten": list(config.diensten),
            "status": "actief",
        }
        self.organisations.append(entry)
        return entry

    def api_url(self, oin: str, major: int = 2) -> str:
        entry = next(o for o in self.organisations if o["oin"] == oin)
        return next(e["api_url"] for e in entry["eindpunten"] if e["major"] == major)

    def scheme_payload(self) -> dict[str, Any]:
        now = int(self.clock())
        return {
            "versie": "2.0", "iss": "test-stelselbeheerder", "iat": now, "exp": now + 86_400,
            "volgnummer": self.volgnummer, "omgeving": "test",
            "organisaties": self.organisations,
            "app_managers": [{"id": APP_MANAGER, "naam": "Test App Manager",
                              "sleutels": [key_entry(public_jwk(self.app_manager_key), 0)],
                              "status": "actief"}],
            "ingetrokken_certificaten": self.revoked,
        }

    def scheme_token(self) -> str:
        return sign(self.scheme_payload(), self.scheme_key, typ=SCHEME_TYP)

    def write_scheme(self, path: Path) -> None:
        path.write_text(self.scheme_token(), encoding="ascii")
        self.volgnummer += 1

    def scheme_source(self, path: Path, **kwargs: Any) -> SchemeSource:
        verifier = SchemeVerifier([public_jwk(self.scheme_key)], "test", MemoryVolgnummer())
        return SchemeSource(path, verifier, clock=self.clock, **kwargs)

    def certificate(self, bsn: str, app_key: ECKey, *, niveau: str = "substantieel",
                    key: ECKey | None = None, **claims: Any) -> str:
        now = int(self.clock())
        jwk = {k: v for k, v in public_jwk(app_key).items() if k != "kid"}
        payload = {"iss": APP_MANAGER, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
                   "exp": now + 3600, "bsn": bsn, "cnf": {"jwk": jwk},
                   "betrouwbaarheidsniveau": niveau, "identiteitsdienst": "test-idp", **claims}
        # The login precedes the certificate, also when a test moves iat.
        payload.setdefault("inlogmoment", payload["iat"] - 30)
        return sign(payload, key or self.app_manager_key, typ="app-certificaat+jwt")

    def proof(self, app_key: ECKey, nonce: str, aud: str, **claims: Any) -> str:
        payload = {"nonce": nonce, "aud": aud, "api_url": self.api_url(aud)
                   if any(o["oin"] == aud for o in self.organisations) else
                   "http://127.0.0.1:9999/vorderingen/v2",
                   "iat": int(self.clock()), "jti": str(uuid.uuid4()), **claims}
        return sign(payload, app_key, typ="sessie-bewijs+jwt")

    def request_headers(self, token: str, method: str, url: str, **kwargs: Any
                        ) -> dict[str, str]:
        """`Authorization: Sessie` + a fresh `Verzoek-Bewijs` for one request (`url` is the
        full URL: the scheme `api_url` + the path)."""
        return session_headers(self.session_keys[token], method, url, token,
                               now=kwargs.pop("now", int(self.clock())))


class ValidatingClient(ValidatingAsgiClient):
    """Every exchange checked against spec/openapi/bron.yaml (openapi-core); `token=` sends
    the session token with a fresh request proof for exactly this request."""

    def __init__(self, app: Any, trust: Trust, api_url: str,
                 base_url: str = f"http://testserver{BASE}") -> None:
        super().__init__("bron", app, base_url)
        self.trust = trust
        self.api_url = api_url
        self.last_headers: dict[str, str] = {}

    async def request(self, method: str, path: str, *, token: str | None = None,
                      proof: bool = True, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            if proof and token in self.trust.session_keys:
                headers.update(self.trust.request_headers(token, method,
                                                          self.api_url + path))
            else:
                headers["Authorization"] = f"Sessie {token}"
        self.last_headers = dict(headers)
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

    @property
    def api_url(self) -> str:
        return self.trust.api_url(self.config.oin)

    async def session(self, bsn: str, *, niveau: str = "substantieel",
                      **certificate_claims: Any) -> str:
        """Open a session the way an app does; returns the session token (its app key is
        kept in `trust.session_keys`, so `client.request(token=...)` can sign proofs)."""
        app_key = generate_key()
        nonce = (await self.client.post("/sessies/uitdagingen")).json()["nonce"]
        response = await self.client.post("/sessies", json={
            "certificaat": self.trust.certificate(bsn, app_key, niveau=niveau,
                                                  **certificate_claims),
            "bewijs": self.trust.proof(app_key, nonce, self.config.oin),
        })
        assert response.status_code == 201, response.text
        token = response.json()["sessietoken"]
        self.trust.session_keys[token] = app_key
        return token

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
                 majors: tuple[int, ...] = (2,), **settings: Any) -> BuiltSource:
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
    if not any(o["oin"] == config.oin for o in trust.organisations):  # a second process
        trust.list_source(config, signing_key(config), majors=majors)
    scheme_file = work / "stelsel.jwt"
    trust.write_scheme(scheme_file)
    app = create_app(config, scheme_source=trust.scheme_source(scheme_file), clock=clock,
                     backend=backend, majors=majors)
    return BuiltSource(config, app, trust, clock, scheme_file)


async def start_source(tmp_path: Path, organisation: str = GEMEENTE, **kwargs: Any
                       ) -> RunningSource:
    """A started source for one demo organisation with an OpenAPI-validating client."""
    built = build_source(tmp_path, organisation, **kwargs)
    client = ValidatingClient(built.app, built.trust, built.trust.api_url(built.config.oin))
    running = RunningSource(built.config, built.app, client, built.trust,
                            built.clock, built.scheme_file)
    await running.source.start()
    return running
