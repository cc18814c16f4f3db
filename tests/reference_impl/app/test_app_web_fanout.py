"""The browser fan-out benchmark measures what it says: the page, past its login, against
stub sources on origins of their own whose every answer — CORS preflights included — comes
after the latency; and its ceiling makes the same cross-origin requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from bench_support import load_bench

pytestmark = pytest.mark.browser

LATENCY_MS = 150
SOURCES = 3

bench = load_bench("browser_fanout_bench")


@pytest.fixture(scope="module")
def run() -> Iterator[dict[str, Any]]:
    setup = bench.build(SOURCES, LATENCY_MS, 0)
    process, ports = bench.start_stubs(setup)
    published = bench.SchemeDocument()
    operator = bench.generate_key()
    federation = bench.Federation(setup, ports, operator, bench.generate_key(), published)
    try:
        with bench.ThreadServer(uvicorn.Config(published, log_level="warning",
                                               access_log=False, lifespan="off")) as scheme:
            config = bench.WebConfig(f"{scheme.url}/stelsel", [bench.public_jwk(operator)],
                                     "test", None, bench.PAGE_TIMEOUT_S)
            page_config = bench.server_config(bench.create_app(config), host="127.0.0.1",
                                              port=0, log_level="warning", lifespan="off")
            with bench.ThreadServer(page_config) as page, \
                    bench.Chromium(bench.CHROMIUM, bench.CHROMIUM_ARGS) as chromium:
                yield {"chromium": chromium, "federation": federation, "url": page.url + "/",
                       "meter": bench.CpuMeter(process.pid), "ports": ports}
    finally:
        bench.stop_stubs(process)


def test_every_source_has_an_origin_of_its_own(run: dict[str, Any]) -> None:
    assert len(set(run["ports"])) == SOURCES


@pytest.mark.parametrize("kind", ["page_overview", "bare_overview"])
def test_a_first_overview_takes_five_answers_per_source(run: dict[str, Any], kind: str) -> None:
    visit = getattr(bench, kind)
    shown = visit(run["chromium"], run["federation"], run["url"], list(range(SOURCES)),
                  run["meter"])
    # Every envelope verified by the page (or, for the ceiling, received), and five answers
    # one after another: challenge, preflight, session, preflight, overview.
    assert shown.answered == SOURCES
    assert shown.wall_s >= 5 * LATENCY_MS / 1000
    assert shown.browser_cpu_s > 0
