"""The source's ASGI application: `create_app(config)` serves `<base_path>` (`/vorderingen/v1`).

Each handler reads in the same order: is the service offered (404), who is asking (401),
at what level (403), is the input well-formed (415/400), then the domain rules. The BSN is
taken only from the session; it never comes from the request.

`Source` holds what the handlers share (database, key, scheme, backend, clock). It starts
lazily on the first request as well as in the ASGI lifespan, so the app works the same
under uvicorn and under an in-process test client that runs no lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_impl.common.db import DatabaseActor
from reference_impl.common.errors import SchemeUnavailable, TokenError
from reference_impl.common.http import (
    StandardHttpMiddleware,
    body_validator,
    exception_handlers,
    read_json,
)
from reference_impl.common.jose import ensure_signing_key, load_public_jwk
from reference_impl.common.problems import Problem, invalid_request, unauthorized
from reference_impl.common.scheme import (
    FileVolgnummer,
    MemoryVolgnummer,
    Scheme,
    SchemeSource,
    SchemeVerifier,
)
from reference_impl.source.arrangements import Arrangements
from reference_impl.source.backend import ClaimsBackend, DatabaseBackend, load_backend
from reference_impl.source.clock import Clock, local_date, rfc3339, system_clock
from reference_impl.source.config import SourceConfig
from reference_impl.source.errors import SourceError
from reference_impl.source.help_requests import HelpRequests
from reference_impl.source.overview import Overview
from reference_impl.source.pauses import Pauses
from reference_impl.source.seed import load_seed
from reference_impl.source.sessions import Session, SessionStore
from reference_impl.source.trust import verify_session_request

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
API = "bron"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
IDEMPOTENCY_KEY = re.compile(r"^[!-~]([ -~]*[!-~])?$")
IDEMPOTENCY_KEY_MAX = 255
JSON_MEDIA_TYPE = "application/json"

log = logging.getLogger(__name__)


class ResourceIdConvertor(Convertor[str]):
    """A path segment, but never `voorstellen` (that path has its own route)."""

    regex = "(?!voorstellen$)[^/]+"

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
        self.sessions = SessionStore(self.database)
        self.overview = Overview(self.config, self.backend, self.database, self.key)
        self.arrangements = (
            Arrangements(self.config.betalingsregeling, self.database, self.overview)
            if self.config.betalingsregeling else None
        )
        self.pauses = (
            Pauses(self.config.pauze, self.database, self.overview)
            if self.config.pauze else None
        )
        self.help_requests = HelpRequests(self.database)
        self.scheme_source = self._scheme_source or default_scheme_source(self.config)
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
        for citizen in seed.citizens:
            for number, plan in enumerate(citizen.arrangements.get(self.config.oin, [])):
                if self.arrangements is None:
                    continue
                try:
                    quote = await self.arrangements.quote(citizen.bsn, plan, int(now))
                    await self.arrangements.accept(citizen.bsn, f"seed-{number}",
                                                   {"voorstel_id": quote["voorstel_id"]},
                                                   int(now))
                except Problem as refused:  # e.g. another process seeded it first
                    log.warning("seed arrangement %d not made: %s", number, refused.code)
        log.info("seeded %d citizens from %s", len(seed.citizens), self.config.seed_file)

    async def scheme(self) -> Scheme:
        try:
            return await self.scheme_source.current()
        except SchemeUnavailable as exc:
            log.warning("no valid scheme document: %s", exc)
            raise Problem(503, "algemeen/stelsel-niet-beschikbaar",
                          "Het stelseldocument is nu niet beschikbaar.") from exc

    def now(self) -> int:
        return int(self.clock())


def signing_key(config: SourceConfig) -> ECKey:
    """The source's signing key; generated (0600) with its public JWK on first start."""
    return ensure_signing_key(config.signing_key_path, publish=config.key_file is None)


