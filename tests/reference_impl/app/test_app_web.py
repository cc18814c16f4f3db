"""The browser app in real headless Chromium against a real federation on loopback.

The test plays scheme operator for the page: its scheme document lists the federation's
sources — DUO behind a tampering proxy — plus one organisation at a closed port. The page
must show the same overview, groups and statuses as the Python app for the same scheme,
start a pause and an arrangement, and compute the allocation exactly as Python does.
Screenshots are kept in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from federation_support import (
    Fault,
    FaultProxy,
    LoopbackServer,
    SchemeFile,
    closed_port,
)

from reference_impl.app.allocation import Claim, allocate
from reference_impl.app.citizen import AppSettings, CitizenApp
from reference_impl.app.trust import TrustAnchor
from reference_impl.app.web.server import WebConfig, create_app
from reference_impl.common.jose import generate_key, public_jwk, sign

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
DUO, CLOSED = "00000001001234002000", "00000001001234999000"
CJIB, GEMEENTE, WATERSCHAP = "00000001001234001000", "00000001001234567000", "00000001001234004000"
WAIT_MS = 20_000


def _shave_a_euro(envelope: dict) -> dict:
    envelope["document"]["financiele_zaken"][0]["saldo"] -= 100
    return envelope


@pytest.fixture(scope="module")
def site(federation: Any) -> Iterator[dict[str, Any]]:
    """The page, its scheme (with a tampering DUO and a closed port) and the pinned key."""
    operator = generate_key()
    claims = json.loads(json.dumps(federation.scheme_service.current.claims))
    duo = next(s for s in federation.sources if s.oin == DUO)
    duo_base = duo.url.removesuffix("/vorderingen/v1")
    proxy = FaultProxy(duo_base, [Fault("GET", r"/vorderingenoverzicht$", alter=_shave_a_euro)])
    with LoopbackServer(proxy) as duo_proxy:
        for organisation in claims["organisaties"]:
            if organisation["oin"] == DUO:
                organisation["api_url"] = duo_proxy.url + "/vorderingen/v1"
        claims["organisaties"].append({
            "oin": CLOSED, "naam": "Gemeente Dichtestad (gesloten poort)", "soort": "gemeente",
            "api_url": f"http://127.0.0.1:{closed_port()}/vorderingen/v1",
            "sleutels": {"keys": [public_jwk(generate_key())]},
            "diensten": ["vorderingenoverzicht"], "status": "actief"})
        now = int(time.time())
        claims.update(iss="test-stelselbeheerder", iat=now, exp=now + 3600, volgnummer=1)
        token = sign(claims, operator, typ="stelsel+jwt")
        with LoopbackServer(SchemeFile(token)) as scheme_server:
            scheme_url = scheme_server.url + "/stelsel/v1/stelseldocument"
            config = WebConfig(scheme_url, public_jwk(operator), "test",
                               federation.app_manager_url, 10.0)
            with LoopbackServer(create_app(config)) as page_server:
                yield {"url": page_server.url + "/", "scheme_url": scheme_url,
                       "pinned": public_jwk(operator)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def python_overview(federation: Any, site: dict[str, Any]) -> Any:
    """What the Python app shows for the same scheme and citizen."""

    async def run() -> Any:
        anchor = TrustAnchor(site["scheme_url"], site["pinned"], "test")
        async with CitizenApp(AppSettings(anchor, federation.app_manager_url)) as app:
            await app.login_with_test_idp("999993653")
            return await app.overview()

    # Playwright's sync API keeps an event loop in this thread: run ours in another one.
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, run()).result()


def _log_in(page: Any) -> None:
    page.wait_for_selector("#inlog-knop", state="visible", timeout=WAIT_MS)
    with page.expect_popup() as opened:
        page.click("#inlog-knop")
    popup = opened.value
    popup.wait_for_selector("form button[type=submit]", timeout=WAIT_MS)
    popup.check("input[name=bsn][value='999993653']")  # Sanne de Vries
    popup.click("form button[type=submit]")
    page.wait_for_selector("#overzicht[data-ronde='1']", timeout=WAIT_MS)


def _statuses(page: Any, table: str) -> dict[str, tuple[str, str]]:
    return {row.get_attribute("data-oin"): (row.get_attribute("data-status"),
                                            row.query_selector_all("td")[-1].inner_text())
            for row in page.query_selector_all(f"{table} tbody tr")}


def test_the_page_shows_the_same_overview_as_the_python_app(
    browser: Any, site: dict[str, Any], python_overview: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site["url"])
    _log_in(page)
    statuses = _statuses(page, "#bronnen")
    assert statuses == {
        CJIB: ("beantwoord", ""), DUO: ("geweigerd", "envelop/handtekening-ongeldig"),
        GEMEENTE: ("beantwoord", ""), WATERSCHAP: ("niets_te_melden", ""),
        CLOSED: ("onbereikbaar", "app/geen-verbinding")}
    assert statuses == {s.oin: (s.status, s.code or "") for s in python_overview.bronnen}
    totals = python_overview.totalen()
    shown = page.query_selector("#totalen")
    assert int(shown.get_attribute("data-saldo")) == totals["saldo"]
    assert int(shown.get_attribute("data-achterstand")) == totals["achterstand"]
    for group, cases in python_overview.groepen.items():
        table = page.query_selector(f"#groep-{group}")
        assert int(table.get_attribute("data-saldo")) == totals["per_groep"][group]["saldo"]
        shown_cases = [r.get_attribute("data-zaak") for r in table.query_selector_all("tbody tr")
                       if r.get_attribute("data-zaak")]
        assert shown_cases == [c["zaakkenmerk"] for c in cases]
    assert "onbereikbaar" in page.inner_text("#bronnen")
    page.screenshot(path=str(ARTIFACTS / "web-overzicht.png"), full_page=True)

    # The key is the browser's own: a non-extractable private key, kept in IndexedDB.
    extractable = page.evaluate("window.vorderingenApp.keys.privateKey.extractable")
    assert extractable is False

    page.click("#pauze-knop")
    page.wait_for_selector("#pauze-resultaat tbody tr", timeout=WAIT_MS)
    pauses = {oin: status for oin, (status, _code) in _statuses(page, "#pauze-resultaat").items()}
    assert pauses == {CJIB: "gepauzeerd", DUO: "geen_pauzedienst", GEMEENTE: "gepauzeerd",
                      WATERSCHAP: "niets_te_pauzeren", CLOSED: "geen_pauzedienst"}
    page.wait_for_selector("#overzicht[data-ronde='2']", timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "web-pauze.png"), full_page=True)

    page.fill("#maandbedrag", "100")
    page.click("#voorstel-knop")
    page.wait_for_selector("#regeling-melding[data-plan]", timeout=WAIT_MS)
    assert page.get_attribute("#regeling-melding", "data-plan") == "voorgesteld"
    split = {row.get_attribute("data-oin"): int(row.get_attribute("data-termijnbedrag"))
             for row in page.query_selector_all("#regeling tbody tr")}
    assert set(split) == {CJIB, GEMEENTE} and sum(split.values()) == 10_000
    page.click("#afsluiten-knop")
    page.wait_for_selector("#regeling-melding[data-plan=afgesloten]", timeout=WAIT_MS)
    assert {s for s, _c in _statuses(page, "#regeling").values()} == {"aangegaan"}
    page.wait_for_selector("#overzicht[data-ronde='3']", timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "web-regeling.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_page_computes_the_allocation_exactly_as_python(
    browser: Any, site: dict[str, Any]
) -> None:
    generator = random.Random(20260302)
    cases = []
    for _ in range(60):
        claims = [Claim(f"{i:020d}", generator.randint(1, 5_000_000), generator.randint(1, 10_000),
                        generator.randint(1, 120)) for i in range(generator.randint(1, 6))]
        cases.append({"monthly": generator.randint(1, 2_000_000),
                      "claims": [c.__dict__ for c in claims]})
    context = browser.new_context()
    page = context.new_page()
    page.goto(site["url"])
    answers = page.evaluate("""async (cases) => {
        const { allocate } = await import("/static/allocation.js");
        return cases.map(({ monthly, claims }) => {
            try {
                return allocate(monthly, claims.map((c) => ({ oin: c.oin, total: c.total,
                    minimum: c.minimum_termijnbedrag, maxTerms: c.maximum_aantal_termijnen })));
            } catch (error) { return { minimum: error.minimum }; }
        });
    }""", cases)
    context.close()
    for case, answer in zip(cases, answers, strict=True):
        claims = [Claim(**c) for c in case["claims"]]
        try:
            expected: Any = allocate(case["monthly"], claims)
        except Exception as refused:  # AllocationError: compare the minimum the page names
            expected = {"minimum": getattr(refused, "minimum", None)}
        assert answer == expected, case


def test_the_comparison_covers_every_status(python_overview: Any) -> None:
    """Guard for the comparison above: it covers all five organisations and all four
    statuses."""
    assert [s.status for s in python_overview.bronnen] == [
        "beantwoord", "geweigerd", "beantwoord", "niets_te_melden", "onbereikbaar"]
