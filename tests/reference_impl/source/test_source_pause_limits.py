"""Bounded pauses (design §B.6): how many, the waiting time, per-case possibility, "pause
everything" following `acties`, and the 2.0 checks first."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from source_support import CJIB, GEMEENTE, MOHAMED, SANNE, WATERSCHAP, RunningSource, problem

from reference_impl.source.limits import PauseLimits
from reference_impl.source.pause_limits import StoredPause, limit_reasons

pytestmark = pytest.mark.anyio
DAY_S = 86_400
TODAY = date(2026, 1, 1)  # the FakeClock's start
ELLEN = "999990160"  # two pauses at the water board this year already (demo)
RUUD = "999990172"  # three cases at the municipality that can be paused
AT_BAILIFF = "CJIB-2025-0077"  # Mohamed's fine, transferred to a bailiff


def pause(start: date, end: date) -> StoredPause:
    return StoredPause("p", "beeindigd", start, end, ("Z",))


def test_count_within_the_period_and_the_day_it_frees_up():
    limits = PauseLimits(90, maximum_aantal=2, periode_dagen=365)
    history = [pause(TODAY - timedelta(days=400), TODAY - timedelta(days=390)),  # outside
               pause(TODAY - timedelta(days=300), TODAY - timedelta(days=250)),
               pause(TODAY - timedelta(days=100), TODAY - timedelta(days=60))]
    assert limit_reasons(limits, history, TODAY) == [{
        "mogelijk": False, "reden": "maximum-bereikt",
        "mogelijk_vanaf": (TODAY + timedelta(days=65)).isoformat(),
        "toelichting": "U hebt het maximale aantal pauzes in deze periode al gehad."}]
    assert limit_reasons(limits, history[:2], TODAY) == []


def test_waiting_time_after_the_previous_pause_ended():
    limits = PauseLimits(90, wachttijd_dagen=30)
    history = [pause(TODAY - timedelta(days=40), TODAY - timedelta(days=10))]
    [reason] = limit_reasons(limits, history, TODAY)
    assert (reason["reden"], reason["mogelijk_vanaf"]) == (
        "wachttijd", (TODAY + timedelta(days=20)).isoformat())
    assert limit_reasons(limits, history, TODAY + timedelta(days=20)) == []
    # A pause that still holds is not "the previous one": two cases may be paused apart.
    holding = [StoredPause("q", "actief", TODAY, TODAY + timedelta(days=5), ("Z",))]
    assert limit_reasons(limits, holding, TODAY + timedelta(days=1)) == []


def test_a_pause_taken_back_on_its_first_day_counts_for_neither_bound():
    limits = PauseLimits(90, maximum_aantal=1, periode_dagen=365, wachttijd_dagen=30)
    taken_back = StoredPause("p", "beeindigd", TODAY, TODAY, ("Z",))
    assert limit_reasons(limits, [taken_back], TODAY) == []
    # Ended the day after it began: it held, so both bounds apply from today.
    held = StoredPause("q", "beeindigd", TODAY - timedelta(days=1), TODAY, ("Z",))
    assert [r["reden"] for r in limit_reasons(limits, [held], TODAY)] == [
        "maximum-bereikt", "wachttijd"]


def test_a_pause_starting_after_today_does_not_count_yet():
    """Made under a citizen's test clock set ahead: at real time it has not started."""
    limits = PauseLimits(90, maximum_aantal=1, periode_dagen=365, wachttijd_dagen=30)
    ahead = StoredPause("p", "beeindigd", TODAY + timedelta(days=300),
                        TODAY + timedelta(days=310), ("Z",))
    assert limit_reasons(limits, [ahead], TODAY) == []


async def pause_request(source: RunningSource, token: str, days: int = 30, **body):
    einddatum = date.fromtimestamp(source.clock()) + timedelta(days=days)
    return await source.client.post("/pauzes", token=token,
                                    json={"einddatum": einddatum.isoformat(), **body})


