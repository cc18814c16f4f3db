"""`/app-manager/intrekking-naar-stelsel` through the stelsel profile: a certificate revoked
at a reference App Manager reaches the reference scheme service's document; a scheme
service that never pulls the revocation lists is caught."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from stelsel_support import (
    MANAGER_HOST,
    MANAGER_URL,
    SCHEME_HOST,
    HostRouter,
    options,
    scheme_service,
)

from conformance import app_manager, stelsel
from conformance.runner import RunOptions
from conformance.stelsel import inhoud
from reference_impl.scheme.revocations import RevocationCollector

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app_manager"))
from am_support import check_named, manager_app

pytestmark = pytest.mark.anyio
CHECK = "revocations_reach_the_scheme_document"


async def _revoke_and_watch(tmp_path: Path) -> Any:
    manager = manager_app(tmp_path / "am", public_url=MANAGER_URL)
    async with manager.router.lifespan_context(manager):
        manager_jwk = manager.state.app_manager.public_jwk
        collector_client = httpx.AsyncClient(transport=HostRouter({MANAGER_HOST: manager}))
        scheme, _private, public = scheme_service(tmp_path, manager_jwk, collector_client)
        router = HostRouter({SCHEME_HOST: scheme, MANAGER_HOST: manager})
        async with scheme.router.lifespan_context(scheme), collector_client:
            revoked = await app_manager.run(RunOptions(
                base_url=MANAGER_URL, key_dir=tmp_path / "sleutels", transport=router,
                checks=(check_named("revocation_by_the_key_holder"),), deadline_s=None))
            assert revoked.results[0].outcome.value == "passed", revoked.results[0].message
            return await stelsel.run(options(
                tmp_path, router, public, slow=True,
                checks=tuple(fn for fn in stelsel.PROFILES["stelsel"] if fn.__name__ == CHECK)))


async def test_revocations_reach_the_reference_scheme_document(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch,
                                                               ) -> None:
    monkeypatch.setattr(inhoud, "CARRY_BOUND_S", 10)  # the reference pulls every 0.5 s here
    report = await _revoke_and_watch(tmp_path)
    assert report.results[0].outcome.value == "passed", report.results[0].message


async def test_a_scheme_service_that_drops_revocations_is_caught(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inhoud, "CARRY_BOUND_S", 3)

    async def collect(self: Any, now: int) -> frozenset[str]:
        return frozenset()

    monkeypatch.setattr(RevocationCollector, "collect", collect)
    report = await _revoke_and_watch(tmp_path)
    result = report.results[0]
    assert (result.outcome.value, result.rule) == ("failed", "/app-manager/intrekking-naar-stelsel")
