"""Versions on the wire and the interface a client can discover (spec/versioning.md,
spec/interface.md): wire versions are MAJOR.MINOR of major 2, ``API-Version`` is the full
release, the OpenAPI document is published at ``<base>/openapi.json``, a browser may send the
request proof, a created pause can be read, and failures are reported in the fixed order.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import urljoin

import httpx
from jsonschema import Draft202012Validator
from openapi_spec_validator.schemas import schema_v31

from conformance import specfiles
from conformance.checks.answers import json_body
from conformance.checks.base import check, expect_problem, fail, media_type, problem_code
from conformance.checks.pauzes import create, end, pause_case, valid_end_date
from conformance.checks.verzoekbewijs import OVERVIEW, WRITE_PROBES, write_probe
from conformance.context import CheckContext
from conformance.errors import CheckSkipped, NotApplicable

AREA = "versie"
MAJOR = 2
WIRE_VERSION = re.compile(r"^2\.(0|[1-9][0-9]{0,3})$")
RELEASE = re.compile(r"^2\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
OPENAPI_PATH = "/openapi.json"
ORIGIN = "https://app.vorderingen.example"
UNKNOWN_PATH = "/bestaat-niet-conformance"
NOT_FOUND = "algemeen/niet-gevonden"
NOT_OFFERED = "algemeen/dienst-niet-aangeboden"
MALFORMED_JSON = b'{"zaakkenmerken": ['
JSON = {"Content-Type": "application/json"}
TEXT = {"Content-Type": "text/plain"}
ARRANGEMENTS = "/betalingsregelingen"
# Per service, a request that needs it (the path an app would call first).
SERVICE_PROBES = {dienst: ("POST", path) for dienst, path in WRITE_PROBES}

# The ids of spec/rules.yaml this module proves, in one place.
RULE_WIRE = "/versie/wire-major-minor"
RULE_API_VERSION = "/http/api-version-header"
RULE_OPENAPI = "/http/openapi-gepubliceerd"
RULE_CORS = "/http/cors"
RULE_READABLE = "/pauze/leesbaar"
RULE_ORDER = "/http/foutvolgorde"


def _tokens(value: str | None) -> set[str]:
    return {t.strip().lower() for t in (value or "").split(",") if t.strip()}


def _expect_wire_version(resp: httpx.Response, where: str, value: Any) -> None:
    if not isinstance(value, str) or not WIRE_VERSION.fullmatch(value):
        fail(f"{where} is {value!r}, expected MAJOR.MINOR of major {MAJOR} (e.g. '2.0')", resp)


# --- wire versions and API-Version ---------------------------------------------------------------


@check(rule=RULE_WIRE, area=AREA)
async def configuratie_versions_major_minor(ctx: CheckContext) -> None:
    """``/configuratie`` announces ``api_versie`` and ``documentversie`` as MAJOR.MINOR of
    major 2 (``"2.0"``), never the full release number."""
    resp = await ctx.get("/configuratie")
    body = json_body(resp)
    for member in ("api_versie", "documentversie"):
        _expect_wire_version(resp, f"configuratie.{member}", body.get(member))


@check(rule=RULE_WIRE, area=AREA, needs=("test_bsn",))
async def document_version_major_minor(ctx: CheckContext) -> None:
    """The claims document's ``documentversie`` is MAJOR.MINOR of major 2: a PATCH release
    changes no signed value."""
    session = await ctx.session()
    resp = await ctx.get(OVERVIEW, session)
    document = json_body(resp).get("document")
    if resp.status_code != httpx.codes.OK or not isinstance(document, dict):
        fail("/envelop/handtekening", f"GET {OVERVIEW} answered {resp.status_code} without a "
             "document", resp)
    _expect_wire_version(resp, "document.documentversie", document.get("documentversie"))


@check(rule=RULE_API_VERSION, area=AREA)
async def api_version_is_release_of_major_2(ctx: CheckContext) -> None:
    """``API-Version`` is the full MAJOR.MINOR.PATCH of major 2 the party implements, on
    success, on an unknown path and on a refused request alike."""
    for resp in (await ctx.get("/configuratie"), await ctx.get(UNKNOWN_PATH),
                 await ctx.get(OVERVIEW)):
        value = resp.headers.get("api-version")
        if value is None or not RELEASE.fullmatch(value):
            fail(f"API-Version is {value!r} on a {resp.status_code} answer, expected "
                 f"MAJOR.MINOR.PATCH of major {MAJOR} (e.g. '2.0.0')", resp)


# --- the published OpenAPI document --------------------------------------------------------------


def _paths_of_offered(spec: dict[str, Any], offered: set[str]) -> tuple[set[str], set[str]]:
    """The standard's paths (all, and those of the offered services plus the common ones): a
    path belongs to a service when an operation is tagged with the service's name."""
    services = set(SERVICE_PROBES) | {"vorderingenoverzicht"}
    everything, expected = set(spec.get("paths") or {}), set()
    for path, item in (spec.get("paths") or {}).items():
        tags = {t for op in item.values() if isinstance(op, dict) for t in op.get("tags") or []}
        if not tags & services or tags & offered:
            expected.add(path)
    return everything, expected


