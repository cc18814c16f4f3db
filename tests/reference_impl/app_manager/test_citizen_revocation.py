"""Revocation the citizen controls (design §5): a fresh login at the App Manager's own
pages, the list of the certificates issued for that BSN only, revoking all of them, and no
BSN in clear in the database or the logs."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from app_manager_support import (
    BASE,
    MOHAMED,
    SANNE,
    AppSide,
    FakeClock,
    ValidatingClient,
    build_app_manager,
    citizen_logs_in,
    claims_of,
    problem,
)
from browser_support import Browser, forms_of

from reference_impl.app_manager import tables
from reference_impl.common.jose import verify

pytestmark = pytest.mark.anyio
COOKIE = "beheersessie"


async def _certificate(client: ValidatingClient, app: Any, clock: FakeClock, bsn: str,
                       device: str) -> str:
    side = AppSide(clock)
    registration = await side.register(client, apparaat_naam=device)
    result = await citizen_logs_in(app, registration["inlog_url"], bsn)
    response = await client.post("/certificaten",
                                 json=side.certificate_body(registration, result["code"]))
    assert response.status_code == 201, response.text
    return str(response.json()["certificaat"])


async def _manage(browser: Browser, bsn: str) -> httpx.Response:
    """The citizen's browser: start page → log in anew → the list of certificates."""
    start = await browser.open(f"{BASE}/burger")
    assert start.status_code == 200 and '<html lang="nl">' in start.text
    idp_page = await browser.submit(start)
    assert "Test-DigiD" in idp_page.text
    listed = await browser.submit(idp_page, bsn=bsn, niveau="midden")
    assert listed.status_code == 200 and str(listed.url).endswith(f"{BASE}/burger/certificaten")
    return listed


async def test_citizen_lists_only_their_own_certificates_and_revokes_all(
    client: ValidatingClient, manager_app: Any, clock: FakeClock
) -> None:
    own = [await _certificate(client, manager_app, clock, SANNE, device)
           for device in ("Telefoon van Sanne", "Laptop van Sanne")]
    other = await _certificate(client, manager_app, clock, MOHAMED, "Telefoon van Mohamed")
    browser = Browser(manager_app)
    try:
        listed = await _manage(browser, SANNE)
        for device in ("Telefoon van Sanne", "Laptop van Sanne"):
            assert device in listed.text
        assert "Mohamed" not in listed.text
        assert listed.text.count(">geldig<") == 2 and "test-idp" in listed.text
        assert "Vorderingen-app" in listed.text and "substantieel" in listed.text
        assert SANNE not in listed.text  # the page does not show the BSN either
        [form] = forms_of(listed.text)
        assert set(form.fields) == {"formulier_token"}

        after = await browser.submit(listed)
        assert after.status_code == 200 and after.text.count(">ingetrokken<") == 2
        assert ">geldig<" not in after.text
    finally:
        await browser.aclose()

    revocation_list = await client.get("/intrekkingen")
    assert revocation_list.headers["cache-control"] == "public, max-age=60"
    manager_jwk = manager_app.state.app_manager.public_jwk
    revoked = verify(revocation_list.text, typ="intrekkingenlijst+jwt", prefix="x",
                     keys_for=lambda _h, _c: [manager_jwk])["ingetrokken"]
    assert sorted(revoked) == sorted(claims_of(token)["jti"] for token in own)
    assert claims_of(other)["jti"] not in revoked

    # A revoked jti stays listed until its certificate's exp + 60 s.
    exp = claims_of(own[0])["exp"]
    clock.advance(exp + 60 - int(clock()))
    assert len(claims_of((await client.get("/intrekkingen")).text)["ingetrokken"]) == 2
    clock.advance(1)
    assert claims_of((await client.get("/intrekkingen")).text)["ingetrokken"] == []


async def test_the_management_login_is_always_fresh(
    client: ValidatingClient, manager_app: Any
) -> None:
    browser = Browser(manager_app)
    try:
        await _manage(browser, SANNE)
        start = await browser.open(f"{BASE}/burger")
        again = await browser.submit(start)
        assert "Test-DigiD" in again.text  # a live session does not skip the login
    finally:
        await browser.aclose()


async def test_the_session_cookie(manager_app: Any) -> None:
    browser = Browser(manager_app)
    try:
        start = await browser.open(f"{BASE}/burger")
        idp_page = await browser.submit(start)
        form = forms_of(idp_page.text)[0]
        back = await browser.http.post(form.action, data={**form.fields, "bsn": SANNE})
        returned = await browser.http.get(back.headers["location"].removeprefix(
            "http://testserver"))
        assert returned.status_code == 303
        assert returned.headers["location"].endswith(f"{BASE}/burger/certificaten")
        cookie = returned.headers["set-cookie"]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert cookie.startswith(f"{COOKIE}=")
        assert {"httponly", "path", "max-age", "samesite"} <= attributes
        assert "secure" not in attributes  # plain http here; https below
        assert f"Path={BASE}/burger" in cookie and "Max-Age=600" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    finally:
        await browser.aclose()


