"""Is the source alive, is it ready, and why would it not start.

- `GET /livez`: 200 `{"status": "levend"}` while the process answers at all (a load
  balancer or orchestrator restarts it otherwise). Touches nothing else.
- `GET /readyz`: 200 `{"status": "gereed", ...}` when the database answers and a valid,
  unexpired scheme document is held (fetched now if due); otherwise 503 with
  `"status": "niet-gereed"` and the failing part (`database`, `stelsel`) named. A load
  balancer sends traffic only to ready processes.

Both live outside the standard's base path (they are the operator's, not the API's) and
need no authentication; neither body says anything about a citizen.

`check_start(source)` starts the source once before the server listens and turns every
reason it cannot (key, configuration, database, migration, backend) into one
`SourceError` line in Dutch naming what to fix, instead of a traceback from the ASGI
lifespan.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from reference_impl.common.db import DatabaseUnavailable, first_line
from reference_impl.common.errors import (
    ConfigError,
    KeyFileError,
    SchemeUnavailable,
    StateFileError,
    TokenError,
)
from reference_impl.common.jose import load_private_key
from reference_impl.source.backend import backend_factory
from reference_impl.source.errors import BackendError, SourceError

if TYPE_CHECKING:
    from reference_impl.source.app import Source

READY_TIMEOUT_S = 5.0  # one check; a load balancer probes again soon
LIVE_PATH = "/livez"
READY_PATH = "/readyz"

log = logging.getLogger(__name__)


async def _database_ready(source: Source) -> str:
    try:
        await asyncio.wait_for(source.start(), READY_TIMEOUT_S)
        async with source.database.engine.connect() as connection:
            await asyncio.wait_for(connection.execute(text("SELECT 1")), READY_TIMEOUT_S)
    except (TimeoutError, OSError, SQLAlchemyError, DatabaseUnavailable, SourceError,
            KeyFileError, ConfigError) as exc:
        log.warning("niet gereed: database: %s", first_line(exc))
        return "onbereikbaar"
    return "ok"


async def _scheme_ready(source: Source) -> str:
    try:
        await asyncio.wait_for(source.scheme_source.current(), READY_TIMEOUT_S)
    except (TimeoutError, SchemeUnavailable, TokenError) as exc:
        log.warning("niet gereed: stelseldocument: %s", first_line(exc))
        return "niet-beschikbaar"
    return "ok"


def _why_unreadable(exc: KeyFileError) -> str:
    cause = exc.__cause__
    if isinstance(cause, FileNotFoundError):
        return "bestaat niet"
    if isinstance(cause, PermissionError):
        return "is niet leesbaar voor deze gebruiker"
    if isinstance(cause, OSError):
        return f"is niet te lezen ({cause.strerror})"
    return "is geen EC P-256-privésleutel in PEM"


def health_routes(source: Source) -> list[Route]:
    """`/livez` and `/readyz` for `source`."""

    async def livez(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "levend"})

    async def readyz(_request: Request) -> JSONResponse:
        checks = {"database": await _database_ready(source)}
        checks["stelsel"] = (await _scheme_ready(source) if checks["database"] == "ok"
                             else "niet-gecontroleerd")
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "gereed" if ready else "niet-gereed", **checks},
                            status_code=200 if ready else 503)

    return [Route(LIVE_PATH, livez, methods=["GET"]),
            Route(READY_PATH, readyz, methods=["GET"])]


async def check_start(source: Source) -> None:
    """Start `source` (key, database and migrations, backend, seed) or raise one
    `SourceError` line naming what to fix. A scheme document that cannot be had yet is
    only logged: the source starts and answers 503 until it has one (see /readyz)."""
    try:
        # What needs no database first, so a wrong key or setting is the only line printed.
        if not source.config.may_generate_key:
            await asyncio.to_thread(load_private_key, source.config.signing_key_path)
        source.config.pinned_scheme_keys()
        backend_factory(source.config.backend)
        await source.start()
    except KeyFileError as exc:
        raise SourceError(
            f"sleutel: {source.config.signing_key_path} {_why_unreadable(exc)} — zet "
            "key_file goed, of maak een sleutel met `vorderingen bron sleutel --uit MAP`"
        ) from None
    except BackendError as exc:
        raise SourceError(f"claims-backend: {first_line(exc)} — controleer backend") from None
    except DatabaseUnavailable as exc:
        raise SourceError(f"{exc} (database_url)") from None
    try:
        # A corrupt highest-volgnummer file would let a rolled-back scheme in: stop here.
        source.scheme_source.verifier.state.highest()
    except StateFileError as exc:
        raise SourceError(f"{exc} (state_dir)") from None
    try:
        await source.scheme_source.current()
    except SchemeUnavailable as exc:
        log.warning("nog geen geldig stelseldocument (de bron antwoordt 503 tot er een is): %s",
                    first_line(exc))
