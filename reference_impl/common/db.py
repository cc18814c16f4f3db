"""The database: one async SQLAlchemy engine from a URL, migrated by Alembic at start-up.

URLs: `sqlite+aiosqlite:///path/to.db` (the embedded default), `sqlite+aiosqlite:///:memory:`
(quick tests: ONE shared connection, so concurrent transactions are not isolated — use a
file for anything concurrent), `postgresql://user@host/db` (mapped to the psycopg 3 async
driver). The same migration scripts and the same queries serve both databases:
each actor keeps its scripts in its own `migrations/` folder whose `env.py` is just
`run_migrations_online()` from here.

`DatabaseActor` is the base of an actor's running parts (`Source`, `AppManager`): its
database opened once, on the ASGI lifespan or the first request, whichever comes first.

Start-up runs `await migrate(engine, folder)`: Alembic upgrades to `head` on a connection
taken from the async engine. On PostgreSQL a transaction-scoped advisory lock makes
several processes starting together migrate one after another; within one process a lock
per event loop does the same for several databases (Alembic's state is module-global).
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from reference_impl.common.errors import ConfigError

DEFAULT_URL = "sqlite+aiosqlite:///var/vorderingen.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_POOL_SIZE = 10
MIGRATION_LOCK_ID = 0x766F7264  # "vord": any constant shared by all processes


def async_url(url: str) -> str:
    """The SQLAlchemy async URL for `url` (`postgresql://` → `postgresql+psycopg://`)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    if url.startswith(("sqlite+aiosqlite:///", "postgresql+psycopg://")):
        return url
    raise ConfigError("database url", url, "use sqlite+aiosqlite:///PATH or postgresql://...")


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`, with SQLite made safe for concurrent writers."""
    url = async_url(url)
    if url.startswith("sqlite"):
        memory = url.endswith(":memory:") or "mode=memory" in url
        if not memory:
            Path(url.split(":///", 1)[1].split("?", 1)[0]).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"poolclass": StaticPool} if memory else {}
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                                     **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=POSTGRES_POOL_SIZE, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


_MIGRATION_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary())


def _migration_lock() -> asyncio.Lock:
    """One lock per event loop: Alembic keeps module-global state while it runs, so two
    migrations in one process (a demo serving several actors) must not interleave."""
    loop = asyncio.get_running_loop()
    if loop not in _MIGRATION_LOCKS:
        _MIGRATION_LOCKS[loop] = asyncio.Lock()
    return _MIGRATION_LOCKS[loop]


async def migrate(engine: AsyncEngine, script_location: Path) -> None:
    """Upgrade the database behind `engine` to the newest revision in `script_location`."""
    async with _migration_lock(), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:id)"),
                                     {"id": MIGRATION_LOCK_ID})
        await connection.run_sync(_upgrade, script_location)


def _upgrade(connection: Connection, script_location: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location).replace("%", "%%"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def run_migrations_online() -> None:
    """The body of every `migrations/env.py`: migrate on the connection `migrate` passes."""
    from alembic import context  # only importable while Alembic runs a script

    connection = context.config.attributes["connection"]
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


@dataclass
class Database:
    """An engine and its session factory; `await Database.open(url, migrations)`."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    async def open(cls, url: str, script_location: Path) -> Database:
        engine = create_engine(url)
        await migrate(engine, script_location)
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def close(self) -> None:
        await self.engine.dispose()


class DatabaseActor:
    """The running parts of an actor around its database, started once and lazily.

    `start()` runs in the ASGI lifespan and on the first request, whichever comes first
    (an in-process test client runs no lifespan): it opens and migrates the database, then
    awaits the subclass's `_set_up()`; callers arriving meanwhile wait for that one start.
    `close()` awaits the subclass's `_tear_down()`, then disposes the database; a later
    `start()` starts again.
    """

    database: Database

    def __init__(self, database_url: str, migrations: Path) -> None:
        self._database_url = database_url
        self._migrations = migrations
        self._started = False
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        if self._started:
            return
        async with self._lock:
            if self._started:
                return
            self.database = await Database.open(self._database_url, self._migrations)
            await self._set_up()
            self._started = True

    async def _set_up(self) -> None:
        """Build what the actor keeps on top of the open `self.database`."""

    async def _tear_down(self) -> None:
        """Release what `_set_up()` acquired, before the database closes."""

    async def close(self) -> None:
        if self._started:
            await self._tear_down()
            await self.database.close()
            self._started = False
