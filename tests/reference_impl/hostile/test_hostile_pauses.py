"""One active pause per case, decided by the database: of concurrent pause requests for one
case exactly one is made, the others are 422 `zaak-al-gepauzeerd` — on SQLite and on a real
PostgreSQL (started here). An ended or expired pause frees its cases again."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from postgres_server import PostgresServer
from source_support import GEMEENTE, SANNE, RunningSource, start_source

pytestmark = pytest.mark.anyio
TODAY = date(2026, 1, 1)  # clock_support.START
CASE = "AS-2026-000101"
CONCURRENT = 8


def ahead(days: int) -> str:
    return (TODAY + timedelta(days=days)).isoformat()


async def _race(source: RunningSource, body: dict,
                reasons: frozenset[str] = frozenset({"zaak-al-gepauzeerd"})) -> list[int]:
    tokens = [await source.session(SANNE) for _ in range(CONCURRENT)]
    responses = await asyncio.gather(*(
        source.client.post("/pauzes", token=token, json=body) for token in tokens))
    refused = [r.json() for r in responses if r.status_code == 422]
    assert all(p["code"] == "pauze/niet-mogelijk" for p in refused)
    assert all({r["code"] for r in p["redenen"]} <= reasons for p in refused)
    return sorted(r.status_code for r in responses)


async def _active(source: RunningSource) -> list[dict]:
    token = await source.session(SANNE)
    pauses = (await source.client.get("/pauzes", token=token)).json()["pauzes"]
    return [p for p in pauses if p["status"] == "actief"]


async def _concurrent_pauses(tmp_path: Path, url: str) -> None:
    source = await start_source(tmp_path, GEMEENTE, database_url=url)
    try:
        for attempt in range(3):
            body = {"einddatum": ahead(10 + attempt), "zaakkenmerken": [CASE]}
            assert await _race(source, body) == [201] + [422] * (CONCURRENT - 1)
            active = await _active(source)
            assert [p["zaakkenmerken"] for p in active] == [[CASE]]
            token = await source.session(SANNE)
            ended = await source.client.delete(f"/pauzes/{active[0]['id']}", token=token)
            assert ended.status_code == 204  # which frees the case for the next round
        # Every case (no list) at once, against one pause of a single case: once any of
        # them holds, an all-cases request finds nothing left or the case taken.
        results = await asyncio.gather(
            _race(source, {"einddatum": ahead(5)},
                  frozenset({"zaak-al-gepauzeerd", "zaak-onbekend"})),
            _race(source, {"einddatum": ahead(5), "zaakkenmerken": [CASE]}))
        assert [status for round_ in results for status in round_].count(201) == 1
    finally:
        await source.close()


async def test_concurrent_pauses_make_one_on_sqlite(tmp_path: Path):
    await _concurrent_pauses(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}")


@pytest.mark.postgres
async def test_concurrent_pauses_make_one_on_postgresql(tmp_path: Path,
                                                        postgres: PostgresServer):
    await _concurrent_pauses(tmp_path, postgres.create_database())


async def test_an_expired_pause_frees_its_case(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    body = {"einddatum": ahead(2), "zaakkenmerken": [CASE]}
    assert (await gemeente.client.post("/pauzes", token=token, json=body)).status_code == 201
    # past its end and the source's waiting time between pauses
    wait_days = gemeente.config.pauze.wachttijd_dagen or 0
    await gemeente.advance((3 + wait_days) * 86_400)
    token = await gemeente.session(SANNE)
    body = {"einddatum": ahead(10), "zaakkenmerken": [CASE]}
    assert (await gemeente.client.post("/pauzes", token=token, json=body)).status_code == 201


