"""The browser fan-out benchmark measures what it says: the page, past its login, against
stub sources on origins of their own whose every answer — CORS preflights included — comes
after the latency and is what bron.yaml says; and its ceiling makes the same cross-origin
requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from bench_support import load_bench
from federation_support import ValidatingTransport

from reference_impl.common.scheme import Scheme

pytestmark = pytest.mark.browser

LATENCY_MS = 150
SOURCES = 3

fanout = load_bench("fanout_bench")  # the one browser_fanout_bench imports
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


@pytest.mark.anyio
async def test_the_stubs_answer_as_the_openapi_document_says(run: dict[str, Any]) -> None:
    federation = run["federation"]
    organisations = federation.organisations(list(range(SOURCES)))
    scheme = Scheme(payload={**federation.setup.scheme.payload, "organisaties": organisations},
                    token="")
    transport = ValidatingTransport()
    _wall, overview = await fanout.one_overview(scheme, organisations, federation.setup.identity,
                                                transport)
    assert [s.status for s in overview.bronnen] == ["beantwoord"] * SOURCES
    assert transport.validated == {"bron": 3 * SOURCES}  # challenge, session, overview


@pytest.mark.parametrize("path", ["/sessies", "/vorderingenoverzicht"])
def test_a_preflight_is_answered_as_bron_yaml_says_after_the_latency(
        run: dict[str, Any], path: str) -> None:
    # bron.yaml has no OPTIONS operations for openapi-core to check; its CORS rule is prose.
    started = time.perf_counter()
    answer = httpx.options(f"http://127.0.0.1:{run['ports'][1]}/vorderingen/v2{path}",
                           headers={"Origin": run["url"].rstrip("/"),
                                    "Access-Control-Request-Method": "POST",
                                    "Access-Control-Request-Headers": "content-type"})
    assert time.perf_counter() - started >= LATENCY_MS / 1000
    assert answer.status_code == 204 and answer.content == b""
    assert dict(answer.headers) == {
        "access-control-allow-origin": "*",
        "access-control-allow-methods": "DELETE, GET, OPTIONS, POST",
        "access-control-allow-headers": "Authorization, Content-Type, Idempotency-Key, "
                                        "Verzoek-Bewijs",
        "access-control-max-age": "600"}


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
