"""The HTTP conventions every answer of the source follows (spec/interface.md, common behaviour).

- `problem_response`: RFC 9457 problem documents with a stable `code`;
- `read_body`: JSON only (415 otherwise), malformed or schema-breaking bodies → 400
  `verzoek/ongeldig` with `invalid_params`;
- `Conventions`: an ASGI wrapper adding `API-Version`, CORS and security headers to every
  response, answering CORS preflights, and turning any escaped exception into a 500 problem.

The HTTP flaws are consulted here, where a real implementer would have made the mistake.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance.broken.errors import Problem
from conformance.broken.flaws import Flaws
from conformance.broken.source import API_VERSION, WIRE_VERSION

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:nl-vorderingen:probleem:"
TITLES = {
    400: "Ongeldig verzoek",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    409: "Conflict met de huidige toestand",
    415: "Mediatype niet ondersteund",
    422: "Verzoek niet uitvoerbaar",
    500: "Interne fout",
}
CORS_EXPOSE = ("API-Version, Location, ETag, Idempotent-Replayed, Retry-After, WWW-Authenticate, "
               "Deprecation, Sunset, Link")
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Verzoek-Bewijs"
CORS_ALLOW_HEADERS_1_0 = "Authorization, Content-Type, Idempotency-Key"  # a flaw's
CORS_MAX_AGE_S = 600
CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000"
INTERNAL_ERROR = "algemeen/interne-fout"
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Sessie realm="vorderingen"'}
MAX_REASON_CHARS = 300  # probleem.schema.json allows 2000; a validator message quotes the value
MAX_NAME_CHARS = 500


def problem_response(status: int, code: str, detail: str = "", *, flaws: Flaws,
                     headers: dict[str, str] | None = None, **extra: Any) -> Response:
    body = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": TITLES.get(status, "Fout"),
        "status": status,
        "detail": detail or TITLES.get(status, "Fout"),
        "code": code,
        **extra,
    }
    if flaws.on("probleem-zonder-detail"):
        del body["detail"]  # a required member of probleem.schema.json
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def render(problem: Problem, flaws: Flaws) -> Response:
    return problem_response(problem.status, problem.code, problem.detail, flaws=flaws,
                            headers=problem.headers, **problem.extra)


def routing_error(request: Request, exc: HTTPException, flaws: Flaws) -> Response:
    """404 for an unknown path, 405 with `Allow` for a wrong method."""
    if exc.status_code == 404 and "authorization" not in request.headers and flaws.on(
            "auth-voor-routering"):  # authentication middleware in front of the router
        return problem_response(401, "sessie/token-ontbreekt", "Send a session token.",
                                flaws=flaws, headers=WWW_AUTHENTICATE)
    headers = dict(exc.headers or {})
    if "Allow" in headers:  # the router's method set, in a stable order
        headers["Allow"] = ", ".join(sorted(m.strip() for m in headers["Allow"].split(",")))
        if flaws.on("geen-allow-header"):
            del headers["Allow"]
    if flaws.on("geen-problem-json"):
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=headers)
    if exc.status_code == 405:
        return problem_response(405, "algemeen/methode-niet-toegestaan",
                                "This path does not support this method.", flaws=flaws,
                                headers=headers)
    if exc.status_code == 404:
        return problem_response(404, "algemeen/niet-gevonden", "No such resource.", flaws=flaws)
    return problem_response(exc.status_code, "verzoek/ongeldig", str(exc.detail), flaws=flaws)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


def _invalid(name: str, reason: str) -> Problem:
    return Problem(400, "verzoek/ongeldig", reason, invalid_params=[{"name": name,
                                                                     "reason": reason}])


async def read_body(request: Request, validator: Draft202012Validator, flaws: Flaws) -> Any:
    """The request's JSON body, valid against `validator`; Problem 415/400 otherwise."""
    raw = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and (raw or media_type) and not flaws.on(
            "mediatype-niet-gecontroleerd"):
        raise Problem(415, "verzoek/mediatype-niet-ondersteund", "Send application/json.")
    try:
        body = json.loads(raw, parse_constant=_no_constants, parse_float=_finite)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        if flaws.on("5xx-bij-fout-verzoek"):
            raise RuntimeError("request body could not be read") from exc
        raise _invalid("body", "The body is not a JSON document.") from exc
    errors = sorted(validator.iter_errors(body), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        params = [{"name": _shorten(_pointer(e), MAX_NAME_CHARS),
                   "reason": _shorten(e.message, MAX_REASON_CHARS)} for e in errors]
        raise Problem(400, "verzoek/ongeldig", "The body does not match the schema.",
                      invalid_params=params)
    return body


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pointer(error: Any) -> str:
    """A JSON pointer naming the member at fault (for `required`/`additionalProperties`, the
    member that is missing or unexpected)."""
    path = "".join(f"/{part}" for part in error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = [name for name in error.validator_value if name not in instance]
        return f"{path}/{missing[0]}" if missing else path or "/"
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(set(instance) - known)
        return f"{path}/{extra[0]}" if extra else path or "/"
    return path or "/"


class Conventions:
    """ASGI wrapper: common headers, CORS preflight, trailing-slash flaw, error boundary."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute], flaws: Flaws) -> None:
        self.app, self.routes, self.flaws = app, routes, flaws

    def _methods(self, scope: Scope) -> list[str]:
        for route in self.routes:
            match, _child = route.matches(scope)
            if match is not Match.NONE:
                methods = getattr(route, "methods", None) or set()
                return sorted(m for m in methods if m != "HEAD")
        return []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if self.flaws.on("trailing-slash-geaccepteerd") and len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/")}
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self._add_headers(MutableHeaders(scope=message), scope)
            await send(message)

        if scope["method"] == "OPTIONS" and not self.flaws.on("geen-cors"):
            methods = self._methods(scope)
            if methods:
                preflight = Response(status_code=204, headers={
                    "Access-Control-Allow-Methods": ", ".join(methods),
                    "Access-Control-Allow-Headers": (
                        CORS_ALLOW_HEADERS_1_0 if self.flaws.on("cors-zonder-verzoekbewijs")
                        else CORS_ALLOW_HEADERS),
                    "Access-Control-Max-Age": str(CORS_MAX_AGE_S),
                    "Allow": ", ".join([*methods, "OPTIONS"]),
                })
                await preflight(scope, receive, send_with_headers)
                return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:  # the boundary: never let an exception become a dropped connection
            log.exception("unhandled error")
            if not started:
                crash = problem_response(500, INTERNAL_ERROR, flaws=self.flaws)
                await crash(scope, receive, send_with_headers)

    def _add_headers(self, headers: MutableHeaders, scope: Scope) -> None:
        wanted = {
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": CSP,
            "Cache-Control": "no-store",
        }
        if not self.flaws.on("geen-api-version"):
            wanted["API-Version"] = (WIRE_VERSION if self.flaws.on("api-version-zonder-patch")
                                     else API_VERSION)
        if not self.flaws.on("geen-nosniff"):
            wanted["X-Content-Type-Options"] = "nosniff"
        if not self.flaws.on("geen-cors"):
            wanted["Access-Control-Allow-Origin"] = "*"
            wanted["Access-Control-Expose-Headers"] = CORS_EXPOSE
        if scope.get("scheme") == "https":
            wanted["Strict-Transport-Security"] = HSTS
        for name, value in wanted.items():
            headers[name] = value
