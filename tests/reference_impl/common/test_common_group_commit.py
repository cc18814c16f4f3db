"""Group commit on SQLite (reference_impl/common/group_commit.py): the writes of concurrent
callers share one transaction, every caller gets its own outcome only once that transaction
is committed (with the same full-sync WAL as every other connection), and a job that fails
fails alone — its writes gone, the others' kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_sessionmaker

from reference_impl.common import db
from reference_impl.common.db import Database, create_engine
from reference_impl.common.group_commit import GroupCommit, sqlite_group_commit

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    group = sqlite_group_commit(engine.url, db._sqlite_pragmas, 10)
    database = Database(engine, async_sessionmaker(engine), group)
    async with engine.begin() as connection:
        await connection.execute(sa.text("CREATE TABLE t (a INTEGER PRIMARY KEY)"))
    yield database
    await database.close()


def insert(value: int):
    def job(connection: Connection) -> int:
        connection.execute(sa.text("INSERT INTO t VALUES (:a)"), {"a": value})
        return value * 2
    return job


async def rows(database: Database) -> list[int]:
    async with database.engine.connect() as connection:  # another connection: committed rows
        return list((await connection.execute(sa.text("SELECT a FROM t ORDER BY a"))).scalars())


async def test_concurrent_writes_share_one_commit(store: Database):
    group = store.group_commit
    assert isinstance(group, GroupCommit)
    results = await asyncio.gather(*(store.write(insert(n)) for n in range(20)))
    assert results == [n * 2 for n in range(20)]
    assert (group.batches, group.jobs) == (1, 20)  # all queued before the worker ran
    assert await rows(store) == list(range(20))


async def test_a_caller_is_answered_after_its_commit(store: Database):
    await store.write(insert(7))
    assert await rows(store) == [7]  # seen by another connection as soon as it returns


async def test_a_failing_job_fails_alone(store: Database):
    await store.write(insert(3))
    outcomes = await asyncio.gather(*(store.write(insert(n)) for n in (1, 2, 3, 4, 5)),
                                    return_exceptions=True)
    assert isinstance(outcomes[2], sa.exc.IntegrityError)
    assert [o for i, o in enumerate(outcomes) if i != 2] == [2, 4, 8, 10]
    assert await rows(store) == [1, 2, 3, 4, 5]


async def test_its_connection_syncs_as_fully_as_every_other(store: Database):
    def pragmas(connection: Connection) -> tuple[str, int]:
        return (connection.execute(sa.text("PRAGMA journal_mode")).scalar(),
                connection.execute(sa.text("PRAGMA synchronous")).scalar())

    assert await store.write(pragmas) == ("wal", 2)  # WAL, FULL


async def test_without_group_commit_a_write_has_a_connection_of_its_own():
    engine = create_engine("sqlite+aiosqlite:///:memory:")  # one shared connection: no group
    database = Database(engine, async_sessionmaker(engine))
    try:
        await database.write(lambda c: c.execute(sa.text("CREATE TABLE t (a INTEGER)")))
        assert await database.write(insert(1)) == 2
        assert await rows(database) == [1]
    finally:
        await database.close()


async def test_only_a_sqlite_file_gets_group_commit(tmp_path: Path):
    from reference_impl.source.app import MIGRATIONS

    for url, grouped in ((f"sqlite+aiosqlite:///{tmp_path / 'file.db'}", True),
                         ("sqlite+aiosqlite:///:memory:", False)):
        opened = await Database.open(url, MIGRATIONS)
        try:
            assert (opened.group_commit is not None) is grouped, url
        finally:
            await opened.close()


async def test_first_runs_through_the_group_commit(store: Database):
    assert await store.first(sa.text("INSERT INTO t VALUES (:a)"), {"a": 1}) is None
    row = await store.first(sa.text("INSERT INTO t VALUES (:a) RETURNING a * 2"), {"a": 2})
    assert tuple(row) == (4,)
    assert store.group_commit is not None and store.group_commit.jobs == 2
    assert await rows(store) == [1, 2]
