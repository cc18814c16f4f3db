"""Benchmark of the reference source: requests/s and latency of its three hot operations.

    .venv/bin/python bench/source_bench.py                 # SQLite + PostgreSQL (if present)
    .venv/bin/python bench/source_bench.py --duration 5 --concurrency 16 --no-postgres

Measured over loopback HTTP against a real uvicorn server in a child process (the client
runs here), each for a fixed time:

- **session**: `POST /sessies/uitdagingen` + `POST /sessies` (certificate and a fresh
  proof each time) — one operation is the pair;
- **overview**: `GET /vorderingenoverzicht` of a citizen with 20 cases × 10 events (built,
  checked against the schema and invariants, JCS-canonicalised and signed — or the signed
  envelope the source cached, while nothing it was built from changed);
- **accept**: `POST /betalingsregelingen` of a fresh quote (quotes made beforehand).

Each against SQLite and PostgreSQL (a throw-away server started here, when the binaries
exist), and against a bare ASGI app returning the same pre-rendered bytes: the ceiling of
the HTTP stack on this machine. The table gives the ratio to that ceiling. Request proofs
are signed before a measurement starts (the client's signing is not the source's cost).

Besides the rates it prints the CPU time the server process spent per operation, and
PostgreSQL's (all its processes), read from /proc before and after each measurement
(Linux; "-" elsewhere). On a machine other jobs load, rates and their ratio move by tens
of percent between runs; CPU per operation hardly does, so "cpu vs ceiling" — the
ceiling's server CPU per operation over the source's (its own plus its database's) — is
the figure to compare between runs: what one core serves, relative to the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "reference_impl"))  # for postgres_server

from reference_impl.common.jose import generate_key, public_jwk, sign  # noqa: E402
from reference_impl.common.request_proof import session_headers  # noqa: E402
from reference_impl.common.scheme import TYP as SCHEME_TYP  # noqa: E402
from reference_impl.common.scheme import key_entry  # noqa: E402
from reference_impl.common.versions import WIRE_VERSION  # noqa: E402
from reference_impl.source.app import signing_key  # noqa: E402
from reference_impl.source.backend import Case  # noqa: E402
from reference_impl.source.config import config_from_mapping  # noqa: E402

BASE = "/vorderingen/v2"
# The api_url the scheme lists: proofs name it (htu, api_url) whatever port serves the bench.
API_URL = "http://127.0.0.1:1/vorderingen/v2"
OIN = "00000001001234567000"
APP_MANAGER = "bench-app-manager"
BSN = "999993653"
CASES, EVENTS = 20, 10
ACCEPT_CITIZENS = ("999990007", "999990019", "999990020", "999990032", "999990044",
                   "999990056", "999990068", "999990081", "999990093", "999990111")
SERVER_START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 30
DEFAULT_DURATION_S = 3.0
DEFAULT_CONCURRENCY = 8
PROOF_POOL = 6000  # request proofs signed before a measurement (each valid ≈ 2 min)
PROC = Path("/proc")


# --- synthetic data --------------------------------------------------------------------------


def synthetic_case(n: int) -> Case:
    """A fine with costs, reminders, payments and a correction: exactly EVENTS events."""
    k = f"BENCH-{n:04d}"
    t = "2025-06-{:02d}T09:00:00+02:00".format
    events = [
        {"gebeurtenis_id": f"{k}:1", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
         "datumtijd": t(1), "bedrag": 20_000, "categorie": "hoofdsom", "omschrijving": "Boete"},
        {"gebeurtenis_id": f"{k}:2", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
         "datumtijd": t(1), "bedrag": 900, "categorie": "administratiekosten",
         "omschrijving": "Administratiekosten"},
        {"gebeurtenis_id": f"{k}:3", "gebeurtenistype": "BetalingsverplichtingOpgelegd",
         "datumtijd": t(1), "bedrag": 20_900, "vervaldatum": "2025-07-01",
         "soort": "aanschrijving", "betalingskenmerk": f"32{n:014d}"},
        {"gebeurtenis_id": f"{k}:4", "gebeurtenistype": "BetalingVerwerkt", "datumtijd": t(10),
         "bedrag": 5_000, "betalingsverplichting": f"{k}:3"},
        {"gebeurtenis_id": f"{k}:5", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
         "datumtijd": t(11), "bedrag": -1_000, "categorie": "hoofdsom",
         "omschrijving": "Correctie", "correctie_van": f"{k}:1"},
        {"gebeurtenis_id": f"{k}:6", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
         "datumtijd": t(12), "bedrag": 4_500, "categorie": "verhoging",
         "omschrijving": "Verhoging"},
        {"gebeurtenis_id": f"{k}:7", "gebeurtenistype": "BetalingsverplichtingOpgelegd",
         "datumtijd": t(12), "bedrag": 19_400, "vervaldatum": "2025-07-15",
         "soort": "herinnering", "betalingskenmerk": f"32{n:014d}"},
        {"gebeurtenis_id": f"{k}:8", "gebeurtenistype": "BetalingVerwerkt", "datumtijd": t(20),
         "bedrag": 2_500, "betalingsverplichting": f"{k}:7"},
        {"gebeurtenis_id": f"{k}:9", "gebeurtenistype": "FinancieleVerplichtingKwijtgescholden",
         "datumtijd": t(21), "bedrag": 900, "financiele_verplichting": f"{k}:2"},
        {"gebeurtenis_id": f"{k}:10", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
         "datumtijd": t(22), "bedrag": 700, "categorie": "kosten", "omschrijving": "Kosten"},
    ]
    assert len(events) == EVENTS
    return Case(zaakkenmerk=k, omschrijving=f"Benchmarkzaak {n}", vorderingtype="bench_boete",
                looptijd="eenmalig", grondslag={"omschrijving": "Benchmark"},
                contact={"telefoon": "14 0999"}, gebeurtenissen=tuple(events),
                acties=("betalen", "betalingsregeling", "pauze"))


# --- CPU accounting ------------------------------------------------------------------------


def _stat(pid: int | str) -> list[str] | None:
    """Fields 3… of /proc/PID/stat (state, ppid, …), or None (gone, or no /proc)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # the command name may hold spaces and ')'


