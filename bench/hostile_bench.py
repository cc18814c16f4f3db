"""Benchmark of the reference source under hostile clients: what the worst request costs it,
and what an attack does to everyone else's latency.

    .venv/bin/python bench/hostile_bench.py                  # SQLite, 5 s per phase
    .venv/bin/python bench/hostile_bench.py --duration 10 --slow-clients 500
    .venv/bin/python bench/hostile_bench.py --without-share  # the per-client share off

The source runs in a child process under uvicorn with the settings every actor's `serve`
uses (reference_impl.common.serving: head timeout, connection limits, head size limit, each
client's share of the work), on loopback. The citizens come from 127.0.0.1, the attacker
from 127.0.0.2 (the source tells clients apart by address). Linux only: CPU time and peak
memory are read from `/proc/<pid>` of that process.

1. **Cost per hostile request**: each request of the hostile set (huge, endless, deeply
   nested, error-heavy, non-I-JSON bodies, unauthenticated and authenticated, the largest
   body an operation admits) is sent `--repeat` times, one at a time; the table gives the
   source's CPU milliseconds per request and the growth of its peak resident memory over the
   resident size before it (`/proc/<pid>/clear_refs` resets the peak before each request).
   Targets: < 100 ms CPU and < 50 MB for the worst.
2. **Other clients' p99**: paced citizens (`--rate` overviews per second, open loop) for
   `--duration` seconds unloaded, then again while one attacker sends the hostile set in a
   loop and `--slow-clients` connections drip their request heads a byte at a time
   (slowloris). Target: p99 during the attack within 2 × unloaded. Also printed: how many
   hostile requests the attacker got answered, and the source's CPU per second in each
   phase (what the attack costs the source, a figure a busy machine disturbs less).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from source_bench import (  # noqa: E402
    BASE,
    BSN,
    Citizen,
    Setup,
    expect,
    free_port,
    prepare,
    start_server,
)

from reference_impl.common.jose import b64url_encode  # noqa: E402

DEFAULT_DURATION_S = 5.0
DEFAULT_REPEAT = 5
DEFAULT_RATE = 20.0
DEFAULT_SLOW_CLIENTS = 200
REQUEST_TIMEOUT_S = 30.0
SERVER_START_TIMEOUT_S = 60
DRIP_INTERVAL_S = 0.5
KIB, MIB = 1024, 1024 * 1024
TARGET_CPU_MS, TARGET_MEMORY_MB, TARGET_P99_RATIO = 100.0, 50.0, 2.0
JSON = {"Content-Type": "application/json"}
ATTACKER_HOST = "127.0.0.2"
COST_HOSTS = [0]  # the cost table's clients: 127.0.1.1, 127.0.1.2, ... (one per request)


# --- the server under test ---------------------------------------------------------------


def serve(config_file: str, port: int, without_share: bool = False,
          per_client: int | None = None) -> None:
    from reference_impl.common.fairness import ShareTable
    from reference_impl.common.serving import run
    from reference_impl.source.app import create_app
    from reference_impl.source.config import config_from_mapping

    mapping = json.loads(Path(config_file).read_text())
    # Without the share (for comparison): a budget no client can spend.
    share = ShareTable(rate_bytes_s=1e15, burst_bytes=1e15) if without_share else None
    limits = {} if per_client is None else {"max_connections_per_client": per_client}
    run(create_app(config_from_mapping(mapping)), host="127.0.0.1", port=port,
        log_level="error", share=share, **limits)


class ProcessMeter:
    """CPU time and peak resident memory of one process, from /proc (Linux)."""

    def __init__(self, pid: int) -> None:
        self.proc = Path(f"/proc/{pid}")
        self.tick_s = 1 / _clock_ticks()

    def cpu_s(self) -> float:
        fields = (self.proc / "stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * self.tick_s  # utime + stime

    def _status_kb(self, key: str) -> int:
        for line in (self.proc / "status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"{key} not in /proc status")

    def reset_peak(self) -> int:
        """Reset the peak to the current resident size; returns that size in kB."""
        (self.proc / "clear_refs").write_text("5")
        return self._status_kb("VmRSS")

    def peak_kb(self) -> int:
        return self._status_kb("VmHWM")


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


# --- the hostile set ---------------------------------------------------------------------


@dataclass
class Hostile:
    name: str
    path: str
    body: Callable[[], Any]  # bytes or an async iterator of bytes
    authenticated: bool = False


async def _endless() -> AsyncIterator[bytes]:
    yield b'{"certificaat": "'
    for _ in range(10 * MIB // (64 * KIB)):  # 10 MiB offered; the source stops at its limit
        yield b"a" * (64 * KIB)


def _token(payload: bytes) -> str:
    header = b'{"alg":"ES256","typ":"app-certificaat+jwt","kid":"k"}'
    return f"{b64url_encode(header)}.{b64url_encode(payload)}.{b64url_encode(b's')}"


def hostile_set() -> list[Hostile]:
    errors = json.dumps({f"o{i}": i for i in range(8500)}).encode()  # 8500 errors, 125 KB
    wrong_items = json.dumps({"zaakkenmerken": [{"x": [1]}] * 10_000,  # 120 KB
                              "aantal_termijnen": 2}).encode()
    # Just under the help request's 1 MiB limit: 200k tiny arrays, the most objects per byte.
    help_request = json.dumps({"bundel": {"bundelversie": "2.0", "enveloppen": [[1]] * 200_000},
                               "toestemming": True}).encode()
    return [
        Hostile("declared 10 MiB", "/sessies", lambda: b"x" * 10 * MIB),
        Hostile("endless chunked", "/sessies", _endless),
        Hostile("nested 64k deep", "/sessies", lambda: b"[" * 64_000 + b"]" * 64_000),
        Hostile("8500 unknown members", "/sessies", lambda: errors),
        Hostile("lone surrogate", "/sessies", lambda: b'{"certificaat": "\\udc80"}'),
        Hostile("duplicate members", "/sessies",
                lambda: b'{"certificaat": "a", "certificaat": "b", "bewijs": "c"}'),
        Hostile("token nested 3000", "/sessies", lambda: json.dumps(
            {"certificaat": _token(b"[" * 3000 + b"]" * 3000), "bewijs": "a.b.c"}).encode()),
        Hostile("10000 wrong items (auth)", "/betalingsregelingen/voorstellen",
                lambda: wrong_items, authenticated=True),
        Hostile("1 MiB help request (auth)", "/hulpvragen", lambda: help_request,
                authenticated=True),
        Hostile("impossible date (auth)", "/pauzes",
                lambda: b'{"einddatum": "0000-01-01"}', authenticated=True),
    ]


@dataclass
class Attacker:
    client: httpx.AsyncClient
    citizen: Citizen
    token: str

    async def send(self, hostile: Hostile) -> int:
        headers = dict(JSON)
        if hostile.authenticated:
            headers |= self.citizen.headers("POST", BASE + hostile.path, self.token)
        try:
            response = await self.client.post(BASE + hostile.path, content=hostile.body(),
                                              headers=headers)
        except httpx.HTTPError:
            return 0  # the source hung up on an endless body: also a bounded answer
        return response.status_code


async def cost_per_request(attacker: Attacker, port: int, meter: ProcessMeter, repeat: int
                           ) -> list[tuple[str, int, float, float]]:
    """Each request from an address of its own (127.0.1.n), so that no client's share
    holds it: the table is what the request costs, not how long it waited."""
    rows = []
    for hostile in hostile_set():
        cpu, memory, status = [], [], 0
        for _ in range(repeat):
            COST_HOSTS[0] += 1
            host = f"127.0.{1 + COST_HOSTS[0] // 250}.{1 + COST_HOSTS[0] % 250}"
            before_kb = meter.reset_peak()
            started = meter.cpu_s()
            async with attacker_client(port, host) as client:
                status = await replace(attacker, client=client).send(hostile)
            await asyncio.sleep(0.05)  # let the source finish logging and freeing
            cpu.append((meter.cpu_s() - started) * 1000)
            memory.append((meter.peak_kb() - before_kb) / 1024)
        if status >= 500:
            raise RuntimeError(f"{hostile.name}: the source answered {status}")
        rows.append((hostile.name, status, statistics.mean(cpu), max(memory)))
    return rows


# --- others' latency ---------------------------------------------------------------------


async def paced_overviews(client: httpx.AsyncClient, citizen: Citizen, token: str,
                          rate: float, duration_s: float) -> list[float]:
    """Open-loop: an overview every 1/rate seconds, whatever the answers take."""
    path = f"{BASE}/vorderingenoverzicht"
    latencies: list[float] = []

    async def one() -> None:
        started = time.perf_counter()
        expect(await client.get(path, headers=citizen.headers("GET", path, token)), 200)
        latencies.append((time.perf_counter() - started) * 1000)

    tasks = []
    for _ in range(int(rate * duration_s)):
        tasks.append(asyncio.create_task(one()))
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)
    return latencies


async def slowloris(port: int, stop: asyncio.Event) -> None:
    """One connection dripping a request head; reconnects whenever the source cuts it off."""
    head = f"GET {BASE}/configuratie HTTP/1.1\r\nHost: x\r\nX-Pad: ".encode() + b"a" * 10_000
    while not stop.is_set():
        try:
            _reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, local_addr=(ATTACKER_HOST, 0))
            for byte in head:
                if stop.is_set():
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(DRIP_INTERVAL_S)
            writer.close()
        except OSError:
            await asyncio.sleep(DRIP_INTERVAL_S)


def attacker_client(port: int, host: str = ATTACKER_HOST) -> httpx.AsyncClient:
    """A client from an address of its own (loopback holds all of 127/8): the source tells
    clients apart by address, as it would on the internet."""
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=REQUEST_TIMEOUT_S,
                             transport=httpx.AsyncHTTPTransport(local_address=host))


async def attack(setup: Setup, port: int, slow_clients: int, seconds: float,
                 bodies: bool = True) -> None:
    """One attacker sending the hostile set in a loop (unless not `bodies`), plus
    `slow_clients` slowloris connections, all from `ATTACKER_HOST`."""
    stop = asyncio.Event()
    async with attacker_client(port) as client:
        citizen = Citizen(setup, BSN)
        attacker = Attacker(client, citizen, await citizen.session(client))
        slow = [asyncio.create_task(slowloris(port, stop)) for _ in range(slow_clients)]
        hostiles = hostile_set()
        started = time.monotonic()
        deadline = started + seconds
        answered: Counter[int] = Counter()
        while time.monotonic() < deadline:
            if not bodies:
                await asyncio.sleep(0.1)
                continue
            for hostile in hostiles:
                if time.monotonic() >= deadline:
                    break
                answered[await attacker.send(hostile)] += 1
        stop.set()
        await asyncio.gather(*slow)
    if bodies:  # how far the source let the attacker get (0: it hung up on a huge body)
        print(f"attacker: {sum(answered.values())} hostile requests answered in "
              f"{time.monotonic() - started:.1f} s ({dict(sorted(answered.items()))}); "
              f"its own CPU {time.process_time():.1f} s")


def attack_process(setup: Setup, port: int, slow_clients: int, seconds: float,
                   bodies: bool) -> None:
    """The attack in a process of its own, so its work never delays the measuring client."""
    asyncio.run(attack(setup, port, slow_clients, seconds, bodies))


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def median(values: list[float]) -> float:
    return statistics.median(values)


async def bench(setup: Setup, port: int, pid: int, args: argparse.Namespace) -> None:
    meter = ProcessMeter(pid)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                 timeout=REQUEST_TIMEOUT_S) as client, \
            attacker_client(port, "127.0.0.3") as hostile_client:
        citizen = Citizen(setup, BSN)
        attacker = Attacker(hostile_client, citizen, await citizen.session(hostile_client))
        rows = await cost_per_request(attacker, port, meter, args.repeat)
        print(f"\n{'hostile request':<28} {'status':>6} {'CPU ms':>8} {'peak +MB':>9}")
        for name, status, cpu_ms, memory_mb in rows:
            print(f"{name:<28} {status:>6} {cpu_ms:>8.1f} {memory_mb:>9.1f}")
        worst_cpu = max(rows, key=lambda r: r[2])
        worst_memory = max(rows, key=lambda r: r[3])
        print(f"worst CPU: {worst_cpu[0]} {worst_cpu[2]:.1f} ms (target < {TARGET_CPU_MS:g}); "
              f"worst memory: {worst_memory[0]} {worst_memory[3]:.1f} MB "
              f"(target < {TARGET_MEMORY_MB:g})")

        token = await citizen.session(client)
        load_before = os.getloadavg()[0]
        cpu_started, started = meter.cpu_s(), time.monotonic()
        unloaded = await paced_overviews(client, citizen, token, args.rate, args.duration)
        cpu_unloaded = (meter.cpu_s() - cpu_started) / (time.monotonic() - started)
        attacker_process = multiprocessing.get_context("fork").Process(
            target=attack_process,
            args=(setup, port, args.slow_clients, args.duration + 2, not args.slowloris_only))
        attacker_process.start()
        await asyncio.sleep(1.5)  # let the slow connections pile up first
        cpu_started, started = meter.cpu_s(), time.monotonic()
        loaded = await paced_overviews(client, citizen, token, args.rate, args.duration)
        cpu_loaded = (meter.cpu_s() - cpu_started) / (time.monotonic() - started)
        await asyncio.to_thread(attacker_process.join)
    ratio = p99(loaded) / p99(unloaded)
    print(f"\nother clients ({args.rate:g} overviews/s, {len(unloaded)} per phase): "
          f"p99 unloaded {p99(unloaded):.1f} ms, during the attack {p99(loaded):.1f} ms "
          f"(×{ratio:.2f}, target ≤ {TARGET_P99_RATIO:g}); median {median(unloaded):.1f} → "
          f"{median(loaded):.1f} ms\nattack: "
          f"{'' if args.slowloris_only else 'the hostile set in a loop + '}"
          f"{args.slow_clients} slowloris connections, from {ATTACKER_HOST}\n"
          f"source CPU: {cpu_unloaded * 1000:.0f} ms/s unloaded, {cpu_loaded * 1000:.0f} ms/s "
          f"during the attack; machine load average {load_before:.1f} on {os.cpu_count()} "
          f"CPUs (figures from a busy machine are noisy: compare runs)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="bench", choices=["bench", "serve"])
    parser.add_argument("file", nargs="?", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, default=DEFAULT_DURATION_S,
                        help="seconds per latency phase (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=DEFAULT_REPEAT,
                        help="times each hostile request is sent (default %(default)s)")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE,
                        help="other clients' overviews per second (default %(default)s)")
    parser.add_argument("--slow-clients", type=int, default=DEFAULT_SLOW_CLIENTS,
                        help="slowloris connections during the attack (default %(default)s)")
    parser.add_argument("--slowloris-only", action="store_true",
                        help="attack with the slow connections alone (no hostile bodies)")
    parser.add_argument("--without-share", action="store_true",
                        help="switch the per-client share off (common/fairness.py), to compare")
    parser.add_argument("--connections-per-client", type=int, default=None,
                        help="the source's per-client connection cap (default: serving.py's)")
    args = parser.parse_args(argv)
    if args.mode == "serve":
        serve(args.file, args.port, args.without_share, args.connections_per_client)
        return
    with tempfile.TemporaryDirectory(prefix="vorderingen-hostile-") as directory:
        work = Path(directory)
        setup = asyncio.run(prepare(work, f"sqlite+aiosqlite:///{work / 'bron.db'}"))
        mapping = setup.mapping | {
            "diensten": ["vorderingenoverzicht", "betalingsregelingen", "pauzes", "hulpvragen"],
            "pauze": {"maximum_duur_dagen": 90}}
        config_file = work / "bron.json"
        config_file.write_text(json.dumps(mapping))
        port = free_port()
        options = ["--without-share"] if args.without_share else []
        if args.connections_per_client is not None:
            options += ["--connections-per-client", str(args.connections_per_client)]
        server = start_server(["serve", str(config_file), *options], port, script=__file__)
        try:
            asyncio.run(bench(setup, port, server.pid, args))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
