"""The database: one async SQLAlchemy engine from a URL, migrated by Alembic at start-up.

URLs: `sqlite+aiosqlite:///path/to.db` (the embedded default), `sqlite+aiosqlite:///:memory:`
(quick tests: ONE shared connection, so concurrent transactions are not isolated — use a
file for anything concurrent), `postgresql://user@host/db` (mapped to the psycopg 3 async
driver). The same migration scripts and the same queries serve both databases:
each actor keeps its scripts in its own `migrations/` folder whose `env.py` is just
`run_migrations_online()` from here.

SQLite runs in WAL mode with `synchronous=FULL`: an acknowledged commit (an accepted
arrangement, a pause) survives a power loss, not only a crash of the process — `NORMAL`
would be faster under write load but may forget the last acknowledged commits, and an
arrangement a citizen was told exists must exist. On SQLite a rollback or commit of a
connection that holds no transaction (every read-only block ends with one) is skipped: the
driver would do nothing but hop to its thread and back for it.

Round trips (issue 16: on a loaded machine each one waits for the database process to be
scheduled, milliseconds, not microseconds): a pooled PostgreSQL connection is pinged
before use only when it lay idle `PING_AFTER_IDLE_S` or longer — as HikariCP does — not
on every checkout; a connection that fails the ping is replaced. `Database.autocommit()`
gives a connection whose statements commit on their own, for blocks that need no
atomicity across statements (one statement, or reads): on PostgreSQL that spares the
`BEGIN` and the `COMMIT`/`ROLLBACK` round trips.

`Database.write(job)` runs a short write that stands alone (a request proof's `jti`, a
nonce, a session): on a SQLite file through group commit (group_commit.py: the writes of
concurrent requests in one transaction and one fsync, each answered after it), elsewhere
on an autocommit connection.

`DatabaseActor` is the base of an actor's running parts (`Source`, `AppManager`): its
database opened once, on the ASGI lifespan or the first request, whichever comes first.

Start-up runs `await migrate(engine, folder)`: Alembic upgrades to `head` on a connection
taken from the async engine. On PostgreSQL a transaction-scoped advisory lock makes
several processes starting together migrate one after another; within one process a lock
per event loop does the same for several databases (Alembic's state is module-global).
A database that cannot be reached or migrated raises `DatabaseUnavailable`: one line with
the URL (password hidden) and the driver's first line, no traceback at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.elements import TextClause

from reference_impl.common import log_privacy
from reference_impl.common.errors import ConfigError, VorderingenError
from reference_impl.common.group_commit import GroupCommit, sqlite_group_commit

DEFAULT_URL = "sqlite+aiosqlite:///var/vorderingen.db"
SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_POOL_SIZE = 10
# A pooled PostgreSQL connection used within this many seconds is not pinged before use
# (HikariCP skips its check within 0.5 s); one idle longer — after a quiet spell, when a
# restarted server or a network device may have dropped it — is.
PING_AFTER_IDLE_S = 1.0
MIGRATION_LOCK_ID = 0x766F7264  # "vord": any constant shared by all processes
CONNECT_TIMEOUT_S = 10  # an unreachable PostgreSQL fails the start instead of hanging
T = TypeVar("T")


class DatabaseUnavailable(VorderingenError):
    """The database cannot be reached or migrated; the message hides any password."""


def safe_url(url: str) -> str:
    """`url` without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ValueError, TypeError):
        return "<database-url>"