def default_scheme_source(config: SourceConfig) -> SchemeSource:
    """The scheme document from `config.scheme`, verified with the pinned key."""
    if config.scheme is None or config.scheme_key_file is None:
        raise SourceError("configure scheme and scheme_key_file to verify app certificates")
    state_dir = config.state_dir or (config.key_dir if config.key_dir else None)
    state = FileVolgnummer(state_dir / "stelsel-volgnummer") if state_dir else MemoryVolgnummer()
    verifier = SchemeVerifier(load_public_jwk(config.scheme_key_file), config.omgeving, state)
    return SchemeSource(config.scheme, verifier)


# --- helpers for handlers --------------------------------------------------------------------


def _source(request: Request) -> Source:
    return request.app.state.source


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, headers=headers, media_type=JSON_MEDIA_TYPE)


def _offered(source: Source, dienst: str) -> None:
    if not source.config.offers(dienst):
        raise Problem(404, "algemeen/dienst-niet-aangeboden",
                      f"Deze organisatie biedt de dienst {dienst} niet aan.")


async def _session(request: Request, dienst: str | None) -> tuple[Source, Session]:
    source = _source(request)
    await source.start()
    if dienst is not None:
        _offered(source, dienst)
    minimum = source.config.minimum_level(dienst) if dienst else None
    return source, await source.sessions.authenticate(request, now=source.now(), minimum=minimum)


def _resource_id(request: Request, name: str) -> str:
    value = request.path_params[name]
    if not UUID.match(value):
        raise invalid_request([(name, "is geen UUID")], "De id in het pad is geen UUID.")
    return value


async def _body(request: Request, path: str) -> Any:
    """The JSON body, valid against the request schema of `POST path` in openapi/bron.yaml."""
    return await read_json(request, body_validator(API, path, "post"))


# --- handlers ----------------------------------------------------------------------------------


async def configuratie(request: Request) -> Response:
    config = _source(request).config
    body: dict[str, Any] = {
        "oin": config.oin, "naam": config.naam, "soort": config.soort,
        "api_versie": "1.0.0", "documentversie": "1.0.0", "diensten": list(config.diensten),
        "minimaal_betrouwbaarheidsniveau": {d: config.minimum_level(d) for d in config.diensten},
    }
    if config.betalingsregeling is not None:
        body["betalingsregeling"] = asdict(config.betalingsregeling)
    if config.pauze is not None:
        body["pauze"] = asdict(config.pauze)
    body["contact"] = config.contact
    return _json(body)


async def uitdaging(request: Request) -> Response:
    source = _source(request)
    await source.start()
    nonce, expires_at = await source.sessions.new_nonce(source.now())
    return _json({"nonce": nonce, "verloopt_op": rfc3339(expires_at)}, 201)


async def sessie_openen(request: Request) -> Response:
    source = _source(request)
    await source.start()
    body = await _body(request, "/sessies")
    scheme = await source.scheme()
    now = source.now()
    try:
        claims = await verify_session_request(
            body["certificaat"], body["bewijs"], scheme=scheme, oin=source.config.oin,
            nonces=source.sessions, now=now)
    except TokenError as refused:
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    token, expires_at = await source.sessions.open(
        bsn=claims["bsn"], niveau=claims["betrouwbaarheidsniveau"], jti=claims["jti"], now=now)
    return _json({"sessietoken": token, "verloopt_op": rfc3339(expires_at),
                  "betrouwbaarheidsniveau": claims["betrouwbaarheidsniveau"]}, 201)


async def sessie_beeindigen(request: Request) -> Response:
    source, session = await _session(request, None)
    await source.sessions.end(session, source.now())
    return Response(status_code=204)


async def vorderingenoverzicht(request: Request) -> Response:
    source, session = await _session(request, "vorderingenoverzicht")
    return _json(await source.overview.envelope(session.bsn, source.clock()))


async def voorstel(request: Request) -> Response:
    source, session = await _session(request, "betalingsregelingen")
    body = await _body(request, "/betalingsregelingen/voorstellen")
    return _json(await source.arrangements.quote(session.bsn, body, source.now()), 201)


