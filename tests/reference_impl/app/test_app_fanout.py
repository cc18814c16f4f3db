"""The fan-out benchmark's stub sources are conformant, the fan-out is concurrent, the
ceiling makes the requests the app makes, `--tls` is verified TLS and `--pin` separates the
stubs' CPU from the app's."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httptools
import pytest
from bench_support import load_bench
from federation_support import ValidatingTransport

from reference_impl.app import sources

bench = load_bench("fanout_bench")


@pytest.fixture(scope="module")
def stubs() -> Iterator[tuple[Any, str]]:
    setup = bench.build(8, latency_ms=300, jitter_ms=0)
    process, base = bench.start_stubs(setup)
    try:
        yield setup, base
    finally:
        bench.stop_stubs(process)


@pytest.mark.anyio
async def test_the_stub_sources_answer_as_the_openapi_document_says(stubs: Any) -> None:
    setup, base = stubs
    transport = ValidatingTransport()
    _wall, overview = await bench.one_overview(*bench.at(setup, base, [0, 1, 2]), setup.identity,
                                               transport)
    assert [s.status for s in overview.bronnen] == ["beantwoord"] * 3
    assert transport.validated == {"bron": 9}  # challenge, session, overview per source


@pytest.mark.anyio
async def test_eight_sources_take_about_as_long_as_one(stubs: Any) -> None:
    setup, base = stubs
    alone, _ = await bench.one_overview(*bench.at(setup, base, [0]), setup.identity)
    wall, overview = await bench.one_overview(*bench.at(setup, base, list(range(8))),
                                              setup.identity)
    assert all(s.status == "beantwoord" for s in overview.bronnen)
    assert alone >= 0.9  # three answers of 300 ms each
    assert wall < 2 * alone  # one after another would take eight times as long


class _Request:
    """httptools' callbacks: one request's target and header names."""

    def __init__(self) -> None:
        self.target, self.names, self.body = b"", [], b""

    def on_url(self, url: bytes) -> None:
        self.target += url

    def on_header(self, name: bytes, _value: bytes) -> None:
        self.names.append(name.decode().lower())

    def on_body(self, body: bytes) -> None:
        self.body += body


def _parsed(request: bytes) -> tuple[str, str, list[str], bytes]:
    seen = _Request()
    parser = httptools.HttpRequestParser(seen)
    parser.feed_data(request)
    return parser.get_method().decode(), seen.target.decode(), seen.names, seen.body


@pytest.mark.anyio
async def test_the_ceiling_makes_the_apps_three_requests_and_reads_every_answer(
        stubs: Any) -> None:
    setup, base = stubs
    made = [_parsed(request) for request in bench.bare_requests(setup, base, 2)]
    prefix = "/org2/vorderingen/v2"
    assert [(method, target) for method, target, _names, _body in made] == [
        ("POST", f"{prefix}/sessies/uitdagingen"), ("POST", f"{prefix}/sessies"),
        ("GET", f"{prefix}/vorderingenoverzicht")]
    assert {"content-type", "content-length"} <= set(made[1][2])
    assert set(json.loads(made[1][3])) == {"certificaat", "bewijs"}
    assert {"authorization", "verzoek-bewijs"} <= set(made[2][2])
    _wall, answered = await bench.bare_overview(setup, base, [0, 1, 2])
    assert answered == 3  # a missing answer would have raised


# --- over HTTPS (--tls) ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_stubs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str, Any]]:
    setup = bench.build(3, latency_ms=50, jitter_ms=0)
    tls = bench.make_tls(str(tmp_path_factory.mktemp("fanout-tls")))
    process, base = bench.start_stubs(setup, tls)
    try:
        yield setup, base, tls
    finally:
        bench.stop_stubs(process)


@pytest.mark.anyio
async def test_over_tls_the_app_and_the_ceiling_verify_the_sources_certificate(
        tls_stubs: Any) -> None:
    setup, base, tls = tls_stubs
    assert base.startswith("https://127.0.0.1:")
    _wall, overview = await bench.one_overview(*bench.at(setup, base, [0, 1, 2]),
                                               setup.identity, tls=tls)
    assert [s.status for s in overview.bronnen] == ["beantwoord"] * 3
    _wall, answered = await bench.bare_overview(setup, base, [0, 1, 2], tls=tls)
    assert answered == 3
    # the app's own roots do not know the bench's certificate: no source is reached
    _wall, refused = await bench.one_overview(*bench.at(setup, base, [0]), setup.identity)
    assert [(s.status, s.code) for s in refused.bronnen] == [("onbereikbaar",
                                                              "app/geen-verbinding")]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="--pin needs Linux and two CPUs")
def test_pin_gives_the_stubs_a_cpu_of_their_own() -> None:
    before = os.sched_getaffinity(0)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        app, stubs = bench.pin_cores(child.pid)
        assert os.sched_getaffinity(child.pid) == stubs and os.sched_getaffinity(0) == app
        assert app | stubs == before and not app & stubs and len(stubs) == 1
    finally:
        os.sched_setaffinity(0, before)  # the rest of the session keeps every CPU
        child.kill()
        child.wait()


# --- the fan-out's start (sources.fan_out) ----------------------------------------------

SOURCES_AT_ONCE = 80  # a fan-out this large is started over several turns


@pytest.mark.anyio
async def test_the_first_sources_go_on_while_later_ones_start() -> None:
    # Started all at once, every source's next step would wait for the last one's first.
    events: list[tuple[str, int]] = []

    async def work(client: int) -> int:
        events.append(("start", client))
        await asyncio.sleep(0)  # as a connection being made
        events.append(("on", client))
        return client

    outcomes = await sources.fan_out(list(range(SOURCES_AT_ONCE)), work)  # type: ignore[arg-type]
    assert [outcome.value for outcome in outcomes] == list(range(SOURCES_AT_ONCE))
    assert events.index(("on", 0)) < events.index(("start", SOURCES_AT_ONCE - 1))


@pytest.mark.anyio
async def test_a_fan_out_cancelled_while_starting_leaves_no_source_running() -> None:
    started: list[int] = []
    stopped: list[int] = []

    async def work(client: int) -> None:
        started.append(client)
        try:
            await asyncio.sleep(60)
        finally:
            stopped.append(client)

    fanning = asyncio.create_task(sources.fan_out(list(range(SOURCES_AT_ONCE)), work))  # type: ignore[arg-type]
    while not started:
        await asyncio.sleep(0)
    assert len(started) < SOURCES_AT_ONCE  # still starting
    fanning.cancel()
    with pytest.raises(asyncio.CancelledError):
        await fanning
    for _ in range(3):
        await asyncio.sleep(0)
    assert sorted(stopped) == sorted(started) and len(started) < SOURCES_AT_ONCE