async def test_the_session_cookie_is_secure_on_https(tmp_path: Path, clock: FakeClock) -> None:
    app = build_app_manager(tmp_path, clock,
                            settings={"public_url": "https://am.example/app-manager/v2"})
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://am.example")
    try:
        login = await http.post(f"{BASE}/burger/inloggen")
        page = await http.get(login.headers["location"].removeprefix("https://am.example"))
        form = forms_of(page.text)[0]
        back = await http.post(form.action, data={**form.fields, "bsn": SANNE})
        returned = await http.get(back.headers["location"].removeprefix("https://am.example"))
        assert "secure" in returned.headers["set-cookie"].lower()
    finally:
        await http.aclose()
        await app.state.app_manager.close()


async def test_without_a_live_session_the_pages_send_back_to_the_start(
    client: ValidatingClient, manager_app: Any, clock: FakeClock
) -> None:
    token = await _certificate(client, manager_app, clock, SANNE, "Telefoon")
    browser = Browser(manager_app)
    try:
        listed = await _manage(browser, SANNE)
        clock.advance(601)
        expired = await browser.http.get(f"{BASE}/burger/certificaten")
        assert expired.status_code == 303 and expired.headers["location"] == f"{BASE}/burger"
        form = forms_of(listed.text)[0]
        refused = await browser.http.post(form.action, data=form.fields)
        assert refused.status_code == 303 and refused.headers["location"] == f"{BASE}/burger"
    finally:
        await browser.aclose()
    stranger = Browser(manager_app)
    try:
        none = await stranger.http.get(f"{BASE}/burger/certificaten")
        assert none.status_code == 303
        # No session, whatever the form holds (none, or not a token): 303, not 400.
        for data in ({}, {"formulier_token": "kort"}, {"anders": "1"}):
            posted = await stranger.http.post(f"{BASE}/burger/intrekkingen", data=data)
            assert posted.status_code == 303, (data, posted.text)
            assert posted.headers["location"] == f"{BASE}/burger"
        # Arriving from the identity provider's site, a Strict cookie is not sent: a link.
        arriving = await stranger.http.get(f"{BASE}/burger/certificaten",
                                           headers={"Sec-Fetch-Site": "cross-site"})
        assert arriving.status_code == 200 and f'href="{BASE}/burger/certificaten"' in (
            arriving.text)
    finally:
        await stranger.aclose()
    assert claims_of((await client.get("/intrekkingen")).text)["ingetrokken"] == []
    assert token


async def test_the_form_token_is_bound_to_the_session(
    client: ValidatingClient, manager_app: Any, clock: FakeClock
) -> None:
    await _certificate(client, manager_app, clock, SANNE, "Telefoon")
    sanne, mohamed = Browser(manager_app), Browser(manager_app)
    try:
        await _manage(sanne, SANNE)
        mohamed_page = await _manage(mohamed, MOHAMED)
        foreign = forms_of(mohamed_page.text)[0]
        refused = await sanne.http.post(foreign.action, data=foreign.fields)
        assert problem(refused) == (400, "verzoek/ongeldig")
        empty = await sanne.http.post(foreign.action, data={})
        assert problem(empty) == (400, "verzoek/ongeldig")
        own = forms_of((await sanne.open(f"{BASE}/burger/certificaten")).text)[0]
        for reported in ("²", "٥", "12345"):  # not a count the page shows, never a 500
            page = await sanne.http.get(f"{BASE}/burger/certificaten",
                                        params={"ingetrokken": reported})
            assert page.status_code == 200, reported
        cross_site = await sanne.http.post(own.action, data=own.fields,
                                           headers={"Origin": "https://aanvaller.example"})
        assert problem(cross_site) == (400, "verzoek/ongeldig")
    finally:
        await sanne.aclose()
        await mohamed.aclose()
    assert claims_of((await client.get("/intrekkingen")).text)["ingetrokken"] == []


async def test_no_bsn_in_clear_in_the_database_or_the_logs(
    client: ValidatingClient, manager_app: Any, clock: FakeClock, tmp_path: Path,
    caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await _certificate(client, manager_app, clock, SANNE, "Telefoon")
    # Logins left half-way: a code at the app not yet exchanged, a test-DigiD code unused.
    side = AppSide(clock)
    pending = await side.register(client)
    await citizen_logs_in(manager_app, pending["inlog_url"], MOHAMED)
    browser = Browser(manager_app)
    try:
        listed = await _manage(browser, SANNE)
        await browser.submit(listed)
        start = await browser.open(f"{BASE}/burger")
        idp_page = await browser.submit(start)
        form = forms_of(idp_page.text)[0]
        await browser.http.post(form.action, data={**form.fields, "bsn": MOHAMED})
    finally:
        await browser.aclose()

    database = manager_app.state.app_manager.database
    dumped = []
    async with database.engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            rows = (await connection.execute(sa.select(table))).all()
            dumped.append(f"{table.name}: {rows!r}")
    text = "\n".join(dumped)
    assert "certificaten" in text and "beheersessies" in text
    for bsn in (SANNE, MOHAMED):
        assert bsn not in text
        for path in tmp_path.glob("app-manager.db*"):
            assert bsn.encode() not in path.read_bytes()
        assert not any(bsn in record.getMessage() for record in caplog.records)
