"""The browser app in real headless Chromium against a real federation on loopback.

The test plays scheme operator for the page: its format-2 scheme document lists the
federation's sources — DUO with its key marked compromised an hour ago, so every document
it signs now is refused (`envelop/sleutel-ingetrokken`) — plus one organisation at a
closed port and one that serves only a next major. The page logs in as a browser does:
to the App Manager's consent page, the test identity provider, and back to its own loopback
origin with `?code&state&iss`; its requests then carry proofs signed with its
non-extractable WebCrypto key. It must show the same overview, groups and statuses as the
Python app for the same scheme, start a pause and an arrangement, and compute the
allocation exactly as Python does. Screenshots are kept in test-artifacts/ (git-ignored).
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
from federation_support import LoopbackServer, SchemeFile, closed_port, login_as

from reference_impl.app.allocation import Claim, allocate
from reference_impl.app.citizen import AppSettings, CitizenApp
from reference_impl.app.notes import case_notes
from reference_impl.app.trust import TrustAnchor
from reference_impl.app.web.server import WebConfig, create_app
from reference_impl.common.jose import generate_key, public_jwk, sign

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
DUO, CLOSED, NEXT_ONLY = "00000001001234002000", "00000001001234999000", "00000001001234998000"
CJIB, GEMEENTE, WATERSCHAP = "00000001001234001000", "00000001001234567000", "00000001001234004000"
WAIT_MS = 20_000
CLOSED_PHONE = "0800 000 1234"


@pytest.fixture(scope="module")
def site(federation: Any) -> Iterator[dict[str, Any]]:
    """The page, its scheme (a compromised DUO key, a closed port, a next-major-only
    organisation) and the pinned key."""
    operator = generate_key()
    claims = json.loads(json.dumps(federation.scheme_service.current.claims))
    now = int(time.time())
    for organisation in claims["organisaties"]:
        if organisation["oin"] == DUO:
            organisation["sleutels"][0]["ingetrokken_op"] = now - 3600
    for oin, naam, major in ((CLOSED, "Gemeente Dichtestad (gesloten poort)", 2),
                             (NEXT_ONLY, "Gemeente Morgenstad (alleen versie 3)", 3)):
        claims["organisaties"].append({
            "oin": oin, "naam": naam, "soort": "gemeente",
            "eindpunten": [{"api_url": f"http://127.0.0.1:{closed_port()}/vorderingen/v{major}",
                            "major": major}],
            "sleutels": [{"jwk": public_jwk(generate_key()), "geldig_vanaf": 0}],
            "diensten": ["vorderingenoverzicht"], "status": "actief",
            # how to reach it while it does not answer (/app/contact-bij-storing)
            "uitbreidingen": {"2.2": {"contact": {"telefoon": CLOSED_PHONE}}}})
    claims.update(iss="test-stelselbeheerder", iat=now, exp=now + 3600, volgnummer=1)
    token = sign(claims, operator, typ="stelsel-v2+jwt")
    with LoopbackServer(SchemeFile(token)) as scheme_server:
        scheme_url = scheme_server.url + "/stelsel/v2/stelseldocument"
        config = WebConfig(scheme_url, [public_jwk(operator)], "test",
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
        anchor = TrustAnchor(site["scheme_url"], (site["pinned"],), "test")
        async with CitizenApp(AppSettings(anchor, federation.app_manager_url)) as app:
            await login_as(app, "999993653")
            return await app.overview()

    # Playwright's sync API keeps an event loop in this thread: run ours in another one.
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, run()).result()


def _log_in(page: Any, origin: str, bsn: str = "999993653") -> None:
    """As the citizen does it: the page sends the browser to the App Manager's consent
    page, then to the test identity provider, and it comes back to the page's own origin."""
    page.wait_for_selector("#inlog-knop", state="visible", timeout=WAIT_MS)
    page.click("#inlog-knop")
    page.wait_for_selector("button[name=keuze][value=doorgaan]", timeout=WAIT_MS)
    consent = page.content()
    assert "Vorderingen referentie-app (browser)" in consent and "browser op" in consent
    page.screenshot(path=str(ARTIFACTS / "web-toestemming.png"), full_page=True)
    page.click("button[name=keuze][value=doorgaan]")
    page.wait_for_selector("input[name=bsn]", timeout=WAIT_MS)
    page.check(f"input[name=bsn][value='{bsn}']")  # Sanne de Vries unless told
    page.click("form button[type=submit]")
    page.wait_for_selector("#overzicht[data-ronde='1']", timeout=WAIT_MS)
    # Back on the page's own origin, and the code is out of the address bar again.
    assert page.url == origin


