"""What the App Manager refuses, with which status and code (spec/openapi/app-manager.yaml)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from app_manager_support import (
    AppSide,
    FakeClock,
    ValidatingClient,
    citizen_logs_in,
    claims_of,
    problem,
)
from browser_support import Browser

from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.problems import WWW_AUTHENTICATE
from reference_impl.common.versions import STANDARD_VERSION

pytestmark = pytest.mark.anyio


async def _logged_in(client: ValidatingClient, app_side: AppSide,
                     manager_app: Any) -> tuple[dict[str, Any], str]:
    """A registration whose citizen logged in, and the code the app received."""
    registration = await app_side.register(client)
    result = await citizen_logs_in(manager_app, registration["inlog_url"])
    return registration, result["code"]


# --- registration -----------------------------------------------------------------------------


async def test_private_key_member_is_refused(client: ValidatingClient, app_side: AppSide) -> None:
    private = {**app_side.jwk, "d": app_side.key.as_dict(private=True)["d"]}
    response = await client.post("/registraties",
                                 json=app_side.registration_body(publieke_sleutel=private),
                                 valid_request=False)
    assert problem(response) == (400, "verzoek/ongeldig")
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert names and all(n.startswith("/publieke_sleutel") for n in names)
    assert private["d"] not in response.text  # the private key is never echoed


async def test_point_off_the_curve_is_refused(client: ValidatingClient, app_side: AppSide) -> None:
    jwk = {**app_side.jwk, "y": app_side.jwk["x"]}
    jwk.pop("kid")
    response = await client.post("/registraties",
                                 json=app_side.registration_body(publieke_sleutel=jwk))
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_kid_that_is_not_the_thumbprint_is_refused(
    client: ValidatingClient, app_side: AppSide
) -> None:
    jwk = {**app_side.jwk, "kid": public_jwk(generate_key())["kid"]}
    response = await client.post("/registraties",
                                 json=app_side.registration_body(publieke_sleutel=jwk))
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
    assert problem(await client.get(f"/registraties/{uuid.uuid4()}%0A/inloggen",
                                    valid_request=False)) == (400, "verzoek/ongeldig")


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


async def test_return_with_a_newline_after_state_is_400(client: ValidatingClient) -> None:
    response = await client.get("/inloggen/terugkeer?state=abc%0A&code=abc",
                                valid_request=False)
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_return_with_unknown_state_is_404(client: ValidatingClient) -> None:
    response = await client.get("/inloggen/terugkeer?state=onbekend&code=abc")
    assert problem(response) == (404, "algemeen/niet-gevonden")


async def test_an_identity_provider_state_works_once(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    registration = await app_side.register(client)
    browser = Browser(manager_app)
    try:
        consent = await browser.open(registration["inlog_url"])
        idp_page = await browser.submit(consent, button=("keuze", "doorgaan"))
        await browser.submit(idp_page)
        state = str(idp_page.url).split("state=")[1].split("&")[0]
        replay = await client.get(f"/inloggen/terugkeer?state={state}&code=abc")
        assert problem(replay) == (404, "algemeen/niet-gevonden")  # the state is spent
    finally:
        await browser.aclose()


# --- certificate request ----------------------------------------------------------------------


async def test_without_a_login_there_is_no_code(
    client: ValidatingClient, app_side: AppSide
) -> None:
    registration = await app_side.register(client)
    response = await client.post("/certificaten",
                                 json=app_side.certificate_body(registration, "A" * 43))
    assert problem(response) == (400, "inloggen/code-ongeldig")


async def test_unknown_or_expired_registration_is_422(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    unknown = await client.post("/certificaten", json=app_side.certificate_body(
        {"registratie_id": str(uuid.uuid4()), "uitdaging": "x" * 43}, "A" * 43))
    assert problem(unknown) == (422, "registratie/onbekend")
    registration, code = await _logged_in(client, app_side, manager_app)
    clock.advance(601)
    expired = await client.post("/certificaten",
                                json=app_side.certificate_body(registration, code))
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
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock,
    change: str, code: str
) -> None:
    registration, login_code = await _logged_in(client, app_side, manager_app)
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
    response = await client.post("/certificaten", json=app_side.certificate_body(
        registration, login_code, aanvraag=aanvraag))
    assert problem(response) == (401, code)
    assert response.headers["www-authenticate"] == WWW_AUTHENTICATE
    # The code was spent by that request, whatever its outcome.
    again = await client.post("/certificaten",
                              json=app_side.certificate_body(registration, login_code))
    assert problem(again) == (400, "inloggen/code-ongeldig")


# --- revocation -------------------------------------------------------------------------------


async def test_revocation_request_signed_by_another_key_is_refused(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    token = await app_side.certificate(client, manager_app)
    response = await client.post("/intrekkingen", json={
        "certificaat": token,
        "verzoek": app_side.verzoek(claims_of(token)["jti"], key=generate_key())})
    assert problem(response) == (401, "intrekking/sleutel-onbekend")


async def test_revocation_of_another_certificate_is_refused(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    token = await app_side.certificate(client, manager_app)
    response = await client.post("/intrekkingen", json={
        "certificaat": token, "verzoek": app_side.verzoek(str(uuid.uuid4()))})
    assert problem(response) == (401, "intrekking/certificaat-onjuist")


async def test_certificate_of_another_issuer_is_refused(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    token = await app_side.certificate(client, manager_app)
    forged = {**claims_of(token), "iss": "andere-app-manager"}
    response = await client.post("/intrekkingen", json={
        "certificaat": sign(forged, generate_key(), typ="app-certificaat+jwt"),
        "verzoek": app_side.verzoek(forged["jti"])})
    assert problem(response) == (401, "certificaat/uitgever-onbekend")


async def test_certificate_signed_by_an_impostor_is_refused(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    token = await app_side.certificate(client, manager_app)
    claims = claims_of(token)
    response = await client.post("/intrekkingen", json={
        "certificaat": sign(claims, generate_key(), typ="app-certificaat+jwt"),
        "verzoek": app_side.verzoek(claims["jti"])})
    assert problem(response) == (401, "certificaat/sleutel-onbekend")


async def test_expired_certificate_can_still_be_revoked(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    token = await app_side.certificate(client, manager_app)
    clock.advance(13 * 3600)
    response = await client.post("/intrekkingen", json={
        "certificaat": token, "verzoek": app_side.verzoek(claims_of(token)["jti"])})
    assert response.status_code == 201


async def test_stale_revocation_request_is_refused(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    token = await app_side.certificate(client, manager_app)
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
    assert response.headers["api-version"] == STANDARD_VERSION
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = await client.request("OPTIONS", "/registraties", in_spec=False)
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
