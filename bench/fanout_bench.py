"""Benchmark of the app's fan-out: wall time of one full overview against N sources.

    .venv/bin/python bench/fanout_bench.py                     # N = 1, 50, 200, 400
    .venv/bin/python bench/fanout_bench.py --latency-ms 200 --jitter-ms 50 --rounds 5
    .venv/bin/python bench/fanout_bench.py --compare           # also httpx's own transport
    .venv/bin/python bench/fanout_bench.py --tls               # HTTPS, as in production
    .venv/bin/python bench/fanout_bench.py --pin               # the stubs on a CPU of their own

N lightweight stub sources, conformant to spec/openapi/bron.yaml for the calls an overview
makes, run in a child process (one lean asyncio server, `LeanStubConnection`; organisation
i answers under `/org<i>/vorderingen/v2`), each delaying *every* answer by its latency
(`--latency-ms`, optionally spread uniformly by `--jitter-ms`, fixed per organisation by a
seed). The stubs serve envelopes signed beforehand with their own keys and do not check
certificates: the benchmark measures the app, not the sources. The app here does what
`vorderingen app overzicht` does after login — per source a challenge, a session, the
signed overview, all sources at once — and verifies every envelope against the scheme
(signature, schema, invariants).

For each N the table gives the median wall time over `--rounds` runs, the wall time of the
slowest of those N sources asked alone, their ratio and the app's CPU time per overview
(with `--compare` also for httpx's default transport, measured in alternation); the target
is a ratio ≤ 1.2 at N = 400 (the fan-out must not grow with the number of organisations).
The row "ceiling" makes the same three requests per source with bytes made beforehand and
only frames the answers (`BareExchange`): what asyncio, the loopback and the stubs cost on
this machine, which no app can go below (`--no-ceiling` leaves it out).

Production sources speak HTTPS (trust model: TLS 1.2 or newer). `--tls` serves the stubs
over TLS with an ECDSA P-256 certificate made for the run (for 127.0.0.1 and
*.fanout.test), which the app and the ceiling verify as they would a source's: every
connection then costs a full handshake on both sides (the latency delays answers only, so
the handshake's round trip is not in the wall time; its CPU is).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import datetime
import functools
import gc
import ipaddress
import json
import os
import random
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reference_impl.app import resolver  # noqa: E402
from reference_impl.app.http import new_client  # noqa: E402
from reference_impl.app.identity import Identity  # noqa: E402
from reference_impl.app.overview import collect_overview  # noqa: E402
from reference_impl.app.sources import STARTS_PER_TURN, SourceClient, clients_for  # noqa: E402
from reference_impl.common.envelope import sign_envelope  # noqa: E402
from reference_impl.common.jose import generate_key, public_jwk, random_token, sign  # noqa: E402
from reference_impl.common.scheme import Scheme  # noqa: E402

DEFAULT_SIZES = (1, 50, 200, 400)
DEFAULT_LATENCY_MS = 200.0
DEFAULT_ROUNDS = 3
TARGET_RATIO = 1.2
BSN = "999993653"
APP_MANAGER = "bench-app-manager"
SERVER_START_TIMEOUT_S = 30
OVERVIEW_TIMEOUT_S = 30.0
SEED = 20260302
BACKLOG = 1024  # 400 connections arrive at once; a dropped SYN costs a second (its retry)
TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# --- the stub sources (child process) ------------------------------------------------------


class StubSources:
    """N organisations under /org<i>/vorderingen/v2, each with its own latency. Called with
    a request's method and path it gives the whole answer — the hook `LeanStubConnection`
    takes (browser_fanout_bench.py wraps it: one port per organisation, CORS preflights)."""

    def __init__(self, envelopes: list[bytes], latencies_s: list[float]) -> None:
        self.envelopes = envelopes
        self.latencies_s = latencies_s

    def __call__(self, method: str, path: str) -> tuple[float, int, bytes, list[tuple[str, str]]]:
        """(latency, status, body, headers) of `method path`."""
        latency, status, body, media_type = self.answer(method, path)
        return latency, status, body, _headers(status, body, media_type)

    def answer(self, method: str, path: str) -> tuple[float, int, bytes, str]:
        """(latency, status, body, media type) of `method path`: what organisation i's
        source answers under /org<i>/vorderingen/v2, after its latency."""
        parts = path.split("/", 2)  # "", "org<i>", "vorderingen/v2/..."
        index = int(parts[1][3:]) if len(parts) == 3 and parts[1][3:].isdigit() \
            and parts[1].startswith("org") else -1
        if not 0 <= index < len(self.envelopes):
            return 0.0, 404, NOT_FOUND, PROBLEM
        route = (method, parts[2].removeprefix("vorderingen/v2"))
        expires = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 120))
        latency = self.latencies_s[index]
        if route == ("POST", "/sessies/uitdagingen"):
            body = json.dumps({"nonce": random_token(32), "verloopt_op": expires})
            return latency, 201, body.encode(), JSON
        if route == ("POST", "/sessies"):
            body = json.dumps({"sessietoken": random_token(32), "verloopt_op": expires,
                               "betrouwbaarheidsniveau": "substantieel"})
            return latency, 201, body.encode(), JSON
        if route == ("GET", "/vorderingenoverzicht"):
            return latency, 200, self.envelopes[index], JSON
        if route == ("DELETE", "/sessies/huidige"):
            return latency, 204, b"", JSON
        return latency, 404, NOT_FOUND, PROBLEM


JSON = "application/json"
PROBLEM = "application/problem+json"
NOT_FOUND = json.dumps({"type": "urn:nl-vorderingen:probleem:algemeen/niet-gevonden",
                        "title": "Niet gevonden", "status": 404, "detail": "Onbekend pad.",
                        "code": "algemeen/niet-gevonden"}).encode()
REASONS = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request",
           404: "Not Found"}


def _headers(status: int, body: bytes, media_type: str) -> list[tuple[str, str]]:
    headers = [("API-Version", "2.0.0"), ("Cache-Control", "no-store"),
               ("Access-Control-Allow-Origin", "*")]
    if status != 204:
        headers += [("Content-Type", media_type), ("Content-Length", str(len(body)))]
    return headers


class LeanStubConnection(asyncio.Protocol):
    """One client connection to the stubs: HTTP/1.1 with Content-Length bodies, kept alive,
    one request at a time (as the app and browsers send them), each answered after the
    latency `answer(method, path)` gives with the answer (`StubSources`, or
    browser_fanout_bench.py's `SourceAtOrigin` around it).

    Not uvicorn: with 400 sources answering at once the stubs' own CPU per request (uvicorn
    and h11, ≈ 0.3 ms) would spread every round's answers over more than 100 ms on a
    2-core machine the app shares — the benchmark would measure its environment."""

    def __init__(
        self, answer: Callable[[str, str], tuple[float, int, bytes, list[tuple[str, str]]]],
    ) -> None:
        self.answer = answer
        self.buffer = b""
        self.busy = False  # an answer is pending: the next request waits in the buffer
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next()

    def _next(self) -> None:
        if self.busy or self.transport is None:
            return
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        lines = self.buffer[:head_end].decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        headers = dict(line.lower().split(":", 1) for line in lines[1:] if ":" in line)
        if "transfer-encoding" in headers:  # the app and fetch() send a Content-Length
            self._write(400, b"", _headers(400, b"", JSON), close=True)
            return
        length = int(headers.get("content-length", "0"))
        if len(self.buffer) < head_end + 4 + length:
            return
        self.buffer = self.buffer[head_end + 4 + length:]
        latency, status, body, fields = self.answer(method, path.split("?")[0])
        self.busy = True
        asyncio.get_running_loop().call_later(latency, self._write, status, body, fields)

    def _write(self, status: int, body: bytes, fields: list[tuple[str, str]],
               close: bool = False) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        head = "".join(f"{name}: {value}\r\n" for name, value in fields)
        self.transport.write(f"HTTP/1.1 {status} {REASONS[status]}\r\n{head}\r\n".encode()
                             + (body if status != 204 else b""))
        if close:
            self.transport.close()
            return
        self.busy = False
        self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def serve_stubs() -> None:
    """The child process: read envelopes and latencies from stdin, print the port, serve."""
    spec = json.load(sys.stdin)
    # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY on accepted connections only
    # then; without it every answer after the first on a kept-alive connection waited for
    # the client's delayed ACK (≈ 40 ms) when the stubs ran under uvicorn.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    stubs = StubSources([e.encode() for e in spec["envelopes"]], spec["latencies_s"])
    tls = BenchTLS(*spec["tls"]).server_context() if spec.get("tls") else None

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(
            lambda: LeanStubConnection(stubs), sock=sock, backlog=BACKLOG, ssl=tls)
        await server.serve_forever()

    asyncio.run(serve())


@dataclass(frozen=True)
class BenchTLS:
    """`--tls`: the stub sources' certificate and key (PEM files), and the contexts made
    from them — the stubs serve with it, the app and the ceiling verify against it as
    they verify a source's certificate against their roots."""

    certificate: str
    key: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, self.key)
        return context

    @functools.cached_property
    def client_context(self) -> ssl.SSLContext:
        # one per run, as the app keeps one (http.tls_context); hostname and chain checked
        return ssl.create_default_context(cafile=self.certificate)


