"""The per-citizen version the signed-overview cache is keyed by (migration 0005).

Every insert, update and delete of every table an overview is read from raises the
citizen's version — in plain SQL too, so triggers and not the source's code keep it — and
those are exactly the tables an overview reads (a table read but not counted would serve a
stale document). A cached overview then costs the one statement that records the request
proof; a backend with a version of its own (`VersionedBackend`) is asked for that instead
of its cases. test_overview_cache.py shows every kind of write by another process in the
next overview.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from source_support import GEMEENTE, SANNE, RunningSource

from reference_impl.source.app import MIGRATIONS
from reference_impl.source.backend import Case, DatabaseBackend

pytestmark = pytest.mark.anyio
OTHER = "999990019"  # a citizen whose version must not move


def _migration_tables() -> tuple[str, ...]:
    path = MIGRATIONS / "versions" / "0005_citizen_versions.py"
    spec = importlib.util.spec_from_file_location("migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TABLES


COUNTED = _migration_tables()


async def version(source: RunningSource, bsn: str) -> int:
    async with source.source.database.engine.connect() as connection:
        return await connection.scalar(sa.text(
            "SELECT COALESCE(SUM(versie), 0) FROM burger_versies WHERE bsn IN (:bsn, '')"),
            {"bsn": bsn})


class Statements:
    """The SQL a source sends while in a `with` block (on SQLite its group-commit engine too)."""

    def __init__(self, source: RunningSource) -> None:
        database = source.source.database
        self.engines = [database.engine.sync_engine]
        if database.group_commit is not None:
            self.engines.append(database.group_commit.engine)
        self.sent: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.sent.append(statement)

    def __enter__(self) -> list[str]:
        for engine in self.engines:
            sa.event.listen(engine, "before_cursor_execute", self._record)
        return self.sent

    def __exit__(self, *_: Any) -> None:
        for engine in self.engines:
            sa.event.remove(engine, "before_cursor_execute", self._record)


async def overview(source: RunningSource, token: str) -> dict[str, Any]:
    response = await source.client.get("/vorderingenoverzicht", token=token)
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_overview_reads_only_tables_that_raise_the_version(gemeente: RunningSource):
    with Statements(gemeente) as sent:
        await gemeente.source.overview.inputs(SANNE, gemeente.clock())
    read = {table.lower() for statement in sent
            for table in re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)', statement, re.IGNORECASE)}
    assert read == set(COUNTED)


async def test_a_cached_overview_costs_the_one_statement_of_the_request_proof(
        gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    first = await overview(gemeente, token)
    with Statements(gemeente) as sent:
        second = await overview(gemeente, token)
    assert second == first
    assert len(sent) == 1 and "INSERT INTO verzoekbewijzen" in sent[0]


# Per table: an insert, an update and a delete in plain SQL, of a row of citizen SANNE.
WRITES: dict[str, tuple[str, ...]] = {
    "zaken": (
        "INSERT INTO zaken (bsn, zaakkenmerk, volgorde, data) VALUES (:bsn, 'V-1', 99, '{}')",
        "UPDATE zaken SET volgorde = 100 WHERE bsn = :bsn AND zaakkenmerk = 'V-1'",
        "DELETE FROM zaken WHERE bsn = :bsn AND zaakkenmerk = 'V-1'",
    ),
    "betalingsregelingen": (
        "INSERT INTO betalingsregelingen (id, bsn, voorstel_id, idempotency_key, request_hash,"
        " status, body, aangegaan_at, bedenktijd_tot_at) VALUES ('v-regeling', :bsn, "
        "'v-voorstel', 'v-sleutel', 'v-hash', 'ingetrokken', '{}', 0, 0)",
        "UPDATE betalingsregelingen SET ingetrokken_at = 1 WHERE id = 'v-regeling'",
        None,  # deleted after its hold below (the hold refers to it)
    ),
    "regeling_zaken": (
        "INSERT INTO regeling_zaken (bsn, zaakkenmerk, betalingsregeling_id) "
        "VALUES (:bsn, 'V-1', 'v-regeling')",
        "UPDATE regeling_zaken SET vervalt_at = 1 WHERE bsn = :bsn AND zaakkenmerk = 'V-1'",
        "DELETE FROM regeling_zaken WHERE bsn = :bsn AND zaakkenmerk = 'V-1'",
    ),
    "pauzes": (
        "INSERT INTO pauzes (id, bsn, status, ingangsdatum, einddatum, zaakkenmerken, "
        "aangemaakt_at) VALUES ('v-pauze', :bsn, 'beeindigd', '2026-01-01', '2026-01-02', "
        "'[]', 0)",
        "UPDATE pauzes SET beeindigd_at = 1 WHERE id = 'v-pauze'",
        "DELETE FROM pauzes WHERE id = 'v-pauze'",
    ),
}
LAST = ("DELETE FROM betalingsregelingen WHERE id = 'v-regeling'",)


def test_every_counted_table_has_its_writes() -> None:
    assert tuple(WRITES) == COUNTED


async def every_write_raises_the_version(source: RunningSource) -> None:
    statements = [s for writes in WRITES.values() for s in writes if s] + list(LAST)
    for statement in statements:
        before, other = await version(source, SANNE), await version(source, OTHER)
        async with source.source.database.engine.begin() as connection:
            assert (await connection.execute(sa.text(statement), {"bsn": SANNE})).rowcount == 1
        assert await version(source, SANNE) > before, statement
        assert await version(source, OTHER) == other, statement


async def test_every_write_to_a_counted_table_raises_the_version(gemeente: RunningSource):
    await every_write_raises_the_version(gemeente)


@pytest.mark.postgres
async def test_every_write_raises_the_version_on_postgresql(make_source: Any, postgres: Any):
    source = await make_source(GEMEENTE, database_url=postgres.create_database())
    await every_write_raises_the_version(source)
    # An import job emptying the table at once fires no row triggers: TRUNCATE counts for all.
    token = await source.session(SANNE)
    before = await overview(source, token)
    old = await version(source, OTHER)
    async with source.source.database.engine.begin() as connection:
        await connection.execute(sa.text("TRUNCATE zaken"))
    assert await version(source, OTHER) > old
    assert (await overview(source, token))["document"]["financiele_zaken"] == []
    assert before["document"]["financiele_zaken"]


class CountingBackend:
    """A plug-in backend over the demo cases with a version of its own."""

    def __init__(self, cases: Sequence[Case]) -> None:
        self.cases, self.version, self.reads = list(cases), 1, 0

    async def cases_for(self, bsn: str) -> Sequence[Case]:
        self.reads += 1
        return self.cases if bsn == SANNE else []

    async def cases_version(self, bsn: str) -> int:
        return self.version


async def test_a_versioned_backend_is_asked_its_version_not_its_cases(
        gemeente: RunningSource, make_source: Any, tmp_path: Path):
    cases = await DatabaseBackend(gemeente.source.database).cases_for(SANNE)
    backend = CountingBackend(cases)
    source = await make_source(GEMEENTE, backend=backend,
                               database_url=f"sqlite+aiosqlite:///{tmp_path / 'plug-in.db'}")
    token = await source.session(SANNE)
    first = await overview(source, token)
    reads = backend.reads
    assert await overview(source, token) == first and backend.reads == reads
    backend.cases[0] = dataclasses.replace(cases[0], omschrijving="Nieuw")
    backend.version += 1
    changed = await overview(source, token)
    assert changed["document"]["financiele_zaken"][0]["omschrijving"] == "Nieuw"


async def test_a_backend_without_a_version_is_compared_in_full(
        gemeente: RunningSource, make_source: Any, tmp_path: Path):
    cases = await DatabaseBackend(gemeente.source.database).cases_for(SANNE)

    class Unversioned:
        def __init__(self) -> None:
            self.cases = list(cases)

        async def cases_for(self, bsn: str) -> Sequence[Case]:
            return self.cases if bsn == SANNE else []

    backend = Unversioned()
    source = await make_source(GEMEENTE, backend=backend,
                               database_url=f"sqlite+aiosqlite:///{tmp_path / 'plain.db'}")
    token = await source.session(SANNE)
    first = await overview(source, token)
    assert await overview(source, token) == first  # cached: nothing changed
    backend.cases[0] = dataclasses.replace(cases[0], omschrijving="Nieuw")
    changed = await overview(source, token)
    assert changed["document"]["financiele_zaken"][0]["omschrijving"] == "Nieuw"


async def test_requests_during_a_rebuild_wait_for_it(gemeente: RunningSource,
                                                     monkeypatch: pytest.MonkeyPatch):
    overview_ = gemeente.source.overview
    sign, builds = overview_._sign, []

    async def counted(*args: Any) -> dict[str, Any]:
        builds.append(args[0])
        return await sign(*args)

    monkeypatch.setattr(overview_, "_sign", counted)
    now, current = gemeente.clock(), await version(gemeente, SANNE)
    bodies = await asyncio.gather(*(overview_.envelope_body(SANNE, now, citizen_version=current)
                                    for _ in range(8)))
    assert builds == [SANNE] and len(set(bodies)) == 1
    # another version is another entry: built, not taken from the running build
    await overview_.envelope_body(SANNE, now, citizen_version=current + 1)
    assert builds == [SANNE, SANNE]
