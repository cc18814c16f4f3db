"""A source process remembers the sessions it knows (sessions.py) and confirms that one has
not ended in the statement that records the request proof (request_proofs.py). These tests
play two processes of one organisation on one database: a session ended by the other is
refused at once, with the session's 401 before any proof's, and a remembered session costs
no lookup of its own — on SQLite and on PostgreSQL (the statement that records the proof
and confirms the session differs in nothing but its driver)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from source_support import SANNE, RunningSource, problem, start_source

pytestmark = pytest.mark.anyio
OVERVIEW = "/vorderingenoverzicht"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    if request.param == "sqlite":
        return lambda name: f"sqlite+aiosqlite:///{tmp_path / name}.db"
    server = request.getfixturevalue("postgres")
    return lambda _name: server.create_database()


@pytest.fixture
async def other(tmp_path: Path, gemeente: RunningSource) -> RunningSource:
    """A second process of the same organisation: same database, key, scheme and clock."""
    running = await start_source(tmp_path / "tweede", database_url=gemeente.config.database_url,
                                 clock=gemeente.clock, trust=gemeente.trust,
                                 key_file=str(gemeente.config.signing_key_path))
    yield running
    await running.close()


async def test_a_session_ended_by_another_process_is_refused_at_once(
        gemeente: RunningSource, other: RunningSource):
    token = await gemeente.session(SANNE)
    assert (await gemeente.client.get(OVERVIEW, token=token)).status_code == 200
    assert (await other.client.get(OVERVIEW, token=token)).status_code == 200
    # Both processes now remember the session; the second one ends it.
    assert (await other.client.delete("/sessies/huidige", token=token)).status_code == 204
    refused = await gemeente.client.get(OVERVIEW, token=token)
    assert problem(refused) == (401, "sessie/token-ongeldig")


@pytest.mark.parametrize("proof", ["missing", "replayed"])
async def test_an_ended_session_is_reported_before_its_proof(
        gemeente: RunningSource, other: RunningSource, proof: str):
    token = await gemeente.session(SANNE)
    assert (await gemeente.client.get(OVERVIEW, token=token)).status_code == 200
    used = gemeente.client.last_headers
    assert (await other.client.delete("/sessies/huidige", token=token)).status_code == 204
    if proof == "missing":
        refused = await gemeente.client.get(OVERVIEW, token=token, proof=False,
                                            valid_request=False)
    else:
        refused = await gemeente.client.get(OVERVIEW, headers=used)
    assert problem(refused) == (401, "sessie/token-ongeldig")


async def test_an_open_remembered_session_still_has_its_proof_checked(
        gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    assert (await gemeente.client.get(OVERVIEW, token=token)).status_code == 200
    used = gemeente.client.last_headers
    missing = await gemeente.client.get(OVERVIEW, token=token, proof=False, valid_request=False)
    assert problem(missing) == (401, "verzoekbewijs/ontbreekt")
    replayed = await gemeente.client.get(OVERVIEW, headers=used)
    assert problem(replayed) == (401, "verzoekbewijs/hergebruikt")


async def test_a_remembered_session_needs_no_lookup(gemeente: RunningSource):
    """The process that opened the session serves its requests from memory: the one
    statement per request (recording the proof) also confirms the session is open."""
    token = await gemeente.session(SANNE)
    store = gemeente.source.sessions
    looked_up: list[str] = []
    find = store.find

    async def counting_find(*args, **kwargs):
        looked_up.append("find")
        return await find(*args, **kwargs)

    store.find = counting_find  # type: ignore[method-assign]
    for _ in range(3):
        assert (await gemeente.client.get(OVERVIEW, token=token)).status_code == 200
    assert looked_up == []
