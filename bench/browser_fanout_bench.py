"""Benchmark of the web page's fan-out, in headless Chromium: one overview against N sources.

    .venv/bin/python bench/browser_fanout_bench.py                  # N = 1, 50, 200, 400
    .venv/bin/python bench/browser_fanout_bench.py --sizes 50,400 --rounds 5 --jitter-ms 50

The page is served as `vorderingen app web` serves it (`web.server.create_app` under
`serving.server_config`, on loopback) to Debian's Chromium with the page tests' flags,
driven over its DevTools pipe (bench/chromium_pipe.py; Playwright's per-request
instrumentation would cost a third of Chromium's CPU, which a citizen's browser never
spends). N stub sources — bench/fanout_bench.py's envelopes, keys, latencies,
`StubSources` and lean asyncio server (`LeanStubConnection`), imported — run in one child
process, one event loop, but each on a port of its own, so an ORIGIN of its own as 400
organisations have 400 origins (one shared origin would measure Chromium's 6 connections
per origin, not the page). They answer CORS preflights as the reference source does
(`Access-Control-Max-Age: 600`) and delay EVERY answer by their latency, preflights
included: one source alone takes five round trips in a fresh browser (challenge;
preflight + session; preflight + overview), ≈ 1 s at 200 ms. Not uvicorn: its CPU per
request, on the two cores Chromium shares here, was part of what the bench measured.

Past the login the page holds two things (app.js `boot`): its key pair, made by the page
itself with WebCrypto on first load and kept in IndexedDB, and the app certificate an App
Manager issued for that key. The bench lets the page make its key, signs a certificate for
the page's public key with a bench App Manager listed in the scheme, and puts it where the
page keeps it (IndexedDB `vorderingen-app`/`sleutels`/`certificaat`) — exactly the state a
finished login leaves; the page verifies it against the scheme as after a login. The real
login (consent page, identity provider) is what test_app_web.py exercises.

Each measurement is one fresh browser context (no preflight cache, no open connection, no
session: a citizen's first overview of a visit): the page boots, verifies the scheme and the
certificate and fetches the overview; the time is the page's own `performance.measure`
`vorderingen-overzicht`, from "overview requested" to "every source shown" (drawn in the
DOM). "slowest alone" is the same with a scheme listing only the slowest of those N sources.
The row "ceiling" makes the same requests from the page's origin in a fresh context and only
parses the answers (no signing, no verification, no drawing): what Chromium's own handling
of 5 × N cross-origin requests costs on this machine, which no page can go below. The table
gives medians over `--rounds` (each kind alternating with the others round by round), and
the CPU time of Chromium's processes and of the stubs per visit; the target (issue 16) is
≤ 1.2 × the slowest source alone at N = 50, 200 and 400.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

from chromium_pipe import Chromium  # noqa: E402
from fanout_bench import (  # noqa: E402
    BACKLOG,
    BSN,
    LeanStubConnection,
    Setup,
    StubSources,
    build,
    fanout_arguments,
    launch_stubs,
    print_verdicts,
    stop_stubs,
)

from reference_impl.app.web.server import WebConfig, create_app  # noqa: E402
from reference_impl.common.http import CORS_ALLOW_HEADERS, CORS_MAX_AGE_S  # noqa: E402
from reference_impl.common.jose import generate_key, public_jwk, sign  # noqa: E402
from reference_impl.common.serving import server_config  # noqa: E402

DEFAULT_ROUNDS = 2  # four visits per round and N: ≈ 3 minutes for the default sizes
CHROMIUM = "/usr/bin/chromium"
# As tests/reference_impl/app/test_app_web.py launches it.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
MANAGER_ID = "bench-browser-app-manager"
OVERVIEW_TIMEOUT_S = 60.0
PAGE_TIMEOUT_S = 30.0  # the page's per-source timeout (config.json)
SERVER_START_TIMEOUT_S = 30
# What the reference source's preflight sends (common/http.py; its Allow-Methods are the
# path's, here every method a source has).
PREFLIGHT_HEADERS = [("Access-Control-Allow-Origin", "*"),
                     ("Access-Control-Allow-Methods", "DELETE, GET, OPTIONS, POST"),
                     ("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS),
                     ("Access-Control-Max-Age", str(CORS_MAX_AGE_S))]
TICKS_PER_S = os.sysconf("SC_CLK_TCK")
MEASURE = "vorderingen-overzicht"  # the page's performance.measure (app.js showOverview)


# --- the stub sources, one origin each (child process) ---------------------------------------


class SourceAtOrigin:
    """`LeanStubConnection`'s hook for the socket of one organisation: the port is the
    organisation (paths have no /org<i> prefix); preflights are answered here, after the
    source's latency, everything else by fanout_bench's `StubSources`."""

    def __init__(self, stubs: StubSources, organisation: int) -> None:
        self.stubs = stubs
        self.prefix = f"/org{organisation}"
        self.preflight = (stubs.latencies_s[organisation], 204, b"", PREFLIGHT_HEADERS)

    def __call__(self, method: str, path: str) -> tuple[float, int, bytes, list[tuple[str, str]]]:
        if method == "OPTIONS":
            return self.preflight
        return self.stubs(method, self.prefix + path)


def serve_stubs() -> None:
    """The child process: read envelopes and latencies from stdin, print the ports, serve
    every organisation on its own socket from one event loop (lean: not uvicorn, whose CPU
    per request on the cores Chromium uses would be measured with it — fanout_bench.py)."""
    spec = json.load(sys.stdin)
    sockets = []
    for _ in spec["envelopes"]:
        # IPPROTO_TCP: asyncio then sets TCP_NODELAY on accepted connections (else each
        # kept-alive answer after the first waits ≈ 40 ms for a delayed ACK)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    print(json.dumps([s.getsockname()[1] for s in sockets]), flush=True)
    stubs = StubSources([e.encode() for e in spec["envelopes"]], spec["latencies_s"])

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        servers = [await loop.create_server(
            functools.partial(LeanStubConnection, SourceAtOrigin(stubs, organisation)),
            sock=sock, backlog=BACKLOG) for organisation, sock in enumerate(sockets)]
        await asyncio.gather(*(server.serve_forever() for server in servers))

    asyncio.run(serve())


def start_stubs(setup: Setup) -> tuple[subprocess.Popen[str], list[int]]:
    process, printed = launch_stubs(__file__, setup)
    ports = json.loads(printed)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    for port in (ports[0], ports[-1]):
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError("the stub sources did not start") from None
                time.sleep(0.05)
    return process, ports


# --- the scheme and the page (threads of this process) ---------------------------------------


class SchemeDocument:
    """Pure ASGI: the scheme document the bench currently publishes (CORS, no-store)."""

    def __init__(self) -> None:
        self.token = b""

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"application/jose"), (b"cache-control", b"no-store"),
            (b"access-control-allow-origin", b"*")]})
        await send({"type": "http.response.body", "body": self.token})


class ThreadServer:
    """An ASGI app under uvicorn on a free loopback port, in a daemon thread."""

    def __init__(self, config: uvicorn.Config) -> None:
        self.server = uvicorn.Server(config)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(
            target=lambda: asyncio.run(self.server.serve(sockets=[self.sock])), daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("a loopback server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Federation:
    """What the page sees: the scheme (re-signed per measurement) and the App Manager."""

    setup: Setup
    ports: list[int]
    operator: Any
    manager: Any
    published: SchemeDocument
    volgnummer: int = 0

    def organisations(self, indices: list[int]) -> list[dict[str, Any]]:
        """The scheme's organisations `indices`, organisation i at its own origin."""
        return [{**self.setup.scheme.payload["organisaties"][i], "eindpunten": [
            {"api_url": f"http://127.0.0.1:{self.ports[i]}/vorderingen/v2", "major": 2}]}
            for i in indices]

    def publish(self, indices: list[int]) -> None:
        """A scheme listing organisations `indices`, organisation i at its own origin."""
        organisations = self.organisations(indices)
        now = int(time.time())
        self.volgnummer += 1  # the page refuses a lower one (rollback)
        payload = {**self.setup.scheme.payload, "iss": "bench", "iat": now, "exp": now + 3600,
                   "volgnummer": self.volgnummer, "omgeving": "test",
                   "organisaties": organisations,
                   "app_managers": [{"id": MANAGER_ID, "naam": "Bench App Manager",
                                     "sleutels": [{"jwk": public_jwk(self.manager),
                                                   "geldig_vanaf": 0}],
                                     "status": "actief"}]}
        self.published.token = sign(payload, self.operator, typ="stelsel-v2+jwt").encode()

    def certificate(self, jwk: dict[str, Any]) -> str:
        """What the App Manager issues after a login, for the page's own public key."""
        now = int(time.time())
        return sign({"iss": MANAGER_ID, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
                     "exp": now + 3600, "bsn": BSN, "cnf": {"jwk": jwk},
                     "betrouwbaarheidsniveau": "substantieel", "inlogmoment": now,
                     "identiteitsdienst": "bench-idp"}, self.manager, typ="app-certificaat+jwt")


