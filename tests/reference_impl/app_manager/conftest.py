"""Fixtures for the App Manager tests (helpers live in app_manager_support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from app_manager_support import AppSide, FakeClock, ValidatingClient, build_app_manager


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def manager_app(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Any]:
    """An App Manager with the test identity provider, started, on SQLite."""
    app = build_app_manager(tmp_path, clock)
    await app.state.app_manager.start()
    yield app
    await app.state.app_manager.close()


@pytest.fixture
async def client(manager_app: Any) -> AsyncIterator[ValidatingClient]:
    client = ValidatingClient(manager_app)
    yield client
    await client.aclose()


@pytest.fixture
def app_side(clock: FakeClock) -> AppSide:
    return AppSide(clock)
