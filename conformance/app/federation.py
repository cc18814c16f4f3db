"""The federation the suite plays around an app under test, on one loopback port: the scheme
service, an App Manager and `SOURCES` — a correct source, one without claims, and broken
and hostile ones — all listed in one test scheme the suite signs with keys it made for this
run (never the organisation's or the demo's).

    with Federation(work_dir) as federation:
        federation.environment()      # the VORDERINGEN_* variables the app is started with
        federation.publish(token)     # serve another scheme document (rolled back, expired…)
        federation.scheme_variant(volgnummer=…, omgeving=…, signer=…, expired=True)

`Bron.expect` says what a correct app reports for each source: `ok` (beantwoord),
`leeg` (niets_te_melden), `weigeren` (geweigerd, nothing shown), `onbereikbaar`
(onbereikbaar), `niet-tonen` (onbereikbaar or geweigerd — a hostile answer: the app must
survive it and show nothing of it).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from conformance import broken, jose, scheme_server, specfiles
from conformance.app.app_manager import BASE_PATH as AM_PATH
from conformance.app.app_manager import SuiteAppManager
from conformance.app.sources import (
    Mutation,
    Recorder,
    Wrapped,
    break_sum,
    date_ahead,
    next_major,
    readdress,
    resign,
    tamper,
)
from conformance.errors import CouldNotRun
from conformance.jose import SigningKey
from conformance.keys import key_entry
from conformance.serving import BackgroundServer, bind_loopback, socket_url

OMGEVING = "test"
MANAGER_ID = "conformance-app-test-am"
SCHEME_ISSUER = "vorderingen-conformance-app-stelsel"
SCHEME_LIFETIME_S = 86400
KEYS_SINCE_S = 86400
REVOKED_AGO_S = 3600
TEST_BSN = broken.DEFAULT_TEST_BSNS[0]  # the gallery's citizen with cases
OTHER_BSN = broken.DEFAULT_TEST_BSNS[1]  # a real citizen of the gallery, not the one logged in
NIVEAU = "substantieel"
VERSIE = "2.1"
MAJOR = 2


@dataclass(frozen=True)
class Bron:
    slug: str
    naam: str
    expect: str
    flaw: str | None = None
    behaviour: str = ""
    mutation: Mutation | None = None
    revoked_key: bool = False
    retired_key: bool = False
    without_claims: bool = False
    unreachable: bool = False
    other_oin_config: bool = False


SOURCES: tuple[Bron, ...] = (
    Bron("goed", "Correcte bron", "ok"),
    Bron("leeg", "Bron zonder vorderingen", "leeg", without_claims=True),
    Bron("andere-configuratie", "Bron met andermans OIN in /configuratie", "ok",
         other_oin_config=True),
    Bron("gewijzigd", "Envelop onderweg gewijzigd", "weigeren", mutation=tamper),
    Bron("ander-bsn", "Document van een andere burger", "weigeren",
         mutation=readdress(OTHER_BSN)),
    Bron("verkeerde-sleutel", "Ondertekend met een onbekende sleutel", "weigeren",
         flaw="verkeerde-sleutel"),
    Bron("andere-oin", "Document van een andere organisatie", "weigeren",
         flaw="verkeerde-bron-oin"),
    Bron("ingetrokken-sleutel", "Ondertekend met een ingetrokken sleutel", "weigeren",
         revoked_key=True),
    Bron("uitgefaseerde-sleutel", "Ondertekend na het einde van de sleutel", "weigeren",
         retired_key=True),
    Bron("ongetekend", "Envelop met alg none", "weigeren",
         mutation=resign(lambda _document: None, alg="none")),
    Bron("som-klopt-niet", "Ondertekend document met een saldo dat niet klopt", "weigeren",
         mutation=resign(break_sum)),
    Bron("uit-de-toekomst", "Document opgesteld over twee dagen", "weigeren",
         mutation=resign(date_ahead)),
    Bron("volgende-major", "Document van documentversie 3.0", "weigeren",
         mutation=resign(next_major)),
    Bron("onbereikbaar", "Bron die niet luistert", "onbereikbaar", unreachable=True),
    Bron("storing", "Bron met een storing (503)", "onbereikbaar", behaviour="down"),
    Bron("traag", "Bron die niet op tijd antwoordt", "onbereikbaar", behaviour="slow"),
    Bron("eindeloos", "Bron die eindeloos doorstuurt", "niet-tonen", behaviour="endless"),
    Bron("enorm", "Bron met een antwoord van 32 MiB", "niet-tonen", behaviour="huge"),
    Bron("genest", "Bron met 100 000 niveaus JSON", "niet-tonen", behaviour="nested"),
)


def oin_of(index: int) -> str:
    return f"00000008{index + 1:012d}"


class _Router:
    """Dispatch by the first path segment: the scheme, the App Manager or a source."""

    def __init__(self, routes: dict[str, ASGIApp]) -> None:
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        first = scope.get("path", "/").split("/", 2)[1]
        app = self.routes.get(first)
        if app is None:
            body = b'{"status":404,"code":"algemeen/niet-gevonden","title":"Niet gevonden"}'
            await send({"type": "http.response.start", "status": 404, "headers": [
                (b"content-type", b"application/problem+json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)


class Federation:
    """The suite's scheme, App Manager and sources for one app run; see the module doc."""

    def __init__(self, work_dir: Path, *, now: int | None = None,
                 sources: tuple[Bron, ...] = SOURCES) -> None:
        self.work_dir = work_dir
        self.sources = sources  # tests may leave the slow ones out; a run uses SOURCES
        work_dir.mkdir(parents=True, exist_ok=True)
        self.moment = int(time.time()) if now is None else now
        self.scheme_key = SigningKey.generate()
        self.backup_key = SigningKey.generate()
        self.am_key = SigningKey.generate()
        self.source_keys = {b.slug: SigningKey.generate() for b in sources}
        self.oins = {b.slug: oin_of(i) for i, b in enumerate(sources)}
        self.recorder = Recorder()
        self.closing = threading.Event()
        self._sock = bind_loopback()
        self.url = socket_url(self._sock)
        # bound, never listening: connecting is refused while the federation lives
        self._dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._dead.bind(("127.0.0.1", 0))
        self.dead_url = f"http://127.0.0.1:{self._dead.getsockname()[1]}"
        self.app_manager = SuiteAppManager(MANAGER_ID, self.am_key, bsn=TEST_BSN, niveau=NIVEAU)
        self.app_manager.base_url = self.url
        self.volgnummer = self.moment
        self.scheme_payload = self._payload()
        self.scheme_token = self.sign(self.scheme_payload)
        self.scheme_path = work_dir / "stelseldocument.jwt"
        self.key_set_path = work_dir / "stelsel-sleutels.jwks"
        self.key_set_path.write_text(json.dumps(self.pinned_key_set()), encoding="utf-8")
        self.publish(self.scheme_token)
        self._server = BackgroundServer(self._router(), self._sock)

    # --- the scheme --------------------------------------------------------------------

    def api_url(self, bron: Bron) -> str:
        base = self.dead_url if bron.unreachable else self.url
        return f"{base}/{bron.slug}/vorderingen/v{MAJOR}"

    def pinned_key_set(self) -> dict[str, Any]:
        return {"keys": [self.scheme_key.published_jwk(), self.backup_key.published_jwk()]}

    def _organisation(self, bron: Bron) -> dict[str, Any]:
        entry = key_entry(self.source_keys[bron.slug].public_jwk, self.moment - KEYS_SINCE_S)
        if bron.revoked_key:
            entry["ingetrokken_op"] = self.moment - REVOKED_AGO_S
        if bron.retired_key:  # a successor key took over; this one stopped signing
            entry["geldig_tot"] = self.moment - REVOKED_AGO_S
        return {"oin": self.oins[bron.slug], "naam": bron.naam, "soort": "overig",
                "eindpunten": [{"api_url": self.api_url(bron), "major": MAJOR}],
                "sleutels": [entry], "diensten": ["vorderingenoverzicht"], "status": "actief"}

    def _payload(self) -> dict[str, Any]:
        payload = {
            "versie": VERSIE, "iss": SCHEME_ISSUER, "iat": self.moment,
            "exp": self.moment + SCHEME_LIFETIME_S, "volgnummer": self.volgnummer,
            "omgeving": OMGEVING,
            "organisaties": [self._organisation(b) for b in self.sources],
            "app_managers": [{
                "id": MANAGER_ID, "naam": "Vorderingen conformance suite (App Manager voor apps)",
                "status": "actief", "api_url": f"{self.url}{AM_PATH}",
                "sleutels": [key_entry(self.am_key.public_jwk, self.moment - KEYS_SINCE_S)]}],
            "ingetrokken_certificaten": [],
        }
        errors = sorted(specfiles.validator("stelseldocument").iter_errors(payload), key=str)
        if errors:
            raise CouldNotRun(f"the suite's app scheme is invalid: {errors[0].message}")
        return payload

    def sign(self, payload: dict[str, Any], key: SigningKey | None = None) -> str:
        return jose.encode(payload, key or self.scheme_key, typ=jose.TYP_SCHEME)

    def scheme_variant(self, *, volgnummer: int | None = None, omgeving: str | None = None,
                       expired: bool = False, signer: SigningKey | None = None) -> str:
        """The scheme document with one thing changed, signed (by `signer` when given)."""
        payload = json.loads(json.dumps(self.scheme_payload))
        if volgnummer is not None:
            payload["volgnummer"] = volgnummer
        if omgeving is not None:
            payload["omgeving"] = omgeving
        if expired:  # a whole lifetime ago, and over for longer than the clock skew
            payload["iat"] = self.moment - 2 * SCHEME_LIFETIME_S
            payload["exp"] = self.moment - SCHEME_LIFETIME_S
        return self.sign(payload, signer)

    def publish(self, token: str) -> None:
        self.scheme_path.write_text(token, encoding="utf-8")

    # --- serving -----------------------------------------------------------------------

    def _router(self) -> _Router:
        routes: dict[str, ASGIApp] = {
            "stelsel": scheme_server.build_app(self.scheme_path),
            "app-manager": self.app_manager.asgi(),
        }
        pinned = self.pinned_key_set()
        for bron in self.sources:
            if bron.unreachable:
                continue
            inner = broken.build_app(
                bron.flaw, oin=self.oins[bron.slug],
                signing_key=self.source_keys[bron.slug].private, scheme_key_jwk=pinned,
                scheme_document=self.scheme_token, omgeving=OMGEVING,
                diensten=("vorderingenoverzicht",),
                test_citizens={} if bron.without_claims else None,
                base_path=f"/{bron.slug}/vorderingen/v{MAJOR}")
            routes[bron.slug] = Wrapped(
                bron.slug, inner, self.recorder, key=self.source_keys[bron.slug],
                behaviour=bron.behaviour, mutation=bron.mutation,
                other_oin=self.oins["goed"] if bron.other_oin_config else "",
                closing=self.closing)
        return _Router(routes)

    def environment(self, state_dir: Path, timeout_s: float) -> dict[str, str]:
        """The documented variables an app under test is started with (spec/testomgeving.md)."""
        return {
            "VORDERINGEN_STELSEL_URL": f"{self.url}{scheme_server.SCHEME_PATH}",
            "VORDERINGEN_STELSEL_SLEUTELS": str(self.key_set_path),
            "VORDERINGEN_OMGEVING": OMGEVING,
            "VORDERINGEN_APP_MANAGER_URL": f"{self.url}{AM_PATH}",
            "VORDERINGEN_APP_MAP": str(state_dir),
            "VORDERINGEN_APP_TIMEOUT_S": f"{timeout_s:g}",
        }

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self.closing.set()
        self._server.stop()
        self._dead.close()

    def __enter__(self) -> Federation:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
