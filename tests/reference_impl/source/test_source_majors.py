"""A source serving two majors side by side (`create_app(..., majors=(2, 3))`), listed with
two `eindpunten` in one scheme document: the mechanism the rollout test uses to play the next
major. Each mount announces its own wire version and checks proofs against its own endpoint;
a proof for one major's URL is refused at the other."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from source_support import SANNE, problem, start_source

from reference_impl.common.jose import generate_key
from reference_impl.common.request_proof import session_headers
from reference_impl.common.versions import WIRE_VERSION

pytestmark = pytest.mark.anyio


async def test_two_majors_side_by_side(tmp_path: Path):
    running = await start_source(tmp_path, majors=(2, 3))
    v3 = httpx.AsyncClient(transport=httpx.ASGITransport(app=running.app),
                           base_url="http://testserver/vorderingen/v3")
    try:
        trust, oin = running.trust, running.config.oin
        v2_url, v3_url = trust.api_url(oin, 2), trust.api_url(oin, 3)
        assert v2_url.endswith("/vorderingen/v2") and v3_url.endswith("/vorderingen/v3")
        assert (await running.client.get("/configuratie")).json()["api_versie"] == WIRE_VERSION
        configuration = (await v3.get("/configuratie")).json()
        assert (configuration["api_versie"], configuration["documentversie"]) == ("3.0", "3.0")

        # A new app opens its session at the v3 endpoint, naming that endpoint.
        app_key = generate_key()
        nonce = (await v3.post("/sessies/uitdagingen")).json()["nonce"]
        wrong = await v3.post("/sessies", json={
            "certificaat": trust.certificate(SANNE, app_key),
            "bewijs": trust.proof(app_key, nonce, oin, api_url=v2_url)})
        assert problem(wrong) == (401, "bewijs/verkeerd-eindpunt")
        nonce = (await v3.post("/sessies/uitdagingen")).json()["nonce"]
        opened = await v3.post("/sessies", json={
            "certificaat": trust.certificate(SANNE, app_key),
            "bewijs": trust.proof(app_key, nonce, oin, api_url=v3_url)})
        assert opened.status_code == 201, opened.text
        token = opened.json()["sessietoken"]
        overview = await v3.get("/vorderingenoverzicht", headers=session_headers(
            app_key, "GET", v3_url + "/vorderingenoverzicht", token, now=int(running.clock())))
        assert overview.status_code == 200
        assert overview.json()["document"]["documentversie"] == "3.0"
        # The same request proved for the v2 URL is refused at v3.
        misdirected = await v3.get("/vorderingenoverzicht", headers=session_headers(
            app_key, "GET", v2_url + "/vorderingenoverzicht", token, now=int(running.clock())))
        assert problem(misdirected) == (401, "verzoekbewijs/verkeerde-url")
        # An old app keeps using v2 as before.
        old = await running.session(SANNE)
        document = (await running.client.get("/vorderingenoverzicht", token=old)).json()
        assert document["document"]["documentversie"] == WIRE_VERSION
    finally:
        await v3.aclose()
        await running.close()