def make_tls(directory: str) -> BenchTLS:
    """A self-signed ECDSA P-256 certificate for 127.0.0.1 and *.fanout.test (the host names
    of `--resolve-ms`), valid for a day, written into `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fanout bench sources")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("*" + HOST_SUFFIX)]
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    tls = BenchTLS(os.path.join(directory, "sources.pem"), os.path.join(directory, "key.pem"))
    Path(tls.certificate).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    Path(tls.key).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return tls


# --- the federation the app sees ------------------------------------------------------------


@dataclass
class Setup:
    scheme: Scheme
    identity: Identity
    latencies_s: list[float]
    envelopes: list[bytes]


def example_document(oin: str, naam: str) -> dict[str, Any]:
    """The spec's example claims document (two cases), for organisation `oin`."""
    return {**copy.deepcopy(_example()), "bron": {"oin": oin, "naam": naam}, "bsn": BSN}


@functools.cache
def _example() -> dict[str, Any]:
    import yaml

    from reference_impl.common.spec import openapi_path

    spec = yaml.safe_load(openapi_path("bron").read_text(encoding="utf-8"))
    return spec["components"]["examples"]["EnvelopGemeente"]["value"]["document"]


def build(count: int, latency_ms: float, jitter_ms: float) -> Setup:
    """Keys, envelopes and a scheme for `count` organisations; an app with a certificate."""
    chance = random.Random(SEED)
    organisations, envelopes, latencies = [], [], []
    manager_key, app_key = generate_key(), generate_key()
    for i in range(count):
        key = generate_key()
        oin = f"{1_000_000_000 + i:020d}"
        organisations.append({"oin": oin, "naam": f"Bron {i}", "soort": "overig",
                              "eindpunten": [{"api_url": "http://127.0.0.1:1/placeholder",
                                              "major": 2}],
                              "sleutels": [{"jwk": public_jwk(key), "geldig_vanaf": 0}],
                              "diensten": ["vorderingenoverzicht"], "status": "actief"})
        envelope = sign_envelope(example_document(oin, f"Bron {i}"), key)
        envelopes.append(json.dumps(envelope).encode())
        latencies.append(max(0.0, latency_ms + chance.uniform(-jitter_ms, jitter_ms)) / 1000)
    now = int(time.time())
    payload = {"versie": "2.0", "iss": "bench", "iat": now, "exp": now + 3600, "volgnummer": 1,
               "omgeving": "test", "organisaties": organisations,
               "app_managers": [{"id": APP_MANAGER, "naam": "Bench App Manager",
                                 "sleutels": [{"jwk": public_jwk(manager_key),
                                               "geldig_vanaf": 0}],
                                 "status": "actief"}],
               "ingetrokken_certificaten": []}
    scheme = Scheme(payload=payload, token="")
    identity = Identity(app_key)
    claims = {"iss": APP_MANAGER, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
              "exp": now + 3600, "bsn": BSN, "cnf": {"jwk": identity.public_jwk},
              "betrouwbaarheidsniveau": "substantieel", "inlogmoment": now,
              "identiteitsdienst": "test-idp"}
    identity.accept_certificate(sign(claims, manager_key, typ="app-certificaat+jwt"), scheme)
    return Setup(scheme, identity, latencies, envelopes)