def _ticks(fields: list[str], *, exited_children: bool) -> int:
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks + (int(fields[13]) + int(fields[14]) if exited_children else 0)


def cpu_seconds(pid: int, *, children: bool = False) -> float | None:
    """User + system CPU seconds of process `pid`; with `children` also those of its
    children, living and exited (PostgreSQL's backends). None without /proc."""
    own = _stat(pid)
    if own is None:
        return None
    ticks = _ticks(own, exited_children=children)
    if children:
        for entry in PROC.iterdir():
            fields = _stat(entry.name) if entry.name.isdigit() else None
            if fields is not None and fields[1] == str(pid):
                ticks += _ticks(fields, exited_children=True)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Meters:
    """Whose CPU a measurement reads: the server process and (PostgreSQL) the database."""

    server_pid: int
    database_pid: int | None = None

    def read(self) -> tuple[float | None, float | None]:
        database = (cpu_seconds(self.database_pid, children=True)
                    if self.database_pid is not None else None)
        return cpu_seconds(self.server_pid), database


def postmaster_pid(data_directory: Path) -> int | None:
    try:
        return int((data_directory / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# --- the server under test ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Setup:
    """Keys, scheme and a seeded database for one run."""

    work: Path
    database_url: str
    scheme_key: Any
    app_manager_key: Any

    @property
    def mapping(self) -> dict[str, Any]:
        return {
            "oin": OIN, "naam": "Benchmarkgemeente", "soort": "gemeente",
            "diensten": ["vorderingenoverzicht", "betalingsregelingen"],
            "minimaal_betrouwbaarheidsniveau": {"vorderingenoverzicht": "midden"},
            "betalingsregeling": {"minimum_termijnbedrag": 100, "maximum_aantal_termijnen": 36,
                                  "bedenktijd_dagen": 14, "voorstel_geldigheid_s": 3600},
            "contact": {"telefoon": "14 0999"}, "database_url": self.database_url,
            "key_dir": str(self.work / "keys"), "scheme": str(self.work / "stelsel.jwt"),
            "scheme_key_file": str(self.work / "stelsel.jwk.json"), "omgeving": "test",
            # the client opens sessions from one address far beyond the default limit
            "rate_limit": {"aantal": 1_000_000, "periode_s": 1},
        }


async def prepare(work: Path, database_url: str) -> Setup:
    from reference_impl.common.db import Database
    from reference_impl.source.app import MIGRATIONS
    from reference_impl.source.backend import DatabaseBackend

    setup = Setup(work, database_url, generate_key(), generate_key())
    config = config_from_mapping(setup.mapping)
    source_key = signing_key(config)
    now = int(time.time())
    scheme = {
        "versie": WIRE_VERSION, "iss": "bench", "iat": now, "exp": now + 86_000,
        "volgnummer": 1, "omgeving": "test",
        "organisaties": [{"oin": OIN, "naam": "Benchmarkgemeente", "soort": "gemeente",
                          "eindpunten": [{"api_url": API_URL, "major": 2}],
                          "sleutels": [key_entry(public_jwk(source_key), now - 60)],
                          "diensten": ["vorderingenoverzicht"], "status": "actief"}],
        "app_managers": [{"id": APP_MANAGER, "naam": "Bench",
                          "sleutels": [key_entry(public_jwk(setup.app_manager_key), now - 60)],
                          "status": "actief"}],
        "ingetrokken_certificaten": [],
    }
    (work / "stelsel.jwt").write_text(sign(scheme, setup.scheme_key, typ=SCHEME_TYP))
    (work / "stelsel.jwk.json").write_text(json.dumps(public_jwk(setup.scheme_key)))
    database = await Database.open(database_url, MIGRATIONS)
    backend = DatabaseBackend(database)
    cases = [synthetic_case(n) for n in range(CASES)]
    for bsn in (BSN, *ACCEPT_CITIZENS):
        await backend.store(bsn, cases)
    await database.close()
    return setup


def start_server(args: list[str], port: int, *, script: str = __file__
                 ) -> subprocess.Popen[bytes]:
    """Run `script ARGS --port PORT` in a child process; return once it answers
    /configuratie (the benches measure a server in another process than the client)."""
    command = [sys.executable, script, *args, "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "died")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{BASE}/configuratie", timeout=1).is_success:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not start")


def serve_source(config_file: str, port: int) -> None:
    import uvicorn

    from reference_impl.source.app import create_app

    mapping = json.loads(Path(config_file).read_text())
    uvicorn.run(create_app(config_from_mapping(mapping)), host="127.0.0.1", port=port,
                access_log=False, log_level="warning")


def serve_ceiling(bodies_file: str, port: int) -> None:
    """A bare ASGI app answering each path with the same pre-rendered bytes as the source."""
    import uvicorn

    bodies = {k: (v["status"], v["body"].encode()) for k, v in
              json.loads(Path(bodies_file).read_text()).items()}

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        status, body = bodies.get(scope["path"], (200, b"{}"))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


# --- the client ------------------------------------------------------------------------------


@dataclass
class Result:
    operation: str
    target: str
    count: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_s: float | None = None
    database_cpu_s: float | None = None

    @property
    def rps(self) -> float:
        return self.count / self.seconds

    def cpu_ms(self, seconds: float | None) -> float | None:
        return None if seconds is None or not self.count else seconds / self.count * 1000

    @property
    def total_cpu_ms(self) -> float | None:
        """Server plus database CPU per operation."""
        server = self.cpu_ms(self.server_cpu_s)
        return None if server is None else server + (self.cpu_ms(self.database_cpu_s) or 0)

    def percentile(self, q: float) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100)[int(q) - 1]


async def measure(name: str, target: str, operation: Any, duration_s: float,
                  concurrency: int, budget: int | None = None, meters: Meters | None = None
                  ) -> Result:
    latencies: list[float] = []
    stop_at = time.perf_counter() + duration_s
    remaining = [budget if budget is not None else 1 << 62]

    async def worker() -> None:
        while time.perf_counter() < stop_at and remaining[0] > 0:
            remaining[0] -= 1
            started = time.perf_counter()
            await operation()
            latencies.append((time.perf_counter() - started) * 1000)

    no_meters: tuple[float | None, float | None] = (None, None)
    cpu_before = meters.read() if meters is not None else no_meters
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    cpu_after = meters.read() if meters is not None else no_meters
    cpu = [None if b is None or a is None else a - b
           for b, a in zip(cpu_before, cpu_after, strict=True)]
    return Result(name, target, len(latencies), seconds, latencies, cpu[0], cpu[1])


class Citizen:
    """The bench playing App Manager and app for one citizen."""

    def __init__(self, setup: Setup, bsn: str) -> None:
        self.key = generate_key()
        now = int(time.time())
        jwk = {k: v for k, v in public_jwk(self.key).items() if k != "kid"}
        self.certificate = sign({"iss": APP_MANAGER, "jti": str(uuid.uuid4()), "iat": now,
                                 "nbf": now, "exp": now + 3600, "bsn": bsn, "cnf": {"jwk": jwk},
                                 "betrouwbaarheidsniveau": "hoog", "inlogmoment": now,
                                 "identiteitsdienst": "test-idp"},
                                setup.app_manager_key, typ="app-certificaat+jwt")

    def proof(self, nonce: str) -> str:
        return sign({"nonce": nonce, "aud": OIN, "api_url": API_URL, "iat": int(time.time()),
                     "jti": str(uuid.uuid4())}, self.key, typ="sessie-bewijs+jwt")

    def headers(self, method: str, path: str, token: str) -> dict[str, str]:
        """`Authorization: Sessie` and a fresh request proof: part of every request's cost."""
        return session_headers(self.key, method, API_URL + path.removeprefix(BASE), token)

    async def session(self, client: httpx.AsyncClient) -> str:
        nonce = (await client.post(f"{BASE}/sessies/uitdagingen")).json()["nonce"]
        response = await client.post(f"{BASE}/sessies", json={
            "certificaat": self.certificate, "bewijs": self.proof(nonce)})
        response.raise_for_status()
        return response.json()["sessietoken"]


def expect(response: httpx.Response, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: "
                           f"{response.status_code} {response.text[:300]}")


async def bench_source(setup: Setup, target: str, port: int, args: argparse.Namespace,
                       rendered: dict[str, Any], meters: Meters) -> list[Result]:
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=REQUEST_TIMEOUT_S) as client:
        citizen = Citizen(setup, BSN)

        async def open_session() -> None:
            await citizen.session(client)

        results = [await measure("session", target, open_session, args.duration,
                                 args.concurrency, meters=meters)]
        token = await citizen.session(client)
        overview_path = f"{BASE}/vorderingenoverzicht"

        # Request proofs are signed beforehand: the client's signing is not the source's
        # cost, and the ceiling's client signs nothing either.
        proofs = [citizen.headers("GET", overview_path, token) for _ in range(PROOF_POOL)]

        async def overview() -> None:
            expect(await client.get(overview_path, headers=proofs.pop()), 200)

        results.append(await measure("overview", target, overview, args.duration,
                                     args.concurrency, budget=len(proofs), meters=meters))
        rendered[f"{BASE}/vorderingenoverzicht"] = {
            "status": 200,
            "body": (await client.get(overview_path,
                                      headers=citizen.headers("GET", overview_path, token))).text}

        # (citizen, token, voorstel_id): one per case and citizen
        quotes: list[tuple[Citizen, str, str]] = []
        for bsn in ACCEPT_CITIZENS:
            holder = Citizen(setup, bsn)
            other = await holder.session(client)
            for n in range(CASES):
                quote_path = f"{BASE}/betalingsregelingen/voorstellen"
                quote = await client.post(
                    quote_path, headers=holder.headers("POST", quote_path, other),
                    json={"zaakkenmerken": [f"BENCH-{n:04d}"], "aantal_termijnen": 6})
                expect(quote, 201)
                quotes.append((holder, other, quote.json()["voorstel_id"]))
        path = f"{BASE}/betalingsregelingen"
        pending = [(voorstel_id, holder.headers("POST", path, session_token))
                   for holder, session_token, voorstel_id in quotes]

        async def accept() -> None:
            voorstel_id, headers = pending.pop()
            response = await client.post(
                path, json={"voorstel_id": voorstel_id},
                headers={**headers, "Idempotency-Key": voorstel_id})
            expect(response, 201)
            rendered[f"{BASE}/betalingsregelingen"] = {"status": 201, "body": response.text}

        results.append(await measure("accept", target, accept, args.duration,
                                     args.concurrency, budget=len(quotes), meters=meters))
        nonce = (await client.post(f"{BASE}/sessies/uitdagingen")).text
        rendered[f"{BASE}/sessies/uitdagingen"] = {"status": 201, "body": nonce}
        rendered[f"{BASE}/sessies"] = {"status": 201, "body": json.dumps(
            {"sessietoken": token, "verloopt_op": "2026-01-01T00:00:00+01:00",
             "betrouwbaarheidsniveau": "hoog"})}
    return results


