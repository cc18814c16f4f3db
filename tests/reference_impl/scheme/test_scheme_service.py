"""The scheme service: serving the document (ETag, 304, caching) and keeping it fresh
(re-signing before expiry, pulling revocation lists, never going back in volgnummer)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from scheme_support import (
    FakeAppManager,
    FakeClock,
    description,
    service_config,
    validate_stelsel,
)

from reference_impl.common.errors import ConfigError, TokenError
from reference_impl.common.jose import (
    generate_key,
    load_private_key,
    load_public_jwk,
    load_public_jwks,
)
from reference_impl.common.scheme import SchemeVerifier
from reference_impl.common.spec import openapi_path
from reference_impl.common.versions import STANDARD_VERSION, WIRE_VERSION
from reference_impl.scheme.app import create_app
from reference_impl.scheme.config import SchemeServiceConfig, config_from_mapping
from reference_impl.scheme.revocations import RevocationCollector
from reference_impl.scheme.service import SchemeService
from reference_impl.scheme.signing import create_operator_key, write_pinned_set

pytestmark = pytest.mark.anyio
DOCUMENT = "/stelsel/v2/stelseldocument"
JTI = "c661009d-3ffa-4716-99c8-b525a603a59b"
OTHER_JTI = "ad8a0e87-2876-41d2-b9fe-4a0da2381bac"


@pytest.fixture
def manager(clock: FakeClock) -> FakeAppManager:
    return FakeAppManager(clock)


@pytest.fixture
async def scheme(tmp_path: Path, clock: FakeClock,
                 manager: FakeAppManager) -> AsyncIterator[dict[str, Any]]:
    """The scheme service app (pulling from `manager`), its client and pinned verifier."""
    config, public = service_config(tmp_path, description(generate_key(), manager.key))
    pull = manager.client()
    app = create_app(config, http_client=pull, clock=clock)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                               base_url="http://testserver")
    verifier = SchemeVerifier(load_public_jwk(public), "test")
    yield {"app": app, "client": client, "verifier": verifier, "service": app.state.service,
           "public": public}
    await client.aclose()
    await pull.aclose()


async def _get(scheme: dict[str, Any], **headers: str) -> httpx.Response:
    response = await scheme["client"].get(DOCUMENT, headers=headers)
    validate_stelsel(response)
    return response


async def test_document_is_served_signed_with_the_pinned_key(
    scheme: dict[str, Any], clock: FakeClock
) -> None:
    response = await _get(scheme)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jose"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["api-version"] == STANDARD_VERSION
    claims = scheme["verifier"].verify(response.text, now=int(clock()))
    assert claims["iss"] == "test-stelselbeheerder" and claims["volgnummer"] >= int(clock())
    assert claims["exp"] - claims["iat"] <= 86_400
    assert claims["versie"] == WIRE_VERSION
    endpoint = claims["organisaties"][0]["eindpunten"]
    assert endpoint == [{"api_url": "http://127.0.0.1:8001/vorderingen/v2", "major": 2}]
    assert set(claims["organisaties"][0]["sleutels"][0]) == {"jwk", "geldig_vanaf"}


async def test_etag_is_strong_and_if_none_match_answers_304(scheme: dict[str, Any]) -> None:
    first = await _get(scheme)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert (await _get(scheme)).headers["etag"] == etag  # same bytes, same tag
    for header in (etag, f'"x", {etag}', f"W/{etag}", "*"):
        cached = await _get(scheme, **{"If-None-Match": header})
        assert cached.status_code == 304 and cached.content == b"", header
        assert cached.headers["etag"] == etag
        assert cached.headers["cache-control"] == "public, max-age=60"
    for header in ('"anders"', "geen-etag", ""):
        assert (await _get(scheme, **{"If-None-Match": header})).status_code == 200


async def test_the_operator_key_is_never_served(scheme: dict[str, Any]) -> None:
    for path in ("/stelsel/v2/sleutel", "/stelsel/v2/stelseldocument/", "/stelsel/v2",
                 "/stelsel/v1/stelseldocument"):
        response = await scheme["client"].get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "algemeen/niet-gevonden"
    wrong = await scheme["client"].post(DOCUMENT)
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]


async def test_resigned_before_expiry_with_a_higher_volgnummer(
    scheme: dict[str, Any], clock: FakeClock
) -> None:
    first = scheme["verifier"].verify((await _get(scheme)).text, now=int(clock()))
    clock.advance(3600)
    assert await scheme["service"].refresh() is False  # early in its life: kept
    clock.advance(12 * 3600)
    assert await scheme["service"].refresh() is True
    second = scheme["verifier"].verify((await _get(scheme)).text, now=int(clock()))
    assert second["volgnummer"] > first["volgnummer"]
    assert second["exp"] > first["exp"] + 12 * 3600


async def test_revocations_are_pulled_and_published(
    scheme: dict[str, Any], clock: FakeClock, manager: FakeAppManager
) -> None:
    before = await _get(scheme)
    earlier = scheme["verifier"].verify(before.text, now=int(clock()))
    manager.revoked = [JTI]
    clock.advance(1)
    assert await scheme["service"].refresh() is True
    after = await _get(scheme, **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200  # a new document, so the old ETag no longer matches
    claims = scheme["verifier"].verify(after.text, now=int(clock()))
    assert claims["ingetrokken_certificaten"] == [JTI]
    assert claims["volgnummer"] > earlier["volgnummer"]


async def test_a_forged_revocation_list_is_not_taken_over(
    scheme: dict[str, Any], clock: FakeClock, manager: FakeAppManager
) -> None:
    manager.revoked = [JTI]
    await scheme["service"].refresh()
    collector = scheme["service"].collector
    manager.key, manager.revoked = generate_key(), [JTI, OTHER_JTI]  # an impostor's list
    clock.advance(1)
    assert await scheme["service"].refresh() is False
    assert collector.failures["test-app-manager"] == "intrekkingenlijst/sleutel-onbekend"
    claims = scheme["verifier"].verify((await _get(scheme)).text, now=int(clock()))
    assert claims["ingetrokken_certificaten"] == [JTI]  # the last good list stays in force


@pytest.mark.parametrize(("spoil", "code"), [
    ({"iss": "andere-app-manager"}, "intrekkingenlijst/uitgever-onbekend"),
    ({"lifetime_s": 86_401}, "intrekkingenlijst/looptijd-te-lang"),
    ({"status": 503}, "intrekkingenlijst/onbereikbaar"),
])
async def test_refused_lists_keep_the_last_good_one(
    scheme: dict[str, Any], clock: FakeClock, manager: FakeAppManager, spoil: dict[str, Any],
    code: str,
) -> None:
    manager.revoked = [JTI]
    await scheme["service"].refresh()
    for name, value in spoil.items():
        setattr(manager, name, value)
    manager.revoked = []
    clock.advance(1)
    await scheme["service"].refresh()
    assert scheme["service"].collector.failures["test-app-manager"] == code
    assert scheme["service"].current.claims["ingetrokken_certificaten"] == [JTI]


async def test_an_unreachable_app_manager_never_unrevokes(tmp_path: Path,
                                                          clock: FakeClock) -> None:
    manager = FakeAppManager(clock, revoked=[JTI])
    config, _public = service_config(tmp_path, description(generate_key(), manager.key))
    reachable = manager.client()
    service = SchemeService(config.description, load_private_key(config.key_file),
                            collector=RevocationCollector(config.description, client=reachable),
                            clock=clock)
    await service.refresh()
    await reachable.aclose()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    service.collector.client = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    clock.advance(13 * 3600)  # old enough to be re-signed
    assert await service.refresh() is True
    assert service.current.claims["ingetrokken_certificaten"] == [JTI]
    assert service.collector.failures["test-app-manager"] == "intrekkingenlijst/onbereikbaar"
    await service.collector.client.aclose()



async def test_an_older_list_replayed_after_a_newer_one_is_refused(tmp_path: Path,
                                                                   clock: FakeClock) -> None:
    """A list still within its lifetime but older than the one held (a replay) must not
    drop a revocation made since: the collector never goes back to an older `iat`."""
    manager = FakeAppManager(clock)
    config, _public = service_config(tmp_path, description(generate_key(), manager.key))
    before = manager.token()  # nothing revoked yet
    clock.advance(10)
    manager.revoked = [JTI]
    served = [manager.token()]

    def serve(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=served[0], headers={"content-type": "application/jose"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(serve)) as client:
        collector = RevocationCollector(config.description, client=client)
        assert await collector.collect(int(clock())) == {JTI}
        served[0] = before
        clock.advance(10)
        assert await collector.collect(int(clock())) == {JTI}
        assert collector.failures["test-app-manager"] == "intrekkingenlijst/teruggedraaid"
        clock.advance(10)
        manager.revoked = []  # a newer list (the certificate has expired): taken over
        served[0] = manager.token()
        assert await collector.collect(int(clock())) == frozenset()
        assert "test-app-manager" not in collector.failures


async def test_volgnummer_survives_a_restart_and_a_clock_step_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    manager = FakeAppManager(clock)
    config, public = service_config(tmp_path, description(generate_key(), manager.key))
    verifier = SchemeVerifier(load_public_jwk(public), "test")
    pull = manager.client()
    try:
        first = SchemeService(config.description, load_private_key(config.key_file),
                              collector=RevocationCollector(config.description, client=pull),
                              state_dir=config.state_dir, clock=clock)
        one = verifier.verify((await first.document()).token, now=int(clock()))
        clock.advance(-600)  # the clock steps back; a restart follows
        second = SchemeService(config.description, load_private_key(config.key_file),
                               collector=RevocationCollector(config.description, client=pull),
                               state_dir=config.state_dir, clock=clock)
        two = verifier.verify((await second.document()).token, now=int(clock()))
        assert two["volgnummer"] == one["volgnummer"] + 1
        assert (config.state_dir / "stelseldocument.jwt").read_text().strip() == (
            second.current.token)
    finally:
        await pull.aclose()


async def test_a_document_of_another_environment_is_refused_by_the_verifier(
    scheme: dict[str, Any], clock: FakeClock
) -> None:
    token = (await _get(scheme)).text
    verifier = SchemeVerifier(load_public_jwk(scheme["public"]), "productie")
    with pytest.raises(TokenError) as refused:
        verifier.verify(token, now=int(clock()))
    assert refused.value.code == "stelsel/verkeerde-omgeving"


async def test_the_openapi_document_is_served_as_json(scheme: dict[str, Any]) -> None:
    response = await scheme["client"].get("/stelsel/v2/openapi.json")
    validate_stelsel(response)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    spec = yaml.safe_load(openapi_path("stelsel").read_text(encoding="utf-8"))
    assert response.json() == spec and spec["info"]["version"] == STANDARD_VERSION


async def test_the_operator_signs_with_its_next_key_and_pinned_sets_follow(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Rotation (trust model): apps pin {current, next}; once the operator signs with the
    next key, they accept it without a release; a deployment pinning only the old key
    refuses it (`stelsel/sleutel-onbekend`)."""
    desc = description(generate_key(), generate_key())
    current_private, current_public = create_operator_key(tmp_path / "stelsel")
    next_private, next_public = create_operator_key(tmp_path / "stelsel", "stelsel-sleutel-2")
    pinned = write_pinned_set(tmp_path / "stelsel-sleutels.jwks.json",
                              [load_public_jwk(current_public), load_public_jwk(next_public)])
    config = SchemeServiceConfig(description=desc, key_file=next_private, max_age_s=5)
    app = create_app(config, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        response = await client.get(DOCUMENT)
    assert response.headers["cache-control"] == "public, max-age=5"
    claims = SchemeVerifier(load_public_jwks(pinned), "test").verify(response.text,
                                                                     now=int(clock()))
    assert claims["versie"] == WIRE_VERSION
    with pytest.raises(TokenError) as refused:
        SchemeVerifier(load_public_jwk(current_public), "test").verify(response.text,
                                                                       now=int(clock()))
    assert refused.value.code == "stelsel/sleutel-onbekend"
    assert current_private.exists()


@pytest.mark.parametrize(("key", "value"), [("poll_interval_s", 121), ("poll_interval_s", 0),
                                            ("max_age_s", 61)])
def test_intervals_are_bounded_by_the_standard(tmp_path: Path, key: str, value: int) -> None:
    private, _public = create_operator_key(tmp_path)
    (tmp_path / "beschrijving.yaml").write_text(yaml.safe_dump({
        "iss": "s", "omgeving": "test", "organisaties": [], "app_managers": []}))
    mapping = {"description": "beschrijving.yaml", "key_file": private.name, key: value}
    with pytest.raises(ConfigError) as refused:
        config_from_mapping(mapping, base_dir=tmp_path)
    assert refused.value.key == key
    short = config_from_mapping({**mapping, key: 2}, base_dir=tmp_path)
    assert getattr(short, key) == 2  # a test federation may use a few seconds


async def test_a_new_revocation_is_published_within_one_poll_interval(
    tmp_path: Path, clock: FakeClock, manager: FakeAppManager
) -> None:
    """The service pulls every `poll_interval_s` (≤ 120) and re-signs at once when a list
    brings a new jti: run() with a short interval in real time, no test-driven refresh."""
    config, public = service_config(tmp_path, description(generate_key(), manager.key))
    pull = manager.client()
    service = SchemeService(config.description, load_private_key(config.key_file),
                            collector=RevocationCollector(config.description, client=pull),
                            clock=clock)
    task = asyncio.create_task(service.run(0.05))
    try:
        while service.current is None:
            await asyncio.sleep(0.01)
        manager.revoked = [JTI]
        for _ in range(200):
            if service.current.claims["ingetrokken_certificaten"] == [JTI]:
                break
            await asyncio.sleep(0.01)
        assert service.current.claims["ingetrokken_certificaten"] == [JTI]
        SchemeVerifier(load_public_jwk(public), "test").verify(service.current.token,
                                                               now=int(clock()))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await pull.aclose()
