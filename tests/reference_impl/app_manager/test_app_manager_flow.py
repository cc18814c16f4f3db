"""The whole life of an app certificate: registration → consent → test DigiD login →
redirect to the app's loopback listener → certificate → revocation → signed revocation list
→ a scheme document re-signed with the revoked jti."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from app_manager_support import (
    BASE,
    MANAGER_ID,
    MOHAMED,
    SANNE,
    AppSide,
    FakeClock,
    ValidatingClient,
    citizen_logs_in,
    claims_of,
    header_of,
    through_consent,
)
from browser_support import Browser, LoopbackListener

from reference_impl.common.jose import CERT_MAX_LIFETIME_S, generate_key, public_jwk, verify
from reference_impl.common.scheme import SchemeVerifier, key_entry
from reference_impl.scheme.description import SchemeDescription
from reference_impl.scheme.revocations import RevocationCollector
from reference_impl.scheme.service import SchemeService

pytestmark = pytest.mark.anyio


async def test_registration_answers_challenge_and_login_url(
    client: ValidatingClient, app_side: AppSide
) -> None:
    registration = await app_side.register(client)
    assert len(registration["uitdaging"]) == 43
    assert registration["inlog_url"] == (
        f"http://testserver{BASE}/registraties/{registration['registratie_id']}/inloggen")


async def test_honest_app_receives_code_state_and_iss_on_its_loopback_listener(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    async with LoopbackListener() as listener:
        app_side.redirect_uri = listener.redirect_uri
        registration = await app_side.register(client)
        browser = Browser(manager_app, (listener,))
        try:
            await through_consent(browser, registration["inlog_url"], bsn=MOHAMED, niveau="hoog")
        finally:
            await browser.aclose()
    assert browser.left_to[-1].startswith(listener.redirect_uri + "?")
    [received] = listener.received
    assert set(received) == {"code", "state", "iss"}
    assert received["state"] == app_side.state and received["iss"] == MANAGER_ID
    assert len(received["code"]) == 43  # LOGIN_CODE_BYTES = 32, base64url
    response = await client.post("/certificaten",
                                 json=app_side.certificate_body(registration, received["code"]))
    assert response.status_code == 201, response.text
    token = response.json()["certificaat"]
    manager_jwk = manager_app.state.app_manager.public_jwk
    claims = verify(token, typ="app-certificaat+jwt", prefix="certificaat",
                    keys_for=lambda _h, _c: [manager_jwk])
    assert header_of(token) == {"alg": "ES256", "typ": "app-certificaat+jwt",
                                "kid": manager_jwk["kid"]}
    assert claims["iss"] == MANAGER_ID
    assert claims["bsn"] == MOHAMED and claims["betrouwbaarheidsniveau"] == "hoog"
    assert claims["cnf"]["jwk"] == {k: app_side.jwk[k] for k in ("kty", "crv", "x", "y")}
    assert claims["iat"] == claims["nbf"] == int(clock())
    assert claims["inlogmoment"] == int(clock()) and claims["identiteitsdienst"] == "test-idp"
    assert 0 < claims["exp"] - claims["iat"] <= CERT_MAX_LIFETIME_S


async def test_certificate_records_when_the_citizen_logged_in(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    registration = await app_side.register(client)
    result = await citizen_logs_in(manager_app, registration["inlog_url"])
    logged_in_at = int(clock())
    clock.advance(45)
    response = await client.post("/certificaten",
                                 json=app_side.certificate_body(registration, result["code"]))
    claims = claims_of(response.json()["certificaat"])
    assert claims["inlogmoment"] == logged_in_at and claims["iat"] == logged_in_at + 45


async def test_a_registration_yields_one_certificate(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    registration = await app_side.register(client)
    result = await citizen_logs_in(manager_app, registration["inlog_url"])
    first = await client.post("/certificaten",
                              json=app_side.certificate_body(registration, result["code"]))
    again = await client.post("/certificaten",
                              json=app_side.certificate_body(registration, result["code"]))
    assert first.status_code == 201
    assert (again.status_code, again.json()["code"]) == (422, "registratie/onbekend")


async def test_revocation_is_published_in_the_signed_list(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    token = await app_side.certificate(client, manager_app)
    jti = claims_of(token)["jti"]
    empty = await client.get("/intrekkingen")
    assert claims_of(empty.text)["ingetrokken"] == []
    revoked = await client.post("/intrekkingen", json={
        "certificaat": token, "verzoek": app_side.verzoek(jti)})
    assert revoked.status_code == 201, revoked.text
    assert revoked.json()["certificaat_jti"] == jti
    listed = await client.get("/intrekkingen")
    assert listed.headers["content-type"] == "application/jose"
    assert listed.headers["cache-control"] == "public, max-age=60"
    assert listed.headers["etag"] != empty.headers["etag"]
    manager_jwk = manager_app.state.app_manager.public_jwk
    claims = verify(listed.text, typ="intrekkingenlijst+jwt", prefix="intrekkingenlijst",
                    keys_for=lambda _h, _c: [manager_jwk])
    assert claims["iss"] == MANAGER_ID and claims["ingetrokken"] == [jti]
    assert claims["exp"] - claims["iat"] <= 86_400


async def test_revoking_twice_keeps_the_first_time(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    token = await app_side.certificate(client, manager_app)
    jti = claims_of(token)["jti"]
    first = await client.post("/intrekkingen", json={
        "certificaat": token, "verzoek": app_side.verzoek(jti)})
    clock.advance(30)
    again = await client.post("/intrekkingen", json={
        "certificaat": token, "verzoek": app_side.verzoek(jti)})
    assert again.status_code == 201
    assert again.json()["ingetrokken_op"] == first.json()["ingetrokken_op"]


async def test_revocation_list_etag_and_304(client: ValidatingClient) -> None:
    first = await client.get("/intrekkingen")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    cached = await client.get("/intrekkingen", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == etag
    other = await client.get("/intrekkingen", headers={"If-None-Match": '"iets-anders"'})
    assert other.status_code == 200 and other.text == first.text


async def test_expired_certificates_leave_the_list(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    token = await app_side.certificate(client, manager_app)
    jti = claims_of(token)["jti"]
    await client.post("/intrekkingen", json={"certificaat": token,
                                             "verzoek": app_side.verzoek(jti)})
    clock.advance(CERT_MAX_LIFETIME_S + 120)
    listed = await client.get("/intrekkingen")
    assert claims_of(listed.text)["ingetrokken"] == []


async def test_scheme_is_resigned_with_the_revoked_jti(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    """The scheme operator pulls the list and copies it into a higher-numbered document."""
    operator_key = generate_key()
    manager_jwk = manager_app.state.app_manager.public_jwk
    description = SchemeDescription(
        iss="test-stelselbeheerder", omgeving="test", organisaties=(),
        app_managers=({"id": MANAGER_ID, "naam": "Test App Manager",
                       "api_url": f"http://127.0.0.1{BASE}",
                       "sleutels": [key_entry(manager_jwk, int(clock()) - 3600)],
                       "status": "actief"},))
    pull = httpx.AsyncClient(transport=httpx.ASGITransport(app=manager_app))
    service = SchemeService(description, operator_key,
                            collector=RevocationCollector(description, client=pull), clock=clock)
    verifier = SchemeVerifier(public_jwk(operator_key), "test")
    try:
        before = verifier.verify((await service.document()).token, now=int(clock()))
        assert before["ingetrokken_certificaten"] == []

        token = await app_side.certificate(client, manager_app, SANNE)
        jti = claims_of(token)["jti"]
        assert (await client.post("/intrekkingen", json={
            "certificaat": token, "verzoek": app_side.verzoek(jti)})).status_code == 201
        clock.advance(1)
        assert await service.refresh() is True

        after = verifier.verify(service.current.token, now=int(clock()))
        assert after["ingetrokken_certificaten"] == [jti]
        assert after["volgnummer"] > before["volgnummer"]
        assert await service.refresh() is False  # nothing changed: no new document
    finally:
        await pull.aclose()
