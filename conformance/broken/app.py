"""The routes of a gallery source (spec/openapi/bron.yaml) on Starlette.

Each handler authorises first (service offered, session, DigiD level), then checks path
parameters and the body, then hands over to the domain module. `build` wraps the Starlette
app in `Conventions` (headers, CORS preflight, error boundary).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from conformance import specfiles
from conformance.broken import (
    arrangements,
    bodies,
    hulpvragen,
    pauses,
    reservations,
    sessions,
    testklok,
)
from conformance.broken.documents import build_document
from conformance.broken.envelopes import sign
from conformance.broken.errors import Problem
from conformance.broken.http import (
    INTERNAL_ERROR,
    Conventions,
    problem_response,
    read_body,
    render,
    routing_error,
)
from conformance.broken.source import Source

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _source(request: Request) -> Source:
    return request.app.state.source


async def _auth(request: Request, dienst: str) -> Any:
    return await sessions.authorize(_source(request), request, request.app.state.base_path, dienst)


def _path_id(request: Request, name: str) -> str:
    value = request.path_params[name]
    if not UUID.fullmatch(value):
        raise Problem(400, "verzoek/ongeldig", f"{name} is not a UUID.",
                      invalid_params=[{"name": name, "reason": "not a lowercase UUID"}])
    return value


async def _body(request: Request, schema: str) -> Any:
    flaws = _source(request).flaws
    validator = bodies.validator(schema, closed=not flaws.on("onbekende-velden-geaccepteerd"))
    return await read_body(request, validator, flaws)


def _created(request: Request, body: dict[str, Any], resource_id: str,
             headers: dict[str, str] | None = None) -> Response:
    location = request.url.replace(path=f"{request.url.path}/{resource_id}", query="")
    return JSONResponse(body, status_code=201, headers={"Location": str(location),
                                                        **(headers or {})})


async def get_configuratie(request: Request) -> Response:
    return JSONResponse(_source(request).configuratie())


async def create_uitdaging(request: Request) -> Response:
    return JSONResponse(sessions.new_challenge(_source(request)), status_code=201)


async def create_sessie(request: Request) -> Response:
    optional_proof = _source(request).flaws.on("sessie-zonder-bewijs")
    body = await _body(request, "sessie-bewijs-optioneel" if optional_proof else "sessie")
    return JSONResponse(sessions.open_session(_source(request), body), status_code=201)


async def delete_huidige_sessie(request: Request) -> Response:
    await sessions.end_session(_source(request), request, request.app.state.base_path)
    return Response(status_code=204)


async def get_vorderingenoverzicht(request: Request) -> Response:
    session = await _auth(request, "vorderingenoverzicht")
    source = _source(request)
    bsn = session.bsn
    if source.flaws.on("bsn-uit-query") and "bsn" in request.query_params:
        bsn = request.query_params["bsn"]  # a debugging aid left in production
    named = request.headers.get("x-bsn")
    if source.flaws.on("bsn-uit-header-bekende-burger") and named and source.cases_of(named):
        bsn = named  # a support tool's header, honoured only for citizens it knows
    if not source.cases_of(bsn) and source.flaws.on("geen-document-zonder-zaken"):
        raise Problem(404, "algemeen/niet-gevonden", "No claims for this citizen.")
    return JSONResponse(sign(source, build_document(source, bsn)))


async def create_voorstel(request: Request) -> Response:
    if _source(request).flaws.on("body-voor-sessie"):  # validation middleware before auth
        await _body(request, "voorstel")
    session = await _auth(request, "betalingsregelingen")
    body = await _body(request, "voorstel")
    return JSONResponse(arrangements.quote(_source(request), session, body), status_code=201)


async def create_betalingsregeling(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    key = arrangements.check_idempotency_key(request.headers.get("idempotency-key"))
    body = await _body(request, "betalingsregeling")
    answer, replayed = await arrangements.accept(_source(request), session, body, key)
    return _created(request, answer, answer["id"],
                    {"Idempotent-Replayed": "true"} if replayed else None)


async def list_betalingsregelingen(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    return JSONResponse(arrangements.listing(_source(request), session))


async def get_betalingsregeling(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    arrangement_id = _path_id(request, "betalingsregeling_id")
    return JSONResponse(arrangements.read(_source(request), session, arrangement_id))


async def delete_betalingsregeling(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    arrangements.withdraw(_source(request), session, _path_id(request, "betalingsregeling_id"))
    return Response(status_code=204)


async def create_reservering(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    key = arrangements.check_idempotency_key(request.headers.get("idempotency-key"))
    body = await _body(request, "reservering")
    answer, replayed = await reservations.reserve(_source(request), session, body, key)
    return _created(request, answer, answer["id"],
                    {"Idempotent-Replayed": "true"} if replayed else None)


async def get_reservering(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    found = reservations.find(_source(request), session, _path_id(request, "reservering_id"))
    return JSONResponse(reservations.reservation_view(_source(request), found))


async def bevestig_reservering(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    answer, made = await reservations.confirm(_source(request), session,
                                              _path_id(request, "reservering_id"))
    if not made:
        return JSONResponse(answer)
    base = request.url.path.rsplit("/reserveringen/", 1)[0]
    location = request.url.replace(path=f"{base}/{answer['id']}", query="")
    return JSONResponse(answer, status_code=201, headers={"Location": str(location)})


async def delete_reservering(request: Request) -> Response:
    session = await _auth(request, "betalingsregelingen")
    reservations.cancel(_source(request), session, _path_id(request, "reservering_id"))
    return Response(status_code=204)


async def create_pauze(request: Request) -> Response:
    session = await _auth(request, "pauzes")
    body = await _body(request, "pauze")
    answer = pauses.start(_source(request), session, body)
    return _created(request, answer, answer["id"])


async def list_pauzes(request: Request) -> Response:
    session = await _auth(request, "pauzes")
    return JSONResponse(pauses.listing(_source(request), session))


async def get_pauze(request: Request) -> Response:
    session = await _auth(request, "pauzes")
    return JSONResponse(pauses.read(_source(request), session, _path_id(request, "pauze_id")))


async def get_openapi(request: Request) -> Response:
    """The interface's OpenAPI document as JSON (ADR /core/publish-openapi)."""
    if _source(request).flaws.on("geen-openapi-json"):  # "the docs live on the portal"
        raise Problem(404, "algemeen/niet-gevonden", "No such resource.")
    return JSONResponse(specfiles.openapi())


