"""The App Manager's ASGI app: `create_app(config)` serves `/app-manager/v2`.

    GET  /openapi.json                      this interface's OpenAPI document as JSON
    POST /registraties, GET|POST /registraties/{id}/inloggen, GET /inloggen/terugkeer,
    POST /certificaten                      the login protocol (`login`)
    POST /intrekkingen                      revoke a certificate (signed by its own key)
    GET  /intrekkingen                      the signed revocation list (ETag, 304)
    GET  /burger, POST /burger/inloggen, GET /burger/certificaten,
    POST /burger/intrekkingen               revocation by the citizen (`citizen`)
    GET|POST /test-idp/inloggen             the test identity provider (never in productie)

`AppManager` holds what the handlers share; it starts lazily on the first request as well
as in the ASGI lifespan, so the app works the same under uvicorn and in-process. The
signing key is generated (0600) on first start when `key_dir` is configured, its public
JWK written beside it (`app-manager.jwk.json`) for the scheme description; the secret
under which BSNs are keyed (`app-manager.geheim`) likewise, unless `bsn_geheim_bestand`
names one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import uvicorn
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_impl.app_manager import citizen, login, simulator
from reference_impl.app_manager.config import (
    BASE_PATH,
    AppManagerConfig,
    TestIdpSettings,
    refuse_test_idp_in_production,
)
from reference_impl.app_manager.errors import IdentityProviderError
from reference_impl.app_manager.identity import IdentityProvider
from reference_impl.app_manager.ledger import CertificateLedger
from reference_impl.app_manager.logins import LoginStore
from reference_impl.app_manager.oidc import OidcIdentityProvider
from reference_impl.app_manager.pages import origin
from reference_impl.app_manager.protection import bsn_sleutel, load_secret
from reference_impl.app_manager.ratelimit import RateLimiter
from reference_impl.app_manager.registrations import RegistrationStore
from reference_impl.app_manager.revocation import RevocationList, verify_revocation
from reference_impl.app_manager.web import json_body, json_response, manager_of, rfc3339
from reference_impl.common.constants import INTREKKINGENLIJST_MAX_AGE_S
from reference_impl.common.db import DatabaseActor
from reference_impl.common.errors import TokenError
from reference_impl.common.http import (
    StandardHttpMiddleware,
    exception_handlers,
    openapi_route,
    too_many_requests,
)
from reference_impl.common.jose import ensure_signing_key, load_private_key, public_jwk
from reference_impl.common.logs import RequestIdMiddleware
from reference_impl.common.problems import unauthorized
from reference_impl.common.serving import server_config

API = "app-manager"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
JOSE_MEDIA_TYPE = "application/jose"
LIST_CACHE_CONTROL = f"public, max-age={INTREKKINGENLIJST_MAX_AGE_S}"

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
        self.rate_limiter = RateLimiter(config.registratie_limiet)
        self.identiteitsdienst = config.identity_provider.identiteitsdienst
        self.base_path = urlsplit(config.public_url).path if config.public_url else BASE_PATH

    async def _set_up(self) -> None:
        """On the open database: load the key and secret, the stores, the identity provider."""
        self.key = await asyncio.to_thread(signing_key, self.config)
        self.secret = await asyncio.to_thread(load_secret, self.config.secret_path)
        self.public_jwk = public_jwk(self.key)
        self.registrations = RegistrationStore(self.database)
        self.logins = LoginStore(self.database)
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

    def is_https(self, request: Request) -> bool:
        return self.base_url(request).startswith("https://")

    def bsn_sleutel(self, bsn: str) -> str:
        return bsn_sleutel(self.secret, bsn)

    def check_rate_limit(self, request: Request) -> None:
        """429 `algemeen/te-veel-verzoeken` with `Retry-After` when this client is over."""
        client = request.client.host if request.client else "onbekend"
        wait = self.rate_limiter.retry_after(client, self.clock())
        if wait is not None:
            raise too_many_requests(wait)

    async def authorization_url(self, request: Request, state: str) -> str:
        """Where the browser logs in for `state`. `IdentityProviderError` when the provider
        cannot be reached: the app answers it with `login.provider_unavailable` (503)."""
        return await self.identity_provider.authorization_url(state, self.return_uri(request))

    async def identity_provider_origin(self, request: Request) -> str:
        """The identity provider's origin, for the `form-action` of pages that post to it."""
        try:
            return origin(await self.identity_provider.authorization_url(
                "x", self.return_uri(request)))
        except IdentityProviderError:
            return ""


