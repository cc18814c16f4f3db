"""The suite always ends and stays small against hostile endpoints, and certifies an endpoint
behind an enterprise network (own CA, API gateway key, proxy) on every HTTP stack it uses.

Hostile endpoints are raw loopback sockets; memory is measured with tracemalloc (the peak of
Python allocations during the run, bodies included) as a generous bound."""

from __future__ import annotations

import datetime
import functools
import http.client
import ipaddress
import json
import select
import socket
import socketserver
import ssl
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance import cli, keys
from conformance.demo import ReferenceLauncher, SuiteMaterial
from conformance.http_limits import MAX_RESPONSE_BYTES, limited_session

OIN = "00000001234567890000"
API_PATH = "/vorderingen/v2"
DRIP_INTERVAL_S = 0.3  # shorter than every read timeout used here: only a total deadline ends it
BOMB_BYTES = 128 * 1024 * 1024
MEMORY_BOUND_BYTES = 64 * 1024 * 1024  # what a run may hold at its peak; a bomb holds 128 MiB
GATEWAY_HEADER = "X-Gateway-Key"
GATEWAY_SECRET = "gateway-secret-7f3a"

pytestmark = pytest.mark.live


@functools.cache
def _gzip_bomb() -> bytes:
    stream = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = [stream.compress(block) for _ in range(BOMB_BYTES // len(block))]
    parts.append(stream.flush())
    return b"".join(parts)


class HostileServer(socketserver.ThreadingTCPServer):
    """Answers /configuratie as `config` says (None: hostile there too) and every other
    request with `behaviour`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: str, config: dict[str, Any] | None = None) -> None:
        self.behaviour, self.config = behaviour, config
        self.stop = threading.Event()
        self.hostile_answers = 0  # requests answered with `behaviour`
        self.bomb = _gzip_bomb() if behaviour == "gzip_bomb" else b""
        super().__init__(("127.0.0.1", 0), _HostileHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}{API_PATH}"

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.shutdown()
        self.server_close()


class _HostileHandler(socketserver.StreamRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        try:
            while not self.server.stop.is_set():
                path = self._read_request()
                if path is None:
                    return
                if self.server.config is not None and path.endswith("/configuratie"):
                    self._answer(200, json.dumps(self.server.config).encode())
                    continue
                self.server.hostile_answers += 1
                getattr(self, "_" + self.server.behaviour)()
                return
        except OSError:  # the suite hung up, as it should
            return

    def _read_request(self) -> str | None:
        line = self.rfile.readline(65537)
        if not line:
            return None
        length = 0
        while (header := self.rfile.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        self.rfile.read(length)
        parts = line.split()
        return parts[1].decode("latin-1") if len(parts) > 1 else "/"

    def _head(self, *headers: str) -> None:
        self.wfile.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          + "".join(h + "\r\n" for h in headers) + "\r\n").encode())

    def _answer(self, status: int, body: bytes) -> None:
        self.wfile.write(f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
                         f"API-Version: 2.0.0\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                         + body)

    def _drip(self) -> None:
        self._head("Content-Length: 1000000")
        while not self.server.stop.wait(DRIP_INTERVAL_S):
            self.wfile.write(b" ")

    def _endless(self) -> None:
        self._head("Connection: close")
        block = b"[" + b"0," * 32768
        while not self.server.stop.is_set():
            self.wfile.write(block)

    def _gzip_bomb(self) -> None:
        self._head("Content-Encoding: gzip", f"Content-Length: {len(self.server.bomb)}")
        self.wfile.write(self.server.bomb)

    def _nested(self) -> None:
        depth = 100_000
        self._answer(200, b'{"a":' * depth + b"1" + b"}" * depth)

    def _silent(self) -> None:
        self.server.stop.wait(60)


@pytest.fixture(scope="module")
def suite_keys(tmp_path_factory: pytest.TempPathFactory) -> keys.SuiteKeys:
    return keys.ensure_keys(tmp_path_factory.mktemp("hostile") / "sleutels")


def _scheme_for(suite_keys: keys.SuiteKeys, url: str) -> None:
    from conformance.jose import SigningKey

    keys.write_scheme(suite_keys, oin=OIN, api_url=url,
                      bron_jwk=SigningKey.generate().published_jwk())


def _run(argv: list[str]) -> tuple[int, int]:
    """(exit code, peak bytes of Python allocations) of `vorderingen-conformance` in-process."""
    tracemalloc.start()
    try:
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return int(exit_info.value.code or 0), peak


@pytest.mark.parametrize("behaviour", ["drip", "endless", "gzip_bomb", "nested", "silent"])
def test_hostile_configuratie_ends_in_could_not_run_and_stays_small(
    behaviour: str, suite_keys: keys.SuiteKeys, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with HostileServer(behaviour) as server:
        _scheme_for(suite_keys, server.url)
        code, peak = _run(["run", server.url, "--sleutels", str(suite_keys.directory),
                           "--timeout", "1.5", "--deadline", "30",
                           "--report-dir", str(tmp_path)])
    assert code == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "could not run" in err and "Traceback" not in err
    assert peak < MEMORY_BOUND_BYTES, f"peak {peak / 2**20:.0f} MiB"
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verdict"] == "error" and "configuratie" in report["error"]


def test_run_past_its_deadline_reports_the_checks_not_run(
    suite_keys: keys.SuiteKeys, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """/configuratie answers; every other request drips: the preflight's session cannot
    complete, so the run ends with one could-not-run line (exit 3), before the matrix, and
    the reports are written. (The deadline path itself: tests/conformance/test_runner.py.)"""
    config = {"oin": OIN, "api_versie": "2.0.0", "diensten": ["vorderingenoverzicht"]}
    with HostileServer("drip", config=config) as server:
        _scheme_for(suite_keys, server.url)
        code, peak = _run(["run", server.url, "--sleutels", str(suite_keys.directory),
                           "--timeout", "1", "--deadline", "3", "--profile", "basis",
                           "--report-dir", str(tmp_path)])
    assert code == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "could not run: preflight: no complete answer" in err
    assert peak < MEMORY_BOUND_BYTES
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verdict"] == "error" and report["error"].startswith("preflight:")
    assert report["checks"] == []  # nothing was claimed about the endpoint


def test_a_cut_off_openapi_layer_stops_its_worker_thread(
    suite_keys: keys.SuiteKeys,
) -> None:
    """schemathesis runs in a worker thread that a timeout cannot kill: when its check is
    cut off, the layer stops after the request in flight instead of working through every
    generated case (about 60 here, each taking the 1 s request deadline)."""
    import asyncio

    from conformance.checks.openapi import openapi_positive_conformant
    from conformance.runner import RunOptions, run

    config = {"oin": OIN, "api_versie": "2.0.0", "diensten": ["vorderingenoverzicht"]}
    with HostileServer("drip", config=config) as server:
        _scheme_for(suite_keys, server.url)
        options = RunOptions(base_url=server.url, key_dir=suite_keys.directory, timeout_s=1,
                             checks=(openapi_positive_conformant,), check_timeout_s=2,
                             test_bsns=("123456782",))
        report = asyncio.run(run(options))  # returns once the worker thread has ended
        answered = server.hostile_answers
    assert report.results[0].outcome.value == "error"
    assert answered <= 4, answered  # without the stop: 13 here


@pytest.mark.parametrize("behaviour", ["drip", "endless", "gzip_bomb", "nested", "silent"])
def test_requests_stack_of_the_openapi_layer_is_bounded_too(behaviour: str) -> None:
    with HostileServer(behaviour) as server, limited_session(1.0) as session:
        tracemalloc.start()
        try:
            with pytest.raises(requests.RequestException) as raised:
                session.get(server.url + "/vorderingenoverzicht", timeout=1.0)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < MEMORY_BOUND_BYTES
    expected = {"drip": "within 1 s", "silent": "", "endless": f"exceeds {MAX_RESPONSE_BYTES}",
                "gzip_bomb": "inflates past", "nested": "deeper than"}[behaviour]
    assert expected in str(raised.value)


# -- enterprise network: own CA, gateway key, forward proxy ---------------------------------


def _pki(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 it signs: (ca.pem, cert.pem, key.pem);
    also client.pem and client.key, a client certificate by the same CA (mTLS)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, issuer: x509.Name | None, key: Any, signer: Any, ca: bool):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
        builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("Test Enterprise CA", None, ca_key, ca_key, True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = build("gateway", ca_cert.subject, server_key, ca_key, False)
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_cert = build("suite", ca_cert.subject, client_key, ca_key, False)
    (directory / "client.pem").write_bytes(client_cert.public_bytes(serialization.Encoding.PEM))
    (directory / "client.key").write_bytes(client_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    paths = directory / "ca.pem", directory / "gateway.pem", directory / "gateway.key"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(server_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return paths


HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host",
              "proxy-connection", "upgrade"}


class Gateway(socketserver.ThreadingTCPServer):
    """A TLS-terminating API gateway: refuses a request without the gateway key (401),
    forwards the rest to the source over plain HTTP and adds HSTS."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: str, cert: Path, key: Path, client_ca: Path | None = None):
        self.upstream = upstream  # host:port of the source
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.minimum_version = ssl.TLSVersion.TLSv1_2
        self.tls.load_cert_chain(cert, key)
        if client_ca is not None:  # mTLS: only clients with a certificate by this CA
            self.tls.verify_mode = ssl.CERT_REQUIRED
            self.tls.load_verify_locations(client_ca)
        self.lock = threading.Lock()
        self.forwarded: list[tuple[int, str]] = []  # (client port, user agent)
        self.refused = 0
        super().__init__(("127.0.0.1", 0), _GatewayHandler)


class _GatewayHandler(socketserver.BaseRequestHandler):
    server: Gateway

    def handle(self) -> None:
        try:
            conn = self.server.tls.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the TLS checks' probing handshakes
        reader = conn.makefile("rb")
        try:
            while self._one(conn, reader):
                pass
        except (OSError, ValueError):
            return
        finally:
            conn.close()

    def _one(self, conn: ssl.SSLSocket, reader: Any) -> bool:
        line = reader.readline(65537)
        if not line:
            return False
        method, target, _version = line.decode("latin-1").split(" ", 2)
        headers: list[tuple[str, str]] = []
        while (raw := reader.readline(65537)) not in (b"\r\n", b"\n", b""):
            name, _, value = raw.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        lower = {n.lower(): v for n, v in headers}
        body = reader.read(int(lower.get("content-length", "0")))
        if lower.get(GATEWAY_HEADER.lower()) != GATEWAY_SECRET:
            with self.server.lock:
                self.server.refused += 1
            conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
            return True
        with self.server.lock:
            self.server.forwarded.append((self.client_address[1], lower.get("user-agent", "")))
        upstream = http.client.HTTPConnection(self.server.upstream, timeout=30)
        # header by header: a repeated header must reach the source repeated
        upstream.putrequest(method, target, skip_accept_encoding=True)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                upstream.putheader(name, value)
        if body:
            upstream.putheader("Content-Length", str(len(body)))
        upstream.endheaders(body or None)
        answer = upstream.getresponse()
        payload = answer.read()
        upstream.close()
        head = [f"HTTP/1.1 {answer.status} {answer.reason}"]
        head += [f"{n}: {v}" for n, v in answer.getheaders() if n.lower() not in HOP_BY_HOP]
        head += [f"Content-Length: {len(payload)}", "Strict-Transport-Security: max-age=31536000"]
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        return True


class ForwardProxy(socketserver.ThreadingTCPServer):
    """An HTTP CONNECT proxy; records the local port of every tunnel it opens upstream."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.tunnel_ports: set[int] = set()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: ForwardProxy

    def handle(self) -> None:
        line = self.rfile.readline(65537).decode("latin-1").split()
        while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
            pass
        if len(line) < 2 or line[0] != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = line[1].rpartition(":")
        upstream = socket.create_connection((host, int(port)), timeout=30)
        with self.server.lock:
            self.server.tunnel_ports.add(upstream.getsockname()[1])
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        client = self.connection  # the client waits for our 200 before it speaks
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [], 30)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()


def _serve(server: socketserver.BaseServer) -> None:
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()


@pytest.fixture
def enterprise_network(tmp_path: Path) -> Iterator[dict[str, Any]]:
    material = SuiteMaterial(keys.ensure_keys(tmp_path / "sleutels"))
    launcher = ReferenceLauncher()
    source = launcher.start(material)
    ca, cert, key = _pki(tmp_path)
    upstream = source.base_url.split("://", 1)[1].split("/", 1)[0]
    gateway, proxy = Gateway(upstream, cert, key), ForwardProxy()
    _serve(gateway)
    _serve(proxy)
    try:
        yield {
            "url": f"https://127.0.0.1:{gateway.server_address[1]}{API_PATH}",
            "source": source, "ca": ca, "key_dir": material.suite_keys.directory,
            "gateway": gateway, "proxy": proxy,
        }
    finally:
        for server in (gateway, proxy):
            server.shutdown()
            server.server_close()
        launcher.stop()


@pytest.mark.slow
def test_suite_certifies_through_gateway_proxy_and_own_ca(
    enterprise_network: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both HTTP stacks (httpx for the checks, requests for the OpenAPI layer) trust the
    internal CA, carry the gateway key and go through the proxy: the basis profile is green,
    OpenAPI layer included, and no request reached the gateway without its key."""
    net = enterprise_network
    gateway: Gateway = net["gateway"]
    proxy: ForwardProxy = net["proxy"]
    report_dir = tmp_path / "reports"
    argv = ["run", net["url"], "--sleutels", str(net["key_dir"]), "--profile", "basis",
            "--ca-bundle", str(net["ca"]), "--header", f"{GATEWAY_HEADER}: {GATEWAY_SECRET}",
            "--proxy", f"http://127.0.0.1:{proxy.server_address[1]}",
            "--max-examples", "3", "--report-dir", str(report_dir)]
    for bsn in net["source"].test_bsns:
        argv += ["--test-bsn", bsn]
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    out = capsys.readouterr().out
    written = json.loads((report_dir / "report.json").read_text())
    outcomes = {c["check"]: c["outcome"] for c in written["checks"]}
    allowed_skips = {"expired_nonce_rejected", "expired_session_token_rejected",
                     "unoffered_service_before_authentication"}
    untested = {c["check"] for c in written["checks"] if c["outcome"] == "skipped"
                and c["skip"] == "not_tested" and c["severity"] == "must"}
    assert exit_info.value.code == (4 if untested else 0), out[-3000:]
    assert untested <= allowed_skips
    assert {c for c, o in outcomes.items() if o != "passed"} <= allowed_skips
    assert {"openapi_positive_conformant", "openapi_negative_rejected",
            "openapi_stateful_links", "https_with_hsts", "tls13_offered"} <= {
        c for c, o in outcomes.items() if o == "passed"}
    assert gateway.refused == 0
    agents = {agent.split("/")[0] for _port, agent in gateway.forwarded}
    # both stacks got through: httpx (the checks) and requests (the OpenAPI layer)
    assert {"vorderingen-conformance", "python-requests"} <= agents
    # every request the gateway forwarded came through a tunnel of the proxy
    assert {port for port, _agent in gateway.forwarded} <= proxy.tunnel_ports
    assert GATEWAY_SECRET not in (report_dir / "report.json").read_text()
    assert written["network"]["header_names"] == [GATEWAY_HEADER]


def test_json_depth_counts_structure_not_brackets_in_strings() -> None:
    from conformance.http_limits import json_depth_exceeded

    assert not json_depth_exceeded(b'{"a": "' + b"[" * 500 + b'"}')
    assert not json_depth_exceeded(b"[" * 100 + b"]" * 100)
    assert json_depth_exceeded(b"[" * 101 + b"]" * 101)
    assert not json_depth_exceeded(b"<html>" + b"[" * 500)  # not JSON: left to the parser


def test_client_certificate_reaches_an_mtls_gateway_on_both_stacks(tmp_path: Path) -> None:
    """--client-cert/--client-key: httpx (the checks) and requests (the OpenAPI layer) both
    present the client certificate; without it the gateway refuses the handshake."""
    import asyncio

    import httpx

    from conformance.context import fetch_config
    from conformance.http_limits import LimitedTransport
    from conformance.network import NetworkOptions

    ca, cert, key = _pki(tmp_path)
    config = {"oin": OIN, "api_versie": "2.0.0"}
    with HostileServer("silent", config=config) as source:
        gateway = Gateway(source.url.split("://", 1)[1].split("/", 1)[0], cert, key, client_ca=ca)
        _serve(gateway)
        url = f"https://127.0.0.1:{gateway.server_address[1]}{API_PATH}"
        headers = ((GATEWAY_HEADER, GATEWAY_SECRET),)
        with_cert = NetworkOptions(ca_bundle=ca, headers=headers, client_cert=tmp_path /
                                   "client.pem", client_key=tmp_path / "client.key").validate()
        without = NetworkOptions(ca_bundle=ca, headers=headers).validate()

        async def configuratie(network: NetworkOptions) -> dict[str, Any]:
            transport = LimitedTransport(network.httpx_transport(url), deadline_s=5)
            async with httpx.AsyncClient(base_url=url, transport=transport,
                                         headers=dict(network.headers)) as client:
                return await fetch_config(client)

        def over_requests(network: NetworkOptions) -> int:
            with limited_session(5.0, network.headers) as session:
                return session.get(url + "/configuratie", timeout=5,
                                   **network.requests_kwargs(url)).status_code

        try:
            assert asyncio.run(configuratie(with_cert))["oin"] == OIN
            assert over_requests(with_cert) == 200
            from conformance.errors import CouldNotRun

            with pytest.raises(CouldNotRun):
                asyncio.run(configuratie(without))
            with pytest.raises(requests.RequestException):
                over_requests(without)
        finally:
            gateway.shutdown()
            gateway.server_close()


def test_encodings_are_decoded_within_bounds_or_refused() -> None:
    from conformance.http_limits import decoded_body

    text = b'{"saldo": 100}'
    assert decoded_body(zlib.compress(text), "deflate") == text
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert decoded_body(raw_deflate.compress(text) + raw_deflate.flush(), "deflate") == text
    twice = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
    inner = twice.compress(zlib.compress(text)) + twice.flush()
    assert decoded_body(inner, "deflate, gzip") == text
    for body, coding, says in [(b"\x1f\x8bnot gzip", "gzip", "does not decode"),
                               (b"\xce\xb2", "br", "did not accept"),
                               (zlib.compress(bytes(10_000)), "deflate", "inflates past")]:
        with pytest.raises(ValueError, match=says):
            decoded_body(body, coding, limit=1000)
