"""The example configurations in reference_impl/demo/examples/ load and work together:
the keys the App Manager and the source generate on first start are the ones the scheme
service then publishes, signed with the operator key the source pins."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from reference_impl.app_manager.app import create_app as create_app_manager
from reference_impl.app_manager.config import load_config as load_app_manager_config
from reference_impl.cli import main
from reference_impl.common.jose import load_public_jwk, load_public_jwks
from reference_impl.common.scheme import SchemeVerifier
from reference_impl.demo.data import DEMO_DATA
from reference_impl.scheme.app import create_app as create_scheme_app
from reference_impl.scheme.config import load_config as load_scheme_config
from reference_impl.source.app import create_app as create_source_app
from reference_impl.source.config import load_config as load_source_config

EXAMPLES = Path(__file__).resolve().parents[2] / "reference_impl" / "demo" / "examples"


@pytest.mark.anyio
async def test_the_examples_make_one_working_scheme(tmp_path: Path) -> None:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work)
    shutil.copy(DEMO_DATA, tmp_path / "data.yaml")  # the configs name ../data.yaml
    state = work / ".vorderingen-voorbeeld"
    assert CliRunner().invoke(main, ["stelsel", "sleutel", "--uit",
                                     str(state / "stelsel")]).exit_code == 0

    manager = create_app_manager(load_app_manager_config(work / "app-manager.yaml"))
    await manager.state.app_manager.start()
    source = create_source_app(load_source_config(work / "bron.yaml"))
    await source.state.source.start()
    try:
        scheme = create_scheme_app(load_scheme_config(work / "stelsel.yaml"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=scheme),
                                     base_url="http://testserver") as client:
            token = (await client.get("/stelsel/v2/stelseldocument")).text
        pinned = load_public_jwks(source.state.source.config.scheme_key_file)
        claims = SchemeVerifier(pinned, "test").verify(token)
        assert [e["jwk"] for e in claims["organisaties"][0]["sleutels"]] == [
            load_public_jwk(state / "bron" / "bron.jwk.json")]
        assert claims["organisaties"][0]["eindpunten"] == [
            {"api_url": "http://127.0.0.1:8001/vorderingen/v2", "major": 2}]
        assert [e["jwk"] for e in claims["app_managers"][0]["sleutels"]] == [
            manager.state.app_manager.public_jwk]
        assert (state / "stelsel" / "volgnummer").exists()
    finally:
        await source.state.source.close()
        await manager.state.app_manager.close()
