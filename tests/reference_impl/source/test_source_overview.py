"""The signed claims overview: what each demo citizen sees, signed so anyone holding the
scheme can verify it, meeting every invariant, and the dunning schedule coming due."""

from __future__ import annotations

import pytest
from source_support import FATIMA, KEES, LOTTE, MOHAMED, SANNE, RunningSource

from reference_impl.common import document as claims_document
from reference_impl.common.envelope import verify_envelope

pytestmark = pytest.mark.anyio
DAY_S = 86_400


async def overview(source: RunningSource, bsn: str) -> dict:
    token = await source.session(bsn)
    response = await source.client.get("/vorderingenoverzicht", token=token)
    assert response.status_code == 200, response.text
    envelope = response.json()
    verify_envelope(envelope, source.trust.scheme_payload(), now=int(source.clock()),
                    expected_bsn=bsn)
    return envelope["document"]


def case(document: dict, zaakkenmerk: str) -> dict:
    return next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == zaakkenmerk)


async def test_municipal_taxes_in_instalments(gemeente: RunningSource):
    document = await overview(gemeente, SANNE)
    assert document["bron"] == {"oin": gemeente.config.oin, "naam": "Gemeente Voorbeeldstad"}
    taxes = case(document, "AS-2026-000101")
    # 31200 + 38400 + 21600 − 4800 (correction) imposed; 2 × 9120 paid + 16800 remitted.
    assert (taxes["totaal_financieel_verplicht"], taxes["totaal_financieel_vereffend"],
            taxes["saldo"]) == (86_400, 35_040, 51_360)
    assert taxes["achterstand"] == 0  # both overdue instalments were paid
    assert taxes["volgende_vervaldatum"] == "2026-01-31"  # the instalment due this month
    assert taxes["status"] == "open"
    kinds = {e["gebeurtenistype"] for e in taxes["gebeurtenissen"]}
    assert "FinancieleVerplichtingKwijtgescholden" in kinds


async def test_event_ids_are_stable_across_fetches(gemeente: RunningSource):
    first = await overview(gemeente, SANNE)
    second = await overview(gemeente, SANNE)
    ids = [[e["gebeurtenis_id"] for e in c["gebeurtenissen"]] for c in first["financiele_zaken"]]
    assert ids == [[e["gebeurtenis_id"] for e in c["gebeurtenissen"]]
                   for c in second["financiele_zaken"]]


async def test_arrears_after_a_final_notice(gemeente: RunningSource):
    taxes = case(await overview(gemeente, KEES), "AS-2025-118734")
    assert (taxes["saldo"], taxes["achterstand"]) == (32_100, 32_100)
    assert taxes["volgende_vervaldatum"] is None


async def test_a_citizen_without_claims_gets_an_empty_signed_document(gemeente: RunningSource):
    document = await overview(gemeente, LOTTE)
    assert document["financiele_zaken"] == []


async def test_a_case_under_objection(gemeente: RunningSource):
    parking = case(await overview(gemeente, MOHAMED), "NH-2026-00315")
    assert parking["status"] == "in_bezwaar"
    assert "betalingsregeling" not in parking["acties"]


async def test_cjib_arrears_arrangement_and_bailiff(cjib: RunningSource):
    fine = case(await overview(cjib, SANNE), "CJIB-2026-0001")
    assert (fine["saldo"], fine["achterstand"]) == (17_400, 11_900)
    assert fine["volgende_vervaldatum"] == "2026-01-18"
    assert fine["schuldeiser"] == {"naam": "Openbaar Ministerie"}
    document = await overview(cjib, MOHAMED)
    arranged = case(document, "CJIB-2025-0042")
    assert arranged["status"] == "in_regeling"
    # 2.2: the arrangement's lifecycle travels with the case (instalments with status)
    regeling = arranged["betalingsregeling"]
    assert (regeling["status"], regeling["aantal_termijnen"], regeling["gemiste_termijnen"]) == (
        "actief", 6, 0)
    assert [t["status"] for t in regeling["termijnen"]] == ["open"] * 6
    assert arranged["volgende_vervaldatum"] == "2026-02-01"
    assert "betalingsregeling" not in arranged["acties"]
    bailiff = case(document, "CJIB-2025-0077")
    assert (bailiff["status"], bailiff["achterstand"]) == ("overgedragen_aan_deurwaarder", 14_250)


async def test_planned_surcharge_is_imposed_when_its_day_comes(cjib: RunningSource):
    before = case(await overview(cjib, SANNE), "CJIB-2026-0001")
    await cjib.advance(19 * DAY_S)
    after = case(await overview(cjib, SANNE), "CJIB-2026-0001")
    assert after["totaal_financieel_verplicht"] == before["totaal_financieel_verplicht"] + 11_000
    new = {e["gebeurtenis_id"] for e in after["gebeurtenissen"]} - {
        e["gebeurtenis_id"] for e in before["gebeurtenissen"]}
    assert new == {"CJIB-2026-0001:6", "CJIB-2026-0001:7"}


async def test_every_demo_document_meets_the_invariants(cjib: RunningSource):
    for bsn in (SANNE, MOHAMED, LOTTE, KEES, FATIMA):
        document = await overview(cjib, bsn)
        assert claims_document.problems(document) == []
