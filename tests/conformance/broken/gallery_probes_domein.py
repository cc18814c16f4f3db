"""Behavioural probes of the domain flaws (`conformance/broken/flaws_domein.py`): each does
the one thing its flaw gets wrong — a planned surcharge falling due in a pause on the test
clock, two quotes of one case accepted at once, another citizen's case quoted or paused, a
citizen without claims outside the 2.0 suite's probes, the test clock of two citizens — to
the gallery directly, without the suite's checks. The federation's clock stands still
(`fed.now`); the test clock moves one citizen's administrative time from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import Federation

from conformance.broken import DEFAULT_TEST_BSNS

FIRST, SECOND = DEFAULT_TEST_BSNS
FINE = "CJIB-2025-004711"  # the first citizen's fine; a second surcharge falls due on day 30
PLANNED = "A1-7"
AMOUNT = 5000
UNPROBED_NO_CLAIMS = "200000007"  # passes the elfproef; not one of the 2.0 suite's probes
DAY_S = 86_400
Probe = Callable[[Federation, httpx.AsyncClient], Awaitable[Any]]


def _outcome(response: httpx.Response) -> tuple[int, str | None]:
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json().get("code") if is_problem else None


def _day(fed: Federation, days: int) -> str:
    return (datetime.fromtimestamp(fed.now, UTC) + timedelta(days=days)).date().isoformat()


async def _move(client: httpx.AsyncClient, headers: dict, seconds: int) -> httpx.Response:
    return await client.put("/testklok", headers=headers, json={"verschuiving_s": seconds})


async def _document(client: httpx.AsyncClient, headers: dict) -> dict:
    return (await client.get("/vorderingenoverzicht", headers=headers)).json()["document"]


async def _surcharge_imposed(fed: Federation, client: httpx.AsyncClient,
                             pause_days: int) -> bool:
    """Pause the fine for `pause_days`, move the clock 40 days: is the surcharge planned for
    day 30 imposed?"""
    headers = await fed.session(client)
    await client.post("/pauzes", headers=headers,
                      json={"einddatum": _day(fed, pause_days), "zaakkenmerken": [FINE]})
    await _move(client, headers, 40 * DAY_S)
    fine = next(c for c in (await _document(client, headers))["financiele_zaken"]
                if c["zaakkenmerk"] == FINE)
    return PLANNED in {e["gebeurtenis_id"] for e in fine["gebeurtenissen"]}


async def surcharge_in_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    """Still paused on day 40: nothing planned within the pause is imposed."""
    return await _surcharge_imposed(fed, client, pause_days=60)


async def surcharge_after_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The pause ended on day 35: what fell due within it (day 30) is still not imposed."""
    return await _surcharge_imposed(fed, client, pause_days=35)


async def paused_on_the_end_date(fed: Federation, client: httpx.AsyncClient) -> Any:
    """Pause the fine until day 5, move the clock to day 5: is it still paused?"""
    headers = await fed.session(client)
    await client.post("/pauzes", headers=headers,
                      json={"einddatum": _day(fed, 5), "zaakkenmerken": [FINE]})
    noon = datetime.fromisoformat(_day(fed, 5) + "T12:00:00+00:00").timestamp()
    await _move(client, headers, int(noon - int(fed.now)))
    fine = next(c for c in (await _document(client, headers))["financiele_zaken"]
                if c["zaakkenmerk"] == FINE)
    return fine["status"]


async def quote_accepted_before_expiry(fed: Federation, client: httpx.AsyncClient) -> Any:
    """A quote (valid 5 s) accepted with the clock 3 s on."""
    headers = await fed.session(client)
    offer = (await client.post("/betalingsregelingen/voorstellen", headers=headers, json={
        "zaakkenmerken": [FINE], "termijnbedrag": AMOUNT})).json()
    await _move(client, headers, 3)
    return _outcome(await client.post("/betalingsregelingen", json={
        "voorstel_id": offer["voorstel_id"]}, headers={**headers, "Idempotency-Key": "op-tijd"}))


