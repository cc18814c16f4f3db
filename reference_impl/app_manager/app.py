"""The App Manager's ASGI app: `create_app(config)` serves `/app-manager/v1`.

    POST /registraties                      register the app's public key → challenge, login URL
    GET  /registraties/{id}/inloggen        302 to the identity provider with a fresh `state`
    GET  /inloggen/terugkeer?state&code     the identity provider's return (HTML page)
    POST /certificaten                      proof of possession → app certificate
    POST /intrekkingen                      revoke a certificate (signed by its own key)
    GET  /intrekkingen                      the signed revocation list (ETag, 304)
    GET|POST /test-idp/inloggen             the test identity provider (never in productie)

`AppManager` holds what the handlers share; it starts lazily on the first request as well
as in the ASGI lifespan, so the app works the same under uvicorn and in-process. The
signing key is generated (0600) on first start when `key_dir` is configured, its public
JWK written beside it (`app-manager.jwk.json`) for the scheme description.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from reference_impl.app_manager import simulator
from reference_impl.app_manager.certificates import issue, verify_request
from reference_impl.app_manager.config import (
    BASE_PATH,
    AppManagerConfig,
    TestIdpSettings,
    refuse_test_idp_in_production,
)
from reference_impl.app_manager.errors import IdentityProviderError
from reference_impl.app_manager.identity import IdentityProvider
from reference_impl.app_manager.oidc import OidcIdentityProvider
from reference_impl.app_manager.registrations import RegistrationStore
from reference_impl.app_manager.revocation import (
    CertificateLedger,
    RevocationList,
    verify_revocation,
)
from reference_impl.common.db import DatabaseActor
from reference_impl.common.errors import TokenError
from reference_impl.common.http import (
    StandardHttpMiddleware,
    body_validator,
    exception_handlers,
    read_json,
)
from reference_impl.common.jose import ensure_signing_key, key_from_jwk, public_jwk, thumbprint
from reference_impl.common.problems import Problem, invalid_request, unauthorized

API = "app-manager"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
STATE = re.compile(r"^[A-Za-z0-9._~-]{1,512}$")
CODE = re.compile(r"^[A-Za-z0-9._~+/=-]{1,2048}$")
JSON_MEDIA_TYPE = "application/json"
JOSE_MEDIA_TYPE = "application/jose"
LIST_CACHE_CONTROL = "public, max-age=300"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOGGED_IN_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Ingelogd</title></head>
<body><h1>U bent ingelogd</h1><p>Ga terug naar de app om verder te gaan.</p></body></html>"""

log = logging.getLogger(__name__)
Clock = Callable[[], float]


class AppManager(DatabaseActor):
    """The running parts of one App Manager."""

    def __init__(self, config: AppManagerConfig, *,
                 identity_provider: IdentityProvider | None = None,
                 http_client: httpx.AsyncClient | None = None, clock: Clock = time.time) -> None:
        super().__init__(config.database_url, MIGRATIONS)
        self.config = config
        self.clock = clock
        self._provider = identity_provider
        self._http_client = http_client
        self._citizens = (simulator.load_citizens(config.identity_provider.burgers_file)
                          if isinstance(config.identity_provider, TestIdpSettings) else [])

    async def _set_up(self) -> None:
        """On the open database: load the key, the stores, set up the identity provider."""
        self.key = await asyncio.to_thread(signing_key, self.config)
        self.public_jwk = public_jwk(self.key)
        self.registrations = RegistrationStore(self.database)
        self.ledger = CertificateLedger(self.database)
        self.revocation_list = RevocationList(self.ledger, self.key, self.config.id)
        self.identity_provider = self._provider or self._default_provider()

    def _default_provider(self) -> IdentityProvider:
        settings = self.config.identity_provider
        if isinstance(settings, TestIdpSettings):
            return simulator.TestIdentityProvider(
                self.database, self._citizens, omgeving=self.config.omgeving, clock=self.clock)
        return OidcIdentityProvider(settings, client=self._http_client, clock=self.clock)

    def now(self) -> int:
        return int(self.clock())

    def base_url(self, request: Request) -> str:
        """Where apps reach this App Manager (`public_url`, else the request's own base)."""
        return self.config.public_url or str(request.base_url).rstrip("/") + BASE_PATH

    def return_uri(self, request: Request) -> str:
        return self.base_url(request) + "/inloggen/terugkeer"