def cpu_s(pid: int) -> float:
    """User + system CPU time of one process (Linux /proc), 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def descendants(root: int) -> list[int]:
    """Every process below `root` (Chromium's browser, renderer, network and GPU processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class CpuMeter:
    """CPU time of Chromium's processes (everything below this one but the stubs) and of the
    stub sources' process, between `start` and `stop`."""

    def __init__(self, stubs_pid: int) -> None:
        self.stubs_pid = stubs_pid
        self.started = (0.0, 0.0)

    def _now(self) -> tuple[float, float]:
        browser = [p for p in descendants(os.getpid()) if p != self.stubs_pid]
        return sum(map(cpu_s, browser)), cpu_s(self.stubs_pid)

    def start(self) -> None:
        self.started = self._now()

    def stop(self) -> tuple[float, float]:
        browser, stubs = self._now()
        return browser - self.started[0], stubs - self.started[1]


HOLD_CERTIFICATE = """async (certificate) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("vorderingen-app", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("sleutels");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve, reject) => {
    const transaction = db.transaction("sleutels", "readwrite");
    transaction.objectStore("sleutels").put(certificate, "certificaat");
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
  });
  db.close();
}"""
BOOTED = ("!!(window.vorderingenApp && window.vorderingenApp.jwk) "
          "&& !document.querySelector('#inlog-knop').hidden")
SHOWN = "document.querySelector(\"#overzicht[data-ronde='1']\") !== null"
ANSWERED = "document.querySelectorAll(\"#bronnen-lijst li[data-status='beantwoord']\").length"
# The ceiling: the same requests of a first overview from the page's origin — a challenge,
# a session with a JSON body, the overview with `Authorization` and `Verzoek-Bewijs` (so
# the same two preflights per source) — every answer parsed, nothing signed or verified,
# nothing drawn: what Chromium's own request handling costs, which no page can go below.
BARE_FETCHES = """async (bases) => {
  const started = performance.now();
  const answers = await Promise.all(bases.map(async (base) => {
    const call = async (path, init) => (await fetch(`${base}${path}`,
      { credentials: "omit", cache: "no-store", ...init })).json();
    const { nonce } = await call("/sessies/uitdagingen",
      { method: "POST", headers: { Accept: "application/json" } });
    const { sessietoken } = await call("/sessies", { method: "POST",
      body: JSON.stringify({ nonce }),
      headers: { Accept: "application/json", "Content-Type": "application/json" } });
    return call("/vorderingenoverzicht", { headers: { Accept: "application/json",
      Authorization: `Sessie ${sessietoken}`, "Verzoek-Bewijs": "bench.ceiling.only" } });
  }));
  return [performance.now() - started, answers.filter((a) => a.handtekening).length];
}"""


@dataclass
class Shown:
    wall_s: float
    answered: int
    browser_cpu_s: float = 0.0  # Chromium's processes, from reload to shown (boot included)
    stubs_cpu_s: float = 0.0


def page_overview(chromium: Chromium, federation: Federation, page_url: str,
                  indices: list[int], meter: CpuMeter) -> Shown:
    """A citizen's first overview of a visit, in a fresh browser context, as the page
    measures it."""
    federation.publish(indices)
    tab = chromium.new_tab()
    try:
        tab.navigate(page_url)
        tab.wait_for(BOOTED, OVERVIEW_TIMEOUT_S)  # no certificate yet: the login button
        jwk = tab.evaluate("window.vorderingenApp.jwk")
        tab.evaluate(f"({HOLD_CERTIFICATE})({json.dumps(federation.certificate(jwk))})")
        meter.start()
        tab.reload()
        tab.wait_for(SHOWN, OVERVIEW_TIMEOUT_S)
        cpu = meter.stop()
        failed = tab.evaluate("document.querySelector('#melding').hidden ? '' "
                              ": document.querySelector('#melding-tekst').textContent")
        if failed:
            raise RuntimeError(f"the page failed: {failed}")
        duration_ms = tab.evaluate(f"performance.getEntriesByName('{MEASURE}').at(-1).duration")
        return Shown(duration_ms / 1000, tab.evaluate(ANSWERED), *cpu)
    finally:
        tab.close()


def bare_overview(chromium: Chromium, federation: Federation, page_url: str,
                  indices: list[int], meter: CpuMeter) -> Shown:
    """The ceiling's requests, from the page's origin in a fresh browser context."""
    federation.publish(indices)
    tab = chromium.new_tab()
    try:
        tab.navigate(page_url)
        tab.wait_for(BOOTED, OVERVIEW_TIMEOUT_S)
        bases = [f"http://127.0.0.1:{federation.ports[i]}/vorderingen/v2" for i in indices]
        meter.start()
        duration_ms, answered = tab.evaluate(f"({BARE_FETCHES})({json.dumps(bases)})")
        return Shown(duration_ms / 1000, answered, *meter.stop())
    finally:
        tab.close()


@dataclass
class Row:
    n: int
    target: str
    wall_s: float
    slowest_alone_s: float
    answered: int
    walls_s: list[float]
    browser_cpu_s: float
    stubs_cpu_s: float

    @property
    def ratio(self) -> float:
        return self.wall_s / self.slowest_alone_s


def measure(chromium: Chromium, federation: Federation, page_url: str,
            sizes: tuple[int, ...], rounds: int, meter: CpuMeter) -> list[Row]:
    """Per N: medians of the page's overview and of the ceiling, each against its slowest
    source alone, all four alternating round by round so they see the same machine."""
    latencies = federation.setup.latencies_s
    kinds = {"page": page_overview, "ceiling": bare_overview}
    for visit in kinds.values():  # warm up (Chromium, the page's code)
        visit(chromium, federation, page_url, [0], meter)
    rows = []
    for n in sizes:
        indices = list(range(n))
        slowest = [max(indices, key=lambda i: latencies[i])]
        shown: dict[str, list[Shown]] = {k: [] for k in kinds}
        alone: dict[str, list[float]] = {k: [] for k in kinds}
        for _ in range(rounds):
            for kind, visit in kinds.items():
                shown[kind].append(visit(chromium, federation, page_url, indices, meter))
                alone[kind].append(visit(chromium, federation, page_url, slowest, meter).wall_s)
        for kind in kinds:
            runs = shown[kind]
            rows.append(Row(n, kind, statistics.median(s.wall_s for s in runs),
                            statistics.median(alone[kind]), min(s.answered for s in runs),
                            [s.wall_s for s in runs],
                            statistics.median(s.browser_cpu_s for s in runs),
                            statistics.median(s.stubs_cpu_s for s in runs)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = fanout_arguments(__doc__.split("\n\n")[0],
                              latency_help="latency of every answer of a source (preflights too)",
                              rounds=DEFAULT_ROUNDS)
    args = parser.parse_args(argv)
    if args.stubs:
        serve_stubs()
        return 0
    sizes = tuple(int(n) for n in args.sizes.split(","))
    setup = build(max(sizes), args.latency_ms, args.jitter_ms)
    process, ports = start_stubs(setup)
    published = SchemeDocument()
    operator = generate_key()
    federation = Federation(setup, ports, operator, generate_key(), published)
    try:
        with ThreadServer(uvicorn.Config(published, log_level="warning", access_log=False,
                                         lifespan="off")) as scheme_server:
            config = WebConfig(f"{scheme_server.url}/stelsel/v2/stelseldocument",
                               [public_jwk(operator)], "test", None, PAGE_TIMEOUT_S)
            page_config = server_config(create_app(config), host="127.0.0.1", port=0,
                                        log_level="warning", lifespan="off")
            with ThreadServer(page_config) as page_server, \
                    Chromium(CHROMIUM, CHROMIUM_ARGS) as chromium:
                rows = measure(chromium, federation, page_server.url + "/", sizes, args.rounds,
                               CpuMeter(process.pid))
    finally:
        stop_stubs(process)
    print(f"browser fan-out (Chromium, one origin per source, first overview of a visit): "
          f"latency {args.latency_ms:g} ms ± {args.jitter_ms:g} ms per answer, 5 answers per "
          f"source (2 of them preflights), median of {args.rounds} rounds")
    print(f"{'N':>4} {'target':>8} {'wall (ms)':>10} {'slowest alone (ms)':>19} {'ratio':>6} "
          f"{'browser CPU':>12} {'stubs CPU':>10} {'answered':>9}  rounds (ms)")
    for row in rows:
        print(f"{row.n:>4} {row.target:>8} {row.wall_s * 1000:>10.0f} "
              f"{row.slowest_alone_s * 1000:>19.0f} {row.ratio:>6.2f} "
              f"{row.browser_cpu_s * 1000:>12.0f} {row.stubs_cpu_s * 1000:>10.0f} "
              f"{row.answered:>9}  " + " ".join(f"{w * 1000:.0f}" for w in row.walls_s))
    load = os.getloadavg()
    print(f"CPU: ms per visit (Chromium's processes, page: reload to shown; the stub sources' "
          f"process); load average {load[0]:.1f} on {os.cpu_count()} CPUs")
    print_verdicts("page wall", [(row.n, row.ratio) for row in rows if row.target == "page"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
