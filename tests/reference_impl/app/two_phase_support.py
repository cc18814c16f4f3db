"""In-process sources of the two-phase agreement (design §B.3), for the app's orchestration.

`TwoPhaseSource` is a small ASGI source that keeps the state the agreement is about —
reservations, arrangements, which cases are held — and follows the operations of
spec/openapi/bron.yaml for it: sessions (not verified: this is about the agreement, the
session protocol is tested against the real sources), reservations with
`Idempotency-Key`, confirmation (201 first, 200 again), cancel (204 again), acceptance and
withdrawal (a group arrangement until `annuleerbaar_tot`, a separate one within its
cooling-off period). Every answer is checked by the app against the OpenAPI components,
so a drift from the spec fails the test. `refuse`, `lose`, `down` and `crash` inject a
refusal, a lost answer (the source acted, the answer never arrived), no connection
(nothing done) and a crash of the app.
The end-to-end test against the real demo sources is test_app_group_demo.py.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from reference_impl.app.identity import Identity, generate_key
from reference_impl.app.sources import SourceClient

RESERVE, CONFIRM = "POST reserve", "POST confirm"
CANCEL, ACCEPT, WITHDRAW = "DELETE reserve", "POST accept", "DELETE arrangement"


class Crash(BaseException):  # a crash of the app, not an error it handles
    """The app stops here (power cut): nothing after this step happens."""


def _at(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class TwoPhaseSource:
    oin: str
    naam: str
    bedenktijd_dagen: int = 14
    reservations: bool = True  # offers the two-phase agreement
    reservering_geldigheid_s: int = 600
    refuse: dict[str, str] = field(default_factory=dict)  # operation → problem code
    lose: dict[str, int] = field(default_factory=dict)  # operation → answers to lose
    crash: set[str] = field(default_factory=set)  # operations at which the app crashes
    down: set[str] = field(default_factory=set)  # operations that reach nobody (not done)
    held: dict[str, dict[str, Any]] = field(default_factory=dict)  # reservation id → it
    arrangements: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)  # Idempotency-Key → body
    calls: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.oin}.test/vorderingen/v2"

    def organisation(self) -> dict[str, Any]:
        return {"oin": self.oin, "naam": self.naam, "soort": "gemeente", "status": "actief",
                "eindpunten": [{"api_url": self.url, "major": 2}],
                "diensten": ["vorderingenoverzicht", "betalingsregelingen"]}

    def active(self) -> list[str]:
        return [i for i, a in self.arrangements.items() if a["status"] == "actief"]

    def voorstel(self, zaak: str = "Z-1", termijnbedrag: int = 5_000) -> dict[str, Any]:
        return {"voorstel_id": str(uuid.uuid4()), "zaakkenmerken": [zaak],
                "aantal_termijnen": 2, "totaalbedrag": 2 * termijnbedrag,
                "termijnbedrag": termijnbedrag, "verloopt_op": _at(datetime.now(UTC)),
                "termijnen": [{"volgnummer": 1, "vervaldatum": "2027-01-01",
                               "bedrag": termijnbedrag},
                              {"volgnummer": 2, "vervaldatum": "2027-02-01",
                               "bedrag": termijnbedrag}]}

    # --- the HTTP side --------------------------------------------------------------------

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/vorderingen/v2")
        operation, status, body = self._route(request.method, path, request)
        self.calls.append(operation)
        if operation in self.crash:
            self.crash.discard(operation)
            raise Crash(operation)
        if operation in self.down:
            raise httpx.ConnectError("no connection")
        if operation in self.refuse and status < 300:
            code = self.refuse[operation]
            return httpx.Response(409, json={"type": f"urn:x:{code}", "title": "Geweigerd",
                                             "status": 409, "code": code})
        # Act first, then lose the answer: the app must cope with "done, but not told".
        result = self._act(operation, status, body, request)
        if self.lose.get(operation):
            self.lose[operation] -= 1
            raise httpx.ConnectError("answer lost")
        return result

    def _route(self, method: str, path: str, request: httpx.Request) -> tuple[str, int, Any]:
        parts = path.strip("/").split("/")
        if path == "/sessies/uitdagingen":
            return "challenge", 201, None
        if path == "/sessies":
            return "session", 201, None
        if path == "/betalingsregelingen/reserveringen" and method == "POST":
            return RESERVE, 201, json.loads(request.content)
        if parts[:2] == ["betalingsregelingen", "reserveringen"] and len(parts) == 4:
            return CONFIRM, 201, parts[2]
        if parts[:2] == ["betalingsregelingen", "reserveringen"]:
            return ("GET reserve" if method == "GET" else CANCEL), 200, parts[2]
        if path == "/betalingsregelingen" and method == "POST":
            return ACCEPT, 201, json.loads(request.content)
        if parts[0] == "betalingsregelingen" and method == "DELETE":
            return WITHDRAW, 204, parts[1]
        return "unknown", 404, None

    def _act(self, operation: str, status: int, body: Any,
             request: httpx.Request) -> httpx.Response:
        now = datetime.now(UTC)
        if operation == "challenge":
            return httpx.Response(201, json={"nonce": secrets.token_urlsafe(32),
                                             "verloopt_op": _at(now + timedelta(seconds=120))})
        if operation == "session":
            return httpx.Response(201, json={"sessietoken": secrets.token_urlsafe(32),
                                             "verloopt_op": _at(now + timedelta(seconds=900)),
                                             "betrouwbaarheidsniveau": "substantieel"})
        if operation == RESERVE:
            key = request.headers["Idempotency-Key"]
            if key not in self.keys:
                reservation = {"id": str(uuid.uuid4()), "voorstel_id": body["voorstel_id"],
                               "groep_id": body["groep_id"], "groep_omvang": body["groep_omvang"],
                               "zaakkenmerken": ["Z-1"], "status": "gereserveerd",
                               "gereserveerd_op": _at(now), "vervalt_op": _at(
                                   now + timedelta(seconds=self.reservering_geldigheid_s))}
                self.held[reservation["id"]] = reservation
                self.keys[key] = reservation
            return httpx.Response(201, json=self.held[self.keys[key]["id"]])
        if operation == "GET reserve":
            return httpx.Response(200, json=self.held[body])
        if operation == CANCEL:
            reservation = self.held[body]
            if reservation["status"] == "bevestigd":
                return _problem(409, "betalingsregeling/reservering-bevestigd")
            reservation["status"] = "geannuleerd"
            return httpx.Response(204)
        if operation == CONFIRM:
            reservation = self.held[body]
            if reservation["status"] == "bevestigd":
                return httpx.Response(200, json=self.arrangements[
                    reservation["betalingsregeling_id"]])
            if reservation["status"] != "gereserveerd":
                return _problem(409, f"betalingsregeling/reservering-{reservation['status']}")
            arrangement = self._arrangement(now, groep=True)
            reservation.update(status="bevestigd", betalingsregeling_id=arrangement["id"])
            return httpx.Response(201, json=arrangement)
        if operation == ACCEPT:
            key = request.headers["Idempotency-Key"]
            if key not in self.keys:
                self.keys[key] = self._arrangement(now, groep=False)
            return httpx.Response(201, json=self.arrangements[self.keys[key]["id"]])
        if operation == WITHDRAW:
            arrangement = self.arrangements[body]
            until = arrangement.get("groep", {}).get("annuleerbaar_tot")
            limits = [arrangement["bedenktijd_tot"]] + ([until] if until else [])
            if arrangement["status"] == "actief" and max(limits) <= _at(now):
                return _problem(409, "betalingsregeling/bedenktijd-verstreken")
            arrangement.update(status="ingetrokken", ingetrokken_op=_at(now))
            return httpx.Response(204)
        return _problem(404, "algemeen/niet-gevonden")

    def _arrangement(self, now: datetime, *, groep: bool) -> dict[str, Any]:
        quote = self.voorstel()
        arrangement = {"id": str(uuid.uuid4()), "status": "actief",
                       "zaakkenmerken": quote["zaakkenmerken"],
                       "totaalbedrag": quote["totaalbedrag"],
                       "termijnbedrag": quote["termijnbedrag"], "aantal_termijnen": 2,
                       "termijnen": quote["termijnen"], "aangegaan_op": _at(now),
                       "bedenktijd_tot": _at(now + timedelta(days=self.bedenktijd_dagen))}
        if groep:
            arrangement["groep"] = {"id": str(uuid.uuid4()), "omvang": 1,
                                    "bevestigd_op": _at(now), "annuleerbaar_tot": _at(
                                        now + timedelta(seconds=self.reservering_geldigheid_s))}
        self.arrangements[arrangement["id"]] = arrangement
        return arrangement


def _problem(status: int, code: str) -> httpx.Response:
    return httpx.Response(status, json={"type": f"urn:x:{code}", "title": "Fout",
                                        "status": status, "code": code})


def clients(*sources: TwoPhaseSource) -> tuple[list[SourceClient], httpx.AsyncClient]:
    """One `SourceClient` per source over one in-process transport (a logged-in identity)."""
    routes: dict[str, Callable[[httpx.Request], Any]] = {
        f"{s.oin}.test": s for s in sources}

    async def handler(request: httpx.Request) -> httpx.Response:
        return await routes[request.url.host](request)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    identity = Identity(key=generate_key(), certificate="test-certificaat")
    return [SourceClient(s.organisation(), http, identity) for s in sources], http
