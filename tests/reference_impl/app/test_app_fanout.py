"""The fan-out benchmark's stub sources are conformant, and the fan-out is concurrent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bench_support import load_bench
from federation_support import ValidatingTransport

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
