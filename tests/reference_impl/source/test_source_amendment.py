"""Amendment (design §B.5): a quote with `vervangt` may and must include every case of that
active arrangement; accepting or confirming it ends the old one atomically; withdrawing the
amendment in its cooling-off period restores the old one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from source_support import KEES, SANNE, RunningSource, problem

pytestmark = pytest.mark.anyio
TAXES = "AS-2026-000101"  # Sanne's municipal taxes


async def post_quote(source: RunningSource, token: str, **body):
    return await source.client.post("/betalingsregelingen/voorstellen", token=token,
                                     json={"zaakkenmerken": [TAXES], **body})


async def arranged(source: RunningSource, token: str, **body) -> dict:
    quote = (await post_quote(source, token, **body)).json()
    answer = await source.client.post("/betalingsregelingen", token=token,
                                      headers={"Idempotency-Key": str(uuid.uuid4())},
                                      json={"voorstel_id": quote["voorstel_id"]})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def get(source: RunningSource, token: str, arrangement_id: str) -> dict:
    return (await source.client.get(f"/betalingsregelingen/{arrangement_id}",
                                    token=token)).json()


async def test_quote_rules_of_an_amendment(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    unknown = await post_quote(gemeente, token, aantal_termijnen=4, vervangt=str(uuid.uuid4()))
    assert problem(unknown) == (422, "betalingsregeling/regeling-onbekend")
    old = await arranged(gemeente, token, aantal_termijnen=4)
    kees = await gemeente.session(KEES)
    foreign = await gemeente.client.post("/betalingsregelingen/voorstellen", token=kees, json={
        "zaakkenmerken": ["AS-2025-118734"], "aantal_termijnen": 2, "vervangt": old["id"]})
    assert problem(foreign) == (422, "betalingsregeling/regeling-onbekend")
    plain = await post_quote(gemeente, token, aantal_termijnen=8)
    assert [r["code"] for r in plain.json()["redenen"]] == ["zaak-al-in-regeling"]
    amended = await post_quote(gemeente, token, aantal_termijnen=8, rekenregel="2.2",
                               vervangt=old["id"])
    assert amended.status_code == 201, amended.text
    assert amended.json()["vervangt"] == old["id"]


async def test_accepting_an_amendment_ends_the_old_one_and_withdrawing_it_restores_it(
        gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    old = await arranged(gemeente, token, aantal_termijnen=4)
    new = await arranged(gemeente, token, aantal_termijnen=8, rekenregel="2.2",
                         vervangt=old["id"])
    assert new["vervangt"] == old["id"] and new["status"] == "actief"
    ended = await get(gemeente, token, old["id"])
    assert ended["status"] == "beeindigd" and ended["vervangen_door"] == new["id"]
    assert ended["beeindiging"]["reden"] == "gewijzigd"
    document = (await gemeente.client.get("/vorderingenoverzicht", token=token)).json()
    case = next(c for c in document["document"]["financiele_zaken"] if c["zaakkenmerk"] == TAXES)
    assert case["status"] == "in_regeling" and case["betalingsregeling"]["id"] == new["id"]
    withdraw_old = await gemeente.client.delete(f"/betalingsregelingen/{old['id']}", token=token)
    assert problem(withdraw_old) == (409, "betalingsregeling/zaak-gewijzigd")
    assert (await gemeente.client.delete(f"/betalingsregelingen/{new['id']}",
                                         token=token)).status_code == 204
    restored = await get(gemeente, token, old["id"])
    assert restored["status"] == "actief"
    assert "beeindiging" not in restored and "vervangen_door" not in restored
    again = await post_quote(gemeente, token, aantal_termijnen=2)
    assert [r["code"] for r in again.json()["redenen"]] == ["zaak-al-in-regeling"]


async def test_two_amendments_racing_replace_the_old_one_once(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    old = await arranged(gemeente, token, aantal_termijnen=4)
    quotes = [(await post_quote(gemeente, token, aantal_termijnen=n, vervangt=old["id"])).json()
              for n in (6, 8)]
    answers = await asyncio.gather(*(
        gemeente.client.post("/betalingsregelingen", token=token,
                             headers={"Idempotency-Key": str(uuid.uuid4())},
                             json={"voorstel_id": q["voorstel_id"]}) for q in quotes))
    assert sorted(a.status_code for a in answers) == [201, 409]
    winner = next(a.json() for a in answers if a.status_code == 201)
    assert (await get(gemeente, token, old["id"]))["vervangen_door"] == winner["id"]
    listed = (await gemeente.client.get("/betalingsregelingen", token=token)).json()
    assert [a["status"] for a in listed["betalingsregelingen"]] == ["beeindigd", "actief"]


async def test_confirming_a_reserved_amendment_ends_the_old_one(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    old = await arranged(gemeente, token, aantal_termijnen=4)
    quote = (await post_quote(gemeente, token, aantal_termijnen=6, vervangt=old["id"])).json()
    reserved = await gemeente.client.post(
        "/betalingsregelingen/reserveringen", token=token, headers={"Idempotency-Key": "w"},
        json={"voorstel_id": quote["voorstel_id"], "groep_id": str(uuid.uuid4()),
              "groep_omvang": 1})
    assert reserved.status_code == 201, reserved.text
    assert (await get(gemeente, token, old["id"]))["status"] == "actief"  # nothing yet
    confirmed = await gemeente.client.post(
        f"/betalingsregelingen/reserveringen/{reserved.json()['id']}/bevestiging", token=token)
    assert confirmed.status_code == 201, confirmed.text
    assert (await get(gemeente, token, old["id"]))["vervangen_door"] == confirmed.json()["id"]