def signing_key(config: AppManagerConfig) -> ECKey:
    """The App Manager's signing key; generated (0600) with its public JWK on first start."""
    return ensure_signing_key(config.signing_key_path, publish=config.key_file is None)


# --- helpers -----------------------------------------------------------------------------------


async def _manager(request: Request) -> AppManager:
    manager: AppManager = request.app.state.app_manager
    await manager.start()
    return manager


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, media_type=JSON_MEDIA_TYPE)


def _rfc3339(unix_s: int) -> str:
    """`2026-03-02T10:17:42+01:00`: whole seconds, Amsterdam offset."""
    return datetime.fromtimestamp(unix_s, TIMEZONE).isoformat()


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 `If-None-Match` (weak comparison): does any listed tag, or `*`, match?"""
    return bool(header) and any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == etag
        for tag in (header or "").split(","))


async def _body(request: Request, path: str) -> Any:
    return await read_json(request, body_validator(API, path, "post"))


# --- handlers ----------------------------------------------------------------------------------


async def registratie(request: Request) -> Response:
    manager = await _manager(request)
    body = await _body(request, "/registraties")
    jwk = body["publieke_sleutel"]
    try:
        key_from_jwk(jwk)
    except ValueError:
        raise invalid_request([("/publieke_sleutel", "geen geldige publieke P-256-sleutel")],
                              "De publieke sleutel is geen geldige P-256-sleutel.") from None
    if "kid" in jwk and jwk["kid"] != thumbprint(jwk):
        raise invalid_request([("/publieke_sleutel/kid", "is niet de RFC 7638-thumbprint")])
    registration = await manager.registrations.create(jwk, manager.now())
    return _json({
        "registratie_id": registration.id,
        "uitdaging": registration.uitdaging,
        "inlog_url": f"{manager.base_url(request)}/registraties/{registration.id}/inloggen",
        "verloopt_op": _rfc3339(registration.expires_at),
    }, 201)


async def inloggen(request: Request) -> Response:
    manager = await _manager(request)
    registration_id = request.path_params["registratie_id"]
    if not UUID.match(registration_id):
        raise invalid_request([("registratie_id", "is geen UUID")],
                              "De registratie-id in het pad is geen UUID.")
    state = await manager.registrations.start_login(registration_id, manager.now())
    if state is None:
        raise Problem(404, "algemeen/niet-gevonden",
                      "Deze registratie is onbekend of verlopen. Begin opnieuw in de app.")
    try:
        target = await manager.identity_provider.authorization_url(
            state, manager.return_uri(request))
    except IdentityProviderError as exc:
        # The interface documents no other answer for this; see the report on a 503.
        log.warning("identity provider unavailable: %s", exc)
        raise Problem(500, "algemeen/interne-fout",
                      "Inloggen is nu niet mogelijk. Probeer het later opnieuw.") from None
    return RedirectResponse(target, status_code=302)


async def terugkeer(request: Request) -> Response:
    manager = await _manager(request)
    params = request.query_params
    invalid = [(name, "ontbreekt" if name not in params else "ongeldig")
               for name, pattern in (("state", STATE), ("code", CODE))
               if not pattern.match(params.get(name, ""))]
    if invalid:
        raise invalid_request(invalid, "De terugkeer van de inlogdienst is onvolledig.")
    now = manager.now()
    if await manager.registrations.registration_for_state(params["state"], now) is None:
        raise Problem(404, "algemeen/niet-gevonden",
                      "Deze inlogpoging is onbekend of verlopen. Begin opnieuw in de app.")
    try:
        identity = await manager.identity_provider.exchange(
            params["code"], manager.return_uri(request))
    except IdentityProviderError as exc:
        log.info("login code refused: %s", exc)
        raise Problem(400, "inloggen/code-ongeldig",
                      "DigiD heeft de inlogcode niet geaccepteerd. Probeer opnieuw in te loggen.",
                      title="Inloggen mislukt") from None
    if not await manager.registrations.complete_login(params["state"], identity, now):
        raise Problem(404, "algemeen/niet-gevonden",
                      "Deze inlogpoging is onbekend of verlopen. Begin opnieuw in de app.")
    return HTMLResponse(LOGGED_IN_PAGE)


async def certificaat(request: Request) -> Response:
    manager = await _manager(request)
    body = await _body(request, "/certificaten")
    now = manager.now()
    registration = await manager.registrations.get(body["registratie_id"], now)
    if registration is None:
        raise Problem(422, "registratie/onbekend",
                      "Deze registratie is onbekend of verlopen. Registreer de app opnieuw.",
                      title="Registratie onbekend")
    try:
        verify_request(body["aanvraag"], registration, manager.config.id, now)
    except TokenError as refused:
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    if registration.identity is None:
        raise Problem(409, "registratie/niet-ingelogd", "Log eerst in met DigiD via de inloglink.",
                      title="Nog niet ingelogd")
    if not await manager.registrations.spend(registration, now):
        raise Problem(422, "registratie/onbekend",
                      "Deze registratie is al gebruikt. Registreer de app opnieuw.",
                      title="Registratie onbekend")
    issued = issue(registration.identity, registration.jwk, manager.key,
                   manager_id=manager.config.id,
                   lifetime_s=manager.config.certificaat_looptijd_s, now=now)
    await manager.ledger.record_issued(issued["claims"], thumbprint(registration.jwk))
    return _json({"certificaat": issued["token"],
                  "verloopt_op": _rfc3339(issued["claims"]["exp"])}, 201)


async def intrekking(request: Request) -> Response:
    manager = await _manager(request)
    body = await _body(request, "/intrekkingen")
    now = manager.now()
    try:
        cert = verify_revocation(body["certificaat"], body["verzoek"],
                                 manager_id=manager.config.id,
                                 manager_jwk=manager.public_jwk, now=now)
    except TokenError as refused:
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    revoked_at = await manager.ledger.revoke(cert["jti"], cert["exp"], now)
    return _json({"certificaat_jti": cert["jti"], "ingetrokken_op": _rfc3339(revoked_at)}, 201)


async def intrekkingenlijst(request: Request) -> Response:
    manager = await _manager(request)
    signed = await manager.revocation_list.current(manager.now())
    headers = {"ETag": signed.etag, "Cache-Control": LIST_CACHE_CONTROL}
    if etag_matches(request.headers.get("if-none-match"), signed.etag):
        return Response(status_code=304, headers=headers)
    return Response(signed.token, headers=headers, media_type=JOSE_MEDIA_TYPE)


def routes(base: str, *, test_idp: bool) -> list[Route]:
    return [
        Route(f"{base}/registraties", registratie, methods=["POST"]),
        Route(f"{base}/registraties/{{registratie_id}}/inloggen", inloggen, methods=["GET"]),
        Route(f"{base}/inloggen/terugkeer", terugkeer, methods=["GET"]),
        Route(f"{base}/certificaten", certificaat, methods=["POST"]),
        Route(f"{base}/intrekkingen", intrekking, methods=["POST"]),
        Route(f"{base}/intrekkingen", intrekkingenlijst, methods=["GET"]),
        *(simulator.routes(base) if test_idp else []),
    ]


def create_app(
    config: AppManagerConfig,
    *,
    identity_provider: IdentityProvider | None = None,
    http_client: httpx.AsyncClient | None = None,
    clock: Clock = time.time,
) -> Starlette:
    """The App Manager as an ASGI app; `app.state.app_manager` is its `AppManager`.

    Raises `TestIdentityProviderRefused` at once when the test identity provider is
    configured in `productie`. `http_client` is used to reach an OIDC provider.
    """
    test_idp = isinstance(config.identity_provider, TestIdpSettings) and identity_provider is None
    if test_idp:
        refuse_test_idp_in_production(config.omgeving)
    manager = AppManager(config, identity_provider=identity_provider,
                         http_client=http_client, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await manager.start()
        try:
            yield
        finally:
            await manager.close()

    app = Starlette(
        routes=routes(BASE_PATH, test_idp=test_idp),
        middleware=[Middleware(StandardHttpMiddleware)],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.app_manager = manager
    return app


def serve(config: AppManagerConfig) -> None:
    """Serve the App Manager until interrupted (uvicorn's own access log stays off)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    uvicorn.run(create_app(config), host=config.host, port=config.port, access_log=False,
                log_level="info")
