"""Fixtures for the reference source tests (helpers live in source_support.py).

`make_source(organisation, **settings)` starts a demo organisation's source in-process,
on the database `database_url(name)` gives: SQLite files by default; the PostgreSQL test
module overrides `database_url` to run the very same flows on a real PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from source_support import CJIB, GEMEENTE, FakeClock, RunningSource, Trust, start_source

MakeSource = Callable[..., Awaitable[RunningSource]]


@pytest.fixture
def database_url(tmp_path: Path) -> Callable[[str], str]:
    return lambda name: f"sqlite+aiosqlite:///{tmp_path / name}.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def trust(clock: FakeClock) -> Trust:
    return Trust(clock)


@pytest.fixture
async def make_source(
    tmp_path: Path, database_url: Callable[[str], str], clock: FakeClock, trust: Trust
) -> AsyncIterator[MakeSource]:
    started: list[RunningSource] = []

    async def make(organisation: str, **settings: Any) -> RunningSource:
        url = settings.pop("database_url", None) or database_url(organisation)
        running = await start_source(tmp_path, organisation, database_url=url, clock=clock,
                                     trust=trust, **settings)
        started.append(running)
        return running

    yield make
    for running in started:
        await running.close()


@pytest.fixture
async def gemeente(make_source: MakeSource) -> RunningSource:
    """Gemeente Voorbeeldstad (every service) with the demo data."""
    return await make_source(GEMEENTE)


@pytest.fixture
async def cjib(make_source: MakeSource) -> RunningSource:
    """The CJIB (overview, arrangements, pauses) with the demo data."""
    return await make_source(CJIB)
