"""Help requests: the municipality verifies every envelope of the shared bundle against the
scheme and the session's BSN; any failure is reported per envelope and nothing is stored."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa
from source_support import CJIB, GEMEENTE, KEES, SANNE, RunningSource, problem

from reference_impl.source import tables

pytestmark = pytest.mark.anyio


async def envelope(source: RunningSource, bsn: str) -> dict:
    token = await source.session(bsn)
    return (await source.client.get("/vorderingenoverzicht", token=token)).json()


def bundle(*envelopes: dict) -> dict:
    return {"bundelversie": "1.0.0", "aangemaakt_op": "2026-01-01T11:00:00+01:00",
            "enveloppen": list(envelopes)}


async def stored(source: RunningSource) -> int:
    async with source.source.database.engine.connect() as connection:
        return await connection.scalar(sa.select(sa.func.count()).select_from(tables.hulpvragen))


@pytest.fixture
async def federation(make_source) -> tuple[RunningSource, RunningSource]:
    cjib = await make_source(CJIB)
    gemeente = await make_source(GEMEENTE)  # its scheme lists both organisations
    return cjib, gemeente


async def test_a_verified_bundle_is_received(federation):
    cjib, gemeente = federation
    shared = bundle(await envelope(cjib, SANNE), await envelope(gemeente, SANNE))
    token = await gemeente.session(SANNE)
    response = await gemeente.client.post("/hulpvragen", token=token, json={
        "bundel": shared, "toestemming": True, "contact": {"telefoon": "06 12345678"},
        "toelichting": "Ik wil graag hulp."})
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["status"], answer["aantal_enveloppen"]) == ("ontvangen", 2)
    assert await stored(gemeente) == 1


async def test_a_tampered_or_foreign_envelope_refuses_the_whole_request(federation):
    cjib, gemeente = federation
    tampered = copy.deepcopy(await envelope(cjib, SANNE))
    tampered["document"]["financiele_zaken"][0]["omschrijving"] = "Niets aan de hand"
    foreign = await envelope(gemeente, KEES)
    token = await gemeente.session(SANNE)
    response = await gemeente.client.post("/hulpvragen", token=token, json={
        "bundel": bundle(await envelope(gemeente, SANNE), tampered, foreign),
        "toestemming": True})
    assert problem(response) == (422, "hulpvraag/envelop-ongeldig")
    assert response.json()["ongeldige_enveloppen"] == [
        {"index": 1, "code": "envelop/handtekening-ongeldig"},
        {"index": 2, "code": "envelop/bsn-onjuist"},
    ]
    assert await stored(gemeente) == 0


async def test_consent_is_required(federation):
    _, gemeente = federation
    token = await gemeente.session(SANNE)
    response = await gemeente.client.post("/hulpvragen", token=token, valid_request=False, json={
        "bundel": bundle(await envelope(gemeente, SANNE)), "toestemming": False})
    assert problem(response) == (400, "verzoek/ongeldig")
    assert response.json()["invalid_params"][0]["name"] == "/toestemming"
    assert await stored(gemeente) == 0
