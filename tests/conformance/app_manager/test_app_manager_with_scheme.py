"""The checks that need the scheme document (`--stelsel-url`, `--stelsel-sleutels`): what the
App Manager signs verifies with the keys the scheme lists for it — and an App Manager signing
with a key the scheme does not list is caught. In-process: the reference scheme service and
App Manager behind one host-routing transport."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from am_support import check_named, manager_app

from conformance import app_manager
from conformance.runner import RunOptions
from reference_impl.common.jose import generate_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stelsel"))
from stelsel_support import (
    DOCUMENT_URL,
    MANAGER_HOST,
    MANAGER_URL,
    SCHEME_HOST,
    HostRouter,
    scheme_service,
)

pytestmark = pytest.mark.anyio
CHECKS = ("certificate_signed_with_a_published_key", "revocation_list_signed_with_a_published_key",
          "login_returns_code_state_and_iss")


async def _run(tmp_path: Path, *, unpublished_key: bool) -> dict[str, tuple[str, str]]:
    manager = manager_app(tmp_path / "am", public_url=MANAGER_URL)
    async with manager.router.lifespan_context(manager):
        state = manager.state.app_manager
        scheme, _private, public = scheme_service(tmp_path, state.public_jwk)
        if unpublished_key:  # signs with a key the scheme does not list
            state.key = state.revocation_list.key = generate_key()
            state.revocation_list._signed = None
        async with scheme.router.lifespan_context(scheme):
            report = await app_manager.run(RunOptions(
                base_url=MANAGER_URL, key_dir=tmp_path / "sleutels",
                transport=HostRouter({SCHEME_HOST: scheme, MANAGER_HOST: manager}),
                stelsel_url=DOCUMENT_URL, stelsel_keys=public, deadline_s=None,
                checks=tuple(check_named(name) for name in CHECKS)))
    return {r.check: (r.outcome.value, r.rule) for r in report.results}


async def test_what_the_app_manager_signs_verifies_with_its_scheme_keys(tmp_path: Path) -> None:
    results = await _run(tmp_path, unpublished_key=False)
    assert {outcome for outcome, _rule in results.values()} == {"passed"}, results


async def test_an_app_manager_signing_with_an_unlisted_key_is_caught(tmp_path: Path) -> None:
    results = await _run(tmp_path, unpublished_key=True)
    assert results["certificate_signed_with_a_published_key"] == (
        "failed", "/app-manager/certificaat-inhoud")
    assert results["revocation_list_signed_with_a_published_key"] == (
        "failed", "/app-manager/intrekkingenlijst")
