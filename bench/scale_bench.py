"""Benchmark of the reference source on PostgreSQL: data size and server processes.

    .venv/bin/python bench/scale_bench.py                          # both tables, 3 s each
    .venv/bin/python bench/scale_bench.py --citizens 10000,100000,1000000 --workers 1,2,4

Against a throw-away PostgreSQL 15 (started here) and the reference source under uvicorn,
measured from a client in this process over loopback, as in source_bench.py (request
proofs signed beforehand):

- **data size**: the overview of the benchmark citizen (20 cases × 10 events) while the
  database holds `--citizens` citizens (each a case and an expired session, generated in
  the database with `generate_series`), growing from the smallest size; p50 and p99 per
  size (the lowest of `--repeat` runs: a shared machine only adds latency) and p99
  relative to the smallest. The target: within 1.5 ×.
- **processes**: overview and session throughput with 1, 2 and 4 uvicorn worker processes
  (`--workers`), one database; 16 concurrent client connections.

On a 2-core machine the client shares the cores with the workers, so throughput stops
growing at two; the figures say what one core buys.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import source_bench as sb  # noqa: E402

DEFAULT_CITIZENS = (10_000, 100_000, 1_000_000)
DEFAULT_WORKERS = (1, 2, 4)
CONCURRENCY = 16
FILL_BATCH = 100_000
CONFIG_ENV = "VORDERINGEN_BENCH_CONFIG"
# One small case per generated citizen (a single imposed amount), as the backend stores it.
FILLER_CASE = json.dumps({
    "zaakkenmerk": "F-1", "omschrijving": "Vulzaak", "vorderingtype": "bench_vul",
    "looptijd": "eenmalig", "grondslag": {"omschrijving": "Vulling"},
    "contact": {"telefoon": "14 0999"}, "acties": ["betalen"], "status": "open",
    "gebeurtenissen": [{"gebeurtenis_id": "F-1:1",
                        "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
                        "datumtijd": "2025-06-01T09:00:00+02:00", "bedrag": 1000,
                        "categorie": "hoofdsom", "omschrijving": "Vulling"}],
})


def app_from_env() -> Any:
    """The source app of the configuration named by $VORDERINGEN_BENCH_CONFIG (workers)."""
    from reference_impl.source.app import create_app
    from reference_impl.source.config import config_from_mapping

    return create_app(config_from_mapping(json.loads(Path(os.environ[CONFIG_ENV]).read_text())))


def serve(config_file: str, port: int, workers: int) -> None:
    import uvicorn

    os.environ[CONFIG_ENV] = config_file
    uvicorn.run("scale_bench:app_from_env", factory=True, app_dir=str(BENCH), workers=workers,
                host="127.0.0.1", port=port, access_log=False, log_level="warning")


def start(config_file: Path, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = sb.free_port()
    return sb.start_server(["serve", str(config_file), "--workers", str(workers)], port,
                           script=__file__), port


def fill(server: Any, database_url: str, upto: int, have: int) -> None:
    """Generated citizens `have` … `upto` (BSNs from 100000000 up: no bench citizen's)."""
    import psycopg

    name = database_url.split("?")[0].rsplit("/", 1)[-1]
    with psycopg.connect(host=str(server.directory), port=server.port, user="postgres",
                         dbname=name, autocommit=True) as connection:
        for start_at in range(have, upto, FILL_BATCH):
            end = min(start_at + FILL_BATCH, upto) - 1
            connection.execute(
                "INSERT INTO zaken (bsn, zaakkenmerk, volgorde, data) "
                "SELECT (100000000 + i)::text, 'F-1', 0, %s::json "
                "FROM generate_series(%s::int, %s::int) AS i", (FILLER_CASE, start_at, end))
            connection.execute(
                "INSERT INTO sessions (token_hash, bsn, niveau, certificaat_jti, created_at, "
                "expires_at, ended_at) SELECT md5(i::text) || md5((i + 1)::text), "
                "(100000000 + i)::text, 'hoog', md5(i::text)::uuid::text, 0, 1, NULL "
                "FROM generate_series(%s::int, %s::int) AS i", (start_at, end))
        # The database's own after-work (statistics, dirty pages) before measuring, not during.
        connection.execute("VACUUM ANALYZE")
        connection.execute("CHECKPOINT")


async def overview_load(setup: sb.Setup, port: int, duration: float) -> sb.Result:
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=sb.REQUEST_TIMEOUT_S) as client:
        citizen = sb.Citizen(setup, sb.BSN)
        token = await citizen.session(client)
        path = f"{sb.BASE}/vorderingenoverzicht"
        proofs = [citizen.headers("GET", path, token) for _ in range(sb.PROOF_POOL)]

        async def overview() -> None:
            sb.expect(await client.get(path, headers=proofs.pop()), 200)

        return await sb.measure("overview", "postgresql", overview, duration, CONCURRENCY,
                                budget=len(proofs))


