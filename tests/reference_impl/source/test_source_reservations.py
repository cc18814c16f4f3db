"""Two-phase agreement (design §B.3): reserve, hold, lapse by itself, confirm, cancel, group
withdrawal whatever the cooling-off period, and no double booking under concurrency."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from source_support import GEMEENTE, KEES, SANNE, RunningSource, problem

pytestmark = pytest.mark.anyio
TAXES = "AS-2026-000101"  # Sanne's municipal taxes
BASE_LIMITS = {"minimum_termijnbedrag": 2500, "maximum_aantal_termijnen": 12,
               "bedenktijd_dagen": 14, "voorstel_geldigheid_s": 900}
VALIDITY_S = 600  # the demo municipality's reservering_geldigheid_s


async def quote(source: RunningSource, token: str, zaakkenmerken=(TAXES,), **body) -> dict:
    response = await source.client.post(
        "/betalingsregelingen/voorstellen", token=token,
        json={"zaakkenmerken": list(zaakkenmerken), "aantal_termijnen": 4, **body})
    assert response.status_code == 201, response.text
    return response.json()


async def reserve(source: RunningSource, token: str, voorstel_id: str, *,
                  key: str | None = None, groep_id: str | None = None):
    return await source.client.post(
        "/betalingsregelingen/reserveringen", token=token,
        headers={"Idempotency-Key": key or str(uuid.uuid4())},
        json={"voorstel_id": voorstel_id, "groep_id": groep_id or str(uuid.uuid4()),
              "groep_omvang": 3})


async def confirm(source: RunningSource, token: str, reservation_id: str):
    return await source.client.post(
        f"/betalingsregelingen/reserveringen/{reservation_id}/bevestiging", token=token)


async def taxes_case(source: RunningSource, token: str) -> dict:
    document = (await source.client.get("/vorderingenoverzicht", token=token)).json()["document"]
    return next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == TAXES)


async def test_a_reservation_holds_the_cases_and_changes_nothing_in_the_document(
        gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    before = await taxes_case(gemeente, token)
    voorstel = await quote(gemeente, token)
    first = await reserve(gemeente, token, voorstel["voorstel_id"], key="r-1")
    assert first.status_code == 201, first.text
    reservation = first.json()
    assert first.headers["location"].endswith(f"/reserveringen/{reservation['id']}")
    assert (reservation["status"], reservation["zaakkenmerken"]) == ("gereserveerd", [TAXES])
    assert reservation["vervalt_op"] == "2026-01-01T11:10:00+01:00"
    assert "betalingsregeling_id" not in reservation
    replay = await reserve(gemeente, token, voorstel["voorstel_id"], key="r-1",
                           groep_id=reservation["groep_id"])
    assert replay.json() == reservation and replay.headers["idempotent-replayed"] == "true"
    assert await taxes_case(gemeente, token) == before | {
        "saldo_datumtijd": (await taxes_case(gemeente, token))["saldo_datumtijd"]}
    again = await gemeente.client.post("/betalingsregelingen/voorstellen", token=token, json={
        "zaakkenmerken": [TAXES], "aantal_termijnen": 2})
    assert [r["code"] for r in again.json()["redenen"]] == ["zaak-al-in-regeling"]
    used = await reserve(gemeente, token, voorstel["voorstel_id"])
    assert problem(used) == (409, "betalingsregeling/voorstel-gebruikt")
    accepted = await gemeente.client.post(
        "/betalingsregelingen", token=token, headers={"Idempotency-Key": "a-1"},
        json={"voorstel_id": voorstel["voorstel_id"]})
    assert problem(accepted) == (409, "betalingsregeling/voorstel-gebruikt")


async def test_confirmation_makes_the_arrangement_once(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    reservation = (await reserve(gemeente, token,
                                 (await quote(gemeente, token))["voorstel_id"])).json()
    first = await confirm(gemeente, token, reservation["id"])
    assert first.status_code == 201, first.text
    arrangement = first.json()
    assert arrangement["status"] == "actief"
    assert arrangement["groep"] == {
        "id": reservation["groep_id"], "omvang": 3, "bevestigd_op": "2026-01-01T11:00:00+01:00",
        "annuleerbaar_tot": "2026-01-01T11:10:00+01:00"}
    assert first.headers["location"].endswith(f"/betalingsregelingen/{arrangement['id']}")
    again = await confirm(gemeente, token, reservation["id"])
    assert (again.status_code, again.json()) == (200, arrangement)
    shown = (await gemeente.client.get(
        f"/betalingsregelingen/reserveringen/{reservation['id']}", token=token)).json()
    assert (shown["status"], shown["betalingsregeling_id"]) == ("bevestigd", arrangement["id"])
    case = await taxes_case(gemeente, token)
    assert case["status"] == "in_regeling" and case["betalingsregeling"]["groep"]["omvang"] == 3
    cancel = await gemeente.client.delete(
        f"/betalingsregelingen/reserveringen/{reservation['id']}", token=token)
    assert problem(cancel) == (409, "betalingsregeling/reservering-bevestigd")


async def test_an_unconfirmed_reservation_lapses_by_itself(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    reservation = (await reserve(gemeente, token,
                                 (await quote(gemeente, token))["voorstel_id"])).json()
    path = f"/betalingsregelingen/reserveringen/{reservation['id']}"
    await gemeente.advance(VALIDITY_S - 1)
    assert (await gemeente.client.get(path, token=token)).json()["status"] == "gereserveerd"
    await gemeente.advance(1)  # vervalt_op itself: lapsed, no call needed
    assert (await gemeente.client.get(path, token=token)).json()["status"] == "vervallen"
    late = await confirm(gemeente, token, reservation["id"])
    assert problem(late) == (409, "betalingsregeling/reservering-vervallen")
    assert (await gemeente.client.delete(path, token=token)).status_code == 204
    assert (await gemeente.client.get(path, token=token)).json()["status"] == "vervallen"
    await quote(gemeente, token)  # the case is free again


async def test_the_test_clock_lapses_a_reservation(make_source):
    gemeente = await make_source(GEMEENTE, testomgeving={"klok": True})
    token = await gemeente.session(SANNE)
    reservation = (await reserve(gemeente, token,
                                 (await quote(gemeente, token))["voorstel_id"])).json()
    shifted = await gemeente.client.request("PUT", "/testklok", token=token,
                                            json={"verschuiving_s": VALIDITY_S})
    assert shifted.status_code == 200
    late = await confirm(gemeente, token, reservation["id"])
    assert problem(late) == (409, "betalingsregeling/reservering-vervallen")


async def test_cancel_frees_the_cases_and_blocks_confirmation(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    reservation = (await reserve(gemeente, token,
                                 (await quote(gemeente, token))["voorstel_id"])).json()
    path = f"/betalingsregelingen/reserveringen/{reservation['id']}"
    assert (await gemeente.client.delete(path, token=token)).status_code == 204
    assert (await gemeente.client.delete(path, token=token)).status_code == 204
    assert (await gemeente.client.get(path, token=token)).json()["status"] == "geannuleerd"
    refused = await confirm(gemeente, token, reservation["id"])
    assert problem(refused) == (409, "betalingsregeling/reservering-geannuleerd")
    await quote(gemeente, token)
    kees = await gemeente.session(KEES)
    for answer in (await gemeente.client.get(path, token=kees), await confirm(
            gemeente, kees, reservation["id"])):
        assert problem(answer) == (404, "algemeen/niet-gevonden")


async def test_a_group_arrangement_can_be_withdrawn_with_no_cooling_off(make_source):
    gemeente = await make_source(GEMEENTE, betalingsregeling=BASE_LIMITS | {
        "bedenktijd_dagen": 0, "reservering_geldigheid_s": VALIDITY_S})
    token = await gemeente.session(SANNE)
    reservation = (await reserve(gemeente, token,
                                 (await quote(gemeente, token))["voorstel_id"])).json()
    arrangement = (await confirm(gemeente, token, reservation["id"])).json()
    assert arrangement["bedenktijd_tot"] == arrangement["groep"]["bevestigd_op"]
    await gemeente.advance(VALIDITY_S - 60)
    path = f"/betalingsregelingen/{arrangement['id']}"
    assert (await gemeente.client.delete(path, token=token)).status_code == 204
    assert (await taxes_case(gemeente, token))["status"] == "open"
    # Past annuleerbaar_tot (and with no cooling-off) a group arrangement stays.
    reservation = (await reserve(gemeente, token,
                                 (await quote(gemeente, token))["voorstel_id"])).json()
    arrangement = (await confirm(gemeente, token, reservation["id"])).json()
    await gemeente.advance(VALIDITY_S + 1)
    token = await gemeente.session(SANNE)
    late = await gemeente.client.delete(f"/betalingsregelingen/{arrangement['id']}", token=token)
    assert problem(late) == (409, "betalingsregeling/bedenktijd-verstreken")


async def test_reservations_not_offered(make_source):
    gemeente = await make_source(GEMEENTE, betalingsregeling=BASE_LIMITS)
    token = await gemeente.session(SANNE)
    configuratie = (await gemeente.client.get("/configuratie")).json()
    assert "reservering_geldigheid_s" not in configuratie["betalingsregeling"]
    answer = await reserve(gemeente, token, (await quote(gemeente, token))["voorstel_id"])
    assert problem(answer) == (404, "algemeen/dienst-niet-aangeboden")


async def test_concurrent_confirmations_and_reservations_do_not_double_book(
        gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    reservation = (await reserve(gemeente, token,
                                 (await quote(gemeente, token))["voorstel_id"])).json()
    answers = await asyncio.gather(*(confirm(gemeente, token, reservation["id"])
                                     for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    listed = (await gemeente.client.get("/betalingsregelingen", token=token)).json()
    assert len(listed["betalingsregelingen"]) == 1
    # Two quotes of one case: of a reservation and an acceptance racing, one wins.
    kees = await gemeente.session(KEES)
    quotes = [await quote(gemeente, kees, ["AS-2025-118734"], aantal_termijnen=n)
              for n in (2, 3)]
    race = await asyncio.gather(
        reserve(gemeente, kees, quotes[0]["voorstel_id"]),
        gemeente.client.post("/betalingsregelingen", token=kees,
                             headers={"Idempotency-Key": "race"},
                             json={"voorstel_id": quotes[1]["voorstel_id"]}))
    assert sorted(r.status_code for r in race) == [201, 409]
    assert {r.json()["code"] for r in race if r.status_code == 409} == {
        "betalingsregeling/zaak-gewijzigd"}


async def test_a_reservation_checks_the_quote_as_an_acceptance_does(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    voorstel_id = (await quote(gemeente, token))["voorstel_id"]
    kees = await gemeente.session(KEES)
    assert problem(await reserve(gemeente, kees, voorstel_id)) == (
        422, "betalingsregeling/voorstel-onbekend")
    assert (await reserve(gemeente, token, voorstel_id, key="same")).status_code == 201
    clash = await reserve(gemeente, token, str(uuid.uuid4()), key="same")
    assert problem(clash) == (422, "idempotentie/sleutel-hergebruikt")
    expiring = (await quote(gemeente, kees, ["AS-2025-118734"]))["voorstel_id"]
    await gemeente.advance(901)
    kees = await gemeente.session(KEES)
    assert problem(await reserve(gemeente, kees, expiring, key="same")) == (
        409, "betalingsregeling/voorstel-verlopen")  # keys are per citizen


async def test_a_lapse_seen_ahead_on_the_test_clock_leaves_no_trace(make_source):
    """An arrangement that lapses only on a citizen's clock set ahead shows `beeindigd` there
    and is active again once the clock is put back: nothing of the future was stored
    [/testomgeving/klok-verschuift-domeintijd]."""
    gemeente = await make_source(GEMEENTE, testomgeving={"klok": True})
    token = await gemeente.session(SANNE)
    accepted = await gemeente.client.post(
        "/betalingsregelingen", token=token, headers={"Idempotency-Key": "lapse-ahead"},
        json={"voorstel_id": (await quote(gemeente, token))["voorstel_id"]})
    assert accepted.status_code == 201, accepted.text
    path = f"/betalingsregelingen/{accepted.json()['id']}"
    year_s = 366 * 86_400  # every instalment long past due, none paid
    for seconds, status in ((year_s, "beeindigd"), (0, "actief")):
        shifted = await gemeente.client.request("PUT", "/testklok", token=token,
                                                json={"verschuiving_s": seconds})
        assert shifted.status_code == 200, shifted.text
        seen = (await gemeente.client.get(path, token=token)).json()
        assert seen["status"] == status, seen
    assert (await taxes_case(gemeente, token))["status"] == "in_regeling"
    assert (await gemeente.client.delete(path, token=token)).status_code == 204


async def test_acceptances_and_reservations_share_one_key_space(gemeente: RunningSource):
    """A key used for one operation is refused for the other, in both directions, even once
    the first resource is gone [/betalingsregeling/reservering]."""
    token = await gemeente.session(SANNE)
    accepted = await gemeente.client.post(
        "/betalingsregelingen", token=token, headers={"Idempotency-Key": "shared-1"},
        json={"voorstel_id": (await quote(gemeente, token))["voorstel_id"]})
    assert accepted.status_code == 201, accepted.text
    withdrawn = await gemeente.client.delete(
        f"/betalingsregelingen/{accepted.json()['id']}", token=token)
    assert withdrawn.status_code == 204, withdrawn.text
    reused = await reserve(gemeente, token, (await quote(gemeente, token))["voorstel_id"],
                           key="shared-1")
    assert problem(reused) == (422, "idempotentie/sleutel-hergebruikt")

    reserved = await reserve(gemeente, token, (await quote(gemeente, token))["voorstel_id"],
                             key="shared-2")
    assert reserved.status_code == 201, reserved.text
    cancelled = await gemeente.client.delete(
        f"/betalingsregelingen/reserveringen/{reserved.json()['id']}", token=token)
    assert cancelled.status_code == 204, cancelled.text
    reused = await gemeente.client.post(
        "/betalingsregelingen", token=token, headers={"Idempotency-Key": "shared-2"},
        json={"voorstel_id": (await quote(gemeente, token))["voorstel_id"]})
    assert problem(reused) == (422, "idempotentie/sleutel-hergebruikt")
