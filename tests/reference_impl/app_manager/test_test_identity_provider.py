"""The test identity provider (DigiD simulator): its page, its form, and its refusal to run
in `productie`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from app_manager_support import (
    BASE,
    SANNE,
    AppSide,
    FakeClock,
    ValidatingClient,
    build_app_manager,
    consent_choice,
    manager_config,
    problem,
    query_of,
)

from reference_impl.app_manager.app import create_app
from reference_impl.app_manager.config import AppManagerConfig, TestIdpSettings
from reference_impl.app_manager.errors import TestIdentityProviderRefused
from reference_impl.app_manager.simulator import TestIdentityProvider
from reference_impl.demo.data import load_demo

pytestmark = pytest.mark.anyio


async def _page(client: ValidatingClient, app_side: AppSide) -> tuple[str, dict[str, str]]:
    registration = await app_side.register(client)
    start = await consent_choice(client, registration)
    location = urlparse(start.headers["location"])
    assert location.path == f"{BASE}/test-idp/inloggen"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    page = await client.get(f"/test-idp/inloggen?{location.query}", in_spec=False)
    assert page.status_code == 200
    return page.text, query


async def test_page_lists_every_demo_citizen_and_the_levels(
    client: ValidatingClient, app_side: AppSide
) -> None:
    page, _query = await _page(client, app_side)
    for citizen in load_demo().citizens:
        assert citizen.bsn in page and citizen.naam in page
        assert " ".join(citizen.omschrijving.split())[:60] in page
    for niveau in ("basis", "midden", "substantieel", "hoog"):
        assert f'<option value="{niveau}"' in page
    assert "test" in page.lower()


async def test_page_may_style_itself_but_nothing_more(
    client: ValidatingClient, app_side: AppSide
) -> None:
    registration = await app_side.register(client)
    start = await consent_choice(client, registration)
    page = await client.get(start.headers["location"].split(BASE, 1)[1], in_spec=False)
    csp = page.headers["content-security-policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    # The post's redirects end at the app's redirect_uri: only that origin is added.
    assert "form-action 'self' http://127.0.0.1:53682;" in csp


async def test_form_refuses_a_foreign_return_address(
    client: ValidatingClient, app_side: AppSide
) -> None:
    _page_text, query = await _page(client, app_side)
    response = await client.post("/test-idp/inloggen", in_spec=False, data={
        "state": query["state"], "redirect_uri": "https://aanvaller.example/terug",
        "bsn": SANNE, "niveau": "hoog"})
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_form_refuses_a_bsn_failing_the_elfproef(
    client: ValidatingClient, app_side: AppSide
) -> None:
    _page_text, query = await _page(client, app_side)
    response = await client.post("/test-idp/inloggen", in_spec=False, data={
        "state": query["state"], "redirect_uri": query["redirect_uri"],
        "bsn": "123456789", "niveau": "hoog"})
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_bsn_never_appears_in_a_url(client: ValidatingClient, app_side: AppSide) -> None:
    _page_text, query = await _page(client, app_side)
    response = await client.post("/test-idp/inloggen", in_spec=False, data={
        "state": query["state"], "redirect_uri": query["redirect_uri"],
        "bsn": SANNE, "niveau": "midden"})
    assert response.status_code == 303
    assert SANNE not in response.headers["location"]
    assert set(parse_qs(urlparse(response.headers["location"]).query)) == {"state", "code"}


async def test_annuleren_is_a_refused_login(client: ValidatingClient, app_side: AppSide) -> None:
    """spec/testomgeving.md §3: `keuze=annuleren` returns `error=access_denied`, which the
    App Manager passes on to the app."""
    _page_text, query = await _page(client, app_side)
    response = await client.post("/test-idp/inloggen", in_spec=False, data={
        "state": query["state"], "redirect_uri": query["redirect_uri"],
        "bsn": SANNE, "niveau": "midden", "keuze": "annuleren"})
    assert response.status_code == 303
    back = query_of(response.headers["location"])
    assert back == {"state": query["state"], "error": "access_denied"}
    # validated against app-manager.yaml: `error` instead of `code` is a valid request
    answered = await client.get(response.headers["location"].split(BASE, 1)[1])
    assert query_of(answered.headers["location"])["error"] == "access_denied"


async def test_an_unknown_keuze_is_refused(client: ValidatingClient, app_side: AppSide) -> None:
    _page_text, query = await _page(client, app_side)
    response = await client.post("/test-idp/inloggen", in_spec=False, data={
        "state": query["state"], "redirect_uri": query["redirect_uri"],
        "bsn": SANNE, "niveau": "midden", "keuze": "misschien"})
    assert problem(response) == (400, "verzoek/ongeldig")


async def test_the_form_has_the_fields_of_the_spec(client: ValidatingClient,
                                                  app_side: AppSide) -> None:
    page, _query = await _page(client, app_side)
    assert page.count("<form") == 1 and 'method="post"' in page
    assert 'name="keuze" value="inloggen"' in page and 'name="keuze" value="annuleren"' in page


async def test_an_expired_code_is_a_refused_login(client: ValidatingClient, app_side: AppSide,
                                                 clock: FakeClock) -> None:
    _page_text, query = await _page(client, app_side)
    submitted = await client.post("/test-idp/inloggen", in_spec=False, data={
        "state": query["state"], "redirect_uri": query["redirect_uri"], "bsn": SANNE})
    clock.advance(61)
    back = urlparse(submitted.headers["location"])
    response = await client.get(f"/inloggen/terugkeer?{back.query}")
    assert response.status_code == 302
    assert query_of(response.headers["location"]) == {
        "error": "access_denied", "state": app_side.state, "iss": "test-app-manager"}


# --- refused in productie ----------------------------------------------------------------------


def test_configuration_refuses_test_idp_in_productie(tmp_path: Path) -> None:
    with pytest.raises(TestIdentityProviderRefused, match="productie"):
        manager_config(tmp_path, omgeving="productie")


def test_create_app_refuses_test_idp_in_productie(tmp_path: Path) -> None:
    config = AppManagerConfig(id="test-app-manager", naam="Test",
                              identity_provider=TestIdpSettings(), omgeving="productie",
                              key_dir=tmp_path)
    with pytest.raises(TestIdentityProviderRefused):
        create_app(config)


def test_test_idp_runs_in_the_other_environments(tmp_path: Path) -> None:
    for omgeving in ("acceptatie", "test", "ontwikkeling"):
        app = build_app_manager(tmp_path / omgeving, FakeClock(),
                                settings={"omgeving": omgeving})
        assert any("test-idp" in route.path for route in app.routes)


def test_serve_refuses_at_start_up_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "app-manager.yaml"
    config.write_text(yaml.safe_dump({
        "id": "prod-app-manager", "naam": "Productie", "omgeving": "productie",
        "key_dir": "keys", "identity_provider": {"type": "test"}}), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "reference_impl.cli", "app-manager", "serve", "--config",
         str(config)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "productie" in lines[0] and "identity_provider" in lines[0]
    assert not (tmp_path / "keys").exists()  # refused before anything was created


def test_the_simulator_itself_refuses_productie() -> None:
    with pytest.raises(TestIdentityProviderRefused):
        TestIdentityProvider(None, [], omgeving="productie", clock=FakeClock())  # type: ignore[arg-type]
