"""The test clock of spec/testomgeving.md §2: off by default and never in production, per
citizen, moving administrative time (the dunning schedule, pauses, opgesteld_op) and never
trust time (the session keeps working)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from source_support import CJIB, MOHAMED, SANNE, RunningSource, problem

from reference_impl.common.errors import ConfigError
from reference_impl.source.config import config_from_mapping

pytestmark = pytest.mark.anyio
DAY_S = 86_400
FINE = "CJIB-2026-0001"  # a second surcharge (":6") and a final notice (":7") planned for day 18
PLANNED = {f"{FINE}:6", f"{FINE}:7"}
NOT_OFFERED = (404, "testomgeving/klok-niet-beschikbaar")
MAPPING = {"oin": "00000001001234001000", "naam": "Bron", "soort": "overig",
           "contact": {"telefoon": "0800 0000"}, "key_dir": "sleutels"}


async def clocked(make_source) -> RunningSource:
    return await make_source(CJIB, testomgeving={"klok": True})


async def set_shift(source: RunningSource, token: str, seconds: int) -> dict:
    response = await source.client.request("PUT", "/testklok", token=token,
                                           json={"verschuiving_s": seconds})
    assert response.status_code == 200, response.text
    return response.json()


async def document(source: RunningSource, bsn: str) -> dict:
    token = await source.session(bsn)
    response = await source.client.get("/vorderingenoverzicht", token=token)
    assert response.status_code == 200, response.text
    return response.json()["document"]


def event_ids(doc: dict, zaakkenmerk: str = FINE) -> set[str]:
    case = next(c for c in doc["financiele_zaken"] if c["zaakkenmerk"] == zaakkenmerk)
    return {e["gebeurtenis_id"] for e in case["gebeurtenissen"]}


def drawn_up(doc: dict) -> float:
    return datetime.fromisoformat(doc["opgesteld_op"]).timestamp()


def test_a_test_clock_in_production_stops_the_start():
    with pytest.raises(ConfigError, match=r"testomgeving\.klok.*nooit aan bij omgeving: productie"):
        config_from_mapping({**MAPPING, "omgeving": "productie",
                             "testomgeving": {"klok": True}})
    assert config_from_mapping({**MAPPING, "omgeving": "productie"}).testomgeving.klok is False


@pytest.mark.parametrize(("value", "key"), [
    ({"klok": "ja"}, "testomgeving.klok"), ({"uur": 1}, "testomgeving"), ([], "testomgeving")])
def test_a_bad_test_environment_setting_is_named(value, key):
    with pytest.raises(ConfigError, match=key):
        config_from_mapping({**MAPPING, "testomgeving": value})


async def test_without_the_clock_both_methods_answer_404_before_the_session(cjib):
    assert problem(await cjib.client.get("/testklok", valid_request=False)) == NOT_OFFERED
    token = await cjib.session(SANNE)
    assert problem(await cjib.client.request(
        "PUT", "/testklok", token=token, json={"verschuiving_s": DAY_S})) == NOT_OFFERED


async def test_the_clock_needs_a_session_and_a_valid_shift(make_source):
    source = await clocked(make_source)
    assert problem(await source.client.get("/testklok", valid_request=False))[0] == 401
    token = await source.session(SANNE)
    for body in ({"verschuiving_s": -1}, {"verschuiving_s": 366 * DAY_S + 1},
                 {"verschuiving_s": "60"}, {}, {"verschuiving_s": 60, "bsn": MOHAMED}):
        response = await source.client.request("PUT", "/testklok", token=token, json=body,
                                               valid_request=False)
        assert problem(response) == (400, "verzoek/ongeldig"), body


async def test_moving_one_citizens_clock_imposes_the_due_surcharge_for_that_citizen_only(
        make_source):
    source = await clocked(make_source)
    now = source.clock()
    token = await source.session(SANNE)
    before = await document(source, SANNE)
    assert not PLANNED & event_ids(before)

    state = await set_shift(source, token, 19 * DAY_S)
    assert state["verschuiving_s"] == 19 * DAY_S
    assert datetime.fromisoformat(state["nu"]).timestamp() == int(now) + 19 * DAY_S
    moved = await document(source, SANNE)  # a session opened at real time: trust time
    assert event_ids(moved) >= PLANNED
    assert drawn_up(moved) == int(now) + 19 * DAY_S

    other = await source.session(MOHAMED)
    response = await source.client.get("/testklok", token=other)
    assert response.json()["verschuiving_s"] == 0
    assert drawn_up(await document(source, MOHAMED)) == int(now)

    assert (await set_shift(source, token, 0))["verschuiving_s"] == 0
    back = await document(source, SANNE)
    assert event_ids(back) == event_ids(before) and drawn_up(back) == int(now)


async def test_a_pause_holds_back_what_falls_due_on_the_moved_clock(make_source):
    source = await clocked(make_source)
    token = await source.session(SANNE)
    today = datetime.fromtimestamp(source.clock()).date()
    end = (today + timedelta(days=30)).isoformat()
    response = await source.client.post("/pauzes", token=token,
                                         json={"einddatum": end, "zaakkenmerken": [FINE]})
    assert response.status_code == 201, response.text
    await set_shift(source, token, 19 * DAY_S)
    assert not PLANNED & event_ids(await document(source, SANNE))
    pauses = (await source.client.get("/pauzes", token=token)).json()["pauzes"]
    assert [p["status"] for p in pauses] == ["actief"]
    await set_shift(source, token, 31 * DAY_S)  # after the pause: still held back
    assert not PLANNED & event_ids(await document(source, SANNE))
    pauses = (await source.client.get("/pauzes", token=token)).json()["pauzes"]
    assert [p["status"] for p in pauses] == ["beeindigd"]
