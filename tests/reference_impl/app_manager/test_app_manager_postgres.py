"""The App Manager on a real PostgreSQL 15 server this module starts itself, as the source's
PostgreSQL tests do: the login flow, citizen revocation and ledger retention test functions
run again with every App Manager built on a fresh PostgreSQL database, and a 1.0.0 database
(migration 0001, with certificates and revocations in it) is upgraded in place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import app_manager_support
import pytest
import sqlalchemy as sa
import test_app_manager_flow
import test_citizen_revocation
import test_ledger_retention
from alembic import command
from alembic.config import Config

from reference_impl.app_manager.app import MIGRATIONS
from reference_impl.app_manager.ledger import CertificateLedger
from reference_impl.common.db import Database, create_engine

pytestmark = [pytest.mark.postgres, pytest.mark.anyio]

for _module in (test_app_manager_flow, test_citizen_revocation, test_ledger_retention):
    for _name in dir(_module):
        if _name.startswith("test_"):
            globals()[_name] = getattr(_module, _name)


@pytest.fixture(autouse=True)
def on_postgresql(postgres: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every App Manager the re-run tests build gets a fresh PostgreSQL database."""
    plain = app_manager_support.manager_config

    def manager_config(tmp_path: Path, **settings: Any) -> Any:
        return plain(tmp_path, **{"database_url": postgres.create_database(), **settings})

    monkeypatch.setattr(app_manager_support, "manager_config", manager_config)


@pytest.fixture
async def ledger(postgres: Any) -> AsyncIterator[CertificateLedger]:
    database = await Database.open(postgres.create_database(), MIGRATIONS)
    yield CertificateLedger(database)
    await database.close()


async def test_the_app_managers_use_postgresql(manager_app: Any) -> None:
    """Guard: the re-run tests really talk to PostgreSQL (not a silent SQLite fallback)."""
    assert manager_app.state.app_manager.database.dialect == "postgresql"


def _to_revision(connection: sa.Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_a_1_0_database_is_upgraded_with_its_certificates(postgres: Any) -> None:
    url = postgres.create_database()
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_to_revision, "0001")
        await connection.execute(sa.text(
            "INSERT INTO certificaten (jti, thumbprint, niveau, issued_at, expires_at) "
            "VALUES ('c1', :t, 'midden', 1, 2), ('c2', :t, 'hoog', 3, 4)"), {"t": "t" * 43})
        await connection.execute(sa.text(
            "INSERT INTO intrekkingen (certificaat_jti, revoked_at, certificate_expires_at) "
            "VALUES ('c2', 3, 4)"))
    await engine.dispose()
    database = await Database.open(url, MIGRATIONS)
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(sa.text(
                "SELECT jti, niveau, expires_at FROM certificaten ORDER BY jti"))).all()
            revoked = (await connection.execute(sa.text(
                "SELECT certificaat_jti FROM intrekkingen"))).scalars().all()
            version = await connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    finally:
        await database.close()
    heads = sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("0*.py"))
    assert version == heads[-1]
    assert [tuple(r) for r in rows] == [("c1", "midden", 2), ("c2", "hoog", 4)]
    assert revoked == ["c2"]
