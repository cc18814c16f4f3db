"""Pause everything and ask for help, against a real federation (failures on the wire)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from federation_support import Fault, app_for, login_as, proxy_for

from reference_impl.app.bundle import make_bundle
from reference_impl.app.errors import AnswerError
from reference_impl.app.overview import today
from reference_impl.app.web.server import WebConfig, check_loopback, create_app

SANNE = "999993653"
CJIB, DUO, GEMEENTE, WATERSCHAP = (
    "00000001001234001000", "00000001001234002000", "00000001001234567000",
    "00000001001234004000")


@pytest.mark.anyio
async def test_pause_everything_in_one_action_shortened_to_each_maximum(
    fresh_federation: Any
) -> None:
    app, _ = app_for(fresh_federation)
    async with app:
        await login_as(app, SANNE)
        lines = {line.oin: line for line in await app.pause_everything(days=200)}
        overview = await app.overview()
    assert {oin: line.status for oin, line in lines.items()} == {
        CJIB: "gepauzeerd", DUO: "geen_pauzedienst", GEMEENTE: "gepauzeerd",
        WATERSCHAP: "niets_te_pauzeren"}
    # both allow at most 90 days (configuratie.pauze.maximum_duur_dagen)
    assert lines[CJIB].einddatum == (today() + timedelta(days=90)).isoformat()
    paused = {c["zaakkenmerk"]: c for c in overview.cases if c["status"] == "gepauzeerd"}
    assert set(paused) == {*lines[CJIB].zaakkenmerken, *lines[GEMEENTE].zaakkenmerken}
    assert all(c["pauze"]["einddatum"] == lines[CJIB].einddatum for c in paused.values())


@pytest.mark.anyio
async def test_one_failing_organisation_does_not_stop_the_pause_elsewhere(
    fresh_federation: Any
) -> None:
    app, _ = app_for(fresh_federation, proxy_for(fresh_federation, CJIB,
                                                 Fault("POST", r"/pauzes$", status=500)))
    async with app:
        await login_as(app, SANNE)
        lines = {line.oin: line for line in await app.pause_everything(days=10)}
    assert lines[CJIB].status == "onbereikbaar" and lines[CJIB].code == "algemeen/interne-fout"
    assert lines[GEMEENTE].status == "gepauzeerd"


@pytest.mark.anyio
async def test_help_request_carries_the_verified_bundle(federation: Any) -> None:
    app, _ = app_for(federation)
    async with app:
        await login_as(app, SANNE)
        overview = await app.overview()
        municipality, answer = await app.ask_help(bundle=make_bundle(overview),
                                                  telefoon="06 12345678",
                                                  toelichting="Graag hulp.")
        assert municipality.oin == GEMEENTE
        assert answer["status"] == "ontvangen" and answer["aantal_enveloppen"] == 4
        tampered = json.loads(json.dumps(make_bundle(overview)))
        tampered["enveloppen"][0]["document"]["financiele_zaken"][0]["saldo"] += 1
        with pytest.raises(AnswerError) as refused:
            await app.ask_help(bundle=tampered)
    assert refused.value.status == 422 and refused.value.code == "hulpvraag/envelop-ongeldig"


@pytest.mark.anyio
async def test_the_web_server_serves_only_static_files_and_its_configuration() -> None:
    config = WebConfig("http://127.0.0.1:1/stelsel/v2/stelseldocument",
                       [{"kty": "EC", "crv": "P-256", "x": "x", "y": "y"}], "test", None, 10.0)
    transport = httpx.ASGITransport(app=create_app(config))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        page = await client.get("/")
        assert page.status_code == 200 and "Mijn betalingsoverzicht" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert (await client.get("/config.json")).json()["omgeving"] == "test"
        assert (await client.get("/static/allocation.js")).status_code == 200
        assert (await client.post("/config.json")).status_code == 405
        assert (await client.get("/api/overzicht")).status_code == 404


def test_the_web_server_refuses_anything_but_loopback() -> None:
    from reference_impl.app.errors import SetupError

    check_loopback("127.0.0.1")
    check_loopback("::1")
    for host in ("0.0.0.0", "localhost"):  # an App Manager accepts no `localhost` redirect
        with pytest.raises(SetupError, match="loopback"):
            check_loopback(host)


@pytest.mark.anyio
async def test_interactive_login_waits_for_the_citizen(federation: Any) -> None:
    """The app shows the login URL (a plain `open_browser` that returns at once) and waits on
    its loopback port; the citizen logs in meanwhile in their own browser."""
    import asyncio

    from reference_impl.demo.test_citizen import TestCitizenBrowser

    app, _ = app_for(federation)
    shown: list[str] = []
    async with app, TestCitizenBrowser(SANNE, omgeving="test") as citizen:
        visits: list[asyncio.Task[Any]] = []

        def show(url: str) -> None:
            shown.append(url)
            visits.append(asyncio.get_running_loop().create_task(citizen.open(url)))

        identity = await app.login(show)
        final = await visits[0]
    assert identity.bsn == SANNE and identity.usable()
    assert shown and shown[0].startswith(federation.app_manager_url)
    # The citizen's browser ended on the app's loopback page, not on a page of the App Manager.
    assert final.url.startswith("http://127.0.0.1:") and "/terugkeer?" in final.url
    assert final.status == 200 and "U kunt dit venster sluiten" in final.text


def test_a_bundle_older_than_the_help_request_limit_is_not_sent() -> None:
    """A municipality refuses an envelope signed more than 14 days ago (`envelop/verouderd`);
    the app says so before sending, and asks for a fresh export."""
    import time

    from reference_impl.app.errors import BundleError
    from reference_impl.app.help_request import check_fresh

    signed = int(time.time()) - 3600
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(signed))
    bundle = {"bundelversie": "2.0", "aangemaakt_op": stamp,
              "enveloppen": [{"document": {"opgesteld_op": stamp}, "handtekening": "x..y"}]}
    check_fresh(bundle)
    check_fresh(bundle, now=signed + 14 * 86_400)
    with pytest.raises(BundleError, match="maak een nieuwe bundel"):
        check_fresh(bundle, now=signed + 14 * 86_400 + 1)
