"""Puts this folder on `sys.path`, so the support modules shared by the folders below
(`openapi_support`, `clock_support`) import as each folder's own (`source_support`, ...) do,
and holds the fixtures every test here may use: the anyio backend, one demo federation on
loopback for the end-to-end tests, and one real PostgreSQL server for every `postgres` test
(each test makes its own database in it); both start once per session, when first asked
for, because each costs seconds.

The test folders have no `__init__.py`; pytest's default import mode already prepends a
conftest's folder, the insert below says so explicitly and keeps it under other modes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reference_impl.demo.launcher import BackgroundFederation, Federation

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def federation() -> Iterator[Federation]:
    """The demo federation (scheme service, App Manager, every demo source) on loopback."""
    with BackgroundFederation() as running:
        yield running


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A throw-away PostgreSQL server (Debian's binaries); tests call `create_database()`."""
    from postgres_server import PostgresServer  # this folder is on sys.path (above)

    server = PostgresServer().start()
    yield server
    server.stop()
