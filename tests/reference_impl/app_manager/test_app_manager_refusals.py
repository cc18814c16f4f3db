"""What the App Manager refuses, with which status and code (spec/openapi/app-manager.yaml)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from app_manager_support import (
    BASE,
    AppSide,
    FakeClock,
    ValidatingClient,
    claims_of,
    problem,
)

from reference_impl.common.jose import generate_key, public_jwk, sign

pytestmark = pytest.mark.anyio


async def _logged_in(client: ValidatingClient, app_side: AppSide) -> dict[str, Any]:
    registration = await app_side.register(client)
    assert (await app_side.login(client, registration)).status_code == 200
    return registration


async def _request_certificate(client: ValidatingClient, registration: dict[str, Any],
                               aanvraag: str) -> Any:
    return await client.post("/certificaten", json={
        "registratie_id": registration["registratie_id"], "aanvraag": aanvraag})


# --- registration -----------------------------------------------------------------------------


async def test_private_key_member_is_refused(client: ValidatingClient, app_side: AppSide) -> None:
    private = {**app_side.jwk, "d": app_side.key.as_dict(private=True)["d"]}
    response = await client.post("/registraties", json={"publieke_sleutel": private},
                                 valid_request=False)
    assert problem(response) == (400, "verzoek/ongeldig")
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert names and all(n.startswith("/publieke_sleutel") for n in names)
    assert private["d"] not in response.text  # the private key is never echoed


async def test_point_off_the_curve_is_refused(client: ValidatingClient, app_side: AppSide) -> None:
    jwk = {**app_side.jwk, "y": app_side.jwk["x"]}
    jwk.pop("kid")
    response = await client.post("/registraties", json={"publieke_sleutel": jwk})
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_kid_that_is_not_the_thumbprint_is_refused(
    client: ValidatingClient, app_side: AppSide
) -> None:
    jwk = {**app_side.jwk, "kid": public_jwk(generate_key())["kid"]}
    response = await client.post("/registraties", json={"publieke_sleutel": jwk})
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_non_json_body_is_415(client: ValidatingClient) -> None:
    response = await client.post("/registraties", content=b"x=1", valid_request=False,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert problem(response) == (415, "verzoek/mediatype-niet-ondersteund")


# --- login ------------------------------------------------------------------------------------


async def test_login_of_non_uuid_is_400_and_unknown_is_404(client: ValidatingClient) -> None:
    assert problem(await client.get("/registraties/abc/inloggen", valid_request=False)) == (
        400, "verzoek/ongeldig")
    assert problem(await client.get(f"/registraties/{uuid.uuid4()}/inloggen")) == (
        404, "algemeen/niet-gevonden")


async def test_login_of_expired_registration_is_404(
    client: ValidatingClient, app_side: AppSide, clock: FakeClock
) -> None:
    registration = await app_side.register(client)
    clock.advance(601)
    response = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
    assert problem(response) == (404, "algemeen/niet-gevonden")


async def test_return_without_state_or_code_is_400(client: ValidatingClient) -> None:
    response = await client.get("/inloggen/terugkeer?code=abc", valid_request=False)
    assert problem(response) == (400, "verzoek/ongeldig")
    assert response.json()["invalid_params"] == [{"name": "state", "reason": "ontbreekt"}]


async def test_return_with_unknown_state_is_404(client: ValidatingClient) -> None:
    response = await client.get("/inloggen/terugkeer?state=onbekend&code=abc")
    assert problem(response) == (404, "algemeen/niet-gevonden")


async def test_return_with_refused_code_is_400_and_keeps_the_login_open(
    client: ValidatingClient, app_side: AppSide
) -> None:
    registration = await app_side.register(client)
    start = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
    state = start.headers["location"].split("state=")[1].split("&")[0]
    response = await client.get(f"/inloggen/terugkeer?state={state}&code=verzonnen")
    assert problem(response) == (400, "inloggen/code-ongeldig")
    refused = await _request_certificate(client, registration,
                                         app_side.aanvraag(registration["uitdaging"]))
    assert problem(refused) == (409, "registratie/niet-ingelogd")


async def test_a_login_code_works_once(client: ValidatingClient, app_side: AppSide) -> None:
    registration = await app_side.register(client)
    back = await app_side.login(client, registration)
    assert back.status_code == 200
    replay = await client.get(str(back.request.url).removeprefix(f"http://testserver{BASE}"))
    assert problem(replay) == (404, "algemeen/niet-gevonden")  # the state is spent


# --- certificate request ----------------------------------------------------------------------


async def test_not_logged_in_is_409(client: ValidatingClient, app_side: AppSide) -> None:
    registration = await app_side.register(client)
    response = await _request_certificate(client, registration,
                                          app_side.aanvraag(registration["uitdaging"]))
    assert problem(response) == (409, "registratie/niet-ingelogd")


async def test_unknown_or_expired_registration_is_422(
    client: ValidatingClient, app_side: AppSide, clock: FakeClock
) -> None:
    unknown = await _request_certificate(
        client, {"registratie_id": str(uuid.uuid4())}, app_side.aanvraag("x" * 43))
    assert problem(unknown) == (422, "registratie/onbekend")
    registration = await _logged_in(client, app_side)
    clock.advance(601)
    expired = await _request_certificate(client, registration,
                                         app_side.aanvraag(registration["uitdaging"]))
    assert problem(expired) == (422, "registratie/onbekend")


@pytest.mark.parametrize(("change", "code"), [
    ("other-key", "aanvraag/sleutel-onbekend"),
    ("wrong-aud", "aanvraag/verkeerde-ontvanger"),
    ("wrong-nonce", "aanvraag/nonce-onbekend"),
    ("stale", "aanvraag/verlopen"),
    ("future", "aanvraag/nog-niet-geldig"),
    ("wrong-typ", "aanvraag/verkeerd-type"),
    ("extra-claim", "aanvraag/claims-ongeldig"),
    ("garbage", "aanvraag/ongeldig-formaat"),
    ("session-proof", "aanvraag/verkeerd-type"),
])
async def test_certificate_request_refusals(
    client: ValidatingClient, app_side: AppSide, clock: FakeClock, change: str, code: str
) -> None:
    registration = await _logged_in(client, app_side)
    uitdaging, now = registration["uitdaging"], int(clock())
    aanvraag = {
        "other-key": lambda: app_side.aanvraag(uitdaging, key=generate_key()),
        "wrong-aud": lambda: app_side.aanvraag(uitdaging, aud="andere-app-manager"),
        "wrong-nonce": lambda: app_side.aanvraag("A" * 43),
        "stale": lambda: app_side.aanvraag(uitdaging, iat=now - 200),
        "future": lambda: app_side.aanvraag(uitdaging, iat=now + 200),
        "wrong-typ": lambda: app_side.aanvraag(uitdaging, typ="JWT"),
        "extra-claim": lambda: app_side.aanvraag(uitdaging, bsn="999993653"),
        "garbage": lambda: "geen.token",
        "session-proof": lambda: sign({"nonce": uitdaging, "aud": "x", "iat": now,
                                       "jti": str(uuid.uuid4())}, app_side.key,
                                      typ="sessie-bewijs+jwt"),
    }[change]()
    response = await _request_certificate(client, registration, aanvraag)
    assert problem(response) == (401, code)
    assert response.headers["www-authenticate"] == 'Bearer realm="vorderingen"'
    # A refused request does not spend the registration: the right one still works.
    good = await _request_certificate(client, registration, app_side.aanvraag(uitdaging))
    assert good.status_code == 201


# --- revocation -------------------------------------------------------------------------------


async def test_revocation_request_signed_by_another_key_is_refused(
    client: ValidatingClient, app_side: AppSide
) -> None:
    token = await app_side.certificate(client)
    response = await client.post("/intrekkingen", json={
        "certificaat": token,
        "verzoek": app_side.verzoek(claims_of(token)["jti"], key=generate_key())})
    assert problem(response) == (401, "intrekking/sleutel-onbekend")


async def test_revocation_of_another_certificate_is_refused(
    client: ValidatingClient, app_side: AppSide
) -> None:
    token = await app_side.certificate(client)
    response = await client.post("/intrekkingen", json={
        "certificaat": token, "verzoek": app_side.verzoek(str(uuid.uuid4()))})
    assert problem(response) == (401, "intrekking/certificaat-onjuist")


async def test_certificate_of_another_issuer_is_refused(
    client: ValidatingClient, app_side: AppSide, clock: FakeClock
) -> None:
    token = await app_side.certificate(client)
    forged = {**claims_of(token), "iss": "andere-app-manager"}
    response = await client.post("/intrekkingen", json={
        "certificaat": sign(forged, generate_key(), typ="app-certificaat+jwt"),
        "verzoek": app_side.verzoek(forged["jti"])})
    assert problem(response) == (401, "certificaat/uitgever-onbekend")


async def test_certificate_signed_by_an_impostor_is_refused(
    client: ValidatingClient, app_side: AppSide
) -> None:
    token = await app_side.certificate(client)
    claims = claims_of(token)
    response = await client.post("/intrekkingen", json={
        "certificaat": sign(claims, generate_key(), typ="app-certificaat+jwt"),
        "verzoek": app_side.verzoek(claims["jti"])})
    assert problem(response) == (401, "certificaat/sleutel-onbekend")


async def test_expired_certificate_can_still_be_revoked(
    client: ValidatingClient, app_side: AppSide, clock: FakeClock
) -> None:
    token = await app_side.certificate(client)
    clock.advance(13 * 3600)
    response = await client.post("/intrekkingen", json={
        "certificaat": token, "verzoek": app_side.verzoek(claims_of(token)["jti"])})
    assert response.status_code == 201


async def test_stale_revocation_request_is_refused(
    client: ValidatingClient, app_side: AppSide, clock: FakeClock
) -> None:
    token = await app_side.certificate(client)
    stale = app_side.verzoek(claims_of(token)["jti"], iat=int(clock()) - 300)
    response = await client.post("/intrekkingen", json={"certificaat": token, "verzoek": stale})
    assert problem(response) == (401, "intrekking/verlopen")


# --- common HTTP behaviour --------------------------------------------------------------------


async def test_unknown_path_and_wrong_method(client: ValidatingClient) -> None:
    assert problem(await client.get("/registraties/", in_spec=False)) == (
        404, "algemeen/niet-gevonden")
    wrong = await client.request("DELETE", "/intrekkingen", in_spec=False)
    assert problem(wrong) == (405, "algemeen/methode-niet-toegestaan")
    assert set(wrong.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


async def test_every_answer_carries_api_version_and_cors(client: ValidatingClient) -> None:
    response = await client.get("/intrekkingen")
    assert response.headers["api-version"] == "1.0.0"
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = await client.request("OPTIONS", "/registraties", in_spec=False)
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
