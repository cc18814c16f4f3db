"""The pause button: limits, reasons, the paused state in the document, and no new
surcharge or reminder imposed while a pause holds (the backend's schedule is held back)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from source_support import DUO, KEES, SANNE, RunningSource, problem

pytestmark = pytest.mark.anyio
DAY_S = 86_400
TODAY = date(2026, 1, 1)  # clock_support.START
FINE = "CJIB-2026-0001"  # a second surcharge and a final notice are planned for day 18


def ahead(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


async def fine_in_document(source: RunningSource) -> dict:
    token = await source.session(SANNE)
    document = (await source.client.get("/vorderingenoverzicht", token=token)).json()["document"]
    return next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == FINE)


async def test_a_pause_holds_back_the_planned_surcharge(cjib: RunningSource):
    token = await cjib.session(SANNE)
    response = await cjib.client.post("/pauzes", token=token, json={"einddatum": ahead(30)})
    assert response.status_code == 201
    pause = response.json()
    assert response.headers["location"].endswith(f"/pauzes/{pause['id']}")
    assert (pause["status"], pause["ingangsdatum"], pause["einddatum"], pause["zaakkenmerken"]) == (
        "actief", TODAY.isoformat(), ahead(30), [FINE])
    paused = await fine_in_document(cjib)
    assert paused["status"] == "gepauzeerd"
    assert paused["pauze"] == {"id": pause["id"], "einddatum": ahead(30)}
    assert "pauze" not in paused["acties"]

    await cjib.advance(19 * DAY_S)  # the planned day of the second surcharge has passed
    during = await fine_in_document(cjib)
    assert during["totaal_financieel_verplicht"] == paused["totaal_financieel_verplicht"]
    assert {e["gebeurtenis_id"] for e in during["gebeurtenissen"]} == {
        e["gebeurtenis_id"] for e in paused["gebeurtenissen"]}

    token = await cjib.session(SANNE)
    path = f"/pauzes/{pause['id']}"
    assert (await cjib.client.delete(path, token=token)).status_code == 204
    assert (await cjib.client.delete(path, token=token)).status_code == 204
    listed = (await cjib.client.get("/pauzes", token=token)).json()["pauzes"]
    assert [(p["status"], p["einddatum"]) for p in listed] == [("beeindigd", ahead(19))]
    after = await fine_in_document(cjib)
    assert after["status"] == "open" and "pauze" not in after
    # What the pause held back stays held back: it was never imposed.
    assert after["totaal_financieel_verplicht"] == paused["totaal_financieel_verplicht"]


async def test_without_a_pause_the_surcharge_is_imposed(cjib: RunningSource):
    before = await fine_in_document(cjib)
    await cjib.advance(19 * DAY_S)
    after = await fine_in_document(cjib)
    assert after["totaal_financieel_verplicht"] == before["totaal_financieel_verplicht"] + 11_000


async def test_pause_reasons(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    for einddatum in (ahead(0), ahead(91)):
        refused = await gemeente.client.post("/pauzes", token=token,
                                             json={"einddatum": einddatum})
        assert problem(refused) == (422, "pauze/niet-mogelijk")
        assert [r["code"] for r in refused.json()["redenen"]] == ["einddatum-ongeldig"]
    assert (await gemeente.client.post("/pauzes", token=token,
                                       json={"einddatum": ahead(90)})).status_code == 201
    again = await gemeente.client.post(
        "/pauzes", token=token,
        json={"einddatum": ahead(95), "zaakkenmerken": ["AS-2026-000101", "ONBEKEND"]})
    assert {(r["code"], r.get("zaakkenmerk")) for r in again.json()["redenen"]} == {
        ("einddatum-ongeldig", None), ("zaak-al-gepauzeerd", "AS-2026-000101"),
        ("zaak-onbekend", "ONBEKEND")}


async def test_a_settled_case_cannot_be_paused(make_source):
    duo = await make_source(DUO, diensten=["vorderingenoverzicht", "pauzes"],
                            pauze={"maximum_duur_dagen": 30})
    token = await duo.session(KEES)
    refused = await duo.client.post("/pauzes", token=token,
                                    json={"einddatum": ahead(10),
                                          "zaakkenmerken": ["DUO-OV-2024-0009"]})
    assert [r["code"] for r in refused.json()["redenen"]] == ["zaak-afgelost"]
    nothing = await duo.client.post("/pauzes", token=token, json={"einddatum": ahead(10)})
    assert problem(nothing) == (422, "pauze/niet-mogelijk")


async def test_a_service_not_offered(make_source):
    duo = await make_source(DUO)
    token = await duo.session(SANNE)
    for method, path in (("GET", "/pauzes"), ("POST", "/hulpvragen")):
        answer = await duo.client.request(method, path, token=token, json={}, valid_request=False)
        assert problem(answer) == (404, "algemeen/dienst-niet-aangeboden")


async def test_another_citizens_pause_is_not_found(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    pause = (await gemeente.client.post("/pauzes", token=token,
                                        json={"einddatum": ahead(10)})).json()
    kees = await gemeente.session(KEES)
    answer = await gemeente.client.delete(f"/pauzes/{pause['id']}", token=kees)
    assert problem(answer) == (404, "algemeen/niet-gevonden")
    listed = (await gemeente.client.get("/pauzes", token=token)).json()["pauzes"]
    assert listed[0]["status"] == "actief"


async def test_a_created_pause_is_readable_at_its_location(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    created = await gemeente.client.post("/pauzes", token=token, json={"einddatum": ahead(10)})
    location = created.headers["location"]
    assert location == f"/vorderingen/v2/pauzes/{created.json()['id']}"
    read = await gemeente.client.get(location.removeprefix("/vorderingen/v2"), token=token)
    assert read.status_code == 200
    assert read.json() == created.json()
    assert (await gemeente.client.delete(location.removeprefix("/vorderingen/v2"),
                                         token=token)).status_code == 204
    ended = (await gemeente.client.get(location.removeprefix("/vorderingen/v2"),
                                       token=token)).json()
    assert (ended["status"], ended["einddatum"]) == ("beeindigd", TODAY.isoformat())
    kees = await gemeente.session(KEES)
    foreign = await gemeente.client.get(location.removeprefix("/vorderingen/v2"), token=kees)
    assert problem(foreign) == (404, "algemeen/niet-gevonden")
    unknown = await gemeente.client.get(f"/pauzes/{uuid.uuid4()}", token=token)
    assert problem(unknown) == (404, "algemeen/niet-gevonden")
    malformed = await gemeente.client.get("/pauzes/geen-uuid", token=token, valid_request=False)
    assert problem(malformed) == (400, "verzoek/ongeldig")
