"""Behavioural probes of the flaws of standard 2.2 (`conformance/broken/flaws_incasso.py`):
calculation rule 2.2, the two-phase agreement, amendment, the arrangement's lifecycle on the
test clock and bounded pauses, each asked of the gallery directly, without the suite's checks.
The document flaws are probed by `gallery_probes.document_violations` (see `DOCUMENT_FLAWS`).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from conftest import Federation

from conformance.broken import DEFAULT_TEST_BSNS
from conformance.broken.flaws_incasso import INCASSO_FLAWS

FIRST, SECOND = DEFAULT_TEST_BSNS
FINE = "CJIB-2025-004711"  # first citizen's fine in arrears: saldo 10600
FROZEN = "IB-2022-5512"  # second citizen's tax debt in a debt scheme
AMOUNT = 5000
DAY_S = 86_400
RESERVATION_S = 120
Probe = Callable[[Federation, httpx.AsyncClient], Awaitable[Any]]


def _outcome(response: httpx.Response) -> tuple[int, str | None]:
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json().get("code") if is_problem else None


async def _move(client: httpx.AsyncClient, headers: dict, seconds: int) -> None:
    response = await client.put("/testklok", headers=headers, json={"verschuiving_s": seconds})
    assert response.status_code == 200, response.text


async def _quote(client: httpx.AsyncClient, headers: dict, **extra: Any) -> httpx.Response:
    return await client.post("/betalingsregelingen/voorstellen", headers=headers,
                             json={"zaakkenmerken": [FINE], "termijnbedrag": AMOUNT, **extra})


async def _accept(client: httpx.AsyncClient, headers: dict, **extra: Any) -> dict:
    offer = (await _quote(client, headers, **extra)).json()
    response = await client.post("/betalingsregelingen", json={"voorstel_id": offer["voorstel_id"]},
                                 headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201, response.text
    return response.json()


async def _reserve(client: httpx.AsyncClient, headers: dict) -> dict:
    offer = (await _quote(client, headers)).json()
    response = await client.post(
        "/betalingsregelingen/reserveringen", headers={**headers, "Idempotency-Key": "r1"},
        json={"voorstel_id": offer["voorstel_id"], "groep_id": str(uuid.uuid4()),
              "groep_omvang": 2})
    assert response.status_code == 201, response.text
    return response.json()


async def _confirm(client: httpx.AsyncClient, headers: dict, reservation: dict
                   ) -> httpx.Response:
    return await client.post(f"/betalingsregelingen/reserveringen/{reservation['id']}/bevestiging",
                             headers=headers)


def _moment(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


# --- calculation rule 2.2 ------------------------------------------------------------------------


async def lead_time(fed: Federation, client: httpx.AsyncClient) -> bool:
    """On the 10th of a month (the test clock), is the first instalment ≥ 10 days away?"""
    headers = await fed.session(client)
    now = datetime.fromtimestamp(fed.now, UTC)
    tenth = date(now.year + now.month // 12, now.month % 12 + 1, 10)
    noon = datetime(tenth.year, tenth.month, tenth.day, 12, tzinfo=UTC).timestamp()
    await _move(client, headers, int(noon - fed.now))
    first = (await _quote(client, headers, rekenregel="2.2")).json()["termijnen"][0]
    return date.fromisoformat(first["vervaldatum"]) >= tenth + timedelta(days=10)


async def interest_on_what_is_left(fed: Federation, client: httpx.AsyncClient) -> bool:
    """Is each instalment's interest taken over the principal still outstanding?"""
    body = (await _quote(client, await fed.session(client), rekenregel="2.2")).json()
    outstanding, right = body["totaalbedrag"], True
    for item in body["termijnen"]:
        right &= item["rente"] == outstanding * body["rente_basispunten"] // 120_000
        outstanding -= item["hoofdsom"]
    return right


