"""The lost phone: a citizen revokes with only a fresh DigiD login, and within the demo's
latency bound every source refuses the certificate and its open sessions (issue 9, §5).

The app on the "phone" logs in and has an open session at every demo source. The citizen,
holding no app key, logs in on the App Manager's `/burger` pages in a browser, sees the
certificate (app, device, identity provider, level, `geldig`) and revokes everything. The
scheme service pulls the revocation list and re-signs; every source refreshes the scheme
(both every 2 s in the demo, design §5 allows 900 s in all): from then on `POST /sessies`
answers `certificaat/ingetrokken` and the phone's open sessions `sessie/token-ongeldig`.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from e2e_support import SANNE, bare_client, code_of, eventually, honest_app, log_in

from reference_impl.app.sources import SourceClient
from reference_impl.common.constants import INTREKKING_MAX_LATENTIE_S
from reference_impl.demo.test_citizen import TestCitizenBrowser

READ = "/vorderingenoverzicht"


async def _refuses(client: httpx.AsyncClient, source: SourceClient, token: str) -> bool:
    """True when this source refuses both the open session and a new one for the certificate."""
    read = await client.get(f"{source.base}{READ}",
                            headers=source.session_headers("GET", READ, token))
    if (read.status_code, code_of(read)) != (401, "sessie/token-ongeldig"):
        assert read.status_code == 200, read.text  # still served, until its next refresh
        return False
    nonce = (await client.post(f"{source.base}/sessies/uitdagingen")).json()["nonce"]
    opened = await client.post(f"{source.base}/sessies", json={
        "certificaat": source.identity.certificate,
        "bewijs": source.identity.proof(nonce, source.oin, source.api_url)})
    return (opened.status_code, code_of(opened)) == (401, "certificaat/ingetrokken")


@pytest.mark.anyio
async def test_a_citizen_without_the_app_key_revokes_and_every_source_refuses(
    federation: Any
) -> None:
    assert federation.revocation_latency_s < INTREKKING_MAX_LATENTIE_S
    phone = honest_app(federation, apparaat_naam="Telefoon van Sanne")
    async with phone, bare_client() as client:
        await log_in(phone)
        tokens = {s.oin: await s.open_session() for s in phone.sources}
        assert {s.status for s in (await phone.overview()).bronnen} <= {
            "beantwoord", "niets_te_melden"}

        # The phone is gone. On another device: a fresh DigiD login, no app key.
        async with TestCitizenBrowser(SANNE, omgeving="test") as citizen:
            listing = await citizen.open(f"{federation.app_manager_url}/burger")
            assert listing.url.endswith("/burger/certificaten"), listing.history
            for shown in ("Vorderingen referentie-app", "Telefoon van Sanne", "test-idp",
                          "substantieel", "geldig"):
                assert shown in listing.text
            revoked = await citizen.submit(listing, action_suffix="/burger/intrekkingen")
            revoked_at = time.monotonic()
        assert "/burger/certificaten" in revoked.url and "ingetrokken" in revoked.text

        async def everywhere_refused() -> bool:
            for source in phone.sources:
                if not await _refuses(client, source, tokens[source.oin]):
                    return False
            return True

        await eventually(everywhere_refused, federation.revocation_latency_s)
        assert time.monotonic() - revoked_at <= federation.revocation_latency_s
        overview = await phone.overview()
    assert {(s.status, s.code) for s in overview.bronnen} == {
        ("geweigerd", "sessie/token-ongeldig")}
