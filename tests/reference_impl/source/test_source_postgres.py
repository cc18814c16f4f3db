"""The same flows as on SQLite — sessions, request proofs (the shared replay cache of two
app instances included), overview, arrangements (the concurrency tests included), pauses,
help requests, and the races of reservations and amendments — on a real PostgreSQL 15
server this module starts itself, with the same results: the module re-runs those test
functions with the `database_url` fixture pointing at PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import test_source_amendment
import test_source_arrangements
import test_source_help_requests
import test_source_overview
import test_source_pause_limits
import test_source_pauses
import test_source_request_proofs
import test_source_reservations
import test_source_sessions
from postgres_server import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.anyio]

for _module in (test_source_sessions, test_source_request_proofs, test_source_overview,
                test_source_arrangements, test_source_pauses, test_source_help_requests):
    for _name in dir(_module):
        if _name.startswith("test_") or _name == "federation":
            globals()[_name] = getattr(_module, _name)
# 2.2: the races of two-phase agreement and amendment, decided by PostgreSQL's constraints.
test_concurrent_confirmations_and_reservations_do_not_double_book = (
    test_source_reservations.test_concurrent_confirmations_and_reservations_do_not_double_book)
test_two_amendments_racing_replace_the_old_one_once = (
    test_source_amendment.test_two_amendments_racing_replace_the_old_one_once)
test_confirming_a_reserved_amendment_ends_the_old_one = (
    test_source_amendment.test_confirming_a_reserved_amendment_ends_the_old_one)
test_concurrent_requests_cannot_pass_the_maximum_together = (
    test_source_pause_limits.test_concurrent_requests_cannot_pass_the_maximum_together)


@pytest.fixture
def database_url(postgres: PostgresServer) -> Callable[[str], str]:
    return lambda _name: postgres.create_database()


def test_the_flows_run_on_postgresql(postgres: PostgresServer) -> None:
    """Guard: this module really talks to PostgreSQL (not a silent SQLite fallback)."""
    import psycopg

    with psycopg.connect(host=str(postgres.directory), port=postgres.port, user="postgres",
                         dbname="postgres") as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
    assert version.startswith("15.")


async def test_the_sources_use_postgresql(make_source) -> None:
    running = await make_source("voorbeeldstad")
    assert running.source.database.dialect == "postgresql"
