"""The collection-cooperative example: bookings of its collection system as an app sees them
(signed documents fetched through a real session, in-process)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest
from example_support import ExampleSetup, collection_database, suite_bsns

from conformance import keys
from conformance.context import CheckContext
from examples.waterschap.adapter import CollectionBackend
from examples.waterschap.collection_system import CollectionSystem
from examples.waterschap.errors import CollectionSystemError

pytestmark = pytest.mark.anyio
DEWI, EVA, FRANK, GIJS = "999991048", "999991061", "999991073", "999991085"
BASE_URL = "http://127.0.0.1:8102/vorderingen/v2"  # in-process: no socket is opened
COOPERATIVE_OIN = "00000001999990002000"
WATER_BOARD = {"oin": "00000001999990003000", "naam": "Waterschap Polderdelta"}
MUNICIPALITY = {"oin": "00000001999990004000", "naam": "Gemeente Oostervaart"}


@pytest.fixture
async def polderland(tmp_path: Path) -> Any:
    with collection_database(tmp_path):
        setup = ExampleSetup.prepare("waterschap", tmp_path, BASE_URL)
        app = setup.app()
        ctx = await CheckContext.create(
            BASE_URL, keys=setup.suite_keys, scheme=keys.load_scheme(setup.suite_keys),
            transport=httpx.ASGITransport(app=app), test_bsns=list(suite_bsns("waterschap")))
        async with ctx:
            yield ctx
        await app.state.source.close()
        await app.state.source.backend.system.close()


async def cases_of(ctx: CheckContext, bsn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    document = (await ctx.overview(await ctx.session(bsn)))["document"]
    return document, {c["zaakkenmerk"]: c for c in document["financiele_zaken"]}


async def test_one_bill_two_creditors(polderland: CheckContext) -> None:
    """The cooperative is the source; each case names its own creditor."""
    document, cases = await cases_of(polderland, DEWI)
    assert document["bron"] == {"oin": COOPERATIVE_OIN, "naam": "Belastingsamenwerking Polderland"}
    assert sorted(cases) == ["2026-770012-OST", "2026-770012-WPD"]
    assert cases["2026-770012-WPD"]["schuldeiser"] == WATER_BOARD
    assert cases["2026-770012-OST"]["schuldeiser"] == MUNICIPALITY
    assert cases["2026-770012-WPD"]["vorderingtype"] == "ws_aanslag_belastingen"
    lines = [e["omschrijving"] for e in cases["2026-770012-WPD"]["gebeurtenissen"]
             if e["gebeurtenistype"] == "FinancieleVerplichtingOpgelegd"]
    assert [line.split()[0] for line in lines] == ["Watersysteemheffing", "Zuiveringsheffing"]


async def test_remission_settles_the_overdue_instalments(polderland: CheckContext) -> None:
    """Seven instalments of the water board's part are overdue, but the remission of the
    zuiveringsheffing settled them: no arrears, only the last instalment left."""
    _document, cases = await cases_of(polderland, DEWI)
    water = cases["2026-770012-WPD"]
    assert (water["saldo"], water["achterstand"]) == (969, 0)
    assert water["totaal_financieel_vereffend"] == 3 * 3957 + 18819
    municipal = cases["2026-770012-OST"]
    assert (municipal["saldo"], municipal["achterstand"]) == (13850, 6925)  # instalment 7
    assert municipal["status"] == "open"
    assert {"betalingsregeling", "pauze"} <= set(municipal["acties"])


async def test_only_what_is_overdue_can_be_arranged(polderland: CheckContext) -> None:
    """The last instalment still to come is no arrears: the water board's part has nothing
    to arrange (and does not offer it), the municipal part exactly its overdue instalment."""
    _document, cases = await cases_of(polderland, DEWI)
    water, municipal = cases["2026-770012-WPD"], cases["2026-770012-OST"]
    assert water["regelbaar_bedrag"] == 0
    assert "betalingsregeling" not in water["acties"] and "pauze" in water["acties"]
    assert municipal["regelbaar_bedrag"] == municipal["achterstand"] == 6925


async def test_a_refund_offset_against_an_instalment(polderland: CheckContext) -> None:
    """Part of instalment 6 was paid by offsetting a refund the cooperative owed Dewi on
    last year's bill (verrekening), and the payment says what it was offset against."""
    _document, cases = await cases_of(polderland, DEWI)
    payments = {e["gebeurtenis_id"]: e for e in cases["2026-770012-OST"]["gebeurtenissen"]
                if e["gebeurtenistype"] == "BetalingVerwerkt"}
    offset = payments["2026-770012-OST:V1"]
    assert (offset["betaalwijze"], offset["bedrag"]) == ("verrekening", 4130)
    assert offset["verrekend_met"].startswith("Teruggaaf afvalstoffenheffing 2025")
    assert payments["2026-770012-OST:B6"]["betaalwijze"] == "overboeking"
    assert not [p for p in payments.values()
                if "verrekend_met" in p and p["betaalwijze"] != "verrekening"]