async def bench_ceiling(port: int, args: argparse.Namespace, meters: Meters) -> list[Result]:
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits,
                                 timeout=REQUEST_TIMEOUT_S) as client:
        async def session() -> None:  # the same two round trips as the real session
            await client.post(f"{BASE}/sessies/uitdagingen")
            await client.post(f"{BASE}/sessies", json={"certificaat": "x", "bewijs": "y"})

        async def overview() -> None:
            await client.get(f"{BASE}/vorderingenoverzicht")

        async def accept() -> None:
            await client.post(f"{BASE}/betalingsregelingen", json={"voorstel_id": "x"})

        return [await measure(name, "ceiling", op, args.duration, args.concurrency,
                              meters=meters)
                for name, op in (("session", session), ("overview", overview),
                                 ("accept", accept))]


def run_target(label: str, database_url: str, work: Path, args: argparse.Namespace,
               rendered: dict[str, Any], database_pid: int | None = None) -> list[Result]:
    work.mkdir(parents=True, exist_ok=True)
    setup = asyncio.run(prepare(work, database_url))
    config_file = work / "bron.json"
    config_file.write_text(json.dumps(setup.mapping))
    port = free_port()
    server = start_server(["serve", str(config_file)], port)
    try:
        return asyncio.run(bench_source(setup, label, port, args, rendered,
                                        Meters(server.pid, database_pid)))
    finally:
        server.terminate()
        server.wait(timeout=10)


