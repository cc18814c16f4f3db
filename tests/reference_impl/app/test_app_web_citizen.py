"""The citizen page as a citizen meets it, in headless Chromium at phone and desktop widths.

Same federation and scheme as test_app_web.py (a refused DUO, a closed port, a next-major-only
organisation). What a citizen would notice: a loading state while sources answer, one
arrears figure in plain words, Dutch dates and amounts, no codes or enum words on screen
(they sit behind "Details"), buttons for actions, no horizontal scrolling on a 390-px
phone, the page passes axe-core's WCAG 2.1 A/AA rules, works by keyboard with a visible
focus ring, and "Uitloggen" ends the sessions and forgets the key. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_app_web import (  # noqa: F401  (fixtures shared with the overview test)
    ARTIFACTS,
    CJIB,
    WAIT_MS,
    browser,
    python_overview,
    site,
)

from reference_impl.app.display import euro

pytestmark = pytest.mark.browser

AXE = (Path(__file__).resolve().parents[3] / "reference_impl" / "app" / "web" / "vendor" / "test"
       / "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = {"telefoon": {"width": 390, "height": 844}, "bureaublad": {"width": 1280, "height": 900}}
MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
          "december")
# What must not reach the citizen's screen: problem codes, enum words, ISO dates, the
# scheme's jargon.
TECHNICAL = re.compile(r"\b[a-z]+/[a-z-]+\b|\b[a-z]+_[a-z_]+\b|\d{4}-\d{2}-\d{2}|volgnummer|"
                       r"stelseldocument|te laat betaald", re.IGNORECASE)


def _log_in_held(page: Any) -> list[Any]:
    """Log in as the citizen does, holding the first overview answer back so the loading
    state can be seen; returns the held route."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        if route.request.method == "GET" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/vorderingenoverzicht", hold)
    page.wait_for_selector("#inlog-knop", state="visible", timeout=WAIT_MS)
    page.click("#inlog-knop")
    page.click("button[name=keuze][value=doorgaan]", timeout=WAIT_MS)
    page.check("input[name=bsn][value='999993653']", timeout=WAIT_MS)
    page.click("form button[type=submit]")
    return held


def _visible_text(page: Any) -> str:
    return page.inner_text("body").replace("\u00a0", " ")


def _axe_violations(page: Any) -> list[dict[str, Any]]:
    # Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays on.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async (tags) => (await axe.run(document,
        { runOnly: { type: "tag", values: tags } })).violations.map((v) => ({
          id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }))""",
                         AXE_TAGS)


def _tab_through(page: Any, steps: int) -> list[dict[str, Any]]:
    """Press Tab `steps` times; what got focus each time and whether its focus is visible."""
    seen = []
    for _ in range(steps):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("""() => {
            const e = document.activeElement, style = getComputedStyle(e);
            const box = e.getBoundingClientRect();
            return { id: e.id, text: (e.innerText || "").trim().slice(0, 40), tag: e.tagName,
              ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
              shown: box.width > 0 && box.height > 0 };
        }"""))
    return seen


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_citizen_can_use_the_page(
    browser: Any, site: dict[str, Any], python_overview: Any, width: str  # noqa: F811
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=WIDTHS[width], locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    ended: list[int] = []
    page.on("response", lambda r: ended.append(r.status)
            if r.request.method == "DELETE" and r.url.endswith("/sessies/huidige") else None)
    page.goto(site["url"])
    # First screen: one clear button to log in, no "forget the key" button.
    page.wait_for_selector("#inlog-knop", state="visible", timeout=WAIT_MS)
    assert page.is_hidden("#uitlog-knop")
    assert page.inner_text("#inlog-knop") == "Inloggen met DigiD"

    held = _log_in_held(page)
    page.wait_for_selector("#laden:not([hidden])", timeout=WAIT_MS)
    page.wait_for_function("() => document.querySelector('#laden-tekst').textContent"
                           ".includes('5 van 6 klaar')", timeout=WAIT_MS)
    assert held and page.is_hidden("#overzicht")
    assert page.get_attribute("#inhoud", "aria-busy") == "true"
    page.screenshot(path=str(ARTIFACTS / f"web-{width}-laden.png"))
    for route in held:
        route.continue_()
    page.wait_for_selector("#overzicht[data-ronde='1']", timeout=WAIT_MS)
    assert page.is_hidden("#laden")

    # Keyboard: the skip link comes first, every stop shows a focus ring, and a case's
    # action button takes the citizen to the form that carries it out.
    stops = _tab_through(page, 12)
    assert stops[0]["text"] == "Direct naar de inhoud"
    assert all(s["ring"] and s["shown"] for s in stops), stops
    page.focus("a.nl-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    positive = "document.querySelectorAll('[tabindex]:not([tabindex=\"-1\"])').length"
    assert page.evaluate(positive) == 0
    page.focus("#groep-achterstand button[data-actie=betalingsregeling]")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "maandbedrag"

    text = _visible_text(page)
    totals = python_overview.totalen()
    # One arrears figure, in plain words, equal to the Python app's total.
    assert f"Daarvan had u {euro(totals['achterstand'])} al moeten betalen" in text
    assert len(re.findall(r"achterstand\)", text)) == 1
    assert page.inner_text("#totaal-bedrag").replace("\u00a0", " ") == euro(totals["saldo"])
    assert re.search(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b", text)
    assert TECHNICAL.findall(text) == []
    # Plain status per organisation, the code only behind "Details".
    closed = page.locator("#bronnen-lijst li[data-code='app/geen-verbinding']")
    assert "Kon niet worden bereikt — probeer het later opnieuw" in closed.inner_text()
    closed.locator("summary").click()
    assert "app/geen-verbinding" in closed.inner_text()
    assert "Bel 058 000 0001" in page.inner_text(f"#bronnen-lijst li[data-oin='{CJIB}']")

    # No horizontal scrolling, and nothing wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    assert _axe_violations(page) == []
    # ... and the check does see a violation when there is one (an image without text).
    page.evaluate("document.querySelector('#totalen').append(document.createElement('img'))")
    assert "image-alt" in {v["id"] for v in _axe_violations(page)}
    page.evaluate("document.querySelector('#totalen img').remove()")
    page.screenshot(path=str(ARTIFACTS / f"web-{width}-overzicht.png"), full_page=True)

    # Logging out ends the sessions at the sources and forgets the key.
    kid = page.evaluate("window.vorderingenApp.kid")
    page.click("#uitlog-knop")
    page.wait_for_selector("#inlog-knop", state="visible", timeout=WAIT_MS)
    assert ended and set(ended) == {204}
    assert page.evaluate("window.vorderingenApp.certificate") is None
    assert page.evaluate("window.vorderingenApp.kid") != kid
    # Everything came from loopback (the page, its vendored CSS, the federation): no CDN.
    assert loaded and all(url.startswith("http://127.0.0.1:") for url in loaded), loaded
    assert any("/vendor/rhc-components.css" in url for url in loaded)
    assert errors == []
    context.close()
