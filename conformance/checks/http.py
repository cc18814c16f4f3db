"""API Design Rules probes on live responses (spec/interface.md, "Common HTTP behaviour").

What a linter cannot see in the OpenAPI document: the `API-Version` header on real answers
(errors included), problem documents, no trailing-slash variants, CORS, security headers,
media types and robustness against bad bodies, and a public, valid /configuratie. HTTPS and
TLS versions are `checks.transport`.
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance import specfiles
from conformance.checks.answers import json_body
from conformance.checks.base import (
    PROBLEM_MEDIA_TYPE,
    check,
    expect_problem,
    expect_status,
    fail,
    media_type,
    problem_code,
)
from conformance.checks.trust import FORGED_BSN
from conformance.context import CheckContext

AREA = "http"
UNKNOWN_PATH = "/bestaat-niet-conformance"
NOT_FOUND = "algemeen/niet-gevonden"
PROBLEM_TYPE_PREFIX = "urn:nl-vorderingen:probleem:"
ORIGIN = "https://app.vorderingen.example"
CORS_EXPOSED = ("API-Version", "Location", "ETag", "Idempotent-Replayed", "Retry-After",
                "WWW-Authenticate", "Deprecation", "Sunset", "Link")
CORS_ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "Verzoek-Bewijs")
CORS_MAX_AGE_S = "600"
CSP = "default-src 'none'; frame-ancestors 'none'"
PROBLEM_DETAILS = "/http/problem-details"
INVALID_INPUT = "/http/ongeldige-invoer-geweigerd"
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NESTING_DEPTH = 5000  # a JSON "bomb" of nested arrays


def _tokens(value: str | None) -> set[str]:
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def expect_valid_problem(resp: httpx.Response, status: int, code: str, *,
                         rule: str = "") -> None:
    """`expect_problem` plus the problem schema, ``type`` = the urn of the code and
    ``status`` = the HTTP status (a finding names `rule`, default the check's own; a schema
    violation names /http/probleem)."""
    expect_problem(resp, status, code, rule=rule)
    body = json_body(resp)
    errors = list(specfiles.validator("probleem").iter_errors(body))
    if errors:
        fail("/http/probleem", "the problem document breaks probleem.schema.json: "
             f"{errors[0].message}", resp)
    if body.get("type") != PROBLEM_TYPE_PREFIX + code or body.get("status") != status:
        fail(rule, f"type {body.get('type')!r} / status {body.get('status')!r} do not match "
             f"code {code!r} and HTTP {status}", resp)


# --- API-Version --------------------------------------------------------------------------------


def _expect_version(resp: httpx.Response) -> None:
    wanted = specfiles.spec_version()
    if resp.headers.get("api-version") != wanted:
        fail(f"API-Version is {resp.headers.get('api-version')!r}, expected {wanted!r} on "
             f"a {resp.status_code} answer", resp)


@check(rule="/http/api-version-header", area=AREA)
async def api_version_on_success(ctx: CheckContext) -> None:
    """A successful answer carries ``API-Version`` with the standard's version."""
    _expect_version(await ctx.get("/configuratie"))
    _expect_version(await ctx.post("/sessies/uitdagingen"))


@check(rule="/http/api-version-header", area=AREA)
async def api_version_on_errors(ctx: CheckContext) -> None:
    """Error answers (404, 400, 401) carry ``API-Version`` too."""
    _expect_version(await ctx.get(UNKNOWN_PATH))
    _expect_version(await ctx.post("/sessies", json={}))
    _expect_version(await ctx.get("/vorderingenoverzicht"))


# --- errors and paths ---------------------------------------------------------------------------


@check(rule="/http/niet-gevonden", area=AREA)
async def unknown_path_not_found(ctx: CheckContext) -> None:
    """A path the interface does not define is answered 404 algemeen/niet-gevonden."""
    resp = await ctx.get(UNKNOWN_PATH)
    expect_status(resp, 404)
    expect_valid_problem(resp, 404, NOT_FOUND, rule=PROBLEM_DETAILS)


