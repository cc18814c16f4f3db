"""Sessions bound to the app key: every request with a session token carries a fresh
`Verzoek-Bewijs` for exactly that request (design §6). A thief holding a copied token — even
with a copy of one earlier request's headers — can neither read nor write."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from source_support import SANNE, RunningSource, problem, start_source

from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.request_proof import access_token_hash, sign_request_proof
from reference_impl.source.app import default_scheme_source

pytestmark = pytest.mark.anyio
OVERVIEW = "/vorderingenoverzicht"


def assert_refused(response, code: str) -> None:
    assert problem(response) == (401, code)
    assert response.headers["www-authenticate"] == 'Sessie realm="vorderingen"'


async def test_a_copied_token_without_a_proof_reads_and_writes_nothing(
        gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    read = await gemeente.client.get(OVERVIEW, token=token, proof=False, valid_request=False)
    assert_refused(read, "verzoekbewijs/ontbreekt")
    write = await gemeente.client.post("/pauzes", token=token, proof=False, valid_request=False,
                                       json={"einddatum": "2026-02-01"})
    assert_refused(write, "verzoekbewijs/ontbreekt")


async def test_a_token_with_one_earlier_requests_headers_is_refused(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    client = gemeente.client
    assert (await client.get(OVERVIEW, token=token)).status_code == 200
    copied = client.last_headers
    replayed_read = await client.get(OVERVIEW, headers=copied)
    assert_refused(replayed_read, "verzoekbewijs/hergebruikt")
    # The write the citizen made, replayed by the thief: refused, and nothing is created twice.
    body = {"einddatum": "2026-01-20"}
    first = await client.post("/pauzes", token=token, json=body)
    assert first.status_code == 201
    replayed_write = await client.post("/pauzes", headers=client.last_headers, json=body)
    assert_refused(replayed_write, "verzoekbewijs/hergebruikt")
    # Reusing the read proof for a write is a proof for another method and URL.
    other = await client.post("/pauzes", headers=copied, json=body)
    assert_refused(other, "verzoekbewijs/verkeerde-methode")
    listed = await client.get("/pauzes", token=token)
    assert len(listed.json()["pauzes"]) == 1


@pytest.mark.parametrize(("change", "code"), [
    ("another URL", "verzoekbewijs/verkeerde-url"),
    ("another method", "verzoekbewijs/verkeerde-methode"),
    ("another token", "verzoekbewijs/token-onjuist"),
    ("another key", "verzoekbewijs/sleutel-onbekend"),
    ("forged signature", "verzoekbewijs/handtekening-ongeldig"),
    ("stale", "verzoekbewijs/verlopen"),
    ("from the future", "verzoekbewijs/nog-niet-geldig"),
    ("session proof instead", "verzoekbewijs/verkeerd-type"),
    ("unknown claim", "verzoekbewijs/claims-ongeldig"),
    ("two proofs", "verzoekbewijs/ongeldig-formaat"),
    ("not a token", "verzoekbewijs/ongeldig-formaat"),
])
async def test_a_proof_for_anything_else_is_refused(gemeente: RunningSource, change: str,
                                                    code: str):
    token = await gemeente.session(SANNE)
    key, now = gemeente.trust.session_keys[token], int(gemeente.clock())
    url = gemeente.api_url + OVERVIEW
    proof = sign_request_proof(key, "GET", url, token, now=now)
    if change == "another URL":
        proof = sign_request_proof(key, "GET", gemeente.api_url + "/pauzes", token, now=now)
    elif change == "another method":
        proof = sign_request_proof(key, "DELETE", url, token, now=now)
    elif change == "another token":
        proof = sign_request_proof(key, "GET", url, "y" * 43, now=now)
    elif change == "another key":
        proof = sign_request_proof(generate_key(), "GET", url, token, now=now)
    elif change == "forged signature":
        header, payload, _ = proof.split(".")
        other = sign_request_proof(key, "GET", url, token, now=now + 1).split(".")[2]
        proof = f"{header}.{payload}.{other}"
    elif change == "stale":
        proof = sign_request_proof(key, "GET", url, token, now=now - 121)
    elif change == "from the future":
        proof = sign_request_proof(key, "GET", url, token, now=now + 61)
    elif change == "session proof instead":
        proof = gemeente.trust.proof(key, "A" * 43, gemeente.config.oin)
    elif change == "unknown claim":
        proof = sign({"jti": str(uuid.uuid4()), "htm": "GET", "htu": url, "iat": now,
                      "ath": access_token_hash(token), "extra": 1}, key,
                     typ="verzoek-bewijs+jwt")
    elif change == "not a token":
        proof = "geen-token"
    headers = [("Authorization", f"Sessie {token}"), ("Verzoek-Bewijs", proof)]
    if change == "two proofs":
        headers.append(("Verzoek-Bewijs", sign_request_proof(key, "GET", url, token, now=now)))
    response = await gemeente.client.http.get(OVERVIEW, headers=headers)
    assert_refused(response, code)


async def test_the_url_is_compared_exactly_as_sent(gemeente: RunningSource):
    """`htu` is the path as sent, percent-encoding and all (trust model §11.7): a proof for
    the decoded path does not fit a request that encoded a character."""
    token = await gemeente.session(SANNE)
    key, now = gemeente.trust.session_keys[token], int(gemeente.clock())
    encoded = "/vorderingen%6Fverzicht"  # the same route: %6F is "o"

    async def get_encoded(signed_path: str):
        proof = sign_request_proof(key, "GET", gemeente.api_url + signed_path, token, now=now)
        return await gemeente.client.http.get(
            encoded, headers=[("Authorization", f"Sessie {token}"), ("Verzoek-Bewijs", proof)])

    assert problem(await get_encoded(OVERVIEW)) == (401, "verzoekbewijs/verkeerde-url")
    assert (await get_encoded(encoded)).status_code == 200


async def test_the_token_is_checked_before_the_proof_and_the_body(gemeente: RunningSource):
    # Precedence (§9): 401 session token → 401 proof → 403 → 415 → 400.
    unknown = await gemeente.client.post("/pauzes", token="z" * 43, proof=False,
                                         valid_request=False, content=b"<xml/>",
                                         headers={"Content-Type": "application/xml"})
    assert_refused(unknown, "sessie/token-ongeldig")
    token = await gemeente.session(SANNE)
    no_proof = await gemeente.client.post("/pauzes", token=token, proof=False,
                                          valid_request=False, json={"onzin": True})
    assert_refused(no_proof, "verzoekbewijs/ontbreekt")
    wrong_type = await gemeente.client.post(
        "/betalingsregelingen", token=token, valid_request=False, content=b"x",
        headers={"Content-Type": "text/plain"})
    assert problem(wrong_type) == (415, "verzoek/mediatype-niet-ondersteund")


async def test_delete_of_the_session_needs_a_proof_too(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    refused = await gemeente.client.delete("/sessies/huidige", token=token, proof=False,
                                           valid_request=False)
    assert_refused(refused, "verzoekbewijs/ontbreekt")
    assert (await gemeente.client.delete("/sessies/huidige", token=token)).status_code == 204


async def test_two_app_instances_on_one_database_share_the_replay_cache(
        tmp_path: Path, gemeente: RunningSource):
    """A second process serving the same organisation (same database, same scheme) refuses
    a proof the first one accepted, and of two racing requests with one proof one wins."""
    other = await start_source(tmp_path / "tweede", database_url=gemeente.config.database_url,
                               clock=gemeente.clock, trust=gemeente.trust,
                               key_file=str(gemeente.config.signing_key_path))
    try:
        token = await gemeente.session(SANNE)
        assert (await gemeente.client.get(OVERVIEW, token=token)).status_code == 200
        replayed = await other.client.get(OVERVIEW, headers=gemeente.client.last_headers)
        assert_refused(replayed, "verzoekbewijs/hergebruikt")
        headers = gemeente.trust.request_headers(token, "GET", gemeente.api_url + OVERVIEW)
        answers = await asyncio.gather(
            gemeente.client.http.get(OVERVIEW, headers=headers),
            other.client.http.get(OVERVIEW, headers=headers),
            gemeente.client.http.get(OVERVIEW, headers=headers))
        assert sorted(a.status_code for a in answers) == [200, 401, 401]
    finally:
        await other.close()


async def test_an_open_session_of_a_revoked_certificate_ends_at_the_next_refresh(
        gemeente: RunningSource):
    app_key = generate_key()
    certificate = gemeente.trust.certificate(SANNE, app_key)
    nonce = (await gemeente.client.post("/sessies/uitdagingen")).json()["nonce"]
    opened = await gemeente.client.post("/sessies", json={
        "certificaat": certificate,
        "bewijs": gemeente.trust.proof(app_key, nonce, gemeente.config.oin)})
    token = opened.json()["sessietoken"]
    gemeente.trust.session_keys[token] = app_key
    assert (await gemeente.client.get(OVERVIEW, token=token)).status_code == 200
    jti = _claims(certificate)["jti"]
    gemeente.trust.revoked.append(jti)
    gemeente.republish_scheme()
    # Until the source refreshes, it does not know (the bound is its refresh interval).
    assert (await gemeente.client.get(OVERVIEW, token=token)).status_code == 200
    await gemeente.source.scheme_source.refresh()
    after = await gemeente.client.get(OVERVIEW, token=token)
    assert_refused(after, "sessie/token-ongeldig")


async def test_a_revocation_reaches_open_sessions_within_the_refresh_interval(
        tmp_path: Path):
    """With `scheme_refresh_s: 5` (a short test value; the standard's maximum is 300) an
    open session of a revoked certificate is refused once 5 s have passed, with no help."""
    running = await start_source(tmp_path, scheme_refresh_s=5)
    try:
        source, trust = running.source, running.trust
        configured = replace(running.config, scheme=str(running.scheme_file),
                             scheme_keys=(public_jwk(trust.scheme_key),))
        source.scheme_source = default_scheme_source(configured, running.clock)
        assert source.scheme_source.refresh_s == 5
        token = await running.session(SANNE)
        session = await source.sessions.find(token, int(running.clock()))
        running.trust.revoked.append(session.certificaat_jti)
        running.republish_scheme()
        running.clock.advance(4)
        assert (await running.client.get(OVERVIEW, token=token)).status_code == 200
        running.clock.advance(2)
        assert_refused(await running.client.get(OVERVIEW, token=token), "sessie/token-ongeldig")
    finally:
        await running.close()


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
