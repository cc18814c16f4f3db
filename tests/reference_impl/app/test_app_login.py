"""The app's side of the login (design §4): PKCE, the loopback receiver, and the checks on
the redirect; and the test citizen's browser that plays the citizen in tests and demos."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import httpx
import pytest
from federation_support import app_for

from reference_impl.app.errors import LoginError
from reference_impl.app.login import AppManagerClient, LoginRequest
from reference_impl.app.loopback import LoopbackReceiver, new_pkce, new_state
from reference_impl.common.jose import b64url_encode
from reference_impl.demo.test_citizen import BrowserError, TestCitizenBrowser, parse_forms

SANNE = "999993653"


def test_pkce_values_are_fresh_and_s256() -> None:
    first, second = new_pkce(), new_pkce()
    assert first.verifier != second.verifier and new_state() != new_state()
    assert 43 <= len(first.verifier) <= 128
    digest = hashlib.sha256(first.verifier.encode("ascii")).digest()
    assert first.challenge == b64url_encode(digest) and len(first.challenge) == 43


@pytest.mark.anyio
async def test_the_loopback_receiver_takes_one_redirect_and_answers_the_browser() -> None:
    async with LoopbackReceiver() as receiver:
        assert receiver.redirect_uri.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as browser:
            other = await browser.get(receiver.redirect_uri.replace("/terugkeer", "/elders"))
            assert other.status_code == 404
            page = await browser.get(receiver.redirect_uri, params={"code": "c", "state": "s",
                                                                    "iss": "am"})
            assert page.status_code == 200 and "U kunt dit venster sluiten" in page.text
            assert await receiver.wait(1) == {"code": "c", "state": "s", "iss": "am"}
            again = await browser.get(receiver.redirect_uri, params={"code": "d"})
            assert again.status_code == 404  # one login result per receiver


@pytest.mark.anyio
async def test_no_redirect_in_time_is_a_login_error() -> None:
    async with LoopbackReceiver() as receiver:
        with pytest.raises(LoginError, match="binnen"):
            await receiver.wait(0.05)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"code": "c", "state": "ander", "iss": "am"}, "state"),
        ({"code": "c", "state": "s", "iss": "een-ander"}, "iss"),
        ({"code": "c", "state": "s"}, "iss"),
        ({"error": "access_denied", "state": "s", "iss": "am"}, "afgebroken"),
        ({"state": "s", "iss": "am"}, "geen code"),
    ],
)
def test_a_redirect_that_is_not_the_answer_to_this_login_is_refused(
    query: dict[str, str], reason: str
) -> None:
    manager = AppManagerClient(httpx.AsyncClient(), "http://127.0.0.1:1/app-manager/v2", "am")
    request = LoginRequest(new_pkce(), "s", "http://127.0.0.1:2/terugkeer")
    with pytest.raises(LoginError, match=reason):
        manager.login_result(query, request)
    assert manager.login_result({"code": "c", "state": "s", "iss": "am"}, request) == "c"


@pytest.mark.anyio
async def test_a_citizen_who_cancels_on_the_consent_page_gives_no_certificate(
    federation: Any
) -> None:
    app, _ = app_for(federation)
    async with app, TestCitizenBrowser(SANNE, omgeving="test", keuze="annuleren") as citizen:
        with pytest.raises(LoginError, match="afgebroken"):
            await app.login(citizen)
        assert not app.identity.certificate
    consent = citizen.pages[0]
    # The consent page names the app and the device before any identity provider
    assert "Vorderingen referentie-app" in consent.text and "testapparaat" in consent.text


@pytest.mark.anyio
async def test_a_browser_that_fails_stops_the_wait_at_once(federation: Any) -> None:
    async def broken_browser(_url: str) -> None:
        raise BrowserError("the browser crashed")

    app, _ = app_for(federation)
    async with app:
        started = asyncio.get_running_loop().time()
        with pytest.raises(BrowserError):
            await app.login(broken_browser, wait_s=30)
        assert asyncio.get_running_loop().time() - started < 5


def test_the_test_browser_refuses_a_production_scheme() -> None:
    with pytest.raises(BrowserError, match="productie"):
        TestCitizenBrowser(SANNE, omgeving="productie")


def test_forms_are_read_as_a_browser_would_submit_them() -> None:
    forms = parse_forms("""<html><body><form method="POST" action="/idp/inloggen">
        <input type="hidden" name="state" value="abc"><input name="bsn" type="text">
        <input type="radio" name="kleur" value="rood"><input type="radio" name="kleur"
        value="blauw" checked><select name="niveau"><option value="midden">m</option>
        <option value="substantieel" selected>s</option></select>
        <button type="submit" name="keuze" value="doorgaan">Door</button>
        <button type="submit" name="keuze" value="annuleren">Stop</button></form>
        <p>buiten</p><input name="los"></body></html>""")
    assert len(forms) == 1
    form = forms[0]
    assert (form.method, form.action) == ("post", "/idp/inloggen")
    assert dict(form.fields) == {"state": "abc", "bsn": "", "kleur": "blauw",
                                 "niveau": "substantieel"}
    assert form.buttons == [("keuze", "doorgaan"), ("keuze", "annuleren")]
