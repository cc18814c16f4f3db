"""The source's request handlers, one per operation of spec/openapi/bron.yaml.

Every handler reports failures in the precedence of the standard (design §9): is the
service offered (404 `algemeen/dienst-niet-aangeboden`), too many requests (429, on the
session-opening operations, per client, `rate_limit`, on by default), is there a valid scheme
document (503), the session token (401 `sessie/…`), the request proof (401 `verzoekbewijs/…`), the
level (403), the media type (415), the request (400), the resource (404), then the domain
rules (409/422). Authentication therefore always comes before the body is read. The BSN
is taken only from the session; it never comes from the request.

Handlers read which major they serve from `request.state.api` (an `ApiMount`, set by the
route): its base path and wire version. The same handlers serve every mounted major.

Domain decisions take the citizen's administrative time (`_now`): real time, or the test
clock's (spec/testomgeving.md) where the configuration enables it. Trust decisions (session,
request proof, the envelopes of a help request) always take real time.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from reference_impl.common.errors import TokenError
from reference_impl.common.http import body_validator, check_media_type, read_json
from reference_impl.common.problems import Problem, invalid_request, unauthorized
from reference_impl.common.scheme import Scheme
from reference_impl.common.versions import wire_version
from reference_impl.source.clock import CitizenClocks, rfc3339
from reference_impl.source.request_proofs import check_request_proof
from reference_impl.source.sessions import Session, require_level
from reference_impl.source.trust import verify_session_request

if TYPE_CHECKING:
    from reference_impl.source.app import Source

API = "bron"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
IDEMPOTENCY_KEY = re.compile(r"^[!-~]([ -~]*[!-~])?$")
IDEMPOTENCY_KEY_MAX = 255
JSON_MEDIA_TYPE = "application/json"
TEST_CLOCK_PATH = "/testklok"
_test_clocks: weakref.WeakKeyDictionary[Source, CitizenClocks] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class ApiMount:
    """One major of the interface as this source serves it: `/vorderingen/v{major}`."""

    major: int
    base_path: str

    @property
    def wire_version(self) -> str:
        return wire_version(self.major)


# --- helpers ---------------------------------------------------------------------------------


def _source(request: Request) -> Source:
    return request.app.state.source


def _api(request: Request) -> ApiMount:
    return request.state.api


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, headers=headers, media_type=JSON_MEDIA_TYPE)


def _offered(source: Source, dienst: str) -> None:
    if not source.config.offers(dienst):
        raise Problem(404, "algemeen/dienst-niet-aangeboden",
                      f"Deze organisatie biedt de dienst {dienst} niet aan.")


def own_url(request: Request, scheme: Scheme, source: Source) -> str | None:
    """The URL this request was meant for: the source's own scheme `api_url` for the major
    being called plus the path below that major's base path (None: not in the scheme)."""
    api = _api(request)
    api_url = scheme.api_url(source.config.oin, api.major)
    if api_url is None:
        return None
    # The path exactly as sent, percent-encoding and all (trust model §11.7: no
    # normalisation); it may carry a root_path in front of the base path.
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1").partition("?")[0] if raw else request.url.path
    return api_url + path[path.find(api.base_path) + len(api.base_path):]


async def _session(request: Request, dienst: str | None) -> tuple[Source, Session, Scheme]:
    """The checks every authenticated operation starts with, in the order of §9."""
    source = _source(request)
    await source.start()
    if dienst is not None:
        _offered(source, dienst)
    scheme = await source.scheme()
    now = source.now()
    session = await source.sessions.authenticate(request, now=now, scheme=scheme)
    # the citizen's version, read with the proof's jti: the overview cache's key
    request.state.citizen_version = await check_request_proof(
        request, session, expected_url=own_url(request, scheme, source),
        replays=source.replays, now=now)
    require_level(session, source.config.minimum_level(dienst) if dienst else None)
    return source, session, scheme


def _now(source: Source, session: Session) -> int:
    """The citizen's administrative now: real time unless a test clock moved it."""
    clocks = _test_clocks.get(source)
    return clocks.now(session.bsn) if clocks is not None else source.now()


def _resource_id(request: Request, name: str) -> str:
    value = request.path_params[name]
    if not UUID.fullmatch(value):
        raise invalid_request([(name, "is geen UUID")], "De id in het pad is geen UUID.")
    return value


