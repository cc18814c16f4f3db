"""The 2.0 configuration keys: admitted apps, the registration rate limit, the BSN secret."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from app_manager_support import SANNE, FakeClock, build_app_manager, manager_config

from reference_impl.app_manager.protection import bsn_sleutel
from reference_impl.common.errors import ConfigError

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("key", "settings"), [
    ("toegelaten_apps", {"toegelaten_apps": {"naam": "x"}}),
    ("toegelaten_apps[0].redirect_uris", {"toegelaten_apps": [{"naam": "Web"}]}),
    ("toegelaten_apps[0].redirect_uris[0]", {"toegelaten_apps": [
        {"naam": "Web", "redirect_uris": ["http://app.example/terug"]}]}),
    ("toegelaten_apps[0].redirect_uris[0]", {"toegelaten_apps": [
        {"naam": "Web", "redirect_uris": ["https://app.example/terug?x=1"]}]}),
    ("toegelaten_apps[0].naam", {"toegelaten_apps": [
        {"naam": "x" * 65, "redirect_uris": ["https://app.example/terug"]}]}),
    ("toegelaten_apps[0].extra", {"toegelaten_apps": [
        {"naam": "Web", "redirect_uris": ["https://app.example/terug"], "extra": 1}]}),
    ("registratie_limiet.aantal", {"registratie_limiet": {"aantal": 0}}),
    ("registratie_limiet.periode_s", {"registratie_limiet": {"periode_s": "60"}}),
    ("identity_provider.identiteitsdienst", {"identity_provider": {
        "type": "oidc", "issuer": "https://login.example", "client_id": "a",
        "client_secret": "b", "identiteitsdienst": "DigiD"}}),
])
def test_configuration_refusals_name_the_key(tmp_path: Path, key: str,
                                             settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as refused:
        manager_config(tmp_path, **settings)
    assert refused.value.key == key


async def test_the_bsn_secret_is_generated_0600_beside_the_key(tmp_path: Path,
                                                               clock: FakeClock) -> None:
    app = build_app_manager(tmp_path, clock)
    await app.state.app_manager.start()
    try:
        secret_file = tmp_path / "keys" / "app-manager.geheim"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        manager = app.state.app_manager
        assert manager.bsn_sleutel(SANNE) == bsn_sleutel(manager.secret, SANNE)
        assert len(manager.bsn_sleutel(SANNE)) == 64 and SANNE not in manager.bsn_sleutel(SANNE)
    finally:
        await app.state.app_manager.close()


async def test_a_configured_bsn_secret_is_used(tmp_path: Path, clock: FakeClock) -> None:
    configured = tmp_path / "geheim"
    configured.write_text("A" * 43 + "\n", encoding="ascii")
    app = build_app_manager(tmp_path, clock, settings={"bsn_geheim_bestand": str(configured)})
    await app.state.app_manager.start()
    try:
        assert app.state.app_manager.secret == b"\x00" * 32
        assert not (tmp_path / "keys" / "app-manager.geheim").exists()
    finally:
        await app.state.app_manager.close()


async def test_a_short_bsn_secret_is_refused(tmp_path: Path, clock: FakeClock) -> None:
    configured = tmp_path / "geheim"
    configured.write_text("AAAA\n", encoding="ascii")
    app = build_app_manager(tmp_path, clock, settings={"bsn_geheim_bestand": str(configured)})
    with pytest.raises(ConfigError, match="bsn_geheim_bestand"):
        await app.state.app_manager.start()
    await app.state.app_manager.close()
