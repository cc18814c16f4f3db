"""One overview from a real federation: every source gets a status, only verified data counts.

Every exchange is validated against the OpenAPI documents (federation_support).
Failures are injected by a failing proxy between the app and one real source.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

import pytest
from federation_support import Fault, app_for, login_as, proxy_for

from reference_impl.app.notes import case_notes
from reference_impl.app.overview import GROUPS, NET_FIGURES, group_of
from reference_impl.common.envelope import sign_envelope
from reference_impl.common.jose import generate_key
from reference_impl.common.spec import schema_errors, schema_validator
from reference_impl.demo.data import load_demo

SANNE, LOTTE = "999993653", "999990020"
CJIB, DUO, GEMEENTE, WATERSCHAP = (
    "00000001001234001000", "00000001001234002000", "00000001001234567000",
    "00000001001234004000")
OVERVIEW = r"/vorderingenoverzicht$"


def _status(overview: Any) -> dict[str, tuple[str, str | None]]:
    return {s.oin: (s.status, s.code) for s in overview.bronnen}


async def _overview(federation: Any, *proxies: Any, bsn: str = SANNE, **options: Any) -> Any:
    app, transport = app_for(federation, *proxies, **options)
    async with app:
        await login_as(app, bsn)
        overview = await app.overview()
    return overview, transport


@pytest.mark.anyio
async def test_overview_has_totals_four_groups_and_a_status_per_source(federation: Any) -> None:
    overview, transport = await _overview(federation)
    assert _status(overview) == {CJIB: ("beantwoord", None), DUO: ("beantwoord", None),
                                 GEMEENTE: ("beantwoord", None),
                                 WATERSCHAP: ("niets_te_melden", None)}
    data = overview.to_json()
    assert set(data["groepen"]) == set(GROUPS)
    by_case = {c["zaakkenmerk"]: c for g in GROUPS for c in data["groepen"][g]}
    # Sanne: an overdue traffic fine, a study debt, and a municipal instalment due this month
    assert by_case["CJIB-2026-0001"]["groep"] == "achterstand"
    assert by_case["DUO-SF-2019-123456"]["groep"] == "langlopend"
    assert by_case["AS-2026-000101"]["groep"] == "deze_maand"
    for case in by_case.values():
        assert case["saldo"] > 0 and case["organisatie"]["naam"]
        assert {"omschrijving", "volgende_vervaldatum", "status", "contact", "acties"} <= set(case)
    # totals are the sums of what the verified documents say, case by case
    documents = [e["document"] for e in overview.envelopes.values()]
    cases = [c for d in documents for c in d["financiele_zaken"] if c["saldo"] > 0]
    assert data["totalen"]["saldo"] == sum(c["saldo"] for c in cases)
    assert data["totalen"]["achterstand"] == sum(c["achterstand"] for c in cases)
    assert data["totalen"]["aantal_zaken"] == len(cases) == 3
    # per source: challenge, session, overview; at the App Manager: registration, certificate
    # (the consent page and DigiD are the citizen's browser's, not the app's)
    assert transport.validated["bron"] >= 12 and transport.validated["app-manager"] == 2


@pytest.mark.anyio
async def test_a_citizen_without_claims_sees_nothing_to_report(federation: Any) -> None:
    overview, _ = await _overview(federation, bsn=LOTTE)
    assert {status for status, _code in _status(overview).values()} == {"niets_te_melden"}
    assert overview.to_json()["totalen"]["saldo"] == 0


def _shave_a_euro(envelope: dict) -> dict:
    envelope["document"]["financiele_zaken"][0]["saldo"] -= 100
    return envelope


def _resign_with_a_stranger_key(envelope: dict) -> dict:
    return sign_envelope(envelope["document"], generate_key())


def _as_another_organisation(envelope: dict) -> dict:
    envelope["document"]["bron"] = {"oin": "00000001009999999000", "naam": "Nepbron"}
    return envelope


@pytest.fixture(scope="module")
def honest(federation: Any) -> Any:
    """Sanne's overview without interference, for comparison."""
    return asyncio.run(_overview(federation))[0]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("alter", "code"),
    [
        (_shave_a_euro, "envelop/handtekening-ongeldig"),
        (_resign_with_a_stranger_key, "envelop/sleutel-onbekend"),
        (_as_another_organisation, "envelop/bron-onbekend"),
    ],
)
async def test_an_envelope_that_does_not_verify_is_refused_and_not_counted(
    federation: Any, honest: Any, alter: Any, code: str
) -> None:
    tampered, _ = await _overview(federation, proxy_for(federation, DUO,
                                                        Fault("GET", OVERVIEW, alter=alter)))
    assert _status(tampered)[DUO] == ("geweigerd", code)
    assert {k: v for k, v in _status(tampered).items() if k != DUO} == {
        k: v for k, v in _status(honest).items() if k != DUO}
    assert DUO not in tampered.envelopes
    shown = [c["zaakkenmerk"] for c in tampered.cases]
    assert "DUO-SF-2019-123456" not in shown and len(shown) == 2
    duo_saldo = sum(c["saldo"] for c in honest.cases if c["organisatie"]["oin"] == DUO)
    assert tampered.totalen()["saldo"] == honest.totalen()["saldo"] - duo_saldo