@check(rule=RULE_OPENAPI, area=AREA)
async def openapi_document_published(ctx: CheckContext) -> None:
    """``GET <base>/openapi.json`` answers, without a session, 200 ``application/json``: a
    valid OpenAPI 3.1 document of major 2 with the standard's paths of the services offered."""
    resp = await ctx.get(OPENAPI_PATH)
    if resp.status_code != httpx.codes.OK or media_type(resp) != "application/json":
        fail(f"GET {OPENAPI_PATH} answered {resp.status_code} {media_type(resp)!r}, expected "
             "200 application/json", resp)
    document = json_body(resp)
    if not str(document.get("openapi", "")).startswith("3.1."):
        fail(f"openapi is {document.get('openapi')!r}, expected 3.1.x", resp)
    # the structure only: its $refs into the standard's schemas are not fetched
    errors = list(Draft202012Validator(schema_v31).iter_errors(document))
    if errors:
        fail(f"the document is no valid OpenAPI 3.1: {errors[0].message[:200]}", resp)
    version = str((document.get("info") or {}).get("version", ""))
    if not RELEASE.fullmatch(version):
        fail(f"info.version is {version!r}, expected a release of major {MAJOR}", resp)
    offered = set(ctx.config.get("diensten") or [])
    everything, expected = _paths_of_offered(specfiles.openapi(), offered)
    served = set(document.get("paths") or {})
    missing, foreign = sorted(expected - served), sorted(served - everything)
    if missing or foreign:
        fail(f"paths differ from the standard's for {sorted(offered)}: missing {missing}, "
             f"not in the standard {foreign}", resp)


# --- what a browser may send ---------------------------------------------------------------------


@check(rule=RULE_CORS, area=AREA)
async def preflight_allows_request_proof(ctx: CheckContext) -> None:
    """A CORS preflight allows the ``Verzoek-Bewijs`` request header, and answers expose
    ``WWW-Authenticate``: a browser app can send its proofs and read why it was refused."""
    resp = await ctx.request("OPTIONS", OVERVIEW, headers={
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, verzoek-bewijs",
    })
    if "verzoek-bewijs" not in _tokens(resp.headers.get("access-control-allow-headers")):
        fail("the preflight's Access-Control-Allow-Headers "
             f"{resp.headers.get('access-control-allow-headers')!r} lacks Verzoek-Bewijs", resp)
    answer = await ctx.get(OVERVIEW, headers={"Origin": ORIGIN})
    if "www-authenticate" not in _tokens(answer.headers.get("access-control-expose-headers")):
        fail("Access-Control-Expose-Headers "
             f"{answer.headers.get('access-control-expose-headers')!r} lacks WWW-Authenticate",
             answer)


# --- a created pause can be read -----------------------------------------------------------------


def _endpoint_path(ctx: CheckContext, resp: httpx.Response) -> str | None:
    """The path below the endpoint that the answer's ``Location`` names, if it does."""
    location = urljoin(str(resp.request.url), resp.headers.get("location", ""))
    for base in (ctx.target.base_url, ctx.api_url):
        if location.startswith(base + "/"):
            return location[len(base):]
    return None


@check(rule=RULE_READABLE, area=AREA, needs=("test_bsn", "dienst:pauzes", "pause_case"))
async def created_pause_readable(ctx: CheckContext) -> None:
    """The ``Location`` of a created pause can be read: ``GET /pauzes/{pauze_id}`` answers
    200 with that pause; an unknown id is 404 algemeen/niet-gevonden."""
    session = await ctx.session()
    case = await pause_case(ctx, session)
    made = await create(ctx, session, valid_end_date(ctx), [case["zaakkenmerk"]])
    pauze = json_body(made)
    if made.status_code != httpx.codes.CREATED or not isinstance(pauze.get("id"), str):
        raise CheckSkipped(f"a valid pause was not created ({made.status_code}); the pause "
                           "checks report why")
    try:
        path = _endpoint_path(ctx, made)
        if path is None:
            fail(f"Location {made.headers.get('location')!r} is not below the endpoint", made)
        resp = await ctx.get(path, session)
        if resp.status_code != httpx.codes.OK:
            fail(f"GET {path} (the Location of the created pause) answered "
                 f"{resp.status_code} {problem_code(resp)!r}, expected 200", made, resp)
        read = json_body(resp)
        differs = {k: (v, read.get(k)) for k, v in pauze.items() if read.get(k) != v}
        if differs:
            fail(f"the pause read back differs from the one created: {differs}", made, resp)
        unknown = "/pauzes/00000000-0000-4000-8000-000000000000"
        expect_problem(await ctx.get(unknown, session), 404, NOT_FOUND)
    finally:
        await end(ctx, session, pauze["id"])


# --- the order of failures -----------------------------------------------------------------------


