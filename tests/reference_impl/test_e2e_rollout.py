"""The rollout of a next major, played (issue 10, design §3 and governance).

The municipality serves major 2 and the next major side by side (`/vorderingen/v2` and
`/vorderingen/v3`, the latter played by the same handlers announcing "3.0") and is listed
with both endpoints in one format-2 scheme document. An "old" app (supports {2}) and a
"new" app (supports {2, 3}) both get a full overview; one certificate works at both
endpoints; a session proof made for one endpoint's `api_url` is refused at the other. Once
the next major is released, every response of the old one says so (governance §4).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import bare_client, code_of, honest_app, log_in

from reference_impl.app.sources import SourceClient
from reference_impl.common.errors import ConfigError
from reference_impl.common.versions import WIRE_VERSION
from reference_impl.demo.data import load_demo
from reference_impl.demo.launcher import BackgroundFederation
from reference_impl.source.app import create_app as create_source_app
from reference_impl.source.config import config_from_mapping
from reference_impl.source.retirement import Retirement

GEMEENTE = "00000001001234567000"


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
    assert announced == {2: WIRE_VERSION, 3: "3.0"}

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


RETIREMENT = Retirement(major=2, deprecation=1_811_808_000, sunset=1_843_430_400,
                        migratie_url="https://standaard.example/vorderingen/v3-migratie")


@pytest.mark.anyio
async def test_the_old_major_announces_its_retirement_and_the_new_one_does_not(
        federation: Any, tmp_path: Path) -> None:
    """/versie/oude-major-deprecation: another process of the municipality, retiring major 2
    (as its `uitfasering` configuration would), answers every response of /vorderingen/v2 —
    successes, problems, unknown paths — with Deprecation, Sunset and the migration Link, and
    no response of /vorderingen/v3 with any of them."""
    endpoints = _endpoints(federation)
    organisation = load_demo().organisation("voorbeeldstad")
    config = config_from_mapping(organisation.config_mapping(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}", key_dir=str(tmp_path),
        scheme=federation.scheme_url, scheme_key_file=str(federation.scheme_key_path)))
    app = create_source_app(config, majors=(2, 3), uitfasering=RETIREMENT)
    new = honest_app(federation, majors=frozenset({2, 3}))
    transport = httpx.ASGITransport(app=app)
    try:
        async with new, httpx.AsyncClient(transport=transport, base_url="http://bron") as client:
            await log_in(new)
            gemeente = next(s for s in new.sources if s.oin == GEMEENTE)
            for major, url in endpoints.items():
                base = f"/vorderingen/v{major}"
                answers = [
                    await client.get(f"{base}/configuratie"),
                    await client.get(f"{base}/openapi.json"),
                    await _open(client, gemeente, base, url),
                    await client.get(f"{base}/vorderingenoverzicht"),
                    await client.get(f"{base}/onbekend"),
                ]
                assert [a.status_code for a in answers] == [200, 200, 201, 401, 404]
                for answer in answers:
                    retirement = {h: answer.headers.get(h) for h in ("deprecation", "sunset",
                                                                     "link")}
                    assert retirement == ({
                        "deprecation": "@1811808000", "sunset": "Thu, 01 Jun 2028 00:00:00 GMT",
                        "link": '<https://standaard.example/vorderingen/v3-migratie>; '
                                'rel="deprecation"'} if major == 2 else dict.fromkeys(retirement))
    finally:
        await app.state.source.close()


def test_only_the_oldest_served_major_can_be_retired(tmp_path: Path) -> None:
    config = config_from_mapping(load_demo().organisation("voorbeeldstad").config_mapping(
        key_dir=str(tmp_path), scheme=str(tmp_path / "stelsel.jwt")))
    with pytest.raises(ConfigError, match=r"uitfasering\.major"):
        create_source_app(config, majors=(2, 3),
                          uitfasering=dataclasses.replace(RETIREMENT, major=3))
