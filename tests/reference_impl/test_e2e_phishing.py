"""Tried as an attacker would against the demo federation: a forwarded login link yields no
certificate for the citizen who completes it (issue 9, design §4).

The attacker registers its own key with its own PKCE verifier and state, and a loopback
`redirect_uri` on a port it does not control at the citizen's side (the login result goes
to the citizen's own device). It sends the citizen the genuine `inlog_url`; the citizen
completes the consent page and DigiD in their own browser. The attacker then tries every
request it can make. It holds no DigiD credentials of the citizen, so logging in at the
identity provider as the citizen itself is not among them.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from e2e_support import bare_client, closed_port, code_of, honest_app, log_in

from reference_impl.app.identity import Identity
from reference_impl.app.loopback import new_pkce, new_state
from reference_impl.common.jose import b64url_encode, generate_key
from reference_impl.demo.test_citizen import BrowserError, TestCitizenBrowser

# A citizen no other end-to-end test logs in, so "no certificate was issued for you" holds in
# the federation the tests share.
VICTIM = "999990044"


def _registration(attacker: Identity, redirect_uri: str, challenge: str) -> dict[str, Any]:
    return {"publieke_sleutel": attacker.public_jwk, "redirect_uri": redirect_uri,
            "code_challenge": challenge, "code_challenge_method": "S256", "state": new_state(),
            "app_naam": "Vorderingen referentie-app", "apparaat_naam": "iPhone"}


@pytest.mark.anyio
async def test_a_forwarded_login_link_yields_the_attacker_no_certificate(federation: Any) -> None:
    manager = federation.app_manager_url
    attacker = Identity(generate_key())
    pkce = new_pkce()
    redirect_uri = f"http://127.0.0.1:{closed_port()}/terugkeer"
    async with bare_client() as client:
        # Only a loopback or an admitted https redirect is registered: no attacker's server.
        for elsewhere in ("https://aanvaller.example/terugkeer",
                          f"http://localhost:{closed_port()}/terugkeer"):
            refused = await client.post(f"{manager}/registraties",
                                        json=_registration(attacker, elsewhere, pkce.challenge))
            assert refused.status_code == 400
            assert code_of(refused) == "registratie/redirect-uri-ongeldig"
        answer = await client.post(f"{manager}/registraties",
                                   json=_registration(attacker, redirect_uri, pkce.challenge))
        assert answer.status_code == 201, answer.text
        registration = answer.json()

        # The citizen opens the genuine link in their own browser and logs in. The result
        # is delivered to the loopback address on the citizen's device, where nothing of the
        # attacker listens; the browser shows an error there, with the code in its address bar.
        async with TestCitizenBrowser(VICTIM, omgeving="test") as citizen:
            with pytest.raises(BrowserError, match="cannot open") as stopped:
                await citizen.open(registration["inlog_url"])
        assert f"{redirect_uri}?code=" in str(stopped.value)
        assert "Ga alleen verder als u zelf zojuist op dit apparaat" in citizen.pages[0].text

        async def certificate(**changes: Any) -> Any:
            body = {"registratie_id": registration["registratie_id"],
                    "inlogcode": b64url_encode(secrets.token_bytes(32)),
                    "code_verifier": pkce.verifier,
                    "aanvraag": attacker.certificate_request(federation.app_manager_id,
                                                             registration["uitdaging"])}
            body.update(changes)
            return await client.post(f"{manager}/certificaten",
                                     json={k: v for k, v in body.items() if v is not None})

        # 1.0.0's attack: ask for the certificate once the citizen has logged in.
        no_code = await certificate(inlogcode=None)
        assert (no_code.status_code, code_of(no_code)) == (400, "verzoek/ongeldig")
        # A guessed code, again and again: never the one the citizen's browser holds.
        for _ in range(3):
            guessed = await certificate()
            assert (guessed.status_code, code_of(guessed)) == (400, "inloggen/code-ongeldig")
        # The identity provider's return page with guessed values leads nowhere either.
        back = await client.get(f"{manager}/inloggen/terugkeer",
                                params={"state": new_state(), "code": new_state()})
        assert back.status_code in (400, 404)
        # A second registration of its own, redeemed with nothing it could have learnt.
        other = await client.post(f"{manager}/registraties",
                                  json=_registration(attacker, redirect_uri, pkce.challenge))
        assert other.status_code == 201
        crossed = await certificate(registratie_id=other.json()["registratie_id"])
        assert crossed.status_code in (400, 401) and "certificaat" not in crossed.json()

    # What the citizen sees: no certificate was issued for their BSN.
    async with TestCitizenBrowser(VICTIM, omgeving="test") as citizen:
        listing = await citizen.open(f"{manager}/burger")
    assert "Er zijn geen certificaten voor u uitgegeven" in listing.text

    # The honest app on the citizen's own device still logs in afterwards.
    app = honest_app(federation)
    async with app:
        identity = await log_in(app, VICTIM)
        assert identity.bsn == VICTIM
        overview = await app.overview()
    assert {s.status for s in overview.bronnen} <= {"beantwoord", "niets_te_melden"}
    async with TestCitizenBrowser(VICTIM, omgeving="test") as citizen:
        listing = await citizen.open(f"{manager}/burger")
    assert listing.text.count("<tr>") == 2  # the heading and the honest app's certificate
    assert "telefoon van de burger" in listing.text and "iPhone" not in listing.text
