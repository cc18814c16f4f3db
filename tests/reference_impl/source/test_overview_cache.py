"""The signed-overview cache (reference_impl/source/signed_cache.py): a cached envelope is
exactly what a fresh build would sign, and every write — an arrangement, its withdrawal, a
pause, its early end, new data from the claims backend, a confirmed reservation, and plain
SQL on the backend's table `zaken` as an organisation's import job would write it — made by
ANOTHER process on the same database is in the very next overview, while the clock stands
still (the cache is keyed by the citizen's trigger-kept version: test_citizen_versions.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from source_support import GEMEENTE, SANNE, RunningSource

from reference_impl.common.envelope import canonical, verify_envelope
from reference_impl.demo.data import DEMO_DATA, load_demo
from reference_impl.source.backend import Case
from reference_impl.source.clock import local_date
from reference_impl.source.signed_cache import CACHE_MAX_AGE_S, valid_until

pytestmark = pytest.mark.anyio
WRITER = Path(__file__).with_name("cache_writer.py")


async def overview(source: RunningSource) -> dict[str, Any]:
    token = await source.session(SANNE)
    response = await source.client.get("/vorderingenoverzicht", token=token)
    assert response.status_code == 200, response.text
    return response.json()


async def assert_fresh(source: RunningSource, envelope: dict[str, Any]) -> None:
    """Byte-identical (the signed bytes) to a build from the database now, and verifying."""
    rebuilt = await source.source.overview.document(SANNE, source.clock())
    assert canonical(envelope["document"]) == canonical(rebuilt)
    verify_envelope(envelope, source.trust.scheme_payload(), now=int(source.clock()))


def case(envelope: dict[str, Any], zaakkenmerk: str) -> dict[str, Any]:
    return next(c for c in envelope["document"]["financiele_zaken"]
                if c["zaakkenmerk"] == zaakkenmerk)


class Writer:
    """The other process: the source's own start-up and domain code on the same database."""

    def __init__(self, source: RunningSource, tmp_path: Path) -> None:
        mapping = load_demo(today=local_date(source.clock())).organisation(GEMEENTE) \
            .config_mapping(database_url=source.config.database_url,
                            key_dir=str(tmp_path / GEMEENTE / "keys"),
                            seed_file=str(DEMO_DATA), omgeving="test")
        config_file = tmp_path / "writer.json"
        config_file.write_text(json.dumps(mapping))
        self.now = int(source.clock())
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), str(config_file)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        assert json.loads(self.process.stdout.readline()) == {"ready": True}

    def __call__(self, *words: str) -> dict[str, Any]:
        self.process.stdin.write(" ".join((words[0], SANNE, str(self.now), *words[1:])) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the writer process died"
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=30)


async def test_a_repeated_overview_is_the_cached_signature_of_a_fresh_build(
        gemeente: RunningSource):
    first = await overview(gemeente)
    second = await overview(gemeente)
    assert second["handtekening"] == first["handtekening"]  # ES256 is randomised: cached
    await assert_fresh(gemeente, second)
    assert gemeente.source.overview.cache.hits >= 1


async def test_every_write_by_another_process_is_in_the_next_overview(
        gemeente: RunningSource, tmp_path: Path):
    await writes_by_another_process_are_seen(gemeente, tmp_path)


@pytest.mark.postgres
async def test_every_write_by_another_process_is_seen_on_postgresql(
        make_source: Any, postgres: Any, tmp_path: Path):
    source = await make_source(GEMEENTE, database_url=postgres.create_database())
    assert source.source.database.dialect == "postgresql"
    await writes_by_another_process_are_seen(source, tmp_path)


async def writes_by_another_process_are_seen(gemeente: RunningSource, tmp_path: Path) -> None:
    envelope = await overview(gemeente)
    open_cases = [c["zaakkenmerk"] for c in envelope["document"]["financiele_zaken"]
                  if c["saldo"] > 0 and {"betalingsregeling", "pauze"} <= set(c["acties"])]
    assert open_cases, "the demo citizen needs a case open to arrangements and pauses"
    zaak = open_cases[0]
    writer = Writer(gemeente, tmp_path)
    try:
        seen = {envelope["handtekening"]}

        async def after_write() -> dict[str, Any]:
            fetched = await overview(gemeente)  # the clock has not moved
            assert fetched["handtekening"] not in seen
            seen.add(fetched["handtekening"])
            await assert_fresh(gemeente, fetched)
            return fetched

        arrangement = writer("accept", zaak)
        assert case(await after_write(), zaak)["betalingsregeling"]["id"] == arrangement["id"]
        writer("withdraw", arrangement["id"])
        assert "betalingsregeling" not in case(await after_write(), zaak)
        einddatum = (local_date(gemeente.clock()) + timedelta(days=30)).isoformat()
        pause = writer("pause", zaak, einddatum)
        assert case(await after_write(), zaak)["pauze"]["id"] == pause["id"]
        writer("end-pause", pause["id"])
        assert case(await after_write(), zaak).get("pauze", {}).get("einddatum") != einddatum
        writer("backend")
        assert case(await after_write(), zaak)["omschrijving"].endswith("(bijgewerkt)")
        confirmed = writer("reserve", zaak)
        assert case(await after_write(), zaak)["betalingsregeling"]["id"] == confirmed["id"]
        last = envelope["document"]["financiele_zaken"][-1]["zaakkenmerk"]
        writer("import-first", last)  # plain SQL on `zaken`, as an import job would
        assert (await after_write())["document"]["financiele_zaken"][0]["zaakkenmerk"] == last
        writer("import-delete", last)
        assert last not in {c["zaakkenmerk"]
                            for c in (await after_write())["document"]["financiele_zaken"]}
    finally:
        writer.close()


async def test_a_cached_overview_is_not_served_after_its_age_limit(gemeente: RunningSource):
    first = await overview(gemeente)
    gemeente.clock.advance(CACHE_MAX_AGE_S + 1)
    later = await overview(gemeente)
    assert later["document"]["opgesteld_op"] != first["document"]["opgesteld_op"]
    await assert_fresh(gemeente, later)


def test_a_cached_overview_ends_when_a_planned_surcharge_falls_due() -> None:
    now = 1_767_225_600 + 10 * 3600  # 11:00 in Amsterdam: midnight is 13 hours away
    planned = {"gebeurtenis_id": "Z:9", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
               "datumtijd": "2026-01-01T11:01:40+01:00", "bedrag": 500,
               "categorie": "verhoging", "omschrijving": "Verhoging"}
    base = Case(zaakkenmerk="Z", omschrijving="z", vorderingtype="t", looptijd="eenmalig",
                grondslag={}, contact={}, gebeurtenissen=())
    assert valid_until([base], now) == now + 13 * 3600  # the next local midnight
    assert valid_until([Case(**{**base.__dict__, "gepland": (planned,)})], now) == now + 100
