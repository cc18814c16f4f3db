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
    return {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T11:00:00+01:00",
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


async def test_the_bundle_structure_is_400_and_each_envelope_422(federation):
    """The body schema checks the bundle's structure (400); whatever is wrong with one
    envelope, its shape included, is that envelope's code in a 422 (design §8)."""
    _, gemeente = federation
    token = await gemeente.session(SANNE)
    good = await envelope(gemeente, SANNE)
    for wrong in ({**bundle(good), "bundelversie": "3.0"}, bundle(good, "geen-object"),
                  {**bundle(), "enveloppen": []}):
        response = await gemeente.client.post("/hulpvragen", token=token, valid_request=False,
                                              json={"bundel": wrong, "toestemming": True})
        assert problem(response) == (400, "verzoek/ongeldig"), wrong
    shapeless = {"document": good["document"]}
    opened = {**good, "onbekend": "een lid dat een 2.0-lezer negeert"}
    response = await gemeente.client.post("/hulpvragen", token=token, json={
        "bundel": {**bundle(good, shapeless, opened), "uitbreiding": 1}, "toestemming": True})
    assert problem(response) == (422, "hulpvraag/envelop-ongeldig")
    assert response.json()["ongeldige_enveloppen"] == [
        {"index": 1, "code": "envelop/ongeldig-formaat"}]
    assert await stored(gemeente) == 0


async def test_an_envelope_older_than_fourteen_days_is_refused(federation):
    cjib, gemeente = federation
    old = await envelope(cjib, SANNE)
    await gemeente.advance(14 * 86_400 + 1)
    token = await gemeente.session(SANNE)
    response = await gemeente.client.post("/hulpvragen", token=token, json={
        "bundel": bundle(old, await envelope(gemeente, SANNE)), "toestemming": True})
    assert problem(response) == (422, "hulpvraag/envelop-ongeldig")
    assert response.json()["ongeldige_enveloppen"] == [{"index": 0, "code": "envelop/verouderd"}]


async def test_an_envelope_signed_after_its_key_was_revoked_is_refused(federation):
    """The scheme marks the CJIB key compromised (`ingetrokken_op`): what it signed before
    stays valid, what it signed from then on is refused."""
    cjib, gemeente = federation
    before = await envelope(cjib, SANNE)
    now = int(cjib.clock())
    entry = next(o for o in cjib.trust.organisations if o["oin"] == cjib.config.oin)
    entry["sleutels"] = [{**entry["sleutels"][0], "ingetrokken_op": now + 10}]
    await gemeente.advance(10)
    after = await envelope(cjib, SANNE)
    token = await gemeente.session(SANNE)
    response = await gemeente.client.post("/hulpvragen", token=token, json={
        "bundel": bundle(before, after), "toestemming": True})
    assert problem(response) == (422, "hulpvraag/envelop-ongeldig")
    assert response.json()["ongeldige_enveloppen"] == [
        {"index": 1, "code": "envelop/sleutel-ingetrokken"}]
