"""Group commit for SQLite: the short writes of concurrent requests share one transaction.

On SQLite every commit waits for an fsync (`synchronous=FULL`, db.py: an acknowledged
write survives a power loss), and writers take the database's one write lock in turn — the
next one polls for it in SQLite's busy handler, sleeping 1, 2, 5 … 100 ms between tries,
which is what gave overviews and sessions a p99 near a second under 8 concurrent
clients. Every authenticated request writes (its request proof's `jti`), so SQLite needs
what PostgreSQL does by itself: `GroupCommit.run(job)` queues a job — a plain function of a
synchronous SQLAlchemy `Connection` — and one worker thread runs the jobs that queued
meanwhile in one transaction with one commit, then answers each caller. Nothing is
answered before the commit that holds it is durable, so a request answered is as durable
as before; one thread hop per batch replaces several per statement (aiosqlite's).

A job that raises spoils the batch's transaction: it is rolled back and each job then runs
alone, so every caller gets its own outcome and no job sees another's failed writes. Jobs
must therefore be idempotent up to their own transaction (all are single-purpose writes:
insert a nonce, consume it, insert a session, record a `jti`).

Only for a SQLite file: an in-memory database is one shared connection (db.py), and
PostgreSQL's commits of concurrent connections share their WAL flushes already.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

T = TypeVar("T")
Job = Callable[[Connection], Any]
# A batch is bounded so one commit never carries an unbounded queue's worth of writes.
MAX_BATCH = 64


class GroupCommit:
    """Jobs of concurrent callers run together on one SQLite connection in one thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="group-commit")
        self._queue: list[tuple[Job, asyncio.Future[Any]]] = []
        self._draining = False
        self._drainer: asyncio.Task[None] | None = None
        self.batches = self.jobs = 0  # for benchmarks and tests

    async def run(self, job: Callable[[Connection], T]) -> T:
        """`job(connection)` inside a transaction, committed before this returns."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append((job, future))
        if not self._draining:
            self._draining = True
            # kept: the event loop holds only a weak reference to a running task
            self._drainer = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                try:
                    outcomes = await loop.run_in_executor(
                        self._executor, self._run_batch, [job for job, _ in batch])
                except BaseException as exc:  # cancelled (shutdown), or the worker failed
                    for _, future in batch + self._queue:
                        if not future.done():
                            future.set_exception(exc)
                    self._queue = []
                    raise
                for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():  # the caller went away; its write stands
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._draining = False

    def _run_batch(self, jobs: list[Job]) -> list[tuple[bool, Any]]:
        self.batches += 1
        self.jobs += len(jobs)
        with self.engine.connect() as connection:
            try:
                with connection.begin():
                    return [(True, job(connection)) for job in jobs]
            except Exception as exc:
                if len(jobs) == 1:
                    return [(False, exc)]
            outcomes: list[tuple[bool, Any]] = []
            for job in jobs:  # one spoilt the batch: each alone, each its own outcome
                try:
                    with connection.begin():
                        outcomes.append((True, job(connection)))
                except Exception as exc:
                    outcomes.append((False, exc))
            return outcomes

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()


def sqlite_group_commit(url: sa.URL, on_connect: Callable[[Any, Any], None],
                        busy_timeout_s: float) -> GroupCommit:
    """A `GroupCommit` on its own synchronous engine (the standard library's sqlite3) for
    the SQLite file at `url`; `on_connect` sets the same pragmas as the async engine's."""
    engine = sa.create_engine(url.set(drivername="sqlite+pysqlite"), hide_parameters=True,
                              connect_args={"timeout": busy_timeout_s,
                                            "check_same_thread": False},
                              pool_size=1, max_overflow=0)
    sa.event.listen(engine, "connect", on_connect)
    return GroupCommit(engine)
