"""One source's odd but signed data, or its malformed refusal, in the browser app.

The federation's sources plus one more source this test plays (its key in the scheme, a
second key of it revoked an hour ago): what it answers is set per case. The page must
refuse what the Python app refuses (`envelop/document-ongeldig` for a date that is no real
day, a member of the wrong form), and one source's answer — signed or not — must never keep
the page from showing the others (`/app/status-per-bron`): not in the overview, not in the
results of a pause. The login code leaves the address bar on every path. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from federation_support import LoopbackServer, SchemeFile
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from test_app_web import (  # noqa: F401  (fixtures shared with the overview test)
    ARTIFACTS,
    CJIB,
    GEMEENTE,
    WAIT_MS,
    _statuses,
    browser,
)

from reference_impl.app.web.server import WebConfig, create_app
from reference_impl.common.envelope import sign_envelope, verify_envelope
from reference_impl.common.jose import generate_key, public_jwk, random_token, sign

pytestmark = pytest.mark.browser

HOSTILE = "00000001001234777000"
BSN = "999993653"
REFUSED = "envelop/document-ongeldig"
WIDTHS = {"telefoon": {"width": 390, "height": 844}, "bureaublad": {"width": 1280, "height": 900}}


def _iso(ts: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if ts is None else ts))


def _case(kenmerk: str = "H-1", saldo: int = 5000, **extra: Any) -> dict[str, Any]:
    case = {"zaakkenmerk": kenmerk, "omschrijving": "Zaak van de testbron", "looptijd": "eenmalig",
            "totaal_financieel_verplicht": saldo, "totaal_financieel_vereffend": 0, "saldo": saldo,
            "saldo_datumtijd": _iso(time.time() - 60), "achterstand": 0,
            "volgende_vervaldatum": None, "status": "open", "bezwaar": {"mogelijk": False},
            "contact": {"telefoon": "+31 20 000 0000"}, "acties": ["betalen"],
            "vorderingtype": "gem_overig",
            "grondslag": {"omschrijving": "Testwet", "url": "https://wetten.overheid.nl/BWBR0000000"},
            "gebeurtenissen": [{"gebeurtenis_id": f"{kenmerk}:1",
                                "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
                                "datumtijd": _iso(time.time() - 3600), "bedrag": saldo,
                                "categorie": "hoofdsom", "omschrijving": "Hoofdsom"}]}
    case.update(extra)
    return case


def _document(cases: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    document = {"documentversie": "2.0", "bron": {"oin": HOSTILE, "naam": "Testbron Randgeval"},
                "bsn": BSN, "opgesteld_op": _iso(), "financiele_zaken": cases}
    document.update(extra)
    return document


def _problem(code: str, **members: Any) -> JSONResponse:
    body = {"type": f"urn:nl-vorderingen:probleem:{code}", "title": "Pauze niet mogelijk",
            "status": 422, "detail": "Een pauze is nu niet mogelijk.", "code": code, **members}
    return JSONResponse(body, status_code=422, media_type="application/problem+json")


class Source:
    """The source this test plays: sessions for anyone, and the answers the test sets."""

    def __init__(self, key: Any) -> None:
        self.key = key
        self.document = _document([_case()])
        self.pause: Any = lambda: JSONResponse({"einddatum": "2030-01-01"}, status_code=201)

    def app(self) -> Starlette:
        async def challenge(_request: Request) -> JSONResponse:
            return JSONResponse({"nonce": random_token(32)}, status_code=201)

        async def sessions(_request: Request) -> JSONResponse:
            return JSONResponse({"sessietoken": random_token(32),
                                 "verloopt_op": _iso(time.time() + 600)}, status_code=201)

        async def overview(_request: Request) -> JSONResponse:
            return JSONResponse(sign_envelope(self.document, self.key))

        async def configuratie(_request: Request) -> JSONResponse:
            return JSONResponse({"pauze": {"maximum_duur_dagen": 90}})

        async def pauzes(_request: Request) -> JSONResponse:
            return self.pause()

        base = "/vorderingen/v2"
        return Starlette(routes=[
            Route(base + "/sessies/uitdagingen", challenge, methods=["POST"]),
            Route(base + "/sessies", sessions, methods=["POST"]),
            Route(base + "/vorderingenoverzicht", overview),
            Route(base + "/configuratie", configuratie),
            Route(base + "/pauzes", pauzes, methods=["POST"])],
            middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"],
                                   allow_headers=["*"], expose_headers=["*"])])


@pytest.fixture(scope="module")
def hostile_site(federation: Any) -> Iterator[dict[str, Any]]:
    """The page, with a scheme of the federation's sources plus the test's own source."""
    key, revoked, operator = generate_key(), generate_key(), generate_key()
    source = Source(key)
    with LoopbackServer(source.app()) as source_server:
        claims = json.loads(json.dumps(federation.scheme_service.current.claims))
        now = int(time.time())
        claims["organisaties"].append({
            "oin": HOSTILE, "naam": "Testbron Randgeval", "soort": "gemeente",
            "eindpunten": [{"api_url": f"{source_server.url}/vorderingen/v2", "major": 2}],
            "sleutels": [{"jwk": public_jwk(key), "geldig_vanaf": 0},
                         {"jwk": public_jwk(revoked), "geldig_vanaf": 0,
                          "ingetrokken_op": now - 3600}],  # a stolen key
            "diensten": ["vorderingenoverzicht", "pauzes"], "status": "actief"})
        claims.update(iss="test-stelselbeheerder", iat=now, exp=now + 3600, volgnummer=1)
        with LoopbackServer(SchemeFile(sign(claims, operator, typ="stelsel-v2+jwt"))) as scheme:
            config = WebConfig(scheme.url + "/stelsel/v2/stelseldocument", [public_jwk(operator)],
                               "test", federation.app_manager_url, 10.0)
            with LoopbackServer(create_app(config)) as page_server:
                yield {"url": page_server.url + "/", "claims": claims, "source": source,
                       "key": key, "revoked": revoked}


@pytest.fixture(scope="module")
def logged_in(browser: Any, hostile_site: dict[str, Any]) -> Iterator[Any]:  # noqa: F811
    """A browser context with the citizen logged in (its certificate stored)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(hostile_site["url"])
    page.wait_for_selector("#inlog-knop", state="visible", timeout=WAIT_MS)
    page.click("#inlog-knop")
    page.click("button[name=keuze][value=doorgaan]", timeout=WAIT_MS)
    page.check(f"input[name=bsn][value='{BSN}']", timeout=WAIT_MS)
    page.click("form button[type=submit]")
    page.wait_for_selector("#overzicht[data-ronde='1']", timeout=WAIT_MS)
    yield page
    context.close()


