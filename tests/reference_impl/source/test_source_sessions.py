"""Sessions end to end: challenge, certificate + proof, token; and every way a session is
refused (trust model §3.2–§4), with real certificates the test issues as App Manager.
Request proofs on the session's later requests: test_source_request_proofs.py."""

from __future__ import annotations

import asyncio

import pytest
from source_support import SANNE, RunningSource, problem

from reference_impl.common.jose import generate_key, public_jwk
from reference_impl.source.clock import rfc3339

pytestmark = pytest.mark.anyio


async def challenge(source: RunningSource) -> str:
    response = await source.client.post("/sessies/uitdagingen")
    assert response.status_code == 201
    return response.json()["nonce"]


async def open_session(source: RunningSource, certificate: str, proof: str) -> dict:
    response = await source.client.post("/sessies", json={"certificaat": certificate,
                                                           "bewijs": proof})
    body = response.json()
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == 'Sessie realm="vorderingen"'
    return {"status": response.status_code, **body}


async def test_session_opens_and_is_bound_to_the_certificate_level(gemeente: RunningSource):
    app_key = generate_key()
    nonce = await challenge(gemeente)
    answer = await open_session(
        gemeente, gemeente.trust.certificate(SANNE, app_key, niveau="hoog"),
        gemeente.trust.proof(app_key, nonce, gemeente.config.oin))
    assert answer["status"] == 201
    assert answer["betrouwbaarheidsniveau"] == "hoog"
    assert len(answer["sessietoken"]) == 43
    gemeente.trust.session_keys[answer["sessietoken"]] = app_key
    overview = await gemeente.client.get("/vorderingenoverzicht", token=answer["sessietoken"])
    assert overview.status_code == 200
    assert overview.json()["document"]["bsn"] == SANNE
    assert overview.headers["cache-control"] == "no-store"


async def test_a_replayed_proof_is_refused(gemeente: RunningSource):
    app_key = generate_key()
    nonce = await challenge(gemeente)
    certificate = gemeente.trust.certificate(SANNE, app_key)
    proof = gemeente.trust.proof(app_key, nonce, gemeente.config.oin)
    assert (await open_session(gemeente, certificate, proof))["status"] == 201
    replay = await open_session(gemeente, certificate, proof)
    assert (replay["status"], replay["code"]) == (401, "bewijs/nonce-gebruikt")


async def test_two_concurrent_requests_with_one_nonce_open_one_session(gemeente: RunningSource):
    app_key = generate_key()
    nonce = await challenge(gemeente)
    certificate = gemeente.trust.certificate(SANNE, app_key)
    proofs = [gemeente.trust.proof(app_key, nonce, gemeente.config.oin) for _ in range(4)]
    answers = await asyncio.gather(*(open_session(gemeente, certificate, p) for p in proofs))
    assert sorted(a["status"] for a in answers) == [201, 401, 401, 401]
    assert {a.get("code") for a in answers if a["status"] == 401} == {"bewijs/nonce-gebruikt"}


async def test_a_refused_request_does_not_consume_the_nonce(gemeente: RunningSource):
    app_key = generate_key()
    nonce = await challenge(gemeente)
    rogue = gemeente.trust.certificate(SANNE, app_key, key=generate_key())
    proof = gemeente.trust.proof(app_key, nonce, gemeente.config.oin)
    refused = await open_session(gemeente, rogue, proof)
    assert (refused["status"], refused["code"]) == (401, "certificaat/sleutel-onbekend")
    good = await open_session(gemeente, gemeente.trust.certificate(SANNE, app_key), proof)
    assert good["status"] == 201


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("proof for another organisation", "bewijs/verkeerde-ontvanger"),
        ("proof for another endpoint", "bewijs/verkeerd-eindpunt"),
        ("login long before the certificate", "certificaat/claims-ongeldig"),
        ("certificate by a retired App Manager key", "certificaat/sleutel-onbekend"),
        ("nonce never issued", "bewijs/nonce-onbekend"),
        ("proof signed by another key", "bewijs/sleutel-onbekend"),
        ("certificate by an unknown App Manager", "certificaat/uitgever-onbekend"),
        ("certificate already expired", "certificaat/verlopen"),
        ("certificate lives too long", "certificaat/looptijd-te-lang"),
        ("certificate as proof", "bewijs/verkeerd-type"),
        ("not a token", "certificaat/ongeldig-formaat"),
    ],
)
async def test_session_refusals(gemeente: RunningSource, change: str, code: str):
    trust, oin, now = gemeente.trust, gemeente.config.oin, int(gemeente.clock())
    app_key = generate_key()
    nonce = await challenge(gemeente)
    certificate = trust.certificate(SANNE, app_key)
    proof = trust.proof(app_key, nonce, oin)
    if change == "proof for another organisation":
        proof = trust.proof(app_key, nonce, "00000009999999999000")
    elif change == "proof for another endpoint":
        proof = trust.proof(app_key, nonce, oin, api_url="http://127.0.0.1:8999/vorderingen/v2")
    elif change == "login long before the certificate":
        certificate = trust.certificate(SANNE, app_key, inlogmoment=now - 601)
    elif change == "certificate by a retired App Manager key":
        # The App Manager's key may sign only until an hour ago: a certificate it "issues"
        # now is refused although the key is still listed (for what it signed before).
        manager = trust.scheme_payload()["app_managers"][0]
        retired = {**manager, "sleutels": [{**manager["sleutels"][0], "geldig_tot": now - 3600}]}
        gemeente.trust.scheme_payload = lambda base=trust.scheme_payload: {  # type: ignore
            **base(), "app_managers": [retired]}
        await gemeente.advance(0)
    elif change == "nonce never issued":
        proof = trust.proof(app_key, "A" * 43, oin)
    elif change == "proof signed by another key":
        proof = trust.proof(generate_key(), nonce, oin)
    elif change == "certificate by an unknown App Manager":
        certificate = trust.certificate(SANNE, app_key, iss="onbekende-app-manager")
    elif change == "certificate already expired":
        certificate = trust.certificate(SANNE, app_key, iat=now - 7200, nbf=now - 7200,
                                        exp=now - 3600)
    elif change == "certificate lives too long":
        certificate = trust.certificate(SANNE, app_key, exp=now + 43_201)
    elif change == "certificate as proof":
        proof = certificate
    elif change == "not a token":
        certificate = "geen-token"
    answer = await open_session(gemeente, certificate, proof)
    assert (answer["status"], answer["code"]) == (401, code)


