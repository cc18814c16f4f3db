"""Arrangements: the exact schedule rule, every reason code, idempotent and race-free
acceptance, expiry, withdrawal in the cooling-off period, and the state in the document."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from source_support import DUO, KEES, MOHAMED, SANNE, RunningSource, problem

from reference_impl.source.schedule import schedule

pytestmark = pytest.mark.anyio
TAXES = "AS-2026-000101"  # Sanne's municipal taxes: saldo 51360
DAY_S = 86_400


async def quote(source: RunningSource, token: str, **body) -> dict:
    response = await source.client.post("/betalingsregelingen/voorstellen", token=token,
                                        json={"zaakkenmerken": [TAXES], **body})
    return {"status": response.status_code, **response.json()}


async def accept(source: RunningSource, token: str, voorstel_id: str, key: str | None = None):
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return await source.client.post("/betalingsregelingen", token=token, headers=headers,
                                    json={"voorstel_id": voorstel_id})


async def document_case(source: RunningSource, token: str, zaakkenmerk: str) -> dict:
    document = (await source.client.get("/vorderingenoverzicht", token=token)).json()["document"]
    return next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == zaakkenmerk)


def test_schedule_rule_by_amount_and_by_number():
    from datetime import date

    by_number = schedule(10_001, date(2026, 1, 31), aantal=4)
    assert [t["bedrag"] for t in by_number.termijnen] == [2501, 2501, 2501, 2498]
    assert [t["vervaldatum"] for t in by_number.termijnen] == [
        "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"]
    by_amount = schedule(10_000, date(2026, 12, 5), termijnbedrag=3000)
    assert [t["bedrag"] for t in by_amount.termijnen] == [3000, 3000, 3000, 1000]
    assert by_amount.termijnen[0]["vervaldatum"] == "2027-01-01"
    shrinks = schedule(100, date(2026, 1, 1), aantal=30)  # m = 4, so 25 instalments
    assert (shrinks.termijnbedrag, shrinks.aantal_termijnen) == (4, 25)
    assert sum(t["bedrag"] for t in shrinks.termijnen) == 100


async def test_quote_by_number_follows_the_schedule_rule(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    answer = await quote(gemeente, token, aantal_termijnen=4)
    assert answer["status"] == 201
    assert (answer["totaalbedrag"], answer["termijnbedrag"], answer["aantal_termijnen"]) == (
        51_360, 12_840, 4)
    assert [t["vervaldatum"] for t in answer["termijnen"]] == [
        "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"]
    assert answer["verloopt_op"] == "2026-01-01T11:15:00+01:00"


async def test_quote_by_amount_has_a_smaller_last_instalment(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    answer = await quote(gemeente, token, termijnbedrag=5000)
    assert answer["aantal_termijnen"] == 11
    assert [t["bedrag"] for t in answer["termijnen"]] == [5000] * 10 + [1360]


async def test_every_reason_is_reported(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    too_low = await quote(gemeente, token, termijnbedrag=2000)
    assert (too_low["status"], too_low["code"]) == (422, "betalingsregeling/niet-mogelijk")
    assert {r["code"] for r in too_low["redenen"]} == {"termijnbedrag-te-laag", "te-veel-termijnen"}
    token = await gemeente.session(MOHAMED)
    response = await gemeente.client.post(
        "/betalingsregelingen/voorstellen", token=token,
        json={"zaakkenmerken": ["NH-2026-00315", "ONBEKEND-1"], "aantal_termijnen": 2})
    reasons = {(r["code"], r.get("zaakkenmerk")) for r in response.json()["redenen"]}
    assert reasons == {("zaak-in-bezwaar", "NH-2026-00315"), ("zaak-onbekend", "ONBEKEND-1")}


async def test_settled_case_cannot_be_arranged(make_source):
    duo = await make_source(DUO)
    token = await duo.session(KEES)
    response = await duo.client.post(
        "/betalingsregelingen/voorstellen", token=token,
        json={"zaakkenmerken": ["DUO-OV-2024-0009"], "aantal_termijnen": 2})
    assert [r["code"] for r in response.json()["redenen"]] == ["zaak-afgelost"]


async def test_accept_replay_and_state_in_the_document(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    voorstel_id = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    first = await accept(gemeente, token, voorstel_id, key="sleutel-1")
    assert first.status_code == 201
    arrangement = first.json()
    assert first.headers["location"].endswith(f"/betalingsregelingen/{arrangement['id']}")
    assert "idempotent-replayed" not in first.headers
    assert arrangement["bedenktijd_tot"] == "2026-01-15T11:00:00+01:00"
    replay = await accept(gemeente, token, voorstel_id, key="sleutel-1")
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == arrangement
    taxes = await document_case(gemeente, token, TAXES)
    assert taxes["status"] == "in_regeling"
    assert taxes["betalingsregeling"]["id"] == arrangement["id"]
    assert taxes["betalingsregeling"]["status"] == "actief"
    assert taxes["volgende_vervaldatum"] == "2026-02-01"
    listed = (await gemeente.client.get("/betalingsregelingen", token=token)).json()
    assert listed == {"betalingsregelingen": [arrangement]}
    again = await quote(gemeente, token, aantal_termijnen=2)
    assert [r["code"] for r in again["redenen"]] == ["zaak-al-in-regeling"]


async def test_idempotency_key_problems(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    voorstel_id = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    other_id = (await quote(gemeente, token, aantal_termijnen=3))["voorstel_id"]
    missing = await gemeente.client.post("/betalingsregelingen", token=token,
                                         json={"voorstel_id": voorstel_id}, valid_request=False)
    assert problem(missing) == (400, "idempotentie/sleutel-ontbreekt")
    assert (await accept(gemeente, token, voorstel_id, key="k")).status_code == 201
    reused = await accept(gemeente, token, other_id, key="k")
    assert problem(reused) == (422, "idempotentie/sleutel-hergebruikt")
    used = await accept(gemeente, token, voorstel_id, key="another")
    assert problem(used) == (409, "betalingsregeling/voorstel-gebruikt")
    unknown = await accept(gemeente, token, str(uuid.uuid4()))
    assert unknown.json()["code"] == "betalingsregeling/voorstel-onbekend"


async def test_another_citizens_quote_is_unknown(gemeente: RunningSource):
    sanne = await gemeente.session(SANNE)
    voorstel_id = (await quote(gemeente, sanne, aantal_termijnen=4))["voorstel_id"]
    kees = await gemeente.session(KEES)
    answer = await accept(gemeente, kees, voorstel_id)
    assert problem(answer) == (422, "betalingsregeling/voorstel-onbekend")


async def test_an_expired_quote_and_a_changed_case(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    old = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    gemeente.clock.advance(901)
    token = await gemeente.session(SANNE)
    expired = await accept(gemeente, token, old)
    assert problem(expired) == (409, "betalingsregeling/voorstel-verlopen")
    first = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    second = (await quote(gemeente, token, aantal_termijnen=2))["voorstel_id"]
    assert (await accept(gemeente, token, first)).status_code == 201
    changed = await accept(gemeente, token, second)
    assert problem(changed) == (409, "betalingsregeling/zaak-gewijzigd")


async def test_concurrent_acceptance_creates_one_arrangement(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    voorstel_id = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    same_key = await asyncio.gather(*(accept(gemeente, token, voorstel_id, key="race")
                                      for _ in range(4)))
    assert [r.status_code for r in same_key] == [201] * 4
    assert len({r.json()["id"] for r in same_key}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in same_key) == 3
    second = (await quote(gemeente, await gemeente.session(KEES),
                          zaakkenmerken=["AS-2025-118734"], aantal_termijnen=2))
    kees = await gemeente.session(KEES)
    keys = await asyncio.gather(*(accept(gemeente, kees, second["voorstel_id"])
                                  for _ in range(4)))
    assert sorted(r.status_code for r in keys) == [201, 409, 409, 409]
    assert {r.json()["code"] for r in keys if r.status_code == 409} == {
        "betalingsregeling/voorstel-gebruikt"}
    listed = (await gemeente.client.get("/betalingsregelingen", token=kees)).json()
    assert len(listed["betalingsregelingen"]) == 1


async def test_withdrawal_within_and_after_the_cooling_off_period(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    voorstel_id = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    arrangement = (await accept(gemeente, token, voorstel_id)).json()
    path = f"/betalingsregelingen/{arrangement['id']}"
    assert (await gemeente.client.delete(path, token=token)).status_code == 204
    assert (await gemeente.client.delete(path, token=token)).status_code == 204
    withdrawn = (await gemeente.client.get(path, token=token)).json()
    assert withdrawn["status"] == "ingetrokken" and "ingetrokken_op" in withdrawn
    taxes = await document_case(gemeente, token, TAXES)
    assert taxes["status"] == "open" and "betalingsregeling" not in taxes
    voorstel_id = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    later = (await accept(gemeente, token, voorstel_id)).json()
    await gemeente.advance(14 * DAY_S + 1)
    token = await gemeente.session(SANNE)
    late = await gemeente.client.delete(f"/betalingsregelingen/{later['id']}", token=token)
    assert problem(late) == (409, "betalingsregeling/bedenktijd-verstreken")


async def test_arrangements_of_another_citizen_are_not_found(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    voorstel_id = (await quote(gemeente, token, aantal_termijnen=4))["voorstel_id"]
    arrangement = (await accept(gemeente, token, voorstel_id)).json()
    kees = await gemeente.session(KEES)
    path = f"/betalingsregelingen/{arrangement['id']}"
    for method in ("GET", "DELETE"):
        answer = await gemeente.client.request(method, path, token=kees)
        assert problem(answer) == (404, "algemeen/niet-gevonden")
    bad = await gemeente.client.get("/betalingsregelingen/niet-een-uuid", token=kees,
                                    valid_request=False)
    assert bad.status_code == 400
    assert bad.json()["invalid_params"][0]["name"] == "betalingsregeling_id"


async def test_an_amount_written_as_5000_0_is_the_integer_5000(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    response = await gemeente.client.post(
        "/betalingsregelingen/voorstellen", token=token,
        headers={"Content-Type": "application/json"},
        content=b'{"zaakkenmerken": ["AS-2026-000101"], "termijnbedrag": 5000.0}')
    assert response.status_code == 201
    assert '"termijnbedrag":5000,' in response.text and ".0" not in response.text