@check(rule="/http/methode-niet-toegestaan", area=AREA)
async def wrong_method_refused(ctx: CheckContext) -> None:
    """A method the path does not support is answered 405 algemeen/methode-niet-toegestaan
    with an ``Allow`` header naming the path's methods."""
    resp = await ctx.delete("/configuratie")
    expect_status(resp, 405)
    if "get" not in _tokens(resp.headers.get("allow")):
        fail(f"Allow is {resp.headers.get('allow')!r}; it must name GET", resp)
    expect_valid_problem(resp, 405, "algemeen/methode-niet-toegestaan", rule=PROBLEM_DETAILS)


async def error_answers(ctx: CheckContext) -> list[tuple[httpx.Response, int, str]]:
    """A spread of error answers with the status and code each must carry."""
    cert = ctx.actors.certificate(FORGED_BSN, ctx.actors.new_app_key())  # no test citizen
    return [
        (await ctx.get(UNKNOWN_PATH), 404, NOT_FOUND),
        (await ctx.delete("/configuratie"), 405, "algemeen/methode-niet-toegestaan"),
        (await ctx.get("/vorderingenoverzicht"), 401, "sessie/token-ontbreekt"),
        (await ctx.post("/sessies", content=b"{", headers=JSON), 400, "verzoek/ongeldig"),
        (await ctx.post("/sessies", content=b"x=1", headers=FORM), 415,
         "verzoek/mediatype-niet-ondersteund"),
        (await ctx.post("/sessies", json={"certificaat": cert, "bewijs": "x.y.z"}), 401,
         "bewijs/ongeldig-formaat"),
    ]


@check(rule="/http/problem-details", area=AREA)
async def errors_are_problem_documents(ctx: CheckContext) -> None:
    """Every 4xx answer is an application/problem+json document with a ``code``, whose
    ``status`` is the HTTP status and whose ``type`` is ``urn:nl-vorderingen:probleem:<code>``.
    (Which code each failure gets is proven by the checks of those failures.)"""
    for resp, _status, _code in await error_answers(ctx):
        body = json_body(resp)
        code = body.get("code")
        if media_type(resp) != PROBLEM_MEDIA_TYPE or not isinstance(code, str):
            fail(f"a {resp.status_code} answer is {media_type(resp) or 'untyped'!r} without a "
                 "problem code, not application/problem+json", resp)
        if body.get("type") != PROBLEM_TYPE_PREFIX + code or body.get("status") != resp.status_code:
            fail(f"type {body.get('type')!r} / status {body.get('status')!r} do not match "
                 f"code {code!r} and HTTP {resp.status_code}", resp)


@check(rule="/http/probleem", area=AREA)
async def problem_documents_valid(ctx: CheckContext) -> None:
    """Every problem document is valid against probleem.schema.json."""
    validator = specfiles.validator("probleem")
    for resp, _status, _code in await error_answers(ctx):
        if media_type(resp) != PROBLEM_MEDIA_TYPE:
            continue  # not a problem document at all: /http/problem-details
        errors = list(validator.iter_errors(json_body(resp)))
        if errors:
            fail(f"the {resp.status_code} problem document breaks probleem.schema.json: "
                 f"{errors[0].message}", resp)


@check(rule="/http/geen-trailing-slash", area=AREA)
async def trailing_slash_not_served(ctx: CheckContext) -> None:
    """A path with a trailing slash (``/configuratie/``) is an unknown path: 404
    algemeen/niet-gevonden, not the resource and not a redirect."""
    resp = await ctx.get("/configuratie/")
    if resp.status_code == httpx.codes.OK or resp.is_redirect:
        fail(f"/configuratie/ is answered {resp.status_code}: served (or redirected) like "
             "/configuratie", resp)
    # any other status is the unknown-path rule's finding, another form problem-details'
    expect_status(resp, 404, rule="/http/niet-gevonden")
    expect_valid_problem(resp, 404, NOT_FOUND, rule=PROBLEM_DETAILS)


# --- CORS ---------------------------------------------------------------------------------------