def first_line(exc: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy wraps it in `orig`)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def async_url(url: str) -> str:
    """The SQLAlchemy async URL for `url` (`postgresql://` → `postgresql+psycopg://`)."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    if url.startswith(("sqlite+aiosqlite:///", "postgresql+psycopg://")):
        return url
    raise ConfigError("database_url", url, "gebruik sqlite+aiosqlite:///PAD of postgresql://...")


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`, with SQLite made safe for concurrent writers."""
    log_privacy.install()  # before the first connection: drivers log parameters
    url = async_url(url)
    if url.startswith("sqlite"):
        memory = url.endswith(":memory:") or "mode=memory" in url
        if not memory:
            Path(url.split(":///", 1)[1].split("?", 1)[0]).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"poolclass": StaticPool} if memory else {}
        engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                                     hide_parameters=True, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _skip_idle_ends(engine)
        return engine
    # hide_parameters: an exception text (e.g. an IntegrityError) never quotes a BSN.
    engine = create_async_engine(url, pool_size=POSTGRES_POOL_SIZE, hide_parameters=True,
                                 connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection at checkout when it was idle `PING_AFTER_IDLE_S` or more;
    a failed ping makes the pool replace it (SQLAlchemy's `DisconnectionError` protocol)."""
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return  # new, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping began a transaction; leave none behind
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(first_line(exc)) from exc

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # see the module docstring
    cursor.close()


def _skip_idle_ends(engine: AsyncEngine) -> None:
    """Make the engine's rollback and commit no-ops on an aiosqlite connection outside a
    transaction (sqlite3 does nothing there either, after a round trip to the driver's
    thread)."""
    dialect = engine.sync_engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    def idle(dbapi_connection: Any) -> bool:
        try:
            return not dbapi_connection.driver_connection.in_transaction
        except (AttributeError, ValueError):  # not aiosqlite, or already closed
            return False

    def do_rollback(dbapi_connection: Any) -> None:
        if not idle(dbapi_connection):
            rollback(dbapi_connection)

    def do_commit(dbapi_connection: Any) -> None:
        if not idle(dbapi_connection):
            commit(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]


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
    # SQLite files: the short writes of concurrent requests in one transaction (`write`)
    group_commit: GroupCommit | None = None
    # `first` on PostgreSQL: each statement in the driver's own form, compiled once
    _driver_sql: dict[TextClause, str] = field(default_factory=dict)

    @classmethod
    async def open(cls, url: str, script_location: Path) -> Database:
        """Connect and migrate; `DatabaseUnavailable` (one line) when either fails."""
        try:
            engine = create_engine(url)
        except OSError as exc:  # the directory of a SQLite file cannot be made
            raise DatabaseUnavailable(f"database {safe_url(url)} onbereikbaar: {exc} — "
                                      "controleer de database-URL") from exc
        try:
            await migrate(engine, script_location)
        except CommandError as exc:  # e.g. a database at a revision this release lacks
            await engine.dispose()
            raise DatabaseUnavailable(f"databasemigratie op {safe_url(url)} mislukt: "
                                      f"{first_line(exc)}") from exc
        except (OSError, SQLAlchemyError) as exc:
            await engine.dispose()
            raise DatabaseUnavailable(f"database {safe_url(url)} onbereikbaar: "
                                      f"{first_line(exc)} — controleer de database-URL") from exc
        url_object = engine.url
        group = None
        if url_object.get_backend_name() == "sqlite" and url_object.database not in (
                None, "", ":memory:") and "mode=memory" not in str(url_object):
            group = sqlite_group_commit(url_object, _sqlite_pragmas,
                                        SQLITE_BUSY_TIMEOUT_MS / 1000)
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False), group)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection whose every statement commits on its own: for a block of one
        statement, or of reads (each sees its own snapshot, as under PostgreSQL's READ
        COMMITTED anyway), never for writes that must stand or fall together. On
        PostgreSQL no `BEGIN`/`COMMIT` round trips; on SQLite one transaction, which
        costs nothing more there."""
        if self.dialect == "postgresql":
            async with self.engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
        else:
            async with self.engine.begin() as connection:
                yield connection

    async def write(self, job: Callable[[Connection], T]) -> T:
        """`job(connection)` for a short write that stands alone (one statement, or a
        statement and the read that explains its outcome), committed before this returns:
        on a SQLite file together with the concurrent requests' writes (group_commit.py),
        elsewhere on a connection of its own (`autocommit`)."""
        if self.group_commit is not None:
            return await self.group_commit.run(job)
        async with self.autocommit() as connection:
            return await connection.run_sync(job)

    async def first(self, statement: TextClause, parameters: dict[str, Any]) -> Any:
        """The first row (or None) of one plain-SQL statement that stands alone, committed
        before this returns: the hot statement of every authenticated request. On a SQLite
        file through group commit (`write`); on PostgreSQL through the driver directly on a
        pooled connection in autocommit — SQLAlchemy's execution and its greenlet crossing
        cost as much CPU as the round trip (≈ 0.25 of ≈ 0.5 ms) — with the driver's errors
        raised as SQLAlchemy's, as any other statement's."""
        if self.dialect != "postgresql":
            return await self.write(lambda connection: _first(connection, statement, parameters))
        sql = self._driver_sql.get(statement)
        if sql is None:
            sql = self._driver_sql[statement] = str(statement.compile(dialect=self.engine.dialect))
        async with self.engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            dbapi = self.engine.dialect.loaded_dbapi
            try:
                await driver.set_autocommit(True)
                try:
                    cursor = await driver.execute(sql, parameters)
                    return await cursor.fetchone() if cursor.description else None
                finally:
                    await driver.set_autocommit(False)
            except dbapi.Error as exc:
                if isinstance(exc, dbapi.OperationalError):
                    await connection.invalidate()  # the pool replaces a broken connection
                raise DBAPIError.instance(sql, None, exc, dbapi.Error,
                                          hide_parameters=True) from exc

    async def close(self) -> None:
        if self.group_commit is not None:
            await asyncio.to_thread(self.group_commit.close)
        await self.engine.dispose()


def _first(connection: Connection, statement: TextClause, parameters: dict[str, Any]) -> Any:
    result = connection.execute(statement, parameters)
    return result.first() if result.returns_rows else None


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
            try:
                await self._set_up()
            except BaseException:
                await self.database.close()  # a failed start leaves no pool behind
                raise
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