async def delete_pauze(request: Request) -> Response:
    session = await _auth(request, "pauzes")
    pauses.end(_source(request), session, _path_id(request, "pauze_id"))
    return Response(status_code=204)


async def create_hulpvraag(request: Request) -> Response:
    session = await _auth(request, "hulpvragen")
    no_consent = _source(request).flaws.on("toestemming-niet-vereist")
    body = await _body(request, "hulpvraag-zonder-toestemming" if no_consent else "hulpvraag")
    return JSONResponse(hulpvragen.receive(_source(request), session, body), status_code=201)


async def testklok_endpoint(request: Request) -> Response:
    """GET/PUT /testklok (spec/testomgeving.md): the session citizen's test clock."""
    source = _source(request)
    _key, session = await sessions.authenticate(source, request, request.app.state.base_path)
    if request.method == "PUT":
        return JSONResponse(testklok.move(
            source, session.bsn, await read_body(request, testklok.BODY, source.flaws)))
    return JSONResponse(testklok.state(source, session.bsn))


ROUTES = (
    ("/configuratie", get_configuratie, ["GET"]),
    ("/openapi.json", get_openapi, ["GET"]),
    ("/sessies/uitdagingen", create_uitdaging, ["POST"]),
    ("/sessies", create_sessie, ["POST"]),
    ("/sessies/huidige", delete_huidige_sessie, ["DELETE"]),
    ("/vorderingenoverzicht", get_vorderingenoverzicht, ["GET"]),
    ("/betalingsregelingen/voorstellen", create_voorstel, ["POST"]),
    ("/betalingsregelingen", create_betalingsregeling, ["POST"]),
    ("/betalingsregelingen", list_betalingsregelingen, ["GET"]),
    ("/betalingsregelingen/{betalingsregeling_id}", get_betalingsregeling, ["GET"]),
    ("/betalingsregelingen/{betalingsregeling_id}", delete_betalingsregeling, ["DELETE"]),
    ("/betalingsregelingen/reserveringen", create_reservering, ["POST"]),
    ("/betalingsregelingen/reserveringen/{reservering_id}", get_reservering, ["GET"]),
    ("/betalingsregelingen/reserveringen/{reservering_id}", delete_reservering, ["DELETE"]),
    ("/betalingsregelingen/reserveringen/{reservering_id}/bevestiging", bevestig_reservering,
     ["POST"]),
    ("/pauzes", create_pauze, ["POST"]),
    ("/pauzes", list_pauzes, ["GET"]),
    ("/pauzes/{pauze_id}", get_pauze, ["GET"]),
    ("/pauzes/{pauze_id}", delete_pauze, ["DELETE"]),
    ("/hulpvragen", create_hulpvraag, ["POST"]),
    (testklok.PATH, testklok_endpoint, ["GET", "PUT"]),
)


def _routes(base_path: str, flaws: Any) -> list[Route]:
    """One Route per path (methods dispatched inside), so a wrong method is a clean 405.

    A literal path wins over a template even for a method only the template has:
    ``GET /betalingsregelingen/voorstellen`` is 405, not an arrangement id "voorstellen"."""
    by_path: dict[str, dict[str, Any]] = {}
    for path, handler, methods in ROUTES:
        if handler is get_pauze and flaws.on("pauze-niet-leesbaar"):  # 1.0's interface
            continue
        for method in methods:
            by_path.setdefault(base_path + path, {})[method] = handler
    literal = {path: sorted(handlers) for path, handlers in by_path.items() if "{" not in path}

    def dispatch(path: str, handlers: dict[str, Any]) -> Any:
        async def endpoint(request: Request) -> Response:
            if path not in literal and request.url.path in literal:
                raise HTTPException(405, headers={"Allow": ", ".join(literal[request.url.path])})
            method = "GET" if request.method == "HEAD" else request.method
            return await handlers[method](request)
        return endpoint

    return [Route(path, dispatch(path, handlers), methods=list(handlers))
            for path, handlers in by_path.items()]


def build(source: Source, *, base_path: str = "") -> ASGIApp:
    """The ASGI app of `source`, serving the interface under `base_path` (e.g. "" or
    "/vorderingen/v2")."""
    flaws = source.flaws
    routes = _routes(base_path.rstrip("/"), flaws)

    async def on_problem(_request: Request, exc: Problem) -> Response:
        return render(exc, flaws)

    async def on_routing(request: Request, exc: HTTPException) -> Response:
        return routing_error(request, exc, flaws)

    async def on_crash(_request: Request, _exc: Exception) -> Response:
        return problem_response(500, INTERNAL_ERROR, flaws=flaws)

    app = Starlette(routes=routes, exception_handlers={
        Problem: on_problem, HTTPException: on_routing, Exception: on_crash,
    })
    app.router.redirect_slashes = False
    app.state.source = source
    app.state.base_path = base_path.rstrip("/")
    return Conventions(app, routes, flaws)