def _expect_cors(resp: httpx.Response) -> None:
    """``Access-Control-Allow-Origin: *``, every header of `CORS_EXPOSED` exposed, and no
    ``Access-Control-Allow-Credentials`` (the source sets no cookies; credentials mode is
    never needed)."""
    if resp.headers.get("access-control-allow-origin") != "*":
        fail(f"Access-Control-Allow-Origin is "
             f"{resp.headers.get('access-control-allow-origin')!r} on a {resp.status_code} "
             "answer, expected '*'", resp)
    exposed = _tokens(resp.headers.get("access-control-expose-headers"))
    missing = [h for h in CORS_EXPOSED if h.lower() not in exposed]
    if missing:
        fail(f"Access-Control-Expose-Headers lacks {missing} on a {resp.status_code} answer",
             resp)
    if "access-control-allow-credentials" in resp.headers:
        fail("Access-Control-Allow-Credentials is "
             f"{resp.headers.get('access-control-allow-credentials')!r} on a "
             f"{resp.status_code} answer; it is never sent", resp)


@check(rule="/http/cors", area=AREA)
async def cors_on_responses(ctx: CheckContext) -> None:
    """Every answer to a browser request — public, 404 and a 401 of an authenticated operation
    without a token — carries ``Access-Control-Allow-Origin: *``, exposes API-Version,
    Location, ETag, Idempotent-Replayed, Retry-After, WWW-Authenticate, Deprecation, Sunset and
    Link, and carries no ``Access-Control-Allow-Credentials``."""
    for resp in (await ctx.get("/configuratie", headers={"Origin": ORIGIN}),
                 await ctx.get(UNKNOWN_PATH, headers={"Origin": ORIGIN}),
                 await ctx.get("/vorderingenoverzicht", headers={"Origin": ORIGIN})):
        _expect_cors(resp)


@check(rule="/http/cors", area=AREA, needs=("test_bsn",))
async def cors_on_authenticated_answers(ctx: CheckContext) -> None:
    """An authenticated 200 (the overview) carries the CORS headers of every answer too, and
    no ``Access-Control-Allow-Credentials``: the browser app reads it cross-origin with a
    token, never with cookies."""
    session = await ctx.session()
    resp = await ctx.get("/vorderingenoverzicht", session, headers={"Origin": ORIGIN})
    expect_status(resp, 200)
    _expect_cors(resp)


@check(rule="/http/cors", area=AREA)
async def cors_preflight_answered(ctx: CheckContext) -> None:
    """A preflight ``OPTIONS`` is answered 204 with the path's methods, the allowed request
    headers Authorization, Content-Type, Idempotency-Key and Verzoek-Bewijs, and a max age of
    600 s."""
    resp = await ctx.request("OPTIONS", "/vorderingenoverzicht", headers={
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    })
    expect_status(resp, 204)
    problems = []
    if "get" not in _tokens(resp.headers.get("access-control-allow-methods")):
        problems.append("Access-Control-Allow-Methods lacks GET")
    allowed = _tokens(resp.headers.get("access-control-allow-headers"))
    missing = [h for h in CORS_ALLOWED_HEADERS if h.lower() not in allowed]
    if missing:
        problems.append(f"Access-Control-Allow-Headers lacks {missing}")
    if resp.headers.get("access-control-max-age") != CORS_MAX_AGE_S:
        problems.append(f"Access-Control-Max-Age is "
                        f"{resp.headers.get('access-control-max-age')!r}, expected 600")
    if resp.headers.get("access-control-allow-origin") != "*":
        problems.append("Access-Control-Allow-Origin is not '*'")
    if "access-control-allow-credentials" in resp.headers:
        problems.append("Access-Control-Allow-Credentials is sent")
    if problems:
        fail("; ".join(problems), resp)


# --- security headers and transport -------------------------------------------------------------


def _expect_security_headers(resp: httpx.Response) -> None:
    wanted = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
              "content-security-policy": CSP}
    wrong = {k: resp.headers.get(k) for k, v in wanted.items() if resp.headers.get(k) != v}
    if wrong:
        fail(f"on a {resp.status_code} answer: {wrong} (expected {wanted})", resp)


