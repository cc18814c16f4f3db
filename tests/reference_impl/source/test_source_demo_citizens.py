"""The demo citizens of standard 2.2 (reference_impl/demo/data.yaml): every document of every
citizen at every demo source meets the schema and every invariant, and each citizen shows what
its `omschrijving` says — a lapsed and an amended arrangement, a storno, a refund, offsetting,
garnishment, two creditors in one assessment, a case in beroep, a debt scheme, a payment moved
to the right case, a transferred case and a pause refused by its limits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from clock_support import FakeClock
from source_support import (
    CJIB,
    DUO,
    GEMEENTE,
    WATERSCHAP,
    RunningSource,
    problem,
    start_source,
)

from reference_impl.common import document as claims_document
from reference_impl.common.envelope import canonical
from reference_impl.demo.data import load_demo
from reference_impl.source.clock import TIMEZONE, local_date

pytestmark = pytest.mark.anyio
INGRID, THOMAS, ANOUK, BRAM, ELLEN, RUUD = (
    "999990123", "999990135", "999990147", "999990159", "999990160", "999990172")


async def document(source: RunningSource, bsn: str) -> dict[str, Any]:
    token = await source.session(bsn)
    response = await source.client.get("/vorderingenoverzicht", token=token)
    assert response.status_code == 200, response.text
    return response.json()["document"]


def case(document: dict[str, Any], zaakkenmerk: str) -> dict[str, Any]:
    return next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == zaakkenmerk)


def test_the_demo_has_the_citizens_of_standard_2_2() -> None:
    citizens = load_demo().citizens
    assert len(citizens) >= 8
    assert {INGRID, THOMAS, ANOUK, BRAM, ELLEN, RUUD} <= {c.bsn for c in citizens}
    assert all(c.omschrijving.strip() for c in citizens)


async def test_every_demo_document_meets_schema_and_invariants(make_source: Any) -> None:
    """Built as the source signs them (in-process: the documents are the subject here)."""
    citizens = load_demo().citizens
    for organisation in (CJIB, DUO, GEMEENTE, WATERSCHAP):
        source = await make_source(organisation)
        for citizen in citizens:
            built = await source.source.overview.document(citizen.bsn, source.clock())
            found = claims_document.problems(built)
            assert found == [], (organisation, citizen.naam, found)


async def test_a_storno_makes_its_instalment_overdue_and_only_that_is_arrangeable(
        gemeente: RunningSource) -> None:
    doc = await document(gemeente, INGRID)
    taxes = case(doc, "AS-2026-000202")
    storno = next(e for e in taxes["gebeurtenissen"] if "tegenboeking_van" in e)
    assert (storno["tegenboeking_soort"], storno["categorie"]) == ("storno", "hoofdsom")
    # 60000 imposed + 6000 counter-entry; 2 × 6000 collected by direct debit
    assert (taxes["saldo"], taxes["achterstand"], taxes["regelbaar_bedrag"]) == (
        54_000, 6_000, 6_000)
    on_time = case(doc, "AS-2026-000203")  # collected on time: nothing to arrange
    assert on_time["saldo"] > 0 and on_time["regelbaar_bedrag"] == 0
    assert "betalingsregeling" not in on_time["acties"]


async def test_a_refund_of_an_overpayment_settles_the_case(make_source: Any) -> None:
    duo = await make_source(DUO)
    refunded = case(await document(duo, THOMAS), "DUO-TV-2025-0777")
    assert (refunded["saldo"], refunded["status"], refunded["acties"]) == (0, "afgelost", [])
    assert refunded["regelbaar_bedrag"] == 0


async def test_garnishment_offsetting_and_statutory_interest(make_source: Any) -> None:
    cjib, duo, gemeente = (await make_source(CJIB), await make_source(DUO),
                           await make_source(GEMEENTE))
    fine = case(await document(cjib, ANOUK), "CJIB-2024-9001")
    assert fine["beslag"][0]["beslagvrije_voet"] == 145_000
    assert {e.get("betaalwijze") for e in fine["gebeurtenissen"]
            if e["gebeurtenistype"] == "BetalingVerwerkt"} == {"beslag"}
    loan = case(await document(duo, ANOUK), "DUO-SF-2018-4242")
    assert (loan["regelbaar_bedrag"], loan["achterstand"]) == (30_000, 30_000)
    assert any(e.get("verrekend_met") for e in loan["gebeurtenissen"])
    benefit = case(await document(gemeente, ANOUK), "BB-2025-000412")
    assert benefit["pauze_mogelijkheid"]["reden"] == "wettelijke-rente"
    assert "pauze" not in benefit["acties"]


async def test_two_creditors_and_a_case_in_beroep(make_source: Any) -> None:
    delta, gemeente = await make_source(WATERSCHAP), await make_source(GEMEENTE)
    combined = case(await document(delta, BRAM), "WS-2026-77001")
    imposed: dict[str, int] = {}
    for e in combined["gebeurtenissen"]:
        if e["gebeurtenistype"] == "FinancieleVerplichtingOpgelegd":
            name = e["schuldeiser"]["naam"]
            imposed[name] = imposed.get(name, 0) + e["bedrag"]
        elif e["gebeurtenistype"] == "FinancieleVerplichtingKwijtgescholden":
            name = e["schuldeiser"]["naam"]
            imposed[name] -= e["bedrag"]
    assert imposed == {"Gemeente Voorbeeldstad": 28_000, "Waterschap Voorbeeld-Delta": 14_250}
    assert sum(imposed.values()) == combined["saldo"]
    appeal = case(await document(gemeente, BRAM), "OZB-2026-004471")
    assert (appeal["status"], appeal["rechtsmiddel"]["stadium"]) == ("in_bezwaar", "beroep")
    assert appeal["acties"] == ["betalen", "hulp"]


async def test_a_case_in_a_debt_scheme_is_frozen(cjib: RunningSource) -> None:
    frozen = case(await document(cjib, ELLEN), "CJIB-2025-0808")
    assert frozen["schuldregeling"]["soort"] == "minnelijk"
    assert frozen["acties"] == ["hulp"]
    assert frozen["pauze_mogelijkheid"]["mogelijk"] is False


async def test_a_moved_payment_and_a_transferred_case(gemeente: RunningSource) -> None:
    doc = await document(gemeente, RUUD)
    right, wrong = case(doc, "AS-2026-000303"), case(doc, "HB-2026-000009")
    assert (right["saldo"], wrong["saldo"]) == (12_000, 9_000)
    moved = next(e for e in right["gebeurtenissen"] if e.get("betaalwijze") == "herboeking")
    assert moved["herboekt_van"]["zaakkenmerk"] == "HB-2026-000009"
    assert case(doc, "NH-2025-OV-0612")["overgenomen_van"]["naam"] == "Gemeente Oud-Voorbeeld"


async def test_a_lapsed_arrangement_stays_on_the_case(cjib: RunningSource) -> None:
    fine = case(await document(cjib, INGRID), "CJIB-2025-0555")
    regeling = fine["betalingsregeling"]
    assert (regeling["status"], regeling["beeindiging"]["reden"]) == ("beeindigd", "vervallen")
    assert regeling["gemiste_termijnen"] == 2
    assert regeling["termijnen"][0]["status"] == "betaald"
    # back to its own status, the arrears visible, and open to a new arrangement
    assert (fine["status"], fine["achterstand"]) == ("open", fine["saldo"])
    assert "betalingsregeling" in fine["acties"]


async def test_an_amended_arrangement_names_the_one_it_replaced(
        gemeente: RunningSource) -> None:
    taxes = case(await document(gemeente, THOMAS), "AS-2025-330011")
    regeling = taxes["betalingsregeling"]
    assert (taxes["status"], regeling["status"], regeling["aantal_termijnen"]) == (
        "in_regeling", "actief", 10)
    token = await gemeente.session(THOMAS)
    old = await gemeente.client.get(f"/betalingsregelingen/{regeling['vervangt']}", token=token)
    assert old.status_code == 200, old.text
    assert (old.json()["status"], old.json()["beeindiging"]["reden"],
            old.json()["vervangen_door"]) == ("beeindigd", "gewijzigd", regeling["id"])


async def test_a_pause_is_refused_by_its_limits(make_source: Any) -> None:
    delta = await make_source(WATERSCHAP)
    assessment = case(await document(delta, ELLEN), "WS-2025-88002")
    possibility = assessment["pauze_mogelijkheid"]
    assert (possibility["mogelijk"], possibility["reden"]) == (False, "maximum-bereikt")
    assert possibility["mogelijk_vanaf"] > local_date(delta.clock()).isoformat()
    assert "pauze" not in assessment["acties"]
    token = await delta.session(ELLEN)
    einddatum = (local_date(delta.clock()) + timedelta(days=30)).isoformat()
    response = await delta.client.post("/pauzes", token=token, json={"einddatum": einddatum})
    assert problem(response) == (422, "pauze/niet-toegestaan")


async def test_a_lifecycle_document_is_served_from_the_cache_as_a_fresh_build_signs_it(
        cjib: RunningSource) -> None:
    token = await cjib.session(INGRID)
    first = (await cjib.client.get("/vorderingenoverzicht", token=token)).json()
    second = (await cjib.client.get("/vorderingenoverzicht", token=token)).json()
    assert second["handtekening"] == first["handtekening"]  # ES256 is randomised: cached
    rebuilt = await cjib.source.overview.document(INGRID, cjib.clock())
    assert canonical(second["document"]) == canonical(rebuilt)
    assert case(rebuilt, "CJIB-2025-0555")["betalingsregeling"]["status"] == "beeindigd"


@pytest.mark.parametrize("today", ["2026-02-28", "2026-03-31"])
async def test_the_story_holds_whatever_day_the_demo_starts(today: str, tmp_path: Any) -> None:
    """Dates in data.yaml are offsets, but due days (the 20th, the 25th) and month lengths
    are not: on a month end the lapse, the amendment and the used-up pauses still show."""
    clock = FakeClock(datetime.fromisoformat(f"{today}T11:00:00").replace(
        tzinfo=TIMEZONE).timestamp())
    expected = {
        CJIB: (INGRID, "CJIB-2025-0555", ("open", "beeindigd", None)),
        GEMEENTE: (THOMAS, "AS-2025-330011", ("in_regeling", "actief", None)),
        WATERSCHAP: (ELLEN, "WS-2025-88002", ("open", None, "maximum-bereikt")),
    }
    for organisation, (bsn, zaakkenmerk, state) in expected.items():
        source = await start_source(tmp_path / organisation, organisation, clock=clock)
        try:
            built = await source.source.overview.document(bsn, clock())
        finally:
            await source.close()
        assert claims_document.problems(built) == []
        shown = case(built, zaakkenmerk)
        assert (shown["status"], shown.get("betalingsregeling", {}).get("status"),
                shown.get("pauze_mogelijkheid", {}).get("reden")) == state, organisation