async def regeling_aangaan(request: Request) -> Response:
    source, session = await _session(request, "betalingsregelingen")
    key = request.headers.get("idempotency-key")
    if key is None:
        raise Problem(400, "idempotentie/sleutel-ontbreekt",
                      "Stuur een Idempotency-Key mee bij het aangaan van een betalingsregeling.")
    if len(key) > IDEMPOTENCY_KEY_MAX or not IDEMPOTENCY_KEY.match(key):
        raise invalid_request([("Idempotency-Key", "1 tot 255 afdrukbare ASCII-tekens")])
    body = await _body(request, "/betalingsregelingen")
    arrangement, replayed = await source.arrangements.accept(session.bsn, key, body, source.now())
    headers = {"Location": f"{request.url.path}/{arrangement['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return _json(arrangement, 201, headers)


async def regelingen(request: Request) -> Response:
    source, session = await _session(request, "betalingsregelingen")
    return _json({"betalingsregelingen": await source.arrangements.list(session.bsn)})


async def regeling(request: Request) -> Response:
    source, session = await _session(request, "betalingsregelingen")
    arrangement_id = _resource_id(request, "betalingsregeling_id")
    if request.method == "DELETE":
        await source.arrangements.withdraw(session.bsn, arrangement_id, source.now())
        return Response(status_code=204)
    return _json(await source.arrangements.get(session.bsn, arrangement_id))


async def pauze_aanvragen(request: Request) -> Response:
    source, session = await _session(request, "pauzes")
    body = await _body(request, "/pauzes")
    pause = await source.pauses.create(session.bsn, body, source.now())
    return _json(pause, 201, {"Location": f"{request.url.path}/{pause['id']}"})


async def pauzes(request: Request) -> Response:
    source, session = await _session(request, "pauzes")
    return _json({"pauzes": await source.pauses.list(session.bsn, source.now())})


async def pauze_beeindigen(request: Request) -> Response:
    source, session = await _session(request, "pauzes")
    await source.pauses.end(session.bsn, _resource_id(request, "pauze_id"), source.now())
    return Response(status_code=204)


async def hulpvraag(request: Request) -> Response:
    source, session = await _session(request, "hulpvragen")
    body = await _body(request, "/hulpvragen")
    scheme = await source.scheme()
    return _json(await source.help_requests.create(session.bsn, body, scheme, source.now()), 201)


def routes(base: str) -> list[Route]:
    return [
        Route(f"{base}/configuratie", configuratie, methods=["GET"]),
        Route(f"{base}/sessies/uitdagingen", uitdaging, methods=["POST"]),
        Route(f"{base}/sessies", sessie_openen, methods=["POST"]),
        Route(f"{base}/sessies/huidige", sessie_beeindigen, methods=["DELETE"]),
        Route(f"{base}/vorderingenoverzicht", vorderingenoverzicht, methods=["GET"]),
        Route(f"{base}/betalingsregelingen/voorstellen", voorstel, methods=["POST"]),
        Route(f"{base}/betalingsregelingen", regeling_aangaan, methods=["POST"]),
        Route(f"{base}/betalingsregelingen", regelingen, methods=["GET"]),
        Route(f"{base}/betalingsregelingen/{{betalingsregeling_id:resource_id}}", regeling,
              methods=["GET", "DELETE"]),
        Route(f"{base}/pauzes", pauze_aanvragen, methods=["POST"]),
        Route(f"{base}/pauzes", pauzes, methods=["GET"]),
        Route(f"{base}/pauzes/{{pauze_id}}", pauze_beeindigen, methods=["DELETE"]),
        Route(f"{base}/hulpvragen", hulpvraag, methods=["POST"]),
    ]


def create_app(
    config: SourceConfig,
    *,
    backend: ClaimsBackend | None = None,
    scheme_source: SchemeSource | None = None,
    clock: Clock = system_clock,
) -> Starlette:
    """The source as an ASGI app; `app.state.source` is its `Source`."""
    source = Source(config, backend=backend, scheme_source=scheme_source, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await source.start()
        try:
            yield
        finally:
            await source.close()

    app = Starlette(
        routes=routes(config.base_path),
        middleware=[Middleware(StandardHttpMiddleware)],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.source = source
    return app