@check(rule="/http/security-headers", area=AREA)
async def security_headers_present(ctx: CheckContext) -> None:
    """Every answer, errors included (a 404 and the 401 of an authenticated operation without
    a token), carries ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``
    and the standard's Content-Security-Policy."""
    for resp in (await ctx.get("/configuratie"), await ctx.get(UNKNOWN_PATH),
                 await ctx.get("/vorderingenoverzicht")):
        _expect_security_headers(resp)


@check(rule="/http/security-headers", area=AREA, needs=("test_bsn",))
async def authenticated_answers_not_stored(ctx: CheckContext) -> None:
    """Every answer to an authenticated request carries ``Cache-Control: no-store``, besides
    the security headers of every answer."""
    session = await ctx.session()
    for path in ("/vorderingenoverzicht",):
        resp = await ctx.get(path, session)
        if "no-store" not in _tokens(resp.headers.get("cache-control")):
            fail(f"Cache-Control is {resp.headers.get('cache-control')!r} on an authenticated "
                 "answer; expected no-store", resp)
        _expect_security_headers(resp)


# --- media types and bad bodies -----------------------------------------------------------------


@check(rule="/http/json", area=AREA)
async def non_json_body_refused(ctx: CheckContext) -> None:
    """A request body that is not application/json is refused with 415
    verzoek/mediatype-niet-ondersteund."""
    resp = await ctx.post("/sessies", content=b"certificaat=x&bewijs=y", headers=FORM)
    expect_valid_problem(resp, 415, "verzoek/mediatype-niet-ondersteund")


def _not_5xx(resp: httpx.Response) -> None:
    if resp.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
        fail("/http/geen-5xx-bij-fout-verzoek",
             f"a malformed request was answered {resp.status_code}", resp)


def _expect_invalid_params(resp: httpx.Response, member: str | None = None) -> None:
    params = json_body(resp).get("invalid_params")
    names = [p.get("name") for p in params if isinstance(p, dict)] \
        if isinstance(params, list) else []
    if not names:
        fail("the 400 answer has no invalid_params", resp)
    if member is not None and not any(member in str(n) for n in names):
        fail(f"invalid_params {names} do not name {member!r}", resp)


@check(rule=INVALID_INPUT, area=AREA)
async def malformed_json_refused(ctx: CheckContext) -> None:
    """A body that is not well-formed JSON is refused with 400 verzoek/ongeldig and
    ``invalid_params``."""
    resp = await ctx.post("/sessies", content=b'{"certificaat": ', headers=JSON)
    _not_5xx(resp)
    expect_valid_problem(resp, 400, "verzoek/ongeldig")
    _expect_invalid_params(resp)


@check(rule=INVALID_INPUT, area=AREA)
async def schema_breaking_body_refused(ctx: CheckContext) -> None:
    """A JSON body that breaks the operation's schema (members of the wrong type; an unknown
    member of a closed object) is refused with 400 verzoek/ongeldig and ``invalid_params``
    naming the member."""
    resp = await ctx.post("/sessies", json={"certificaat": 42, "bewijs": ["x"]})
    _not_5xx(resp)
    expect_valid_problem(resp, 400, "verzoek/ongeldig")
    _expect_invalid_params(resp, "certificaat")
    resp = await ctx.post("/sessies", json={"certificaat": "a.b.c", "bewijs": "a.b.c",
                                            "uitbreiding": True})
    _not_5xx(resp)
    expect_valid_problem(resp, 400, "verzoek/ongeldig")
    _expect_invalid_params(resp, "uitbreiding")