def _shown(page: Any) -> dict[str, Any]:
    """After a (re)load: each organisation's status and code, and the cards shown."""
    page.wait_for_selector("#overzicht[data-ronde='1']", timeout=WAIT_MS)
    return {"bronnen": _statuses(page, "#bronnen-lijst"),
            "zaken": page.eval_on_selector_all("#groepen li.zaak", "els => els.map(e => "
                                               "e.querySelector('.zaak__organisatie').textContent)")}


def _screenshots(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"web-{name}-{width}.png"), full_page=True)


def test_the_page_refuses_what_python_refuses(
        browser: Any, hostile_site: dict[str, Any]) -> None:  # noqa: F811
    """Impossible dates and date-times (an impossible `opgesteld_op` once let a REVOKED key
    pass: NaN fails every key-window comparison), members of the wrong form in any version,
    and an http contact URL: `envelop/document-ongeldig`, as the Python app's schema says."""
    key, revoked = hostile_site["key"], hostile_site["revoked"]
    arrangement = {"id": "0b9c2f1e-6a39-4c1e-9a7e-2f4f5d1e8a10", "status": "beeindigd",
                   "beeindiging": {"reden": "door_bron", "datum": "2026-02-30"}}
    instalment = {"id": "0b9c2f1e-6a39-4c1e-9a7e-2f4f5d1e8a11", "status": "actief",
                  "termijnen": [{"volgnummer": 1, "vervaldatum": "2026-00-10", "bedrag": 100,
                                 "status": "open"}]}
    cases: dict[str, tuple[dict[str, Any], Any, str | None]] = {
        "as it should be": (_document([_case()]), key, None),
        "revoked key": (_document([_case()]), revoked, "envelop/sleutel-ingetrokken"),
        "revoked key, opgesteld_op in month 13": (
            _document([_case(saldo_datumtijd="2026-13-01T00:00:00Z")],
                      opgesteld_op="2026-13-01T00:00:00Z"), revoked, REFUSED),
        "opgesteld_op on 30 February": (_document([_case()], opgesteld_op="2026-02-30T10:00:00Z"),
                                        key, REFUSED),
        "saldo_datumtijd at 24:00": (_document([_case(saldo_datumtijd="2026-01-01T24:00:00Z")]),
                                     key, REFUSED),
        "an offset of 25 hours": (_document([_case(saldo_datumtijd="2026-01-01T10:00:00+25:00")]),
                                  key, REFUSED),
        "volgende_vervaldatum 2026-13-45": (_document([_case(volgende_vervaldatum="2026-13-45")]),
                                            key, REFUSED),
        "2.2 ingediend_op 29 February 2026": (_document([_case(
            status="in_bezwaar", acties=[], rechtsmiddel={
                "stadium": "bezwaar", "ingediend_op": "2026-02-29", "uitstel_van_betaling": True})],
            documentversie="2.2"), key, REFUSED),
        "2.2 mogelijk_vanaf 31 April": (_document([_case(pauze_mogelijkheid={
            "mogelijk": False, "reden": "wachttijd", "mogelijk_vanaf": "2026-04-31"})],
            documentversie="2.2"), key, REFUSED),
        "2.2 end of an arrangement on 30 February": (_document([_case(
            betalingsregeling=arrangement)], documentversie="2.2"), key, REFUSED),
        "a termijn due in month 0": (_document([_case(betalingsregeling=instalment)]), key,
                                     REFUSED),
        "telefoon a number": (_document([_case(contact={"telefoon": 205551234})]), key, REFUSED),
        "beslag an object in 2.0": (_document([_case(beslag={})]), key, REFUSED),
        "reden constructor": (_document([_case(pauze_mogelijkheid={
            "mogelijk": False, "reden": "constructor"})]), key, REFUSED),
        "an http contact url": (_document([_case(contact={"url": "http://example.org/"})]),
                                key, REFUSED),
        "2.2 as it should be": (_document([_case(
            pauze_mogelijkheid={"mogelijk": False, "reden": "wachttijd",
                                "mogelijk_vanaf": "2028-02-29"},
            beslag=[{"soort": "loonbeslag", "gelegd_op": "2024-02-29", "beslagvrije_voet": 150000}],
            contact={"email": "info@example.org?cc=iemand@example.org",
                     "url": "https://example.org/"})], documentversie="2.2"), key, None),
    }
    envelopes = {name: sign_envelope(document, signer)
                 for name, (document, signer, _code) in cases.items()}
    python: dict[str, str | None] = {}
    for name, envelope in envelopes.items():
        try:
            verify_envelope(copy.deepcopy(envelope), hostile_site["claims"], expected_bsn=BSN)
            python[name] = None
        except Exception as refused:  # the outcome is its code
            python[name] = getattr(refused, "code", repr(refused))
    assert python == {name: code for name, (_d, _k, code) in cases.items()}

    page = browser.new_context().new_page()
    page.goto(hostile_site["url"] + "config.json")  # the page's origin, without booting it
    browser_outcomes = page.evaluate("""async ([envelopes, scheme, oin, bsn]) => {
      const trust = await import("/static/trust.js");
      const outcomes = {};
      for (const [name, envelope] of Object.entries(envelopes)) {
        try {
          await trust.verifyEnvelope(envelope, scheme, oin, bsn);
          outcomes[name] = null;
        } catch (refused) {
          outcomes[name] = refused.code || String(refused);
        }
      }
      return outcomes;
    }""", [envelopes, hostile_site["claims"], HOSTILE, BSN])
    page.context.close()
    assert browser_outcomes == python


