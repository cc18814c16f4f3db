"""A copied session token is worth nothing without the app's key (issue 9, design §6).

The honest app logs in and reads its overview at every demo source. A thief copies the
session token of each source and the full headers of one earlier request made with it
(from a log, a proxy, browser memory), then tries to read (`GET /vorderingenoverzicht`)
and to write (`POST /pauzes`, or a quote where a source offers no pauses) every way it
can without the app's private key: 401 each time, at every source.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from e2e_support import SANNE, bare_client, code_of, honest_app, log_in

from reference_impl.common.jose import b64url_encode, generate_key, sign, thumbprint
from reference_impl.common.request_proof import TYP, access_token_hash, session_headers

READ = "/vorderingenoverzicht"
REALM = 'Sessie realm="vorderingen"'


def _write(source: Any) -> tuple[str, dict[str, Any]]:
    if source.offers("pauzes"):
        return "/pauzes", {"einddatum": "2099-01-01"}
    return "/betalingsregelingen/voorstellen", {"zaakkenmerken": ["X"], "termijnbedrag": 5000}


def _spoofed_proof(key: Any, method: str, url: str, token: str, kid: str) -> str:
    """A request proof signed with the thief's key whose header names the app's key."""
    claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(time.time()),
              "ath": access_token_hash(token)}
    _header, payload, signature = sign(claims, key, typ=TYP).split(".")
    header = b64url_encode(json.dumps({"alg": "ES256", "typ": TYP, "kid": kid}).encode())
    return f"{header}.{payload}.{signature}"


@pytest.mark.anyio
async def test_a_copied_session_token_can_neither_read_nor_write(federation: Any) -> None:
    app = honest_app(federation)
    thief_key = generate_key()
    async with app:
        await log_in(app)
        assert all(s.status in ("beantwoord", "niets_te_melden")
                   for s in (await app.overview()).bronnen)
        app_kid = thumbprint(app.identity.public_jwk)
        async with bare_client() as thief:
            for source in app.sources:
                token = await source.open_session()
                read_url = f"{source.base}{READ}"
                # One earlier request, headers and all, as the thief copied it.
                copied = source.session_headers("GET", READ, token)
                genuine = await app.client.get(read_url, headers=copied)
                assert genuine.status_code == 200, source.naam
                write_path, write_body = _write(source)
                write_url = f"{source.base}{write_path}"
                sessie = {"Authorization": f"Sessie {token}"}
                attempts = {  # what the thief sends → the code it gets
                    "replayed read": ("GET", read_url, copied, "verzoekbewijs/hergebruikt"),
                    "bearer read": ("GET", read_url, {"Authorization": f"Bearer {token}"},
                                    "sessie/token-ontbreekt"),
                    "token only, read": ("GET", read_url, sessie, "verzoekbewijs/ontbreekt"),
                    "copied proof on a write": ("POST", write_url, copied,
                                                "verzoekbewijs/verkeerde-methode"),
                    "token only, write": ("POST", write_url, sessie, "verzoekbewijs/ontbreekt"),
                    "own key, read": ("GET", read_url, session_headers(
                        thief_key, "GET", read_url, token), "verzoekbewijs/sleutel-onbekend"),
                    "own key, write": ("POST", write_url, session_headers(
                        thief_key, "POST", write_url, token), "verzoekbewijs/sleutel-onbekend"),
                    "the app's kid, own signature": ("POST", write_url, {**sessie,
                        "Verzoek-Bewijs": _spoofed_proof(thief_key, "POST", write_url, token,
                                                         app_kid)},
                        "verzoekbewijs/handtekening-ongeldig"),
                }
                for what, (method, url, headers, expected) in attempts.items():
                    answer = await thief.request(method, url, headers=headers,
                                                 json=write_body if method == "POST" else None)
                    where = f"{source.naam}: {what}"
                    assert (answer.status_code, code_of(answer)) == (401, expected), where
                    assert answer.headers["www-authenticate"] == REALM, where
        # The owner's session is untouched by all this: the app still reads everywhere.
        again = await app.overview()
    assert {s.status for s in again.bronnen} <= {"beantwoord", "niets_te_melden"}
    assert {s.oin for s in again.bronnen} == {s.oin for s in federation.sources}
    assert app.identity.bsn == SANNE