def _base(federation: Any, oin: str) -> str:
    """The major-2 endpoint of an organisation of the federation."""
    organisation = next(o for o in federation.scheme_service.current.claims["organisaties"]
                        if o["oin"] == oin)
    return next(e["api_url"] for e in organisation["eindpunten"] if e["major"] == 2)


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _statuses(page: Any, listing: str) -> dict[str, tuple[str, str]]:
    """Per organisation: its status and code (the code sits in data, not in the words)."""
    return {row.get_attribute("data-oin"): (row.get_attribute("data-status"),
                                            row.get_attribute("data-code"))
            for row in page.query_selector_all(f"{listing} li[data-oin]")}


def test_the_page_shows_the_same_overview_as_the_python_app(
    browser: Any, site: dict[str, Any], python_overview: Any, federation: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with_session: list[dict[str, str]] = []
    page.on("request", lambda request: with_session.append(request.headers)
            if "/vorderingen/v2/" in request.url and "authorization" in request.headers
            else None)
    page.goto(site["url"])
    _log_in(page, site["url"])
    statuses = _statuses(page, "#bronnen-lijst")
    assert statuses == {
        CJIB: ("beantwoord", ""), DUO: ("geweigerd", "envelop/sleutel-ingetrokken"),
        GEMEENTE: ("beantwoord", ""), WATERSCHAP: ("niets_te_melden", ""),
        CLOSED: ("onbereikbaar", "app/geen-verbinding"),
        NEXT_ONLY: ("onbereikbaar", "app/geen-ondersteunde-versie")}
    assert statuses == {s.oin: (s.status, s.code or "") for s in python_overview.bronnen}
    # The page times its fan-out, "overview requested" to "every source shown", once per
    # overview shown (bench/browser_fanout_bench.py reads this measure).
    assert page.evaluate("performance.getEntriesByName('vorderingen-overzicht').length") == 1
    totals = python_overview.totalen()
    shown = page.query_selector("#totalen")
    assert int(shown.get_attribute("data-saldo")) == totals["saldo"]
    assert int(shown.get_attribute("data-achterstand")) == totals["achterstand"]
    for group, cases in python_overview.groepen.items():
        table = page.query_selector(f"#groep-{group}")
        assert int(table.get_attribute("data-saldo")) == totals["per_groep"][group]["saldo"]
        shown_cases = [r.get_attribute("data-zaak")
                       for r in table.query_selector_all("[data-zaak]")]
        assert shown_cases == [c["zaakkenmerk"] for c in cases]
    assert "Kon niet worden bereikt — probeer het later opnieuw" in page.inner_text("#bronnen")
    closed = page.inner_text(f"#bronnen-lijst li[data-oin='{CLOSED}']")
    assert f"Bel {CLOSED_PHONE}" in closed  # the scheme's contact for a source that is down
    python_closed = next(s for s in python_overview.bronnen if s.oin == CLOSED)
    assert python_closed.to_json()["contact"] == {"telefoon": CLOSED_PHONE}
    page.screenshot(path=str(ARTIFACTS / "web-overzicht.png"), full_page=True)

    # The key is the browser's own: a non-extractable private key, kept in IndexedDB; every
    # request with a session token carried a proof of its own, signed with that key.
    extractable = page.evaluate("window.vorderingenApp.keys.privateKey.extractable")
    assert extractable is False
    assert with_session and all(h["authorization"].startswith("Sessie ") for h in with_session)
    proofs = [h["verzoek-bewijs"] for h in with_session]
    assert len(set(proofs)) == len(proofs)
    assert {json.loads(_b64(p.split(".")[0]))["typ"] for p in proofs} == {"verzoek-bewijs+jwt"}

    page.click("#pauze-knop")
    page.wait_for_selector("#pauze-resultaat li", timeout=WAIT_MS)
    pauses = {oin: status for oin, (status, _code) in _statuses(page, "#pauze-resultaat").items()}
    assert pauses == {CJIB: "gepauzeerd", DUO: "geen_pauzedienst", GEMEENTE: "gepauzeerd",
                      WATERSCHAP: "niets_te_pauzeren", CLOSED: "geen_pauzedienst",
                      NEXT_ONLY: "geen_pauzedienst"}
    page.wait_for_selector("#overzicht[data-ronde='2']", timeout=WAIT_MS)
    page.screenshot(path=str(ARTIFACTS / "web-pauze.png"), full_page=True)

    # All or nothing: the municipality refuses to confirm, so the CJIB's confirmed
    # arrangement is withdrawn again and nothing is active (`/app/groep-alles-of-niets`).
    confirm = f"{_base(federation, GEMEENTE)}/betalingsregelingen/reserveringen/*/bevestiging"
    page.route(confirm, lambda route: route.fulfill(
        status=409, content_type="application/problem+json",
        headers={"Access-Control-Allow-Origin": "*"},
        body=json.dumps({"type": "about:blank", "title": "Vervallen", "status": 409,
                         "code": "betalingsregeling/reservering-vervallen"})))
    page.fill("#maandbedrag", "100")
    page.click("#voorstel-knop")
    page.wait_for_selector("#regeling-melding[data-plan=voorgesteld]", timeout=WAIT_MS)
    page.click("#afsluiten-knop")
    page.wait_for_selector("#regeling-melding[data-plan=teruggedraaid]", timeout=WAIT_MS)
    assert _statuses(page, "#regeling") == {
        CJIB: ("ingetrokken", ""), GEMEENTE: ("mislukt", "betalingsregeling/reservering-vervallen")}
    page.wait_for_selector("#overzicht[data-ronde='3']", timeout=WAIT_MS)
    page.unroute(confirm)

    page.click("#voorstel-knop")
    page.wait_for_selector("#regeling-melding[data-plan=voorgesteld]", timeout=WAIT_MS)
    split = {row.get_attribute("data-oin"): int(row.get_attribute("data-termijnbedrag"))
             for row in page.query_selector_all("#regeling li")}
    assert set(split) == {CJIB, GEMEENTE} and sum(split.values()) == 10_000
    page.click("#afsluiten-knop")
    page.wait_for_selector("#regeling-melding[data-plan=afgesloten]", timeout=WAIT_MS)
    assert {s for s, _c in _statuses(page, "#regeling").values()} == {"aangegaan"}
    page.wait_for_selector("#overzicht[data-ronde='4']", timeout=WAIT_MS)
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
    """Guard for the comparison above: it covers all six organisations and all four
    statuses."""
    assert [s.status for s in python_overview.bronnen] == [
        "beantwoord", "geweigerd", "beantwoord", "niets_te_melden", "onbereikbaar",
        "onbereikbaar"]


def test_an_ended_session_is_opened_again_once(
    browser: Any, site: dict[str, Any], federation: Any
) -> None:
    """Sessions end (after their lifetime, with their certificate): the page answers the
    source's 401 sessie/token-ongeldig by opening a new session and asking once more, so the
    citizen still sees that source. Here the first overview request to CJIB is refused as if
    its session had just ended."""
    cjib = next(o for o in federation.scheme_service.current.claims["organisaties"]
                if o["oin"] == CJIB)
    base = next(e["api_url"] for e in cjib["eindpunten"] if e["major"] == 2)
    context = browser.new_context()
    page = context.new_page()
    ended: list[str] = []
    sessions_opened: list[str] = []

    def end_first_session(route: Any) -> None:
        if route.request.method == "GET" and not ended:
            ended.append(route.request.url)
            route.fulfill(status=401, content_type="application/problem+json",
                          headers={"WWW-Authenticate": 'Sessie realm="vorderingen"'},
                          body=json.dumps({"type": "about:blank", "title": "Sessie ongeldig",
                                           "status": 401, "code": "sessie/token-ongeldig"}))
        else:
            route.continue_()

    page.route(f"{base}/vorderingenoverzicht", end_first_session)
    page.on("request", lambda request: sessions_opened.append(request.url)
            if request.method == "POST" and request.url == f"{base}/sessies" else None)
    page.goto(site["url"])
    _log_in(page, site["url"])
    statuses = _statuses(page, "#bronnen-lijst")
    context.close()
    assert ended, "the test did not end a session"
    assert statuses[CJIB][0] == "beantwoord", statuses
    assert len(sessions_opened) == 2  # the first, and one more after it ended


def test_the_page_tells_a_22_citizen_what_python_tells(
    browser: Any, site: dict[str, Any], federation: Any
) -> None:
    """Anouk Smit (garnishment with a beslagvrije voet, offsetting, an arrangeable part, a
    case that cannot be paused): the page's "good to know" lines are Python's (notes.py),
    on a phone and on a desktop."""
    anouk = "999990147"

    async def run() -> Any:
        anchor = TrustAnchor(site["scheme_url"], (site["pinned"],), "test")
        async with CitizenApp(AppSettings(anchor, federation.app_manager_url)) as app:
            await login_as(app, anouk)
            return await app.overview()

    with ThreadPoolExecutor(1) as worker:
        python = worker.submit(asyncio.run, run()).result()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(site["url"])
    _log_in(page, site["url"], anouk)
    shown = {card.get_attribute("data-zaak"): [li.inner_text().replace("\u00a0", " ")
                                               for li in card.query_selector_all(
                                                   ".zaak__bijzonderheden li")]
             for card in page.query_selector_all("[data-zaak]")}
    expected = {case["zaakkenmerk"]: case_notes(case) for case in python.cases}
    assert shown == expected
    assert any("Beslagvrije voet" in n for notes in shown.values() for n in notes)
    # nothing wider than a phone: no horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "web-telefoon-bijzonderheden.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(ARTIFACTS / "web-bureaublad-bijzonderheden.png"), full_page=True)
    context.close()


def _token_vectors(name: str) -> list[dict[str, Any]]:
    """spec/vectors/tokens/<name>, flattened: each test with its case's context merged in."""
    path = Path(__file__).resolve().parents[3] / "spec" / "vectors" / "tokens" / name
    return [{**case.get("context", {}), **test.get("context", {}),
             "description": f"{case['description']} / {test['description']}",
             "token": test["token"], "code": None if test["valid"] else test["code"]}
            for case in json.loads(path.read_text(encoding="utf-8")) for test in case["tests"]]


def _wrong_outcomes(browser: Any, site: dict[str, Any], vectors: list[dict[str, Any]],
                    verify_one: str) -> list[tuple[str, Any, Any]]:
    """Run `verify_one(trust, v)` (JavaScript) in the page's origin for every vector, on the
    vector's clock (Date.now set to its `now`); the vectors whose outcome differs."""
    page = browser.new_context().new_page()
    page.goto(site["url"] + "config.json")  # the page's origin, without booting the page
    # Spliced into the script: the page's CSP (no 'unsafe-eval') forbids new Function.
    outcomes = page.evaluate("""async (vectors) => {
      const trust = await import("/static/trust.js");
      const verifyOne = async (trust, v) => { VERIFY_ONE };
      const outcomes = [];
      for (const v of vectors) {
        Date.now = () => v.now * 1000;
        try {
          await verifyOne(trust, v);
          outcomes.push(null);
        } catch (refused) {
          outcomes.push(refused.code || String(refused));
        }
      }
      return outcomes;
    }""".replace("VERIFY_ONE", verify_one), vectors)
    page.context.close()
    return [(v["description"], v["code"], got) for v, got in zip(vectors, outcomes, strict=True)
            if got != v["code"]]


def test_the_page_verifies_envelopes_as_the_vectors_say(browser: Any, site: dict[str, Any]
                                                         ) -> None:
    """trust.js's verifyEnvelope gives every envelope vector's outcome, as the Python app
    and the suite do. The help-request freshness (`envelop/verouderd`) is the receiving
    source's check, not an app's."""
    vectors = [v for v in _token_vectors("envelop.json") if v["code"] != "envelop/verouderd"]
    wrong = _wrong_outcomes(browser, site, vectors, """
      const document = v.token && v.token.document;
      const oin = document && document.bron ? document.bron.oin : undefined;
      const bsn = v.expected_bsn === undefined ? (document ? document.bsn : undefined)
        : v.expected_bsn;
      await trust.verifyEnvelope(v.token, v.stelsel, oin, bsn);""")
    assert len(vectors) > 40 and not wrong, "\n".join(map(str, wrong))


def test_the_page_verifies_scheme_documents_as_the_vectors_say(browser: Any,
                                                               site: dict[str, Any]) -> None:
    """trust.js's verifyScheme gives every scheme-document vector's outcome; the highest
    volgnummer the page keeps (localStorage) is set to the vector's `last_volgnummer`."""
    vectors = _token_vectors("stelseldocument.json")
    wrong = _wrong_outcomes(browser, site, vectors, """
      localStorage.clear();
      const { thumbprint } = await import("/static/jose.js");
      const kids = await Promise.all(v.pinned_keys.map(thumbprint));
      for (const kid of kids) {
        localStorage.setItem(`stelsel-volgnummer-${kid}`, String(v.last_volgnummer));
      }
      await trust.verifyScheme(v.token, v.pinned_keys, v.expected_omgeving);""")
    assert len(vectors) > 40 and not wrong, "\n".join(map(str, wrong))