async def test_the_demo_citizen_is_refused_by_the_maximum(make_source):
    delta = await make_source(WATERSCHAP)
    token = await delta.session(ELLEN)
    document = (await delta.client.get("/vorderingenoverzicht", token=token)).json()["document"]
    case = next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == "WS-2025-88002")
    possibility = case["pauze_mogelijkheid"]
    assert (possibility["mogelijk"], possibility["reden"]) == (False, "maximum-bereikt")
    assert "pauze" not in case["acties"]
    refused = await pause_request(delta, token)
    assert problem(refused) == (422, "pauze/niet-toegestaan")
    [reason] = refused.json()["weigeringen"]
    assert reason["reden"] == "maximum-bereikt"
    assert reason["mogelijk_vanaf"] == possibility["mogelijk_vanaf"]
    named = await pause_request(delta, token, zaakkenmerken=["WS-2025-88002"])
    assert [r["reden"] for r in named.json()["weigeringen"]] == ["maximum-bereikt"]


async def test_waiting_time_then_maximum_at_the_municipality(make_source):
    gemeente = await make_source(GEMEENTE, pauze={
        "maximum_duur_dagen": 90, "maximum_aantal": 2, "periode_dagen": 365,
        "wachttijd_dagen": 30})
    token = await gemeente.session(SANNE)
    first = await pause_request(gemeente, token, days=10)
    assert first.status_code == 201, first.text
    await gemeente.advance(11 * DAY_S)  # the pause ended yesterday
    token = await gemeente.session(SANNE)
    waiting = await pause_request(gemeente, token)
    assert problem(waiting) == (422, "pauze/niet-toegestaan")
    assert waiting.json()["weigeringen"][0]["reden"] == "wachttijd"
    assert waiting.json()["weigeringen"][0]["mogelijk_vanaf"] == "2026-02-10"
    await gemeente.advance(29 * DAY_S)
    token = await gemeente.session(SANNE)
    second = await pause_request(gemeente, token, days=5)
    assert second.status_code == 201, second.text
    await gemeente.advance(40 * DAY_S)
    token = await gemeente.session(SANNE)
    third = await pause_request(gemeente, token)
    assert [r["reden"] for r in third.json()["weigeringen"]] == ["maximum-bereikt"]
    assert third.json()["weigeringen"][0]["mogelijk_vanaf"] == "2027-01-01"


async def test_the_2_0_checks_come_first(make_source):
    gemeente = await make_source(GEMEENTE, pauze={
        "maximum_duur_dagen": 90, "maximum_aantal": 1, "periode_dagen": 365})
    token = await gemeente.session(SANNE)
    assert (await pause_request(gemeente, token, days=5)).status_code == 201
    too_long = await pause_request(gemeente, token, days=365)
    assert problem(too_long) == (422, "pauze/niet-mogelijk")


async def test_pause_everything_follows_acties_and_a_named_case_is_refused(make_source):
    cjib = await make_source(CJIB)
    token = await cjib.session(MOHAMED)  # a fine at a bailiff (acties: betalen) and others
    document = (await cjib.client.get("/vorderingenoverzicht", token=token)).json()
    cases = {c["zaakkenmerk"]: c for c in document["document"]["financiele_zaken"]}
    bailiff = cases[AT_BAILIFF]
    assert bailiff["pauze_mogelijkheid"]["reden"] == "bij-deurwaarder"
    pausable = {k for k, c in cases.items() if "pauze" in c["acties"]}
    assert pausable and AT_BAILIFF not in pausable
    named = await pause_request(cjib, token, zaakkenmerken=[AT_BAILIFF])
    assert problem(named) == (422, "pauze/niet-toegestaan")
    assert named.json()["weigeringen"] == [{
        "reden": "bij-deurwaarder", "zaakkenmerk": AT_BAILIFF,
        "toelichting": bailiff["pauze_mogelijkheid"]["toelichting"]}]
    everything = await pause_request(cjib, token)
    assert everything.status_code == 201, everything.text
    assert set(everything.json()["zaakkenmerken"]) == pausable


async def test_concurrent_requests_cannot_pass_the_maximum_together(make_source):
    gemeente = await make_source(GEMEENTE, pauze={
        "maximum_duur_dagen": 90, "maximum_aantal": 1, "periode_dagen": 365})
    tokens = [await gemeente.session(RUUD) for _ in range(2)]
    answers = await asyncio.gather(*(  # two different cases: only the limit stands between
        pause_request(gemeente, token, zaakkenmerken=[case])
        for token, case in zip(tokens, ["AS-2026-000303", "HB-2026-000009"], strict=True)))
    assert sorted(a.status_code for a in answers) == [201, 422]
    refused = next(a for a in answers if a.status_code == 422)
    assert problem(refused) == (422, "pauze/niet-toegestaan")
    assert [r["reden"] for r in refused.json()["weigeringen"]] == ["maximum-bereikt"]
