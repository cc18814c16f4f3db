"""Fixtures for the hostile-client tests: a reference source (and App Manager) under attack.

The source's and App Manager's test support (`source_support`, `postgres_server`,
`app_manager_support`) is reused from their own test folders. Hostile requests go through a
plain httpx client (`raw`), not the OpenAPI-validating one: they are invalid on purpose.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
for folder in ("source", "app_manager"):
    path = str(HERE.parent / folder)
    if path not in sys.path:
        sys.path.append(path)

from source_support import GEMEENTE, RunningSource, start_source  # noqa: E402

BASE = "http://testserver/vorderingen/v2"


@pytest.fixture
def database_url(tmp_path: Path) -> Callable[[str], str]:
    return lambda name: f"sqlite+aiosqlite:///{tmp_path / name}.db"


@pytest.fixture
async def gemeente(tmp_path: Path, database_url: Callable[[str], str]
                   ) -> AsyncIterator[RunningSource]:
    """Gemeente Voorbeeldstad (every service) with the demo data."""
    running = await start_source(tmp_path, GEMEENTE, database_url=database_url(GEMEENTE))
    yield running
    await running.close()


@pytest.fixture
async def raw(gemeente: RunningSource) -> AsyncIterator[httpx.AsyncClient]:
    """An unvalidating client for the source: hostile requests break the schema on purpose."""
    transport = httpx.ASGITransport(app=gemeente.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client