@pytest.mark.anyio
async def test_another_citizens_document_is_refused(federation: Any) -> None:
    # The proxy swaps in a genuine, correctly signed envelope of another citizen.
    other, _ = await _overview(federation, bsn="999990044")  # Fatima, CJIB only
    stolen = other.envelopes[CJIB]
    overview, _ = await _overview(federation, proxy_for(
        federation, CJIB, Fault("GET", OVERVIEW, alter=lambda _real: stolen)))
    assert _status(overview)[CJIB] == ("geweigerd", "envelop/bsn-onjuist")
    assert all(c["organisatie"]["oin"] != CJIB for c in overview.cases)


@pytest.mark.anyio
async def test_unreachable_and_failing_sources_do_not_break_the_overview(federation: Any) -> None:
    overview, _ = await _overview(
        federation,
        proxy_for(federation, DUO, Fault("POST", r"/sessies/uitdagingen$", unreachable=True)),
        proxy_for(federation, GEMEENTE, Fault("GET", OVERVIEW, status=500)),
        proxy_for(federation, WATERSCHAP, Fault("POST", r"/sessies$", status=401,
                                                code="certificaat/ingetrokken")),
    )
    assert _status(overview) == {
        CJIB: ("beantwoord", None), DUO: ("onbereikbaar", "app/geen-verbinding"),
        GEMEENTE: ("onbereikbaar", "algemeen/interne-fout"),
        WATERSCHAP: ("geweigerd", "certificaat/ingetrokken")}
    assert [c["zaakkenmerk"] for c in overview.cases] == ["CJIB-2026-0001"]
    # a source that did not answer comes with the contact the scheme lists for it
    # (uitbreidingen["2.2"].contact, /app/contact-bij-storing); one that answered does not
    shown = {b["oin"]: b for b in overview.to_json()["bronnen"]}
    assert shown[DUO]["contact"]["telefoon"] and shown[GEMEENTE]["contact"]
    assert shown[WATERSCHAP]["contact"] and "contact" not in shown[CJIB]


@pytest.mark.anyio
async def test_a_slow_source_times_out_alone_and_does_not_hold_up_the_rest(
    federation: Any
) -> None:
    started = time.perf_counter()
    overview, _ = await _overview(
        federation, proxy_for(federation, DUO, Fault("GET", OVERVIEW, delay_s=8)),
        timeout_s=2.5, validate=False)
    elapsed = time.perf_counter() - started
    assert _status(overview)[DUO] == ("onbereikbaar", "app/time-out")
    assert _status(overview)[CJIB] == ("beantwoord", None)
    assert elapsed < 6  # login + one timeout, not the slow source's eight seconds


