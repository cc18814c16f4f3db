"""What db.py does to spare database round trips (issue 16) keeps the database's promises:
SQLite commits without waiting for the disk yet atomically, a skipped rollback never
leaves a transaction behind, an autocommit block commits each statement on its own, and
a PostgreSQL connection the server dropped while it lay idle is replaced before use."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import async_sessionmaker

from reference_impl.common import db
from reference_impl.common.db import Database, create_engine

pytestmark = pytest.mark.anyio


def database(url: str) -> Database:
    engine = create_engine(url)
    return Database(engine, async_sessionmaker(engine))


async def count(connection: sa.ext.asyncio.AsyncConnection) -> int:
    return (await connection.execute(sa.text("SELECT count(*) FROM t"))).scalar_one()


async def test_sqlite_is_wal_with_full_sync_and_ends_real_transactions(tmp_path: Path):
    store = database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with store.engine.begin() as connection:
            assert (await connection.execute(sa.text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await connection.execute(sa.text("PRAGMA synchronous"))).scalar() == 2
            await connection.execute(sa.text("CREATE TABLE t (a INTEGER PRIMARY KEY)"))
        async with store.engine.connect() as connection:  # not committed: rolled back
            await connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        async with store.autocommit() as connection:
            await connection.execute(sa.text("INSERT INTO t VALUES (2)"))
        with pytest.raises(RuntimeError):
            async with store.engine.begin() as connection:
                await connection.execute(sa.text("INSERT INTO t VALUES (3)"))
                raise RuntimeError("half way")
        async with store.engine.connect() as connection:
            rows = (await connection.execute(sa.text("SELECT a FROM t"))).scalars().all()
            assert rows == [2]
            assert not connection.sync_connection.connection.driver_connection.in_transaction
    finally:
        await store.close()


@pytest.mark.postgres
async def test_postgres_autocommit_commits_each_statement(postgres):
    store = database(postgres.create_database())
    try:
        async with store.engine.begin() as connection:
            await connection.execute(sa.text("CREATE TABLE t (a INTEGER PRIMARY KEY)"))
        with pytest.raises(RuntimeError):
            async with store.autocommit() as connection:
                await connection.execute(sa.text("INSERT INTO t VALUES (1)"))
                with pytest.raises(sa.exc.IntegrityError):
                    await connection.execute(sa.text("INSERT INTO t VALUES (1)"))
                await connection.execute(sa.text("INSERT INTO t VALUES (2)"))
                raise RuntimeError("no rollback undoes what each statement committed")
        async with store.engine.connect() as connection:
            assert await count(connection) == 2
    finally:
        await store.close()


@pytest.mark.postgres
async def test_postgres_replaces_an_idle_connection_the_server_dropped(
        postgres, monkeypatch: pytest.MonkeyPatch):
    url = postgres.create_database()
    store = database(url)
    try:
        async with store.engine.connect() as connection:
            first = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
        with psycopg.connect(host=str(postgres.directory), port=postgres.port,
                             user="postgres", dbname="postgres", autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # it has been idle long enough
        async with store.engine.connect() as connection:
            second = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
        assert second != first
        # In use a moment ago: no ping, the same connection serves again.
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)
        async with store.engine.connect() as connection:
            again = (await connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
        assert again == second
    finally:
        await store.close()


@pytest.mark.postgres
async def test_postgres_first_goes_to_the_driver_and_keeps_sqlalchemys_errors(postgres):
    store = database(postgres.create_database())
    insert = sa.text("INSERT INTO t VALUES (:a) RETURNING a * 2")
    try:
        async with store.engine.begin() as connection:
            await connection.execute(sa.text("CREATE TABLE t (a INTEGER PRIMARY KEY)"))
        assert tuple(await store.first(insert, {"a": 1})) == (2,)
        with pytest.raises(sa.exc.IntegrityError):  # the driver's error, as SQLAlchemy's
            await store.first(insert, {"a": 1})
        assert await store.first(sa.text("DELETE FROM t WHERE a = :a"), {"a": 5}) is None
        async with store.engine.connect() as connection:  # committed, and the pooled
            assert await count(connection) == 1  # connection is back out of autocommit
            assert connection.sync_connection.connection.driver_connection.autocommit is False
    finally:
        await store.close()