def test_one_sources_odd_data_leaves_the_others(logged_in: Any,
                                                 hostile_site: dict[str, Any]) -> None:
    """Odd but signed data of one source is that source's refusal; the others still show.
    So is anything of its part the page cannot draw (here: its amount, made to throw)."""
    page, source = logged_in, hostile_site["source"]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    source.document = _document([_case()])
    page.reload()
    baseline = _shown(page)
    assert baseline["bronnen"][HOSTILE] == ("beantwoord", "")
    others = [naam for naam in baseline["zaken"] if naam != "Testbron Randgeval"]
    assert others and baseline["bronnen"][CJIB][0] == "beantwoord"

    odd = {"telefoon a number": _case(contact={"telefoon": 205551234}),
           "an impossible due date": _case(volgende_vervaldatum="2026-13-45"),
           "beslag an object in 2.0": _case(beslag={}),
           "reden constructor": _case(pauze_mogelijkheid={"mogelijk": False,
                                                           "reden": "constructor"})}
    for name, case in odd.items():
        source.document = _document([case])
        page.reload()
        shown = _shown(page)
        assert shown["bronnen"][HOSTILE] == ("geweigerd", REFUSED), name
        assert shown["zaken"] == others, name
        assert "function" not in page.inner_text("#overzicht"), name
        if name == "telefoon a number":
            _screenshots(page, "bron-geweigerd")

    # An address with `?cc=` is a schema-valid e-mail: shown, but not as a mailto: link.
    source.document = _document([_case(contact={"email": "info@example.org?cc=iemand@example.org",
                                                 "url": "https://example.org/contact"})])
    page.reload()
    assert _shown(page)["bronnen"][HOSTILE] == ("beantwoord", "")
    card = page.locator("#groepen li.zaak", has_text="Testbron Randgeval")
    hrefs = card.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "https://example.org/contact" in hrefs
    assert not [href for href in hrefs if href.startswith("mailto:")]
    assert "info@example.org?cc=iemand@example.org" in card.inner_text()

    # Drawing one source's part throws (its amount, € 313,37): that source only is refused.
    faulty = page.context.new_page()
    faulty.add_init_script("""(() => {
      const getter = Object.getOwnPropertyDescriptor(Intl.NumberFormat.prototype, "format").get;
      Object.defineProperty(Intl.NumberFormat.prototype, "format", { get() {
        const format = getter.call(this);
        return (value) => { if (value === 313.37) throw new Error("kapot"); return format(value); };
      } });
    })()""")
    source.document = _document([_case(saldo=31337)])
    faulty.goto(hostile_site["url"])
    shown = _shown(faulty)
    status, code = shown["bronnen"][HOSTILE]
    assert status == "geweigerd" and code.startswith("app/")
    assert shown["zaken"] == others
    faulty.close()
    source.document = _document([_case()])
    assert errors == []