def test_group_rule_first_match_wins() -> None:
    on = date(2026, 3, 10)
    case = {"saldo": 100, "achterstand": 50, "volgende_vervaldatum": "2026-03-20",
            "looptijd": "eenmalig"}
    assert group_of(case, on) == "achterstand"
    assert group_of({**case, "achterstand": 0}, on) == "deze_maand"
    assert group_of({**case, "achterstand": 0, "volgende_vervaldatum": "2026-04-01"},
                    on) == "eenmalig"
    assert group_of({**case, "achterstand": 0, "volgende_vervaldatum": None,
                     "looptijd": "doorlopend"}, on) == "langlopend"
    assert group_of({**case, "saldo": 0}, on) is None


# --- the 2.2 demo citizens (issue 12, "How it is shown") ----------------------------------
# Every overview keeps totals that add up — per case opgelegd_netto − vereffend_netto =
# saldo, per group and overall the sums of the cases — and shows what each citizen is there
# to show: a lapsed and an amended arrangement, a storno and a rebooked payment as
# reversals, garnishment with the beslagvrije voet, lines per creditor, a case in beroep.


async def overview_of(federation: Any, bsn: str, *proxies: Any) -> dict[str, Any]:
    # six citizens at once on a loaded CI machine: a generous per-source timeout
    app, _ = app_for(federation, *proxies, timeout_s=30.0)
    async with app:
        await login_as(app, bsn)
        return (await app.overview()).to_json()


def notes_of(data: dict[str, Any]) -> list[str]:
    return [n for g in GROUPS for case in data["groepen"][g] for n in case_notes(case)]


def check_totals(data: dict[str, Any]) -> None:
    assert schema_errors(schema_validator("app-overzicht"), data) == []
    cases = [c for g in GROUPS for c in data["groepen"][g]]
    totals = data["totalen"]
    for case in cases:
        assert case["opgelegd_netto"] - case["vereffend_netto"] == case["saldo"], case
    for name in ("saldo", "achterstand", *NET_FIGURES):
        assert totals[name] == sum(c[name] for c in cases), name
    assert totals["saldo"] == totals["opgelegd_netto"] - totals["vereffend_netto"]
    assert sum(g["saldo"] for g in totals["per_groep"].values()) == totals["saldo"]


@pytest.mark.anyio
async def test_the_22_demo_citizens_show_it_with_totals_that_add_up(federation: Any) -> None:
    citizens = load_demo().citizens
    assert len(citizens) >= 8
    # the citizens 2.2 added (after the original five), logged in side by side
    shown = await asyncio.gather(*(overview_of(federation, c.bsn) for c in citizens[5:]))
    for data in shown:
        check_totals(data)
        # every source answered: a fact missing below is then the app's, not the network's
        assert {b["status"] for b in data["bronnen"]} <= {"beantwoord", "niets_te_melden"}, \
            data["bronnen"]
    everything = " ".join(n for data in shown for n in notes_of(data))
    for fact in ("vervallen door gemiste termijnen", "vervangt een eerdere regeling",
                 "Beslagvrije voet", "storno", "overgeboekt van een andere zaak",
                 "Beroep ingediend", "Voor Waterschap", "Pauze niet mogelijk"):
        assert fact in everything, fact


@pytest.mark.anyio
async def test_a_pause_refused_by_its_limits_says_why_and_from_when(federation: Any) -> None:
    ellen = next(c for c in load_demo().citizens if "maximum" in c.omschrijving)
    app, _ = app_for(federation)
    async with app:
        await login_as(app, ellen.bsn)
        lines = await app.pause_everything(days=30, overview=await app.overview())
    refused = [line for line in lines if line.status == "niet_toegestaan"]
    assert refused, [line.to_json() for line in lines]
    reasons = [r for line in refused for r in line.redenen]
    assert any(r["reden"] == "maximum-bereikt" and r.get("mogelijk_vanaf") for r in reasons)
    assert not any(line.status == "gepauzeerd" for line in lines)  # nothing was paused
