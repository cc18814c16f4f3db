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
DEWI, EVA, FRANK = "999991048", "999991061", "999991073"
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


async def test_bailiff_case_offers_no_arrangement(polderland: CheckContext) -> None:
    _document, cases = await cases_of(polderland, EVA)
    case = cases["2025-661234-WPD"]
    assert case["status"] == "overgedragen_aan_deurwaarder"
    assert case["acties"] == ["betalen"]
    assert case["saldo"] == case["achterstand"] == 8642 + 12180 + 11980 + 700 + 4100 - 5000
    assert case["looptijd"] == "eenmalig"
    kinds = [e.get("soort") for e in case["gebeurtenissen"]
             if e["gebeurtenistype"] == "BetalingsverplichtingOpgelegd"]
    assert kinds == ["aanschrijving", "aanmaning"]


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