@check(rule=RULE_ORDER, area=AREA, needs=("test_bsn",))
async def authentication_before_body(ctx: CheckContext) -> None:
    """A request with a malformed body is refused for its missing credentials first: 401
    sessie/token-ontbreekt without a token, 401 verzoekbewijs/ontbreekt with a token but no
    proof — never 400."""
    path = write_probe(ctx)
    if path is None:
        raise NotApplicable("the source offers no service with a request body")
    resp = await ctx.post(path, content=MALFORMED_JSON, headers=JSON)
    expect_problem(resp, 401, "sessie/token-ontbreekt")
    session = await ctx.session()
    resp = await ctx.post(path, session, proof=None, content=MALFORMED_JSON, headers=JSON)
    expect_problem(resp, 401, "verzoekbewijs/ontbreekt")


@check(rule=RULE_ORDER, area=AREA)
async def unoffered_service_before_authentication(ctx: CheckContext) -> None:
    """A request to a service the source does not offer is 404 algemeen/dienst-niet-aangeboden
    before anything else: without a token it is not 401."""
    offered = set(ctx.config.get("diensten") or [])
    missing = [d for d in SERVICE_PROBES if d not in offered]
    if not missing:
        raise NotApplicable("the source offers every service; none can be asked for in vain")
    method, path = SERVICE_PROBES[missing[0]]
    resp = await ctx.request(method, path, content=MALFORMED_JSON, headers=JSON)
    expect_problem(resp, 404, NOT_OFFERED)


# The precedence both checks below quote (trust model §9.1, interface.md "Error precedence"):
#   6. 401 of the request proof (§6.2 steps 3–11);
#   7. 403 sessie/niveau-te-laag;
#   8. 415 verzoek/mediatype-niet-ondersteund, then 413 verzoek/te-groot;
#   9. 400: verzoek/ongeldig (body, query, headers, path parameters such as a non-UUID id),
#      idempotentie/sleutel-ontbreekt;
#   10. 404 algemeen/niet-gevonden for a resource (an unknown or another citizen's id);
#   11. 409 and 422 semantic codes of the operation.


@check(rule=RULE_ORDER, area=AREA, needs=("test_bsn",))
async def request_proof_before_media_type(ctx: CheckContext) -> None:
    """A write with a bad request proof and a ``text/plain`` body is refused for the proof:
    401 ``verzoekbewijs/…``, never 415.

    Trust model §9.1: "6. 401 of the request proof (§6.2 steps 3–11); 7. 403 …; 8. 415
    verzoek/mediatype-niet-ondersteund". The proof is valid but signed for ``GET``, so a
    source that looks at the media type after the proof's form but before its claims is
    caught too."""
    path = write_probe(ctx)
    if path is None:
        raise NotApplicable("the source offers no service with a request body")
    session = await ctx.session()
    proof = ctx.request_proof(session, "GET", path)  # htm GET on a POST
    resp = await ctx.post(path, session, proof=proof, content=b"zaakkenmerken=x", headers=TEXT)
    code = problem_code(resp) or ""
    if resp.status_code != httpx.codes.UNAUTHORIZED or not code.startswith("verzoekbewijs/"):
        fail(f"a POST {path} with a proof for GET and a text/plain body answered "
             f"{resp.status_code} {code!r}, expected 401 verzoekbewijs/… (the request proof "
             "comes before the media type)", resp)


@check(rule=RULE_ORDER, area=AREA, needs=("test_bsn", "dienst:betalingsregelingen"))
async def media_type_before_body_before_semantics(ctx: CheckContext) -> None:
    """With a valid session, ``POST /betalingsregelingen`` answers the earlier of two faults:
    a ``text/plain`` body naming a ``voorstel_id`` that is not a UUID is 415
    verzoek/mediatype-niet-ondersteund (not 400); a JSON body that breaks the schema (an
    unknown member) naming an unknown quote is 400 verzoek/ongeldig (not 422
    betalingsregeling/voorstel-onbekend).

    Trust model §9.1: "8. 415 verzoek/mediatype-niet-ondersteund … 9. 400: verzoek/ongeldig
    (body, query, headers, path parameters such as a non-UUID id) … 10. 404
    algemeen/niet-gevonden for a resource … 11. 409 and 422 semantic codes of the
    operation". (No operation of the source has both a path id and a body, so the ids are
    the body's; an unknown quote is 422, line 11.)"""
    session = await ctx.session()
    body = json.dumps({"voorstel_id": "geen-uuid"}).encode()
    resp = await ctx.post(ARRANGEMENTS, session, content=body,
                          headers={**TEXT, "Idempotency-Key": str(uuid.uuid4())})
    expect_problem(resp, 415, "verzoek/mediatype-niet-ondersteund")
    resp = await ctx.post(ARRANGEMENTS, session,
                          json={"voorstel_id": str(uuid.uuid4()), "conformance": True},
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    expect_problem(resp, 400, "verzoek/ongeldig")


# Where the checks run (conformance/profiles.py adds them; reading a pause needs pauzes).
PROFILE_CHECKS = {
    "basis": (
        configuratie_versions_major_minor,
        api_version_is_release_of_major_2,
        openapi_document_published,
        preflight_allows_request_proof,
        unoffered_service_before_authentication,
        authentication_before_body,
        request_proof_before_media_type,
        document_version_major_minor,
    ),
    "betalingsregelingen": (media_type_before_body_before_semantics,),
    "pauzes": (created_pause_readable,),
}
