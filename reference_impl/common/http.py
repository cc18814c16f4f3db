"""HTTP conventions shared by the three interfaces (spec/interface.md, "Common HTTP behaviour").

- `StandardHttpMiddleware` (pure ASGI, outermost of the app's own middleware): answers CORS
  preflights, adds `API-Version`, CORS and security headers to every response (problems
  included), turns an unexpected exception into 500 `algemeen/interne-fout`, and writes
  one access-log line per request naming the *route template* (never the raw path, the
  query, a header or a body: no BSN or token can reach the log); building it installs
  `log_privacy`, which keeps data out of the database drivers' log records too.
- `exception_handlers()`: `Problem` → problem document; Starlette's 404/405 → the
  standard's `algemeen/niet-gevonden` and `algemeen/methode-niet-toegestaan` (with `Allow`).
- `read_json(request, validator)` (from request_body.py, which bounds its size, time and
  work): 415 for a non-JSON body, 413 `verzoek/te-groot`, 400 `verzoek/ongeldig` with
  `invalid_params` for malformed JSON, non-I-JSON or a schema violation;
  `check_media_type(request)` answers the 415 alone, for a handler that must check a
  header (400) after it (§9). A client that leaves mid-body is logged as 499, not as 500.
- `too_many_requests(retry_after_s)` (429) and `scheme_unavailable(retry_after_s)` (503):
  the two problems that carry `Retry-After`.
- `openapi_route(base_path, api)`: `GET <base>/openapi.json`, the interface's OpenAPI
  document as JSON (ADR `/core/publish-openapi`), no authentication.
"""

from __future__ import annotations

import json
import logging
import math
import time
from functools import cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_impl.common import log_privacy
from reference_impl.common.problems import Problem
from reference_impl.common.request_body import (  # noqa: F401 - re-exported for handlers
    ClientGone,
    check_media_type,
    read_json,
)
from reference_impl.common.spec import openapi_path, openapi_request_validator
from reference_impl.common.versions import STANDARD_VERSION

API_VERSION = STANDARD_VERSION
CORS_MAX_AGE_S = 600
JSON_MEDIA_TYPE = "application/json"
CLIENT_CLOSED = 499  # in the access log only: the client left before an answer was sent
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Verzoek-Bewijs"
CORS_EXPOSE_HEADERS = ("API-Version, Location, ETag, Idempotent-Replayed, Retry-After, "
                       "WWW-Authenticate, Deprecation, Sunset, Link")
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-expose-headers": CORS_EXPOSE_HEADERS,
}
OPENAPI_CACHE_CONTROL = "public, max-age=3600"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}
HSTS = "max-age=31536000"
ACCESS_LOG = "vorderingen.access"

log = logging.getLogger(__name__)
access_log = logging.getLogger(ACCESS_LOG)


def standard_headers(scheme: str) -> dict[str, str]:
    """The headers every response carries (`scheme`: the request's, `http` or `https`)."""
    headers = {"api-version": API_VERSION, **CORS_HEADERS, **SECURITY_HEADERS}
    # No cookies are used; every answer of these APIs is personal or short-lived unless
    # the handler sets its own Cache-Control (the scheme document does).
    headers["cache-control"] = "no-store"
    if scheme == "https":
        headers["strict-transport-security"] = HSTS
    return headers


def _route_methods(scope: Scope) -> set[str]:
    """Methods of every route whose path matches (empty when the path is unknown)."""
    methods: set[str] = set()
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", []):
        match, _ = route.matches(scope)
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return methods


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "<unmatched>"


class StandardHttpMiddleware:
    """Headers, preflight, 500-as-problem and the access log for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        log_privacy.install()  # every server builds this middleware: its drivers log no data

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500, "sent": False}
        extra = standard_headers(str(scope.get("scheme", "http")))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                present = {k.decode("latin-1").lower() for k, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (k.encode("latin-1"), v.encode("latin-1"))
                    for k, v in extra.items()
                    if k not in present
                ]
            await send(message)

        try:
            if scope["method"] == "OPTIONS":
                await self._preflight(scope, receive, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        except ClientGone:
            # Nobody is left to answer; a client that hangs up is not a server fault.
            status["code"] = CLIENT_CLOSED
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], _route_template(scope))
            if not status["sent"]:
                problem = Problem(500, "algemeen/interne-fout", "Er ging iets mis bij de bron.")
                await problem.response()(scope, receive, send_with_headers)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"], _route_template(scope), status["code"], elapsed_ms,
            )

    async def _preflight(self, scope: Scope, receive: Receive, send: Send) -> None:
        methods = _route_methods(scope)
        if not methods:
            response = not_found_problem().response()
        else:
            response = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Methods": ", ".join(sorted(methods | {"OPTIONS"})),
                    "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                    "Access-Control-Max-Age": str(CORS_MAX_AGE_S),
                    "Allow": ", ".join(sorted(methods | {"OPTIONS"})),
                },
            )
        await response(scope, receive, send)


def not_found_problem() -> Problem:
    return Problem(404, "algemeen/niet-gevonden", "Deze bron bestaat niet.")


def _retry_after(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def too_many_requests(retry_after_s: float) -> Problem:
    """429 `algemeen/te-veel-verzoeken` with `Retry-After` in whole seconds (at least 1)."""
    return Problem(429, "algemeen/te-veel-verzoeken",
                   "Te veel verzoeken; probeer het later opnieuw.",
                   headers=_retry_after(retry_after_s))


def scheme_unavailable(retry_after_s: float) -> Problem:
    """503 `algemeen/stelsel-niet-beschikbaar` with `Retry-After` (no valid scheme held)."""
    return Problem(503, "algemeen/stelsel-niet-beschikbaar",
                   "Het stelseldocument is nu niet beschikbaar.",
                   headers=_retry_after(retry_after_s))


@cache
def openapi_json(api: str) -> bytes:
    """spec/openapi/<api>.yaml as JSON bytes (read once)."""
    document = yaml.safe_load(openapi_path(api).read_text(encoding="utf-8"))
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def openapi_route(base_path: str, api: str) -> Route:
    """`GET <base_path>/openapi.json`: the interface's OpenAPI document as JSON."""
    async def openapi_document(_request: Request) -> Response:
        return Response(openapi_json(api), media_type=JSON_MEDIA_TYPE,
                        headers={"Cache-Control": OPENAPI_CACHE_CONTROL})

    return Route(f"{base_path}/openapi.json", openapi_document, methods=["GET"])


async def _problem_handler(_request: Request, exc: Exception) -> Response:
    if not isinstance(exc, Problem):  # pragma: no cover - registered for Problem only
        raise exc
    return exc.response()


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):  # pragma: no cover
        raise exc
    if exc.status_code == 404:
        return not_found_problem().response()
    if exc.status_code == 405:
        # Starlette names only the first route of the path; a path may have several.
        methods = _route_methods(request.scope) or {(exc.headers or {}).get("Allow", "")}
        allow = ", ".join(sorted(methods))
        return Problem(
            405,
            "algemeen/methode-niet-toegestaan",
            "Deze methode is hier niet toegestaan.",
            headers={"Allow": allow},
        ).response()
    return Problem(exc.status_code, "verzoek/ongeldig", str(exc.detail)).response()


def exception_handlers() -> dict[Any, Any]:
    """Handlers for a Starlette app: problems, 404 and 405 as problem documents."""
    return {Problem: _problem_handler, HTTPException: _http_exception_handler}


def body_validator(api: str, path: str, method: str) -> Draft202012Validator | None:
    """The request-body validator of `method path` in `spec/openapi/<api>.yaml`."""
    return openapi_request_validator(api, path, method)