def _figure(value: float | None, width: int, digits: int = 2) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def print_table(results: list[Result]) -> None:
    ceiling = {r.operation: r for r in results if r.target == "ceiling"}
    print(f"\n{'operation':<10} {'target':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'n':>6} {'vs ceiling':>11} {'cpu ms/op':>10} {'db ms/op':>9} "
          f"{'cpu vs ceiling':>15}")
    for r in sorted(results, key=lambda r: (r.operation, r.target != "ceiling", r.target)):
        top = ceiling.get(r.operation)
        ratio = r.rps / top.rps if top is not None else None
        cpu_ratio = (top.total_cpu_ms / r.total_cpu_ms
                     if top is not None and top.total_cpu_ms and r.total_cpu_ms else None)
        print(f"{r.operation:<10} {r.target:<10} {r.rps:>9.1f} {r.percentile(50):>8.2f} "
              f"{r.percentile(99):>8.2f} {r.count:>6} {_figure(ratio, 11)} "
              f"{_figure(r.cpu_ms(r.server_cpu_s), 10)} "
              f"{_figure(r.cpu_ms(r.database_cpu_s), 9)} {_figure(cpu_ratio, 15)}")
    print(f"\n({CASES} cases × {EVENTS} events per overview; session = challenge + open; "
          "loopback HTTP, uvicorn, one server process; cpu = the server process, db = "
          f"PostgreSQL's processes; load average {os.getloadavg()[0]:.1f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="bench",
                        choices=["bench", "serve", "serve-ceiling"])
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=DEFAULT_DURATION_S,
                        help="seconds per measurement (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                        help="concurrent client connections (default %(default)s)")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)
    if args.mode == "serve":
        serve_source(args.file, args.port)
        return
    if args.mode == "serve-ceiling":
        serve_ceiling(args.file, args.port)
        return

    results: list[Result] = []
    rendered: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="vorderingen-bench-") as tmp:
        work = Path(tmp)
        print("SQLite …", flush=True)
        results += run_target("sqlite", f"sqlite+aiosqlite:///{work / 'sqlite' / 'bron.db'}",
                              work / "sqlite", args, rendered)
        if not args.no_postgres:
            try:
                from postgres_server import PostgresServer

                server = PostgresServer().start()
            except (OSError, subprocess.SubprocessError) as exc:
                print(f"PostgreSQL skipped: {exc}")
            else:
                try:
                    print("PostgreSQL …", flush=True)
                    results += run_target("postgresql", server.create_database(),
                                          work / "postgresql", args, rendered,
                                          postmaster_pid(server.data))
                finally:
                    server.stop()
        print("ceiling …", flush=True)
        bodies = work / "bodies.json"
        bodies.write_text(json.dumps(rendered))
        port = free_port()
        ceiling = start_server(["serve-ceiling", str(bodies)], port)
        try:
            results += asyncio.run(bench_ceiling(port, args, Meters(ceiling.pid)))
        finally:
            ceiling.terminate()
            ceiling.wait(timeout=10)
    print_table(results)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