async def test_bailiff_case_offers_no_arrangement(polderland: CheckContext) -> None:
    _document, cases = await cases_of(polderland, EVA)
    case = cases["2025-661234-WPD"]
    assert case["status"] == "overgedragen_aan_deurwaarder"
    assert case["acties"] == ["betalen"]
    assert case["regelbaar_bedrag"] == 0
    assert case["pauze_mogelijkheid"]["reden"] == "bij-deurwaarder"
    paid = 5000 + 2 * 9500  # a part payment, then two deductions of the wage garnishment
    assert case["saldo"] == case["achterstand"] == 8642 + 12180 + 11980 + 700 + 4100 - paid
    assert case["looptijd"] == "eenmalig"
    kinds = [e.get("soort") for e in case["gebeurtenissen"]
             if e["gebeurtenistype"] == "BetalingsverplichtingOpgelegd"]
    assert kinds == ["aanschrijving", "aanmaning"]


async def test_wage_garnishment_with_its_protected_income(polderland: CheckContext) -> None:
    """The bailiff garnished Eva's wages: the case names the garnishee and the protected
    income (beslagvrije voet) she may ask the cooperative to check; the deductions are
    payments by garnishment."""
    _document, cases = await cases_of(polderland, EVA)
    case = cases["2025-661234-WPD"]
    garnishment, = case["beslag"]
    assert (garnishment["soort"], garnishment["derde"]) == ("loonbeslag", "Zorggroep Polderhof")
    assert garnishment["beslagvrije_voet"] == 140927  # per month
    assert "beslagvrije voet" in garnishment["toelichting"]
    methods = [e["betaalwijze"] for e in case["gebeurtenissen"]
               if e["gebeurtenistype"] == "BetalingVerwerkt"]
    assert methods == ["overboeking", "beslag", "beslag"]


async def test_a_case_in_appeal(polderland: CheckContext) -> None:
    """Gijs's objection was rejected and he appealed to the court: in major 2 the case is
    in_bezwaar, `rechtsmiddel` says the stage; payment is not deferred meanwhile."""
    _document, cases = await cases_of(polderland, GIJS)
    case = cases["2026-770345-WPD"]
    assert case["status"] == "in_bezwaar"
    remedy = case["rechtsmiddel"]
    assert (remedy["stadium"], remedy["uitstel_van_betaling"]) == ("beroep", False)
    assert "Rechtbank Polderland" in case["bezwaar"]["toelichting"]
    assert case["acties"] == ["betalen"] and case["regelbaar_bedrag"] == 0
    assert (case["saldo"], case["achterstand"]) == (25239, 0)  # the second instalment to come


async def test_a_decided_objection_is_no_remedy(tmp_path: Path) -> None:
    """Once the court decided, no remedy runs: the claim goes back to its phase's status."""
    with collection_database(tmp_path) as url:
        connection = sqlite3.connect(url.removeprefix("sqlite+aiosqlite:///"))
        with connection:
            connection.execute("UPDATE rechtsmiddel SET afgehandeld_op = date('now') "
                               "WHERE rechtsmiddel_id = 'RM-2026-0088'")
            connection.execute("UPDATE vordering SET invorderingsfase = 'regulier' "
                               "WHERE vordering_id = '2026-770345-WPD'")
        connection.close()
        backend = CollectionBackend(CollectionSystem(url), contact={"telefoon": "1"})
        try:
            case, = await backend.cases_for(GIJS)
        finally:
            await backend.system.close()
    assert (case.status, case.rechtsmiddel) == ("open", None)


async def test_citizen_without_claims(polderland: CheckContext) -> None:
    _document, cases = await cases_of(polderland, FRANK)
    assert cases == {}


async def test_planned_steps_become_gepland(tmp_path: Path) -> None:
    with collection_database(tmp_path) as url:
        backend = CollectionBackend(CollectionSystem(url), contact={"telefoon": "1"})
        try:
            cases = {c.zaakkenmerk: c for c in await backend.cases_for(DEWI)}
        finally:
            await backend.system.close()
    planned = cases["2026-770012-OST"].gepland
    assert sorted(p.get("soort") or p.get("categorie") for p in planned) == [
        "aanmaning", "herinnering", "kosten"]
    assert cases["2026-770012-WPD"].gepland == ()


async def test_unreadable_collection_system_names_no_bsn(tmp_path: Path) -> None:
    """A database without the views (e.g. the wrong one configured) is a named failure."""
    empty = tmp_path / "leeg.db"
    sqlite3.connect(empty).close()
    backend = CollectionBackend(CollectionSystem(f"sqlite+aiosqlite:///{empty}"),
                                contact={"telefoon": "1"})
    try:
        with pytest.raises(CollectionSystemError, match="cannot be read") as caught:
            await backend.cases_for(DEWI)
    finally:
        await backend.system.close()
    assert DEWI not in str(caught.value)