async def test_an_expired_nonce_is_refused(gemeente: RunningSource):
    app_key = generate_key()
    nonce = await challenge(gemeente)
    gemeente.clock.advance(121)
    answer = await open_session(gemeente, gemeente.trust.certificate(SANNE, app_key),
                                gemeente.trust.proof(app_key, nonce, gemeente.config.oin))
    assert (answer["status"], answer["code"]) == (401, "bewijs/nonce-verlopen")


async def test_a_certificate_revoked_in_a_newer_scheme_is_refused(gemeente: RunningSource):
    app_key = generate_key()
    certificate = gemeente.trust.certificate(SANNE, app_key)
    gemeente.trust.revoked.append(_jti(certificate))
    gemeente.republish_scheme()
    await gemeente.source.scheme_source.refresh()
    nonce = await challenge(gemeente)
    answer = await open_session(gemeente, certificate,
                                gemeente.trust.proof(app_key, nonce, gemeente.config.oin))
    assert (answer["status"], answer["code"]) == (401, "certificaat/ingetrokken")


async def test_session_token_problems(gemeente: RunningSource):
    client = gemeente.client
    missing = await client.get("/vorderingenoverzicht", valid_request=False)
    assert problem(missing) == (401, "sessie/token-ontbreekt")
    assert missing.headers["www-authenticate"] == 'Sessie realm="vorderingen"'
    token = await gemeente.session(SANNE)
    bearer = await client.get("/vorderingenoverzicht", valid_request=False,
                              headers={"Authorization": f"Bearer {token}"})
    assert problem(bearer) == (401, "sessie/token-ontbreekt")  # the Bearer scheme is gone
    unknown = await client.get("/vorderingenoverzicht", token="x" * 43, valid_request=False)
    assert problem(unknown) == (401, "sessie/token-ongeldig")
    lower = await client.get("/vorderingenoverzicht", valid_request=False, headers={
        **gemeente.trust.request_headers(token, "GET", f"{gemeente.api_url}/vorderingenoverzicht"),
        "Authorization": f"sessie {token}"})
    assert lower.status_code == 200  # the auth scheme is case-insensitive (RFC 9110 §11.1)


async def test_the_session_is_bound_to_the_certificate_key_and_lifetime(
        gemeente: RunningSource):
    app_key = generate_key()
    certificate = gemeente.trust.certificate(SANNE, app_key, exp=int(gemeente.clock()) + 300)
    answer = await open_session(gemeente, certificate, gemeente.trust.proof(
        app_key, await challenge(gemeente), gemeente.config.oin))
    assert answer["status"] == 201
    # verloopt_op = min(now + 900, certificate exp): 300 s, not 900 s
    assert answer["verloopt_op"] == rfc3339(int(gemeente.clock()) + 300)
    token = answer["sessietoken"]
    gemeente.trust.session_keys[token] = app_key
    source = gemeente.source
    session = await source.sessions.find(token, int(gemeente.clock()))
    assert session is not None and session.jwk["x"] == public_jwk(app_key)["x"]
    gemeente.clock.advance(301)
    after = await gemeente.client.get("/vorderingenoverzicht", token=token)
    assert problem(after) == (401, "sessie/token-ongeldig")


async def test_an_ended_or_expired_session_is_refused(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    ended = await gemeente.client.delete("/sessies/huidige", token=token)
    assert ended.status_code == 204
    after = await gemeente.client.get("/vorderingenoverzicht", token=token)
    assert after.json()["code"] == "sessie/token-ongeldig"
    token = await gemeente.session(SANNE)
    gemeente.clock.advance(901)
    expired = await gemeente.client.get("/vorderingenoverzicht", token=token)
    assert problem(expired) == (401, "sessie/token-ongeldig")


async def test_a_level_below_the_minimum_is_refused(gemeente: RunningSource):
    token = await gemeente.session(SANNE, niveau="midden")
    assert (await gemeente.client.get("/vorderingenoverzicht", token=token)).status_code == 200
    below = await gemeente.client.get("/pauzes", token=token)
    assert problem(below) == (403, "sessie/niveau-te-laag")


def _jti(certificate: str) -> str:
    import base64
    import json

    payload = certificate.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]