@check(rule="/http/geen-5xx-bij-fout-verzoek", area=AREA)
async def bad_requests_never_5xx(ctx: CheckContext) -> None:
    """No request, however malformed, is answered with a 5xx: broken UTF-8, a JSON array
    where an object belongs, deeply nested JSON, absurd numbers, an oversized session token
    and request proof, garbage in the query string."""
    probes = [
        ("POST", "/sessies", {"content": b'{"certificaat": "\xff\xfe"}', "headers": JSON}),
        ("POST", "/sessies", {"content": b"\xff\xfe\x00", "headers": JSON}),
        ("POST", "/sessies", {"content": b"[]", "headers": JSON}),
        ("POST", "/sessies", {"content": b"[" * NESTING_DEPTH + b"]" * NESTING_DEPTH,
                              "headers": JSON}),
        ("POST", "/sessies", {"content": b'{"certificaat": 1e999999, "bewijs": -0}',
                              "headers": JSON}),
        ("POST", "/sessies/uitdagingen", {"content": b"\x00" * 64,
                                          "headers": {"Content-Type": "application/octet-stream"}}),
        ("GET", "/vorderingenoverzicht", {"headers": {"Authorization": "Sessie " + "A" * 8192,
                                                      "Verzoek-Bewijs": "B." * 4096}}),
        ("GET", "/configuratie?%ff=%zz&a[]=&==", {}),
    ]
    for method, path, kwargs in probes:
        resp = await ctx.request(method, path, **kwargs)
        if resp.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            fail(f"a malformed request was answered {resp.status_code}", resp)


@check(rule="/configuratie/publiek", area=AREA)
async def configuratie_public(ctx: CheckContext) -> None:
    """``GET /configuratie`` answers 200 application/json to anyone, without a session or any
    other credential."""
    resp = await ctx.get("/configuratie")
    expect_status(resp, 200)
    if media_type(resp) != "application/json":
        fail(f"content-type is {media_type(resp)!r}, expected application/json", resp)


@check(rule="/configuratie/schema-open", area=AREA)
async def configuratie_valid(ctx: CheckContext) -> None:
    """The body of ``GET /configuratie`` is valid against configuratie.schema.json (open data:
    members of a later minor are ignored) with ``api_versie`` and ``documentversie`` of
    major 2 (``MAJOR.MINOR``)."""
    resp = await ctx.get("/configuratie")
    errors = sorted(specfiles.validator("configuratie").iter_errors(json_body(resp)),
                    key=lambda e: list(e.path))
    if errors:
        fail("; ".join(f"/{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]), resp)


# One operation per optional service, to see whether the service is served.
SERVICE_PROBES = {
    "betalingsregelingen": "/betalingsregelingen",
    "pauzes": "/pauzes",
    "hulpvragen": "/hulpvragen",
}
NOT_OFFERED = "algemeen/dienst-niet-aangeboden"


async def _valid_help_request(ctx: CheckContext, session: Any) -> dict[str, Any]:
    envelope = json_body(await ctx.get("/vorderingenoverzicht", session))
    return {"bundel": {"bundelversie": "2.1", "aangemaakt_op": "2026-01-01T00:00:00Z",
                       "enveloppen": [envelope]}, "toestemming": True}


@check(rule="/configuratie/diensten", area=AREA, needs=("test_bsn",))
async def diensten_match_operations(ctx: CheckContext) -> None:
    """``diensten`` lists exactly the services the source serves: the operations of every
    service it does not list answer 404 algemeen/dienst-niet-aangeboden, those of a listed one
    do not."""
    offered = ctx.config.get("diensten") or []
    if "vorderingenoverzicht" not in offered:
        fail("diensten does not list vorderingenoverzicht", *list(ctx.exchanges)[-1:])
    session = await ctx.session()
    for dienst, path in SERVICE_PROBES.items():
        method, body = "GET", None
        if dienst == "hulpvragen":
            # an unoffered service is refused whatever the body; an offered one must not get
            # a valid help request here (it would be stored)
            method = "POST"
            body = {} if dienst in offered else await _valid_help_request(ctx, session)
        resp = await ctx.request(method, path, session, json=body)
        if dienst in offered and problem_code(resp) == NOT_OFFERED:
            fail(f"{dienst} is listed in diensten but {method} {path} answers {NOT_OFFERED}",
                 resp)
        if dienst not in offered:
            expect_problem(resp, 404, NOT_OFFERED)