async def published_interest(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The interest /configuratie publishes, and the one a rule-2.2 quote applies."""
    announced = (await client.get("/configuratie")).json()["betalingsregeling"]
    body = (await _quote(client, await fed.session(client), rekenregel="2.2")).json()
    return announced.get("rente_basispunten", 0) == body["rente_basispunten"]


async def nothing_arrangeable(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The running contribution has regelbaar_bedrag 0: the detail of its refusal."""
    response = await client.post(
        "/betalingsregelingen/voorstellen", headers=await fed.session(client),
        json={"zaakkenmerken": ["CAK-WLZ-2024-118"], "aantal_termijnen": 1, "rekenregel": "2.2"})
    return [(r["code"], r.get("detail")) for r in response.json()["redenen"]]


# --- the two-phase agreement ---------------------------------------------------------------------


async def reserved_case_quoted(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    await _reserve(client, headers)
    return _outcome(await _quote(client, headers))


async def reservation_unannounced(fed: Federation, client: httpx.AsyncClient) -> Any:
    """What /configuratie announces, and what a reservation of a valid quote gets."""
    announced = (await client.get("/configuratie")).json()["betalingsregeling"]
    headers = await fed.session(client)
    offer = (await _quote(client, headers)).json()
    response = await client.post(
        "/betalingsregelingen/reserveringen", headers={**headers, "Idempotency-Key": "r0"},
        json={"voorstel_id": offer["voorstel_id"], "groep_id": str(uuid.uuid4()),
              "groep_omvang": 2})
    return "reservering_geldigheid_s" in announced or response.status_code != 201


async def reservation_key_accepted(fed: Federation, client: httpx.AsyncClient) -> Any:
    """A cancelled reservation's key ("r1") sent again with an acceptance."""
    headers = await fed.session(client)
    reservation = await _reserve(client, headers)
    await client.delete(f"/betalingsregelingen/reserveringen/{reservation['id']}", headers=headers)
    offer = (await _quote(client, headers)).json()
    return _outcome(await client.post(
        "/betalingsregelingen", json={"voorstel_id": offer["voorstel_id"]},
        headers={**headers, "Idempotency-Key": "r1"}))


async def confirmed_after_lapse(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    reservation = await _reserve(client, headers)
    await _move(client, headers, RESERVATION_S + 5)
    return _outcome(await _confirm(client, headers, reservation))


async def confirmed_after_cancel(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    reservation = await _reserve(client, headers)
    await client.delete(f"/betalingsregelingen/reserveringen/{reservation['id']}", headers=headers)
    return _outcome(await _confirm(client, headers, reservation))


async def confirmed_twice(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    reservation = await _reserve(client, headers)
    first, again = (await _confirm(client, headers, reservation),
                    await _confirm(client, headers, reservation))
    return first.status_code, again.status_code, first.json() == again.json()


async def cancelled_after_confirmation(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    reservation = await _reserve(client, headers)
    await _confirm(client, headers, reservation)
    return _outcome(await client.delete(
        f"/betalingsregelingen/reserveringen/{reservation['id']}", headers=headers))


async def group_window(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    group = (await _confirm(client, headers, await _reserve(client, headers))).json()["groep"]
    return _moment(group["annuleerbaar_tot"]) - _moment(group["bevestigd_op"])


# --- amendment and the lifecycle -----------------------------------------------------------------


async def replaced_arrangement(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    old = await _accept(client, headers)
    await _accept(client, headers, vervangt=old["id"])
    after = (await client.get(f"/betalingsregelingen/{old['id']}", headers=headers)).json()
    return after["status"], (after.get("beeindiging") or {}).get("reden")


async def _first_instalment_after(fed: Federation, client: httpx.AsyncClient, days: int,
                                  pause_days: int = 0) -> dict:
    """Accept an arrangement (pausing its case for `pause_days` first), move the clock to
    `days` after its first due date: the arrangement then."""
    headers = await fed.session(client)
    if pause_days:
        end = (datetime.fromtimestamp(fed.now, UTC) + timedelta(days=pause_days)).date()
        created = await client.post("/pauzes", headers=headers,
                                    json={"einddatum": end.isoformat(), "zaakkenmerken": [FINE]})
        assert created.status_code == 201, created.text
    regeling = await _accept(client, headers)
    due = date.fromisoformat(regeling["termijnen"][days // 100]["vervaldatum"])
    target = datetime(due.year, due.month, due.day, 12, tzinfo=UTC) + timedelta(days=days % 100)
    await _move(client, headers, int(target.timestamp() - fed.now))
    return (await client.get(f"/betalingsregelingen/{regeling['id']}", headers=headers)).json()


async def within_grace(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await _first_instalment_after(fed, client, 3))["termijnen"][0]["status"]


async def lapsed(fed: Federation, client: httpx.AsyncClient) -> Any:
    after = await _first_instalment_after(fed, client, 106)  # instalment 2 + 6 days
    return after["status"], (after.get("beeindiging") or {}).get("reden")


async def due_in_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    after = await _first_instalment_after(fed, client, 6, pause_days=100)
    return after["termijnen"][0]["status"]


# --- bounded pauses ------------------------------------------------------------------------------


async def ninth_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    """Eight pauses that each run their course (five days apart on the test clock: one day
    held, three days' wait), a ninth."""
    headers = await fed.session(client)
    for k in range(9):
        await _move(client, headers, (1 + 5 * k) * DAY_S)
        end = (datetime.fromtimestamp(fed.now, UTC) + timedelta(days=2 + 5 * k)).date()
        made = await client.post("/pauzes", headers=headers, json={"einddatum": end.isoformat()})
        if made.status_code != 201:
            return k, _outcome(made)
    return 9, None


async def pause_after_wait(fed: Federation, client: httpx.AsyncClient) -> Any:
    """A pause of five days, then on its sixth day (one after its end) another."""
    headers = await fed.session(client)
    end = (datetime.fromtimestamp(fed.now, UTC) + timedelta(days=5)).date()
    made = await client.post("/pauzes", headers=headers, json={"einddatum": end.isoformat()})
    assert made.status_code == 201, made.text
    await _move(client, headers, 6 * DAY_S)
    later = (end + timedelta(days=3)).isoformat()
    answer = await client.post("/pauzes", headers=headers, json={"einddatum": later})
    return _outcome(answer), [w.get("reden") for w in answer.json().get("weigeringen", [])]


async def frozen_case_named(fed: Federation, client: httpx.AsyncClient) -> Any:
    end = (datetime.fromtimestamp(fed.now, UTC) + timedelta(days=3)).date().isoformat()
    return _outcome(await client.post("/pauzes", headers=await fed.session(client, SECOND),
                                      json={"einddatum": end, "zaakkenmerken": [FROZEN]}))


async def everything_paused(fed: Federation, client: httpx.AsyncClient) -> Any:
    end = (datetime.fromtimestamp(fed.now, UTC) + timedelta(days=3)).date().isoformat()
    made = await client.post("/pauzes", headers=await fed.session(client, SECOND),
                             json={"einddatum": end})
    return FROZEN in made.json()["zaakkenmerken"]


DOCUMENT_FLAWS = tuple(f.name for f in INCASSO_FLAWS if f.rule.startswith("/document/"))
INCASSO_PROBES: dict[str, tuple[Probe, Any]] = {
    "aanlooptijd-genegeerd": (lead_time, True),
    "rente-over-hoofdsom": (interest_on_what_is_left, True),
    "rente-niet-gepubliceerd": (published_interest, True),
    "niets-regelbaar-zonder-detail": (nothing_arrangeable, [("zaak-afgelost", "niets-regelbaar")]),
    "geannuleerde-reservering-bevestigd": (confirmed_after_cancel,
                                           (409, "betalingsregeling/reservering-geannuleerd")),
    "reservering-houdt-zaken-niet-vast": (reserved_case_quoted,
                                          (422, "betalingsregeling/niet-mogelijk")),
    "reserveringen-niet-aangekondigd": (reservation_unannounced, True),
    "sleutels-per-operatie": (reservation_key_accepted,
                              (422, "idempotentie/sleutel-hergebruikt")),
    "reservering-vervalt-niet": (confirmed_after_lapse,
                                 (409, "betalingsregeling/reservering-vervallen")),
    "bevestiging-niet-herhaalbaar": (confirmed_twice, (201, 200, True)),
    "annuleren-na-bevestiging": (cancelled_after_confirmation,
                                 (409, "betalingsregeling/reservering-bevestigd")),
    "groep-zonder-annuleerbaar-tot": (group_window, RESERVATION_S),
    "oude-regeling-blijft-actief": (replaced_arrangement, ("beeindigd", "gewijzigd")),
    "respijt-genegeerd": (within_grace, "open"),
    "regeling-vervalt-niet": (lapsed, ("beeindigd", "vervallen")),
    "pauze-telt-termijn-als-gemist": (due_in_pause, "open"),
    "pauze-aantal-onbegrensd": (ninth_pause, (8, (422, "pauze/niet-toegestaan"))),
    "wachttijd-vanaf-begin": (pause_after_wait,
                              ((422, "pauze/niet-toegestaan"), ["wachttijd"])),
    "pauze-in-schuldregeling": (frozen_case_named, (422, "pauze/niet-toegestaan")),
    "alles-pauzeren-negeert-acties": (everything_paused, False),
}