def signing_key(config: AppManagerConfig) -> ECKey:
    """The App Manager's signing key. A `key_file` is read or the start fails; only
    `key_dir` in a test or development App Manager makes one on first start."""
    if config.key_file is None and config.omgeving in ("test", "ontwikkeling"):
        return ensure_signing_key(config.signing_key_path, publish=True)
    return load_private_key(config.signing_key_path)


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 `If-None-Match` (weak comparison): does any listed tag, or `*`, match?"""
    return bool(header) and any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == etag
        for tag in (header or "").split(","))


async def intrekking(request: Request) -> Response:
    manager = await manager_of(request)
    body = await json_body(request, "/intrekkingen")
    now = manager.now()
    try:
        cert = verify_revocation(body["certificaat"], body["verzoek"],
                                 manager_id=manager.config.id,
                                 manager_jwk=manager.public_jwk, now=now)
    except TokenError as refused:
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    revoked_at = await manager.ledger.revoke(cert["jti"], cert["exp"], now)
    return json_response({"certificaat_jti": cert["jti"], "ingetrokken_op": rfc3339(revoked_at)},
                         201)


async def intrekkingenlijst(request: Request) -> Response:
    manager = await manager_of(request)
    signed = await manager.revocation_list.current(manager.now())
    headers = {"ETag": signed.etag, "Cache-Control": LIST_CACHE_CONTROL}
    if etag_matches(request.headers.get("if-none-match"), signed.etag):
        return Response(status_code=304, headers=headers)
    return Response(signed.token, headers=headers, media_type=JOSE_MEDIA_TYPE)


def routes(base: str, *, test_idp: bool) -> list[Route]:
    return [
        openapi_route(base, API),
        Route(f"{base}/registraties", login.registratie, methods=["POST"]),
        Route(f"{base}/registraties/{{registratie_id}}/inloggen", login.toestemming,
              methods=["GET"]),
        Route(f"{base}/registraties/{{registratie_id}}/inloggen", login.toestemming_keuze,
              methods=["POST"]),
        Route(f"{base}/inloggen/terugkeer", login.terugkeer, methods=["GET"]),
        Route(f"{base}/certificaten", login.certificaat, methods=["POST"]),
        Route(f"{base}/intrekkingen", intrekking, methods=["POST"]),
        Route(f"{base}/intrekkingen", intrekkingenlijst, methods=["GET"]),
        Route(f"{base}/burger", citizen.start, methods=["GET"]),
        Route(f"{base}/burger/inloggen", citizen.inloggen, methods=["POST"]),
        Route(f"{base}/burger/certificaten", citizen.certificaten, methods=["GET"]),
        Route(f"{base}/burger/intrekkingen", citizen.intrekkingen, methods=["POST"]),
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
        middleware=[Middleware(RequestIdMiddleware), Middleware(StandardHttpMiddleware)],
        exception_handlers={**exception_handlers(),
                            IdentityProviderError: login.provider_unavailable},
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.app_manager = manager
    return app


def serve(config: AppManagerConfig) -> None:
    """Serve the App Manager until interrupted (uvicorn's own access log stays off)."""
    # The CLI configured logging (text or JSON); uvicorn's own lines go through it too.
    uvicorn.Server(server_config(create_app(config), host=config.host, port=config.port,
                                 log_config=None)).run()