def at(setup: Setup, base: str, indices: list[int]) -> tuple[Scheme, list[dict[str, Any]]]:
    """The scheme with organisation i at `base`/org<i>, and the chosen organisations; a
    `{i}` in `base` (the host of `--resolve-ms`) becomes the organisation's number."""
    organisations = []
    for i, organisation in enumerate(setup.scheme.payload["organisaties"]):
        organisations.append({**organisation, "eindpunten": [
            {"api_url": f"{base.format(i=i)}/org{i}/vorderingen/v2", "major": 2}]})
    payload = {**setup.scheme.payload, "organisaties": organisations}
    return Scheme(payload=payload, token=""), [organisations[i] for i in indices]


async def one_overview(
    scheme: Scheme, organisations: list[dict[str, Any]], identity: Identity,
    transport: httpx.AsyncBaseTransport | None = None, *, httpx_default: bool = False,
    tls: BenchTLS | None = None,
) -> tuple[float, Any]:
    """Wall time of one overview (fresh client and sessions), and the overview; with
    `httpx_default` every organisation's client uses httpx's own transport instead of the
    app's (`--compare`); with `tls` the sources' certificate is verified against it."""
    shared = new_client(transport, timeout_s=OVERVIEW_TIMEOUT_S) if transport else None
    if httpx_default and shared is None:
        own = [new_client(timeout_s=OVERVIEW_TIMEOUT_S) for _ in organisations]
        clients = [SourceClient(o, c, identity) for o, c in zip(organisations, own, strict=True)]
    else:
        clients, own = clients_for(organisations, identity, shared=shared,
                                   timeout_s=OVERVIEW_TIMEOUT_S,
                                   ssl_context=tls.client_context if tls else None)
    try:
        started = time.perf_counter()
        overview = await collect_overview(clients, scheme, identity, timeout_s=OVERVIEW_TIMEOUT_S)
        return time.perf_counter() - started, overview
    finally:
        for client in [*own, *([shared] if shared else [])]:
            await client.aclose()


