"""The rollout of a next major, played (issue 10, design §3 and governance).

The municipality serves major 2 and the next major side by side (`/vorderingen/v2` and
`/vorderingen/v3`, the latter played by the same handlers announcing "3.0") and is listed
with both endpoints in one format-2 scheme document. An "old" app (supports {2}) and a
"new" app (supports {2, 3}) both get a full overview; one certificate works at both
endpoints; a session proof made for one endpoint's `api_url` is refused at the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from e2e_support import bare_client, code_of, honest_app, log_in

from reference_impl.app.sources import SourceClient
from reference_impl.demo.launcher import BackgroundFederation

GEMEENTE = "00000001001234567000"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def federation() -> Iterator[Any]:
    with BackgroundFederation(source_majors={"voorbeeldstad": (2, 3)}) as running:
        yield running


def _endpoints(federation: Any) -> dict[int, str]:
    scheme = federation.scheme_service.current.claims
    organisation = next(o for o in scheme["organisaties"] if o["oin"] == GEMEENTE)
    return {e["major"]: e["api_url"] for e in organisation["eindpunten"]}


async def _open(client: httpx.AsyncClient, source: SourceClient, at: str,
                named: str) -> httpx.Response:
    """`POST /sessies` at endpoint `at` with a proof naming endpoint `named`."""
    nonce = (await client.post(f"{at}/sessies/uitdagingen")).json()["nonce"]
    return await client.post(f"{at}/sessies", json={
        "certificaat": source.identity.certificate,
        "bewijs": source.identity.proof(nonce, source.oin, named)})


@pytest.mark.anyio
async def test_old_and_new_apps_reach_a_source_that_serves_two_majors(federation: Any) -> None:
    endpoints = _endpoints(federation)
    assert sorted(endpoints) == [2, 3] and endpoints[3].endswith("/vorderingen/v3")
    async with bare_client() as client:
        announced = {major: (await client.get(f"{url}/configuratie")).json()["api_versie"]
                     for major, url in endpoints.items()}
    assert announced == {2: "2.0", 3: "3.0"}

    old, new = honest_app(federation), honest_app(federation, majors=frozenset({2, 3}))
    async with old, new, bare_client() as client:
        await log_in(old)
        await log_in(new)
        by_app = {}
        for app in (old, new):
            overview = await app.overview()
            assert {s.status for s in overview.bronnen} <= {"beantwoord", "niets_te_melden"}
            by_app[app] = overview
        assert by_app[old].totalen() == by_app[new].totalen()
        gemeente_old = next(s for s in old.sources if s.oin == GEMEENTE)
        gemeente_new = next(s for s in new.sources if s.oin == GEMEENTE)
        assert gemeente_old.api_url == endpoints[2] and gemeente_new.api_url == endpoints[3]
        # Every other organisation serves only major 2: the new app uses that one there.
        assert {s.endpoint["major"] for s in new.sources if s.oin != GEMEENTE} == {2}

        # One certificate works at both endpoints.
        for url in endpoints.values():
            opened = await _open(client, gemeente_new, url, url)
            assert opened.status_code == 201, opened.text
        # A proof made for one endpoint's api_url is refused at the other.
        for at, named in ((endpoints[3], endpoints[2]), (endpoints[2], endpoints[3])):
            crossed = await _open(client, gemeente_new, at, named)
            assert (crossed.status_code, code_of(crossed)) == (401, "bewijs/verkeerd-eindpunt")
