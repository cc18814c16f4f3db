"""The scheme service's ASGI app: `GET /stelsel/v2/stelseldocument` and
`GET /stelsel/v2/openapi.json` (spec/openapi/stelsel.yaml).

The body is the current compact `stelsel-v2+jwt` as `application/jose`, with a strong
`ETag` (a hash of the exact bytes) and `Cache-Control: public, max-age=60` (the configured
`max_age_s`, at most `STELSEL_MAX_AGE_S`); `If-None-Match` naming the current ETag (or `*`)
answers 304 without a body. The operator's public keys are never served: they are pinned
out of band. A future format N would be served beside it at `/stelsel/vN/stelseldocument`.

`create_app(config)` runs `SchemeService.run()` in its lifespan (pulling revocation lists
every `poll_interval_s`); without a lifespan (an in-process test client) the first request
signs the first document. `app.state.service` is the `SchemeService`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_impl.common.http import StandardHttpMiddleware, exception_handlers, openapi_route
from reference_impl.common.jose import load_private_key
from reference_impl.common.logs import RequestIdMiddleware
from reference_impl.common.serving import server_config
from reference_impl.scheme.config import BASE_PATH, SchemeServiceConfig
from reference_impl.scheme.revocations import RevocationCollector
from reference_impl.scheme.service import SchemeService

MEDIA_TYPE = "application/jose"


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 `If-None-Match` (weak comparison): does any listed tag, or `*`, match?"""
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


async def stelseldocument(request: Request) -> Response:
    service: SchemeService = request.app.state.service
    published = await service.document()
    headers = {"ETag": published.etag,
               "Cache-Control": f"public, max-age={request.app.state.max_age_s}"}
    if etag_matches(request.headers.get("if-none-match"), published.etag):
        return Response(status_code=304, headers=headers)
    return Response(published.body, headers=headers, media_type=MEDIA_TYPE)


def create_app(
    config: SchemeServiceConfig,
    *,
    http_client: httpx.AsyncClient | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The scheme service as an ASGI app; `http_client` is used to pull revocation lists."""
    service = SchemeService(
        config.description,
        load_private_key(config.key_file),
        collector=RevocationCollector(config.description, client=http_client),
        state_dir=config.state_dir,
        clock=clock,
        certification=config.certification,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(service.run(config.poll_interval_s))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[Route(f"{BASE_PATH}/stelseldocument", stelseldocument, methods=["GET"]),
                openapi_route(BASE_PATH, "stelsel")],
        middleware=[Middleware(RequestIdMiddleware), Middleware(StandardHttpMiddleware)],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False
    app.state.service = service
    app.state.max_age_s = config.max_age_s
    return app


def serve(config: SchemeServiceConfig) -> None:
    """Serve the scheme service until interrupted (uvicorn's own access log stays off)."""
    # The CLI configured logging (text or JSON); uvicorn's own lines go through it too.
    uvicorn.Server(server_config(create_app(config), host=config.host, port=config.port,
                                 log_config=None)).run()