@dataclass
class Row:
    n: int
    wall_s: float
    slowest_alone_s: float
    answered: int
    cpu_s: float = 0.0  # the app process's CPU per overview (median)
    transport: str = "app"
    stub_cpu_s: float = 0.0  # the stub process's CPU per overview (median, 10 ms ticks)

    @property
    def ratio(self) -> float:
        return self.wall_s / self.slowest_alone_s


def process_cpu_s(pid: int | None) -> float:
    """User + system CPU of process `pid` so far (Linux `/proc`; 0 elsewhere or for None)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


class BareExchange(asyncio.Protocol):
    """The ceiling's client for one source: the same three requests an overview makes
    (challenge, session, overview), each written as soon as the previous answer is whole,
    with bytes made beforehand; answers are only framed (Content-Length), never parsed,
    signed or verified. What asyncio, the loopback and the stubs cost on this machine, which
    no app can go below."""

    def __init__(self, requests: list[bytes], done: asyncio.Future[None]) -> None:
        self.requests, self.done = requests, done
        self.step, self.buffer = 0, b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.requests[0])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.buffer[:head_end].lower()
        length = int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        if len(self.buffer) < head_end + 4 + length:
            return
        self.buffer, self.step = b"", self.step + 1
        assert self.transport is not None
        if self.step == len(self.requests):
            self.transport.close()
            self.done.set_result(None)
        else:
            self.transport.write(self.requests[self.step])

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(exc or ConnectionError("closed before the last answer"))


def bare_requests(setup: Setup, base: str, index: int) -> list[bytes]:
    """Organisation `index`'s three requests as the app sends them, in size and headers
    (a real certificate; proofs and token of the app's length), made before the clock."""
    host = urlsplit(base).netloc
    prefix = f"{urlsplit(base).path}/org{index}/vorderingen/v2"
    common = f"Host: {host}\r\nAccept: application/json\r\nAccept-Encoding: identity\r\n"
    proof = setup.identity.proof(random_token(32), "0" * 20, f"{base}{prefix}")
    body = json.dumps({"certificaat": setup.identity.certificate, "bewijs": proof},
                      separators=(",", ":")).encode()
    return [
        f"POST {prefix}/sessies/uitdagingen HTTP/1.1\r\n{common}Content-Length: 0\r\n\r\n"
        .encode(),
        f"POST {prefix}/sessies HTTP/1.1\r\n{common}Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode() + body,
        f"GET {prefix}/vorderingenoverzicht HTTP/1.1\r\n{common}Authorization: Sessie "
        f"{random_token(32)}\r\nVerzoek-Bewijs: {proof}\r\n\r\n".encode(),
    ]


_BARE_REQUESTS: dict[tuple[str, int], list[bytes]] = {}  # made once, outside any clock


async def bare_overview(setup: Setup, base: str, indices: list[int],
                        tls: BenchTLS | None = None) -> tuple[float, int]:
    """Wall time of the ceiling's requests to `indices` at once (see `BareExchange`), over
    TLS verified against `tls` when given."""
    loop = asyncio.get_running_loop()
    parts = urlsplit(base)
    requests = [_BARE_REQUESTS.get((base, i)) or bare_requests(setup, base, i)
                for i in indices]

    async def one(made: list[bytes]) -> None:
        done: asyncio.Future[None] = loop.create_future()
        await loop.create_connection(lambda: BareExchange(made, done), parts.hostname,
                                     parts.port, ssl=tls.client_context if tls else None)
        await done

    started = time.perf_counter()
    tasks = []
    for number, made in enumerate(requests, 1):  # started as the app starts its sources
        tasks.append(asyncio.create_task(one(made)))
        if number % STARTS_PER_TURN == 0:
            await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    return time.perf_counter() - started, len(indices)


Variant = Callable[[Setup, str, list[int]], Any]  # → (wall s, sources answered)


def variants(transport: httpx.AsyncBaseTransport | None, *, compare: bool,
             ceiling: bool, tls: BenchTLS | None = None) -> dict[str, Variant]:
    """What `measure` times per round, by the name its rows carry: the app; with
    `compare`, the app on httpx's own transport; with `ceiling`, the bare exchanges; all
    over TLS when `tls` is given."""
    async def app(setup: Setup, base: str, indices: list[int], httpx_default: bool = False,
                  ) -> tuple[float, int]:
        wall, overview = await one_overview(*_pick(setup, base, indices), setup.identity,
                                            transport, httpx_default=httpx_default, tls=tls)
        return wall, sum(1 for s in overview.bronnen if s.status == "beantwoord")

    chosen: dict[str, Variant] = {"app": app}
    if compare:
        chosen["httpx"] = functools.partial(app, httpx_default=True)
    if ceiling:
        chosen["ceiling"] = functools.partial(bare_overview, tls=tls)
    return chosen


async def measure(
    setup: Setup, base: str, sizes: tuple[int, ...], rounds: int,
    transport: httpx.AsyncBaseTransport | None = None, *, compare: bool = False,
    ceiling: bool = False, stub_pid: int | None = None, tls: BenchTLS | None = None,
) -> list[Row]:
    """Per N: median wall time of the overview and of its slowest source alone; with
    `compare` also with httpx's default transport, with `ceiling` also the bare exchanges
    (`BareExchange`), all interleaved per round so they see the same machine. With
    `stub_pid`, also the stub process's CPU per overview."""
    rows = []
    chosen = variants(transport, compare=compare, ceiling=ceiling, tls=tls)
    for run in chosen.values():
        await run(setup, base, [0])  # warm up
    if ceiling:  # its requests (two ES256 proofs each) are not the ceiling's CPU
        _BARE_REQUESTS.update(((base, i), bare_requests(setup, base, i))
                              for i in range(max(sizes)))
    for n in sizes:
        indices = list(range(n))
        slowest = max(indices, key=lambda i: setup.latencies_s[i])
        samples: dict[str, list[tuple[float, float, float, float, int]]] = {
            name: [] for name in chosen}
        for _ in range(rounds):
            for name, run in chosen.items():
                cpu, stub_cpu = time.process_time(), process_cpu_s(stub_pid)
                wall, answered = await run(setup, base, indices)
                spent = (time.process_time() - cpu, process_cpu_s(stub_pid) - stub_cpu)
                alone, _ = await run(setup, base, [slowest])
                samples[name].append((wall, alone, *spent, answered))
        for name, runs in samples.items():
            wall, alone, cpu, stub_cpu = (statistics.median(r[k] for r in runs)
                                          for k in range(4))
            rows.append(Row(n, wall, alone, min(r[4] for r in runs), cpu, name, stub_cpu))
    return rows


def _pick(setup: Setup, base: str, indices: list[int]) -> tuple[Scheme, list[dict[str, Any]]]:
    return at(setup, base, indices)


def launch_stubs(script: str, setup: Setup,
                 tls: BenchTLS | None = None) -> tuple[subprocess.Popen[str], str]:
    """`script --stubs` in a child process (its own core), given the envelopes and latencies
    (and the certificate to serve with) on stdin; the first line it prints (where it
    listens). Shared with browser_fanout_bench.py."""
    process = subprocess.Popen([sys.executable, script, "--stubs"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    json.dump({"envelopes": [e.decode() for e in setup.envelopes],
               "latencies_s": setup.latencies_s,
               "tls": [tls.certificate, tls.key] if tls else None}, process.stdin)
    process.stdin.close()
    return process, process.stdout.readline()


def start_stubs(setup: Setup,
                tls: BenchTLS | None = None) -> tuple[subprocess.Popen[str], str]:
    """The stub sources in a child process (its own core), over TLS with `tls`; their base
    URL."""
    process, port = launch_stubs(__file__, setup, tls)
    base = f"{'https' if tls else 'http'}://127.0.0.1:{int(port)}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while True:
        try:
            httpx.get(f"{base}/ready", timeout=1, verify=tls.client_context if tls else True)
            return process, base
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the stub sources did not start") from None
            time.sleep(0.05)


def pin_cores(stub_pid: int) -> tuple[set[int], set[int]]:
    """`--pin`: the stubs on the last CPU this process may use, the bench (the app) on the
    others — as on a citizen's machine, where the sources' servers use none of its cores.
    Returns (the app's CPUs, the stubs' CPUs); `ValueError` with fewer than two."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        raise ValueError("--pin needs at least two CPUs")
    app, stubs = set(available[:-1]), {available[-1]}
    os.sched_setaffinity(stub_pid, stubs)
    os.sched_setaffinity(0, app)
    return app, stubs


def stop_stubs(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


HOST_SUFFIX = ".fanout.test"


def emulate_lookups(seconds: float) -> None:
    """Host names `org<i>.fanout.test` resolve to the loopback after blocking the looking-up
    thread for `seconds`, as an uncached DNS lookup does (`--resolve-ms`)."""
    real_lookup = socket.getaddrinfo

    def lookup(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith(HOST_SUFFIX):
            time.sleep(seconds)
            host = "127.0.0.1"
        return real_lookup(host, port, *args, **kwargs)

    socket.getaddrinfo = lookup


def fanout_arguments(description: str, *, latency_help: str,
                     rounds: int = DEFAULT_ROUNDS) -> argparse.ArgumentParser:
    """The options every fan-out bench takes (this one and browser_fanout_bench.py)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="numbers of sources, comma-separated")
    parser.add_argument("--latency-ms", type=float, default=DEFAULT_LATENCY_MS,
                        help=latency_help)
    parser.add_argument("--jitter-ms", type=float, default=0.0,
                        help="spread the latency per source uniformly by ± this much")
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--stubs", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = fanout_arguments(__doc__.split("\n\n")[0],
                              latency_help="latency of every answer of a source")
    parser.add_argument("--compare", action="store_true",
                        help="also measure with httpx's default transport, side by side")
    parser.add_argument("--no-ceiling", dest="ceiling", action="store_false",
                        help="leave out the ceiling (the bare exchanges, no app work)")
    parser.add_argument("--resolve-ms", type=float, default=0.0,
                        help="address organisation i as org<i>.fanout.test, each lookup "
                             "taking this long (an uncached DNS lookup); 0: IP literals")
    parser.add_argument("--tls", action="store_true",
                        help="serve the stubs over HTTPS (a certificate made for the run), "
                             "as production sources are")
    parser.add_argument("--pin", action="store_true",
                        help="the stubs on one CPU, the app on the others (Linux): the "
                             "app's figures without the stubs' CPU beside it")
    parser.add_argument("--resolver-threads", type=int, default=resolver.RESOLVER_THREADS,
                        help="threads of the app's resolver pool (asyncio's default "
                             "executor has min(32, cores + 4))")
    args = parser.parse_args(argv)
    resolver.RESOLVER_THREADS = args.resolver_threads
    if args.stubs:
        serve_stubs()
        return 0
    if args.tls and args.compare:
        parser.error("--compare measures httpx's transport over plain HTTP only")
    if args.pin and (not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2):
        parser.error("--pin needs Linux and at least two CPUs")
    sizes = tuple(int(n) for n in args.sizes.split(","))
    setup = build(max(sizes), args.latency_ms, args.jitter_ms)
    gc.freeze()  # as `vorderingen app overzicht` does before its fan-out (app/cli.py)
    with tempfile.TemporaryDirectory(prefix="fanout-tls-") as directory:
        tls = make_tls(directory) if args.tls else None
        process, base = start_stubs(setup, tls)
        pinned = pin_cores(process.pid) if args.pin else None
        if args.resolve_ms > 0:
            emulate_lookups(args.resolve_ms / 1000)
            base = base.replace("127.0.0.1", "org{i}" + HOST_SUFFIX)
        try:
            rows = asyncio.run(measure(setup, base, sizes, args.rounds, compare=args.compare,
                                       ceiling=args.ceiling and args.resolve_ms == 0,
                                       stub_pid=process.pid, tls=tls))
        finally:
            stop_stubs(process)
    names = (f"host names resolved in {args.resolve_ms:g} ms each by "
             f"{args.resolver_threads} threads" if args.resolve_ms > 0 else "IP literals")
    print(f"fan-out: latency {args.latency_ms:g} ms ± {args.jitter_ms:g} ms per answer, "
          f"3 answers per source, median of {args.rounds} rounds; {names}; "
          f"{'HTTPS (ECDSA P-256 certificate)' if tls else 'plain HTTP'}"
          + (f"; app on CPUs {sorted(pinned[0])}, stubs on {sorted(pinned[1])}" if pinned
             else ""))
    print(f"{'N':>4} {'target':>9} {'wall (ms)':>10} {'slowest alone (ms)':>19} "
          f"{'ratio':>6} {'CPU (ms)':>9} {'stub CPU':>9} {'answered':>9}")
    for row in rows:
        print(f"{row.n:>4} {row.transport:>9} {row.wall_s * 1000:>10.0f} "
              f"{row.slowest_alone_s * 1000:>19.0f} {row.ratio:>6.2f} {row.cpu_s * 1000:>9.0f} "
              f"{row.stub_cpu_s * 1000:>9.0f} {row.answered:>9}")
    print_verdicts("wall", [(row.n, row.ratio) for row in rows if row.transport == "app"])
    return 0


def print_verdicts(what: str, ratios: list[tuple[int, float]]) -> None:
    """One line per N from 50 on (issue 16 names 50, 200 and 400): the ratio against the
    target. Shared with browser_fanout_bench.py."""
    for n, ratio in ratios:
        if n >= 50:
            verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
            print(f"target {what} ≤ {TARGET_RATIO} × slowest at N = {n}: {verdict} "
                  f"({ratio:.2f})")


if __name__ == "__main__":
    sys.exit(main())