async def _body(request: Request, path: str) -> Any:
    """The JSON body, valid against the request schema of `POST path` in openapi/bron.yaml."""
    return await read_json(request, body_validator(API, path, "post"))


# --- handlers --------------------------------------------------------------------------------


async def configuratie(request: Request) -> Response:
    config, api = _source(request).config, _api(request)
    body: dict[str, Any] = {
        "oin": config.oin, "naam": config.naam, "soort": config.soort,
        "api_versie": api.wire_version, "documentversie": api.wire_version,
        "diensten": list(config.diensten),
        "minimaal_betrouwbaarheidsniveau": {d: config.minimum_level(d) for d in config.diensten},
    }
    if config.betalingsregeling is not None:
        body["betalingsregeling"] = config.betalingsregeling.announced()
    if config.pauze is not None:
        body["pauze"] = config.pauze.announced()
    if config.testomgeving.short_lifetimes:  # spec/testomgeving.md §5
        body["testomgeving"] = {
            "nonce_geldigheid_s": config.testomgeving.nonce_geldigheid_s,
            "sessie_geldigheid_s": config.testomgeving.sessie_geldigheid_s}
    body["contact"] = config.contact
    return _json(body)


async def uitdaging(request: Request) -> Response:
    source = _source(request)
    await source.start()
    source.count_request(request)
    await source.scheme()  # no nonce without the trust to open a session with: 503
    nonce, expires_at = await source.sessions.new_nonce(source.now())
    return _json({"nonce": nonce, "verloopt_op": rfc3339(expires_at)}, 201)


async def sessie_openen(request: Request) -> Response:
    source = _source(request)
    await source.start()
    source.count_request(request)
    scheme = await source.scheme()
    body = await _body(request, "/sessies")
    now = source.now()
    try:
        claims = await verify_session_request(
            body["certificaat"], body["bewijs"], scheme=scheme, oin=source.config.oin,
            api_url=scheme.api_url(source.config.oin, _api(request).major),
            nonces=source.sessions, now=now)
    except TokenError as refused:
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    token, expires_at = await source.sessions.open(claims, now)
    return _json({"sessietoken": token, "verloopt_op": rfc3339(expires_at),
                  "betrouwbaarheidsniveau": claims["betrouwbaarheidsniveau"]}, 201)


async def sessie_beeindigen(request: Request) -> Response:
    source, session, _scheme = await _session(request, None)
    await source.sessions.end(session, source.now())
    return Response(status_code=204)


async def vorderingenoverzicht(request: Request) -> Response:
    source, session, _scheme = await _session(request, "vorderingenoverzicht")
    body = await source.overview.envelope_body(session.bsn, _now(source, session),
                                               documentversie=_api(request).wire_version,
                                               citizen_version=request.state.citizen_version)
    return Response(body, media_type=JSON_MEDIA_TYPE)


async def voorstel(request: Request) -> Response:
    source, session, _scheme = await _session(request, "betalingsregelingen")
    body = await _body(request, "/betalingsregelingen/voorstellen")
    return _json(await source.arrangements.quote(session.bsn, body, _now(source, session)), 201)


def _idempotency_key(request: Request, what: str) -> str:
    check_media_type(request)  # 415 comes before any 400, the missing key included
    key = request.headers.get("idempotency-key")
    if key is None:
        raise Problem(400, "idempotentie/sleutel-ontbreekt",
                      f"Stuur een Idempotency-Key mee bij het {what}.")
    if len(key) > IDEMPOTENCY_KEY_MAX or not IDEMPOTENCY_KEY.fullmatch(key):
        raise invalid_request([("Idempotency-Key", "1 tot 255 afdrukbare ASCII-tekens")])
    return key


