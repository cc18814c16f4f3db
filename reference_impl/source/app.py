"""The source's ASGI application: `create_app(config)` serves `/vorderingen/v2`.

`Source` holds what the handlers (handlers.py) share: database, key, scheme, backend,
replay cache, clock. It starts lazily on the first request as well as in the ASGI
lifespan, so the app works the same under uvicorn and under an in-process test client that
runs no lifespan.

`create_app(config, majors=(2,))` mounts the same handlers once per major at
`/vorderingen/v{N}` (the configured `base_path` with its last `/v<major>` segment replaced),
each announcing `"N.0"` as `api_versie` and `documentversie`, each checking proofs against
the source's scheme endpoint of that major. A second major is there for ONE purpose: the
rollout test that plays the next major (a source serving two majors side by side, listed
with two `eindpunten`). The handlers implement major 2 only; a real next major would bring
its own.

Once the next major is released, the old one is retired (`uitfasering`, retirement.py):
every response under its base path carries `Deprecation`, `Sunset` and a `Link` to the
migration notes (governance §4). The retired major must be the oldest one served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_impl.common.db import DatabaseActor
from reference_impl.common.errors import ConfigError, SchemeUnavailable
from reference_impl.common.http import (
    StandardHttpMiddleware,
    exception_handlers,
    openapi_route,
    scheme_unavailable,
    too_many_requests,
)
from reference_impl.common.jose import ensure_signing_key, load_private_key
from reference_impl.common.logs import RequestIdMiddleware
from reference_impl.common.ratelimit import FixedWindowLimiter
from reference_impl.common.scheme import (
    FileVolgnummer,
    MemoryVolgnummer,
    Scheme,
    SchemeSource,
    SchemeVerifier,
)
from reference_impl.common.versions import MAJOR
from reference_impl.source import handlers
from reference_impl.source.arrangements import Arrangements
from reference_impl.source.backend import ClaimsBackend, DatabaseBackend, load_backend
from reference_impl.source.clock import Clock, local_date, system_clock
from reference_impl.source.config import SourceConfig
from reference_impl.source.errors import SourceError
from reference_impl.source.handlers import ApiMount
from reference_impl.source.health import health_routes
from reference_impl.source.help_requests import HelpRequests
from reference_impl.source.overview import Overview
from reference_impl.source.pauses import Pauses
from reference_impl.source.request_proofs import ReplayCache
from reference_impl.source.reservations import Reservations
from reference_impl.source.retirement import Retirement, RetirementHeaders
from reference_impl.source.seed import load_seed, seed_records
from reference_impl.source.sessions import SessionStore

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_MAJOR_SEGMENT = re.compile(r"/v[0-9]+$")

log = logging.getLogger(__name__)


class ResourceIdConvertor(Convertor[str]):
    """A path segment, but never `voorstellen` or `reserveringen` (own routes)."""

    regex = "(?!(?:voorstellen|reserveringen)$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("resource_id", ResourceIdConvertor())


class Source(DatabaseActor):
    """The running parts of one source organisation."""

    def __init__(
        self,
        config: SourceConfig,
        *,
        backend: ClaimsBackend | None = None,
        scheme_source: SchemeSource | None = None,
        clock: Clock = system_clock,
    ) -> None:
        super().__init__(config.database_url, MIGRATIONS)
        self.config = config
        self.clock = clock
        self._backend = backend
        self._scheme_source = scheme_source

    async def _set_up(self) -> None:
        """On the open database: load the key, the backend and any seed data."""
        self.key = await asyncio.to_thread(signing_key, self.config)
        self.backend = self._backend or load_backend(
            self.config.backend, self.config, self.database)
        facilities = self.config.testomgeving
        self.sessions = SessionStore(self.database, **({
            "nonce_ttl_s": facilities.nonce_geldigheid_s,
            "session_ttl_s": facilities.sessie_geldigheid_s} if facilities.short_lifetimes else {}))
        self.replays = ReplayCache(self.database)
        limit = self.config.rate_limit
        self.limiter = FixedWindowLimiter(limit.aantal, limit.periode_s) if limit else None
        self.overview = Overview(self.config, self.backend, self.database, self.key)
        self.arrangements = (
            Arrangements(self.config.betalingsregeling, self.database, self.overview,
                         real_clock=self.clock)
            if self.config.betalingsregeling else None
        )
        limits = self.config.betalingsregeling
        self.reservations = (
            Reservations(self.arrangements, limits.reservering_geldigheid_s)
            if self.arrangements is not None and limits is not None
            and limits.reservering_geldigheid_s is not None else None
        )
        self.pauses = (
            Pauses(self.config.pauze, self.database, self.overview)
            if self.config.pauze else None
        )
        self.help_requests = HelpRequests(self.database)
        self.scheme_source = self._scheme_source or default_scheme_source(self.config, self.clock)
        await self._seed()

    async def _tear_down(self) -> None:
        # An organisation's backend may hold a pool to its own system (see backend.py).
        close_backend = getattr(self.backend, "aclose", None)
        if close_backend is not None:
            await close_backend()

    async def _seed(self) -> None:
        if self.config.seed_file is None or not isinstance(self.backend, DatabaseBackend):
            return
        if not await self.backend.is_empty():
            return
        now = self.clock()
        seed = load_seed(self.config.seed_file, local_date(now))
        for citizen in seed.citizens:
            await self.backend.store(citizen.bsn, citizen.cases.get(self.config.oin, []))
        # Arrangements, amendments and pauses replayed at their own moments (seed.py).
        for line in await seed_records(seed, self.config.oin, self.arrangements, self.pauses,
                                       int(now)):
            log.warning("%s", line)  # e.g. another process seeded it first
        log.info("seeded %d citizens from %s", len(seed.citizens), self.config.seed_file)

    async def scheme(self) -> Scheme:
        """The current scheme document, else 503 with `Retry-After` (when it tries again)."""
        try:
            return await self.scheme_source.current()
        except SchemeUnavailable as exc:
            log.warning("no valid scheme document: %s", exc)
            raise scheme_unavailable(self.scheme_source.retry_s) from exc

    def now(self) -> int:
        return int(self.clock())

    def count_request(self, request: Request) -> None:
        """429 with `Retry-After` when this client opened too many sessions lately."""
        if self.limiter is None:
            return
        client = request.client.host if request.client else "onbekend"
        wait = self.limiter.retry_after(client, self.clock())
        if wait is not None:
            raise too_many_requests(wait)


def signing_key(config: SourceConfig) -> ECKey:
    """The source's signing key. A `key_file` is read or the start fails (`KeyFileError`):
    never replaced. Only `config.may_generate_key` (key_dir, test) makes one on first start."""
    if config.may_generate_key:
        return ensure_signing_key(config.signing_key_path, publish=True)
    return load_private_key(config.signing_key_path)


def default_scheme_source(config: SourceConfig, clock: Clock = system_clock) -> SchemeSource:
    """The scheme document from `config.scheme`, verified with the pinned key set and
    refreshed every `scheme_refresh_s`."""
    if config.scheme is None:
        raise SourceError("configuratie: geef scheme en scheme_key_file om appcertificaten "
                          "te controleren")
    state_dir = config.state_dir or (config.key_dir if config.key_dir else None)
    state = FileVolgnummer(state_dir / "stelsel-volgnummer") if state_dir else MemoryVolgnummer()
    verifier = SchemeVerifier(config.pinned_scheme_keys(), config.omgeving, state)
    return SchemeSource(config.scheme, verifier, refresh_s=config.scheme_refresh_s, clock=clock)


def mount_for(base_path: str, major: int) -> ApiMount:
    """The mount of `major`: `base_path` with its `/v<n>` segment made `/v<major>`."""
    if _MAJOR_SEGMENT.search(base_path) is None:
        if major != MAJOR:
            raise ConfigError("base_path", base_path,
                              "moet op /v<major> eindigen om twee majors te bedienen")
        return ApiMount(major, base_path)
    return ApiMount(major, _MAJOR_SEGMENT.sub(f"/v{major}", base_path))


def _bound(handler: Callable[[Request], Awaitable[Response]], api: ApiMount
           ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        request.state.api = api
        return await handler(request)

    endpoint.__name__ = handler.__name__
    return endpoint


def routes(api: ApiMount) -> list[Route]:
    base, h = api.base_path, handlers

    def route(path: str, handler: Callable[[Request], Awaitable[Response]],
              methods: list[str]) -> Route:
        return Route(f"{base}{path}", _bound(handler, api), methods=methods)

    return [
        openapi_route(base, handlers.API),
        route("/configuratie", h.configuratie, ["GET"]),
        route("/sessies/uitdagingen", h.uitdaging, ["POST"]),
        route("/sessies", h.sessie_openen, ["POST"]),
        route("/sessies/huidige", h.sessie_beeindigen, ["DELETE"]),
        route("/vorderingenoverzicht", h.vorderingenoverzicht, ["GET"]),
        route("/betalingsregelingen/voorstellen", h.voorstel, ["POST"]),
        route("/betalingsregelingen", h.regeling_aangaan, ["POST"]),
        route("/betalingsregelingen", h.regelingen, ["GET"]),
        route("/betalingsregelingen/reserveringen", h.reservering_aanmaken, ["POST"]),
        route("/betalingsregelingen/reserveringen/{reservering_id}", h.reservering,
              ["GET", "DELETE"]),
        route("/betalingsregelingen/reserveringen/{reservering_id}/bevestiging", h.bevestiging,
              ["POST"]),
        route("/betalingsregelingen/{betalingsregeling_id:resource_id}", h.regeling,
              ["GET", "DELETE"]),
        route("/pauzes", h.pauze_aanvragen, ["POST"]),
        route("/pauzes", h.pauzes, ["GET"]),
        route("/pauzes/{pauze_id}", h.pauze, ["GET", "DELETE"]),
        route("/hulpvragen", h.hulpvraag, ["POST"]),
        route(h.TEST_CLOCK_PATH, h.testklok, ["GET", "PUT"]),  # spec/testomgeving.md
    ]


def retirement_middleware(retirement: Retirement | None,
                          mounts: list[ApiMount]) -> list[Middleware]:
    """`RetirementHeaders` for the retired major's mount; none when nothing is retired."""
    oldest = min(mounts, key=lambda m: m.major)
    if retirement is None:
        if len(mounts) > 1:
            log.warning("serving majors %s without uitfasering: /v%d sends no Deprecation",
                        [m.major for m in mounts], oldest.major)
        return []
    if retirement.major != oldest.major:
        raise ConfigError("uitfasering.major", retirement.major,
                          f"moet de oudste bediende major zijn ({oldest.major})")
    return [Middleware(RetirementHeaders, base_path=oldest.base_path, retirement=retirement)]


def create_app(
    config: SourceConfig,
    *,
    backend: ClaimsBackend | None = None,
    scheme_source: SchemeSource | None = None,
    clock: Clock = system_clock,
    majors: tuple[int, ...] = (MAJOR,),
    uitfasering: Retirement | None = None,
) -> Starlette:
    """The source as an ASGI app; `app.state.source` is its `Source`. `majors` other than
    (2,) exist only for the rollout test (see the module docstring). `uitfasering` (else the
    configuration's) retires the oldest served major."""
    source = Source(config, backend=backend, scheme_source=scheme_source, clock=clock)
    mounts = [mount_for(config.base_path, major) for major in majors]
    if len({m.base_path for m in mounts}) != len(mounts):
        raise ConfigError("majors", majors, "elke major heeft een eigen base_path nodig")
    retired = retirement_middleware(
        uitfasering or config.uitfasering, mounts)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await source.start()
        try:
            yield
        finally:
            await source.close()

    app = Starlette(
        routes=[*health_routes(source), *(route for api in mounts for route in routes(api))],
        # Retirement outermost: even the common middleware's own answers carry its headers.
        middleware=[*retired, Middleware(RequestIdMiddleware),
                    Middleware(StandardHttpMiddleware)],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.source = source
    return app
