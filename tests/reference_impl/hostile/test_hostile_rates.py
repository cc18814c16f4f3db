"""Unauthenticated state creation is rate-limited per client with 429
`algemeen/te-veel-verzoeken` and `Retry-After`, and what it creates is kept for a bounded
time: App Manager registrations (limited by default) and source challenges."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from app_manager_support import AppSide, build_app_manager
from clock_support import FakeClock
from source_support import GEMEENTE, RunningSource, start_source

from reference_impl.app_manager import tables as manager_tables
from reference_impl.app_manager.config import (
    DEFAULT_REGISTRATION_LIMIT,
    DEFAULT_REGISTRATION_PERIOD_S,
)
from reference_impl.app_manager.registrations import REGISTRATION_RETENTION_S
from reference_impl.common.constants import REGISTRATION_TTL_S
from reference_impl.common.ratelimit import DEFAULT_SESSION_LIMIT

pytestmark = pytest.mark.anyio


def _too_many(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "algemeen/te-veel-verzoeken"
    return int(response.headers["Retry-After"])


async def test_registrations_are_limited_by_default_and_kept_briefly(tmp_path: Path):
    clock = FakeClock()
    app = build_app_manager(tmp_path, clock, settings={"registratie_limiet": {}})
    manager = app.state.app_manager
    await manager.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://testserver/app-manager/v2") as client:
            side = AppSide(clock)
            for _ in range(DEFAULT_REGISTRATION_LIMIT):
                response = await client.post("/registraties", json=side.registration_body())
                assert response.status_code == 201, response.text
            refused = await client.post("/registraties", json=side.registration_body())
            assert 1 <= _too_many(refused) <= DEFAULT_REGISTRATION_PERIOD_S
            # Once the registrations expired and their retention passed, the next one
            # deletes them: what a client can pile up is bounded in time.
            clock.advance(REGISTRATION_TTL_S + REGISTRATION_RETENTION_S + 1)
            response = await client.post("/registraties", json=side.registration_body())
            assert response.status_code == 201
        async with manager.database.engine.connect() as connection:
            kept = await connection.scalar(
                sa.select(sa.func.count()).select_from(manager_tables.registraties))
        assert kept == 1
    finally:
        await manager.close()


async def test_challenges_are_limited_when_configured(tmp_path: Path):
    source = await start_source(tmp_path, GEMEENTE, rate_limit={"aantal": 3, "periode_s": 60})
    try:
        for _ in range(3):
            assert (await source.client.post("/sessies/uitdagingen")).status_code == 201
        assert 1 <= _too_many(await source.client.post("/sessies/uitdagingen")) <= 60
    finally:
        await source.close()


async def test_challenges_are_limited_by_default(gemeente: RunningSource,
                                                 raw: httpx.AsyncClient):
    # The default leaves room for a full conformance run (see ratelimit.py); past it, 429.
    statuses = Counter()
    for _ in range(DEFAULT_SESSION_LIMIT // 2):
        statuses[(await raw.post("/sessies/uitdagingen")).status_code] += 1
        statuses[(await raw.post("/sessies", json={})).status_code] += 1  # counts as well
    assert statuses == {201: DEFAULT_SESSION_LIMIT // 2, 400: DEFAULT_SESSION_LIMIT // 2}
    _too_many(await raw.post("/sessies/uitdagingen"))
    _too_many(await raw.post("/sessies", json={}))