def _created(request: Request, resource: dict[str, Any], replayed: bool) -> Response:
    """201 with the new resource's Location below the request's path; a repeated request
    (same Idempotency-Key and body) gets the first answer, marked as a replay."""
    headers = {"Location": f"{request.url.path}/{resource['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return _json(resource, 201, headers)


async def regeling_aangaan(request: Request) -> Response:
    source, session, _scheme = await _session(request, "betalingsregelingen")
    key = _idempotency_key(request, "aangaan van een betalingsregeling")
    body = await _body(request, "/betalingsregelingen")
    arrangement, replayed = await source.arrangements.accept(session.bsn, key, body,
                                                            _now(source, session))
    return _created(request, arrangement, replayed)


async def regelingen(request: Request) -> Response:
    source, session, _scheme = await _session(request, "betalingsregelingen")
    return _json({"betalingsregelingen": await source.arrangements.list(
        session.bsn, _now(source, session))})


async def regeling(request: Request) -> Response:
    source, session, _scheme = await _session(request, "betalingsregelingen")
    arrangement_id = _resource_id(request, "betalingsregeling_id")
    if request.method == "DELETE":
        await source.arrangements.withdraw(session.bsn, arrangement_id, _now(source, session))
        return Response(status_code=204)
    return _json(await source.arrangements.get(session.bsn, arrangement_id,
                                               _now(source, session)))


async def _reservations_session(request: Request) -> tuple[Source, Session]:
    """As `_session`, with "offered" meaning: two-phase agreement is (design §B.3)."""
    source = _source(request)
    limits = source.config.betalingsregeling
    if limits is None or limits.reservering_geldigheid_s is None:
        raise Problem(404, "algemeen/dienst-niet-aangeboden",
                      "Deze organisatie biedt geen reserveringen van betalingsregelingen aan.")
    source, session, _scheme = await _session(request, "betalingsregelingen")
    return source, session


async def reservering_aanmaken(request: Request) -> Response:
    source, session = await _reservations_session(request)
    key = _idempotency_key(request, "reserveren van een betalingsregeling")
    body = await _body(request, "/betalingsregelingen/reserveringen")
    reservation, replayed = await source.reservations.reserve(session.bsn, key, body,
                                                              _now(source, session))
    return _created(request, reservation, replayed)


async def reservering(request: Request) -> Response:
    source, session = await _reservations_session(request)
    reservation_id = _resource_id(request, "reservering_id")
    if request.method == "DELETE":
        await source.reservations.cancel(session.bsn, reservation_id, _now(source, session))
        return Response(status_code=204)
    return _json(await source.reservations.get(session.bsn, reservation_id,
                                               _now(source, session)))


async def bevestiging(request: Request) -> Response:
    source, session = await _reservations_session(request)
    reservation_id = _resource_id(request, "reservering_id")
    arrangement, created = await source.reservations.confirm(session.bsn, reservation_id,
                                                             _now(source, session))
    base = request.url.path[:request.url.path.rfind("/reserveringen/")]
    return _json(arrangement, 201 if created else 200,
                 {"Location": f"{base}/{arrangement['id']}"})


async def pauze_aanvragen(request: Request) -> Response:
    source, session, _scheme = await _session(request, "pauzes")
    body = await _body(request, "/pauzes")
    pause = await source.pauses.create(session.bsn, body, _now(source, session))
    return _created(request, pause, replayed=False)


async def pauzes(request: Request) -> Response:
    source, session, _scheme = await _session(request, "pauzes")
    return _json({"pauzes": await source.pauses.list(session.bsn, _now(source, session))})


async def pauze(request: Request) -> Response:
    source, session, _scheme = await _session(request, "pauzes")
    pause_id = _resource_id(request, "pauze_id")
    if request.method == "DELETE":
        await source.pauses.end(session.bsn, pause_id, _now(source, session))
        return Response(status_code=204)
    return _json(await source.pauses.get(session.bsn, pause_id, _now(source, session)))


async def hulpvraag(request: Request) -> Response:
    source, session, scheme = await _session(request, "hulpvragen")
    body = await _body(request, "/hulpvragen")
    return _json(await source.help_requests.create(session.bsn, body, scheme, source.now()), 201)


async def testklok(request: Request) -> Response:
    """GET/PUT /testklok: the citizen's test-clock shift (spec/testomgeving.md).
    Not offered: 404 before the session is looked at, so a probe needs no session."""
    source = _source(request)
    await source.start()
    if not source.config.testomgeving.klok or source.config.omgeving == "productie":
        raise Problem(404, "testomgeving/klok-niet-beschikbaar",
                      "Deze bron biedt geen testklok aan.", title="Testklok niet beschikbaar")
    source, session, _scheme = await _session(request, None)
    clocks = _test_clocks.get(source)
    if clocks is None:
        clocks = _test_clocks.setdefault(source, CitizenClocks(source.clock))
    if request.method == "PUT":
        body = await read_json(request, body_validator(API, TEST_CLOCK_PATH, "put"))
        clocks.set_shift(session.bsn, body["verschuiving_s"])
    return _json({"verschuiving_s": clocks.shift(session.bsn),
                  "nu": rfc3339(clocks.now(session.bsn))})
