"""The login protocol of design §4: redirect URI rules, consent page, PKCE, one-time codes,
rate limit, and bad input to every operation answered with a problem document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from app_manager_support import (
    MANAGER_ID,
    AppSide,
    FakeClock,
    ValidatingClient,
    build_app_manager,
    citizen_logs_in,
    consent_choice,
    problem,
    query_of,
)
from browser_support import forms_of

from reference_impl.common.spec import openapi_path

pytestmark = pytest.mark.anyio
ADMITTED = "https://app.vorderingen.example/inloggen/klaar"


# --- redirect_uri -----------------------------------------------------------------------------


@pytest.mark.parametrize("redirect_uri", [
    "https://aanvaller.example/terug",                 # https, but not an admitted app
    ADMITTED + "/meer",                                # not exactly the admitted URI
    "http://localhost:8000/terug",                     # localhost is not a loopback literal
    "http://127.0.0.1:8000/terug?x=1",                 # query
    "http://127.0.0.1:8000/terug#fragment",            # fragment
    "http://127.0.0.1:8000/terug\n",                   # a final newline ($ matches before it)
    "http://127.0.0.1:8000\n",
    "http://user@127.0.0.1:8000/terug",                # user info
    "http://127.0.0.1/terug",                          # no port
    "http://127.0.0.1:99999/terug",                    # no port number
    "http://192.168.1.5:8000/terug",                   # http, not loopback
    "http://127.0.0.2:8000/terug",                     # another loopback address
    "javascript:alert(1)",
    "app.vorderingen://terug",
    "",
])
async def test_redirect_uri_refusals(client: ValidatingClient, app_side: AppSide,
                                     redirect_uri: str) -> None:
    response = await client.post("/registraties", valid_request=redirect_uri != "",
                                 json=app_side.registration_body(redirect_uri=redirect_uri))
    expected = "verzoek/ongeldig" if redirect_uri == "" else "registratie/redirect-uri-ongeldig"
    assert problem(response) == (400, expected)


@pytest.mark.parametrize("redirect_uri", [
    "http://127.0.0.1:8000/terug", "http://[::1]:65535", "http://127.0.0.1:1/a/b%20c",
])
async def test_loopback_redirect_uris_are_accepted(client: ValidatingClient, app_side: AppSide,
                                                   redirect_uri: str) -> None:
    await app_side.register(client, redirect_uri=redirect_uri)


async def test_an_admitted_app_is_named_by_the_app_manager(
    tmp_path: Path, clock: FakeClock, app_side: AppSide
) -> None:
    app = build_app_manager(tmp_path, clock, settings={"toegelaten_apps": [
        {"naam": "Vorderingen (web)", "redirect_uris": [ADMITTED]}]})
    client = ValidatingClient(app)
    try:
        registration = await app_side.register(client, redirect_uri=ADMITTED,
                                               app_naam="Iets anders")
        page = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
        assert "Vorderingen (web)" in page.text and "Iets anders" not in page.text
        result = await citizen_logs_in(app, registration["inlog_url"])
        assert set(result) == {"code", "state", "iss"}
    finally:
        await client.aclose()
        await app.state.app_manager.close()


# --- the consent page -------------------------------------------------------------------------


async def test_consent_page_names_app_and_device_and_warns(
    client: ValidatingClient, app_side: AppSide
) -> None:
    registration = await app_side.register(
        client, app_naam="<script>alert(1)</script>", apparaat_naam="Telefoon & tablet")
    page = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in page.text
    assert "«&lt;script&gt;alert(1)&lt;/script&gt;» (naam opgegeven door de app)" in page.text
    assert "<script>" not in page.text and "Telefoon &amp; tablet" in page.text
    assert ("Ga alleen verder als u zelf zojuist op dit apparaat in deze app\nop Inloggen "
            "heeft gedrukt") in page.text
    [form] = forms_of(page.text)
    assert form.method == "post" and set(form.fields) == {"formulier_token"}
    assert form.buttons == [("keuze", "doorgaan"), ("keuze", "annuleren")]
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert "http" not in page.text.split("<body>")[0]  # no external resource


async def test_cancel_sends_access_denied_to_the_app(
    client: ValidatingClient, app_side: AppSide
) -> None:
    registration = await app_side.register(client)
    answer = await consent_choice(client, registration, "annuleren")
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(app_side.redirect_uri + "?")
    assert query_of(answer.headers["location"]) == {
        "error": "access_denied", "state": app_side.state, "iss": MANAGER_ID}
    again = await client.get(f"/registraties/{registration['registratie_id']}/inloggen")
    assert problem(again) == (404, "algemeen/niet-gevonden")


async def test_consent_form_refusals(client: ValidatingClient, app_side: AppSide) -> None:
    registration = await app_side.register(client)
    path = f"/registraties/{registration['registratie_id']}/inloggen"
    page = await client.get(path)
    token = forms_of(page.text)[0].fields["formulier_token"]
    wrong = await client.post(path, data={"keuze": "doorgaan", "formulier_token": "x" * 43})
    assert problem(wrong) == (400, "verzoek/ongeldig")
    odd = await client.post(path, data={"keuze": "misschien", "formulier_token": token},
                            valid_request=False)
    assert problem(odd) == (400, "verzoek/ongeldig")
    cross_site = await client.post(path, data={"keuze": "doorgaan", "formulier_token": token},
                                   headers={"Origin": "https://aanvaller.example"})
    assert problem(cross_site) == (400, "verzoek/ongeldig")
    fetched = await client.post(path, data={"keuze": "doorgaan", "formulier_token": token},
                                headers={"Sec-Fetch-Site": "cross-site"})
    assert problem(fetched) == (400, "verzoek/ongeldig")
    as_json = await client.post(path, json={"keuze": "doorgaan"}, valid_request=False)
    assert problem(as_json)[0] in (400, 415)
    # A newer page replaces the token; the page's own token still works once.
    newer = forms_of((await client.get(path)).text)[0].fields["formulier_token"]
    stale = await client.post(path, data={"keuze": "doorgaan", "formulier_token": token})
    assert problem(stale) == (400, "verzoek/ongeldig")
    ok = await client.post(path, data={"keuze": "doorgaan", "formulier_token": newer})
    assert ok.status_code == 302
    spent = await client.post(path, data={"keuze": "doorgaan", "formulier_token": newer})
    assert problem(spent) == (404, "algemeen/niet-gevonden")


# --- the code and PKCE ------------------------------------------------------------------------


async def test_a_wrong_verifier_is_refused_and_spends_the_code(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    registration = await app_side.register(client)
    result = await citizen_logs_in(manager_app, registration["inlog_url"])
    wrong = await client.post("/certificaten", json=app_side.certificate_body(
        registration, result["code"], code_verifier="v" * 43))
    assert problem(wrong) == (400, "inloggen/verifier-onjuist")
    right = await client.post("/certificaten",
                              json=app_side.certificate_body(registration, result["code"]))
    assert problem(right) == (400, "inloggen/code-ongeldig")


async def test_a_code_expires_after_60_seconds(
    client: ValidatingClient, app_side: AppSide, manager_app: Any, clock: FakeClock
) -> None:
    registration = await app_side.register(client)
    result = await citizen_logs_in(manager_app, registration["inlog_url"])
    clock.advance(61)
    late = await client.post("/certificaten",
                             json=app_side.certificate_body(registration, result["code"]))
    assert problem(late) == (400, "inloggen/code-ongeldig")


async def test_a_code_of_another_registration_is_refused_and_spent(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    first = await app_side.register(client)
    second = await app_side.register(client)
    result = await citizen_logs_in(manager_app, first["inlog_url"])
    crossed = await client.post("/certificaten",
                                json=app_side.certificate_body(second, result["code"]))
    assert problem(crossed) == (400, "inloggen/code-ongeldig")
    own = await client.post("/certificaten",
                            json=app_side.certificate_body(first, result["code"]))
    assert problem(own) == (400, "inloggen/code-ongeldig")


async def test_a_used_code_is_refused(
    client: ValidatingClient, app_side: AppSide, manager_app: Any
) -> None:
    first = await app_side.register(client)
    result = await citizen_logs_in(manager_app, first["inlog_url"])
    assert (await client.post("/certificaten", json=app_side.certificate_body(
        first, result["code"]))).status_code == 201
    second = await app_side.register(client)
    reused = await client.post("/certificaten",
                               json=app_side.certificate_body(second, result["code"]))
    assert problem(reused) == (400, "inloggen/code-ongeldig")


# --- rate limit -------------------------------------------------------------------------------


async def test_registrations_are_rate_limited_per_client(
    tmp_path: Path, clock: FakeClock, app_side: AppSide
) -> None:
    app = build_app_manager(tmp_path, clock,
                            settings={"registratie_limiet": {"aantal": 3, "periode_s": 60}})
    client = ValidatingClient(app)
    try:
        for _ in range(3):
            await app_side.register(client)
        clock.advance(20)
        refused = await client.post("/registraties", json=app_side.registration_body())
        assert problem(refused) == (429, "algemeen/te-veel-verzoeken")
        assert refused.headers["retry-after"] == "40"
        clock.advance(40)
        await app_side.register(client)
    finally:
        await client.aclose()
        await app.state.app_manager.close()


# --- bad input: always a problem document, never a 5xx ----------------------------------------


@pytest.mark.parametrize("change", [
    {"code_challenge_method": "plain"},
    {"code_challenge": "kort"},
    {"state": "met spatie"},
    {"state": "x" * 513},
    {"state": "abc\n"},  # Python's $ matches before a final newline: a whole match is needed
    {"code_challenge": "A" * 43 + "\n"},
    {"app_naam": ""},
    {"app_naam": "x" * 65},
    {"apparaat_naam": None},
    {"redirect_uri": 12},
    {"extra": 1},
])
async def test_bad_registration_input(client: ValidatingClient, app_side: AppSide,
                                      change: dict[str, Any]) -> None:
    response = await client.post("/registraties", valid_request=False,
                                 json=app_side.registration_body(**change))
    assert problem(response) == (400, "verzoek/ongeldig")


@pytest.mark.parametrize("change", [
    {"code_verifier": "kort"},
    {"code_verifier": "é" * 43},
    {"inlogcode": ""},
    {"inlogcode": "met spatie"},
    {"inlogcode": "abc\n"},
    {"code_verifier": "A" * 43 + "\n"},
    {"inlogcode": None},
    {"registratie_id": "geen-uuid"},
    {"extra": 1},
])
async def test_bad_certificate_input(client: ValidatingClient, app_side: AppSide,
                                     change: dict[str, Any]) -> None:
    registration = await app_side.register(client)
    body = {**app_side.certificate_body(registration, "A" * 43), **change}
    response = await client.post("/certificaten", json=body, valid_request=False)
    assert problem(response) == (400, "verzoek/ongeldig")


@pytest.mark.parametrize("query", ["", "state=x", "code=x", "state=%00&code=x",
                                   "state=" + "x" * 600 + "&code=y", "state=a b&code=c"])
async def test_bad_identity_provider_return(client: ValidatingClient, query: str) -> None:
    response = await client.get(f"/inloggen/terugkeer?{query}", valid_request=False)
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_bad_input_to_the_html_pages(client: ValidatingClient, app_side: AppSide) -> None:
    registration = await app_side.register(client)
    path = f"/registraties/{registration['registratie_id']}/inloggen"
    for kwargs in ({"content": b"\xff\xfe", "headers": {
                        "Content-Type": "application/x-www-form-urlencoded"}},
                   {"data": {"keuze": "doorgaan"}},
                   {"content": b"=null", "headers": {  # a field without a name
                       "Content-Type": "application/x-www-form-urlencoded"}},
                   {"data": {"keuze": "doorgaan", "formulier_token": "x" * 5000}},
                   {"content": b"keuze=" + b"x" * 70_000, "headers": {
                       "Content-Type": "application/x-www-form-urlencoded"}}):
        response = await client.post(path, valid_request=False, **kwargs)
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"] == "application/problem+json"
    oversized = await client.post(path, valid_request=False, content=b"keuze=" + b"x" * 70_000,
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert problem(oversized) == (413, "verzoek/te-groot")  # /http/body-te-groot
    for path in ("/burger/inloggen", "/burger/intrekkingen"):
        response = await client.post(path, valid_request=False, in_spec=False,
                                     content=b"{", headers={"Content-Type": "application/json"})
        assert response.status_code in (303, 400, 415), response.text


# --- openapi.json -----------------------------------------------------------------------------


async def test_openapi_json_is_served(client: ValidatingClient) -> None:
    response = await client.get("/openapi.json", in_spec=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    expected = yaml.safe_load(openapi_path("app-manager").read_text(encoding="utf-8"))
    assert response.json()["info"] == expected["info"]
    assert set(response.json()["paths"]) == set(expected["paths"])
