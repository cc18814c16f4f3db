"""Fixtures for the scheme operator tests (helpers live in scheme_support.py)."""

from __future__ import annotations

import pytest
from scheme_support import FakeClock


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