async def session_load(setup: sb.Setup, port: int, duration: float) -> sb.Result:
    limits = httpx.Limits(max_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=sb.REQUEST_TIMEOUT_S) as client:
        citizen = sb.Citizen(setup, sb.BSN)
        return await sb.measure("session", "postgresql", lambda: citizen.session(client),
                                duration, CONCURRENCY)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "serve"])
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--citizens", default=",".join(map(str, DEFAULT_CITIZENS)),
                        help="database sizes, ascending ('' to skip)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="measurements per size; the lowest p99 is shown")
    parser.add_argument("--workers", default=",".join(map(str, DEFAULT_WORKERS)),
                        help="server process counts ('' to skip)")
    args = parser.parse_args(argv)
    if args.mode == "serve":
        serve(args.file, args.port, int(args.workers.split(",")[0] or 1))
        return
    sizes = [int(s) for s in args.citizens.split(",") if s]
    worker_counts = [int(w) for w in args.workers.split(",") if w]
    sys.path.insert(0, str(sb.ROOT / "tests" / "reference_impl"))
    from postgres_server import PostgresServer

    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="vorderingen-scale-") as tmp:
            work = Path(tmp)
            database_url = server.create_database()
            setup = asyncio.run(sb.prepare(work, database_url))
            config_file = work / "bron.json"
            config_file.write_text(json.dumps(setup.mapping))
            if worker_counts:
                print(f"\n{'workers':>7} {'overview/s':>11} {'p99 ms':>8} {'sessions/s':>11} "
                      f"{'p99 ms':>8}", flush=True)
                for workers in worker_counts:
                    process, port = start(config_file, workers)
                    try:
                        ov = asyncio.run(overview_load(setup, port, args.duration))
                        se = asyncio.run(session_load(setup, port, args.duration))
                    finally:
                        process.terminate()
                        process.wait(timeout=20)
                    print(f"{workers:>7} {ov.rps:>11.1f} {ov.percentile(99):>8.1f} "
                          f"{se.rps:>11.1f} {se.percentile(99):>8.1f}", flush=True)
            if sizes:
                print(f"\n{'citizens':>9} {'fill s':>7} {'p50 ms':>8} {'p99 ms':>8} "
                      f"{'req/s':>8} {'p99 vs first':>13}", flush=True)
                have, first = 0, None
                for size in sizes:
                    started = time.perf_counter()
                    fill(server, database_url, size, have)
                    filled_s, have = time.perf_counter() - started, size
                    process, port = start(config_file, 1)
                    try:
                        # The least disturbed of the repeats: other load only adds latency.
                        result = min((asyncio.run(overview_load(setup, port, args.duration))
                                      for _ in range(args.repeat)),
                                     key=lambda r: r.percentile(99))
                    finally:
                        process.terminate()
                        process.wait(timeout=20)
                    first = first or result.percentile(99)
                    print(f"{size:>9} {filled_s:>7.1f} {result.percentile(50):>8.2f} "
                          f"{result.percentile(99):>8.2f} {result.rps:>8.1f} "
                          f"{result.percentile(99) / first:>13.2f}", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
