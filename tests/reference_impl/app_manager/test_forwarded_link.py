"""Issue 9's attack, tried as an attacker would: it registers its own key with its own
loopback redirect_uri and PKCE verifier, and sends a citizen the genuine login link. The
citizen completes the consent page and the test DigiD in their own browser. The login code
is delivered by that browser to the redirect_uri on the citizen's own device — this test,
playing the attacker, never reads it — and no request the attacker can make yields a
certificate. The honest app on the citizen's device still logs in."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from app_manager_support import (
    SANNE,
    AppSide,
    FakeClock,
    ValidatingClient,
    citizen_logs_in,
    problem,
    through_consent,
)
from browser_support import Browser

from reference_impl.common.jose import b64url_encode

pytestmark = pytest.mark.anyio


async def test_a_forwarded_login_link_yields_the_attacker_no_certificate(
    client: ValidatingClient, manager_app: Any, clock: FakeClock
) -> None:
    attacker = AppSide(clock, redirect_uri="http://127.0.0.1:49152/callback")
    registration = await attacker.register(client, app_naam="Uw boetes in één overzicht",
                                           apparaat_naam="Uw telefoon")

    # The citizen opens the genuine link in their own browser and completes the login.
    citizen_browser = Browser(manager_app)
    try:
        last = await through_consent(citizen_browser, registration["inlog_url"], bsn=SANNE)
    finally:
        await citizen_browser.aclose()
    assert last.status_code == 302
    # The code went to the registered loopback address: on the citizen's device, where no
    # attacker listens. What the browser carried there is not the attacker's to read.
    assert citizen_browser.left_to[-1].startswith("http://127.0.0.1:49152/callback?")

    async def certificate_request(**changes: Any) -> Any:
        body = attacker.certificate_body(registration, "A" * 43)
        body.update(changes)
        return await client.post("/certificaten", json=body,
                                 valid_request="inlogcode" in body)

    answers = []
    without_code = {k: v for k, v in attacker.certificate_body(registration, "A" * 43).items()
                    if k != "inlogcode"}
    answers.append(await client.post("/certificaten", json=without_code, valid_request=False))
    for _ in range(20):  # guessed codes
        answers.append(await certificate_request(
            inlogcode=b64url_encode(secrets.token_bytes(32))))
    answers.append(await certificate_request(inlogcode="A" * 43))
    # Its own verifier with a guessed code; a verifier guessed to look like the citizen's.
    answers.append(await certificate_request(code_verifier=attacker.verifier))
    answers.append(await certificate_request(code_verifier="c" * 64))
    # Replaying the registration (a fresh proof each time), and the consent page again.
    for _ in range(3):
        answers.append(await certificate_request(aanvraag=attacker.aanvraag(
            registration["uitdaging"])))
    again = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
    assert problem(again) == (404, "algemeen/niet-gevonden")  # the consent was given once
    # A second registration of the same key: not logged in, and the first code is not its.
    second = await attacker.register(client)
    answers.append(await client.post("/certificaten",
                                     json=attacker.certificate_body(second, "A" * 43)))
    # The return endpoint cannot be replayed without the state (a fresh secret per login).
    answers.append(await client.get("/inloggen/terugkeer?state=geraden&code=geraden"))

    assert all(a.status_code >= 400 for a in answers)
    assert all("certificaat" not in a.json() for a in answers)
    codes = {problem(a) for a in answers}
    assert codes <= {(400, "verzoek/ongeldig"), (400, "inloggen/code-ongeldig"),
                     (404, "algemeen/niet-gevonden")}, codes


async def test_the_honest_app_on_the_citizens_device_still_logs_in(
    client: ValidatingClient, manager_app: Any, clock: FakeClock
) -> None:
    attacker = AppSide(clock, redirect_uri="http://127.0.0.1:49152/callback")
    await attacker.register(client)
    honest = AppSide(clock)
    registration = await honest.register(client)
    result = await citizen_logs_in(manager_app, registration["inlog_url"], SANNE)
    response = await client.post("/certificaten",
                                 json=honest.certificate_body(registration, result["code"]))
    assert response.status_code == 201, response.text