async def two_quotes_at_once(fed: Federation, client: httpx.AsyncClient) -> Any:
    """Two quotes of the fine accepted at once under two keys: how many arrangements?"""
    headers = await fed.session(client)
    offers = [(await client.post("/betalingsregelingen/voorstellen", headers=headers, json={
        "zaakkenmerken": [FINE], "termijnbedrag": AMOUNT})).json() for _ in range(2)]
    await asyncio.gather(*(client.post(
        "/betalingsregelingen", headers={**headers, "Idempotency-Key": f"sleutel-{i}"},
        json={"voorstel_id": offer["voorstel_id"]}) for i, offer in enumerate(offers)))
    listing = await client.get("/betalingsregelingen", headers=headers)
    return len(listing.json()["betalingsregelingen"])


async def quote_of_anothers_case(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The second citizen asks a quote for the first citizen's fine."""
    response = await client.post("/betalingsregelingen/voorstellen",
                                 headers=await fed.session(client, SECOND),
                                 json={"zaakkenmerken": [FINE], "termijnbedrag": AMOUNT})
    return _outcome(response), [r["code"] for r in response.json().get("redenen", [])]


async def pause_of_anothers_case(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The second citizen pauses the first citizen's fine."""
    response = await client.post("/pauzes", headers=await fed.session(client, SECOND),
                                 json={"einddatum": _day(fed, 30), "zaakkenmerken": [FINE]})
    return _outcome(response), [r["code"] for r in response.json().get("redenen", [])]


async def unprobed_citizen_without_claims(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.get("/vorderingenoverzicht",
                                headers=await fed.session(client, UNPROBED_NO_CLAIMS))
    return response.status_code, response.json().get("document", {}).get("financiele_zaken")


async def clock_of_another(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The first citizen moves their clock a day: what does the second citizen's read?"""
    await _move(client, await fed.session(client), DAY_S)
    answer = await client.get("/testklok", headers=await fed.session(client, SECOND))
    return answer.json()["verschuiving_s"]


async def document_on_the_moved_clock(fed: Federation, client: httpx.AsyncClient) -> Any:
    """Moved ten days: how far ahead is the document drawn up?"""
    headers = await fed.session(client)
    await _move(client, headers, 10 * DAY_S)
    drawn_up = datetime.fromisoformat((await _document(client, headers))["opgesteld_op"])
    return drawn_up.timestamp() - int(fed.now)


async def withdrawal_after_cooling_off(fed: Federation, client: httpx.AsyncClient) -> Any:
    """Accept an arrangement, move the clock 15 days (past 14 days of bedenktijd), withdraw."""
    headers = await fed.session(client)
    offer = (await client.post("/betalingsregelingen/voorstellen", headers=headers, json={
        "zaakkenmerken": [FINE], "termijnbedrag": AMOUNT})).json()
    created = (await client.post("/betalingsregelingen", json={"voorstel_id": offer[
        "voorstel_id"]}, headers={**headers, "Idempotency-Key": "na-bedenktijd"})).json()
    await _move(client, headers, 15 * DAY_S)
    return _outcome(await client.delete(f"/betalingsregelingen/{created['id']}",
                                        headers=headers))


DOMEIN_PROBES: dict[str, tuple[Probe, Any]] = {
    "bedenktijd-onbegrensd": (
        withdrawal_after_cooling_off, (409, "betalingsregeling/bedenktijd-verstreken")),
    "planning-negeert-pauze": (surcharge_in_pause, False),
    "pauze-stelt-alleen-uit": (surcharge_after_pause, False),
    "pauze-einddatum-exclusief": (paused_on_the_end_date, "gepauzeerd"),
    "vergrendeling-per-voorstel": (two_quotes_at_once, 1),
    "voorstel-verloopt-te-vroeg": (quote_accepted_before_expiry, (201, None)),
    "andermans-zaak-in-voorstel": (
        quote_of_anothers_case, ((422, "betalingsregeling/niet-mogelijk"), ["zaak-onbekend"])),
    "andermans-zaak-gepauzeerd": (
        pause_of_anothers_case, ((422, "pauze/niet-mogelijk"), ["zaak-onbekend"])),
    "zonder-zaken-alleen-bekende-bsns": (unprobed_citizen_without_claims, (200, [])),
    "testklok-voor-iedereen": (clock_of_another, 0),
    "testklok-niet-in-document": (document_on_the_moved_clock, 10 * DAY_S),
}