def test_the_login_code_leaves_the_address_bar_on_every_path(
        browser: Any, logged_in: Any, hostile_site: dict[str, Any]) -> None:  # noqa: F811
    """`code`, `state` and `iss` are out of the address bar as soon as the page has read
    them: with a certificate already stored, and when the scheme cannot be fetched."""
    url = hostile_site["url"]
    hostile_site["source"].document = _document([_case()])
    logged_in.goto(url + "?code=GEHEIME-INLOGCODE&state=abc&iss=x")
    logged_in.wait_for_selector("#overzicht[data-ronde='1']", timeout=WAIT_MS)
    assert logged_in.url == url

    context = browser.new_context()
    page = context.new_page()
    page.route("**/stelsel/v2/stelseldocument", lambda route: route.abort())
    page.goto(url + "?code=GEHEIME-INLOGCODE&state=abc&iss=x&taal=nl")
    page.wait_for_selector("#melding", state="visible", timeout=WAIT_MS)
    assert page.url == url + "?taal=nl"
    context.close()


def test_a_malformed_pause_refusal_is_that_sources_failure(
        logged_in: Any, hostile_site: dict[str, Any]) -> None:
    """An unsigned refusal whose reasons are not of their form (a `mogelijk_vanaf` that is no
    date, a reason that is null) fails that source's line; the other lines are shown."""
    page, source = logged_in, hostile_site["source"]
    source.document = _document([_case(acties=["pauze"])])
    page.goto(hostile_site["url"])
    page.wait_for_selector("#overzicht[data-ronde='1']", timeout=WAIT_MS)
    refusals = [
        lambda: _problem("pauze/niet-toegestaan",
                         redenen=[{"reden": "wachttijd", "mogelijk_vanaf": "binnenkort"}]),
        lambda: _problem("pauze/niet-toegestaan", redenen=[None]),
        lambda: _problem("pauze/niet-mogelijk", redenen=[None]),
    ]
    for round_, refusal in enumerate(refusals, start=2):
        source.pause = refusal
        page.fill("#pauze-dagen", "30")
        page.click("#pauze-knop")
        page.wait_for_selector(f"#overzicht[data-ronde='{round_}']", timeout=WAIT_MS)
        lines = _statuses(page, "#pauze-resultaat")
        assert page.is_visible("#pauze-resultaat") and page.is_hidden("#melding")
        assert lines[HOSTILE] == ("mislukt", "app/antwoord-ongeldig")
        if round_ == 2:
            assert lines[CJIB][0] == lines[GEMEENTE][0] == "gepauzeerd"
            page.locator("#pauze-resultaat").scroll_into_view_if_needed()
            _screenshots(page, "pauze-bron-mislukt")
        else:
            assert lines[CJIB][0] in ("gepauzeerd", "niets_te_pauzeren", "niet_toegestaan")
