"""Schemathesis against the reference source with real sessions, shared by
test_source_schemathesis.py and bench/fuzz_bench.py.

- `RealClock`: wall-clock time (sessions and quotes expire as in production).
- `build_target(work, ...)`: a source for the demo municipality with the test clock facility
  on and generous arrangement limits, not yet started (it starts on its first request).
- `open_session(source)`: a real session token for the demo citizen, opened as an app does.
- `sign_case(source, case, token)`: `Authorization: Sessie` and a fresh `Verzoek-Bewijs` for
  the case's method and URL, laid over whatever headers were generated.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from schemathesis.python.asgi import get_client
from source_support import BASE, GEMEENTE, SANNE, BuiltSource, FakeClock, build_source

from reference_impl.common.jose import generate_key

BASE_URL = f"http://testserver{BASE}"


class RealClock(FakeClock):
    """Wall-clock time (sessions and quotes expire as in production)."""

    def __call__(self) -> float:
        return time.time()


def build_target(work: Path, **settings: Any) -> BuiltSource:
    """The fuzzed source. Generous limits, so that generated quotes are mostly acceptable and
    the stateful scenarios get past the quote to the arrangement (accept, read, withdraw) and
    through a reservation (reserve, read, confirm, cancel)."""
    return build_source(work, GEMEENTE, clock=RealClock(), betalingsregeling={
        "minimum_termijnbedrag": 1, "maximum_aantal_termijnen": 1200, "bedenktijd_dagen": 14,
        "voorstel_geldigheid_s": 900, "reservering_geldigheid_s": 900},
        testomgeving={"klok": True}, **settings)


def open_session(source: BuiltSource) -> str:
    """A session token for the demo citizen, opened through the app like an app does (its
    key kept in `trust.session_keys` to sign each case's request proof)."""
    client = get_client(source.app)
    app_key = generate_key()
    nonce = client.post(f"{BASE_URL}/sessies/uitdagingen").json()["nonce"]
    response = client.post(f"{BASE_URL}/sessies", json={
        "certificaat": source.trust.certificate(SANNE, app_key, niveau="hoog"),
        "bewijs": source.trust.proof(app_key, nonce, source.config.oin)})
    response.raise_for_status()
    token = response.json()["sessietoken"]
    source.trust.session_keys[token] = app_key
    return token


def sign_case(source: BuiltSource, case: Any, token: str) -> None:
    """Send `case` with `token` and a request proof signed now for its method and URL."""
    url = source.trust.api_url(source.config.oin) + case.formatted_path
    headers = source.trust.request_headers(token, case.method, url, now=int(time.time()))
    case.headers = {**(case.headers or {}), **headers}
