"""The reference app follows the harness convention of spec/testomgeving.md §4: configured by
the `VORDERINGEN_*` variables, logging in through `$BROWSER`. (That the whole command passes
profile `app` is tests/conformance/app/test_app_profile.py.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reference_impl.app.errors import LoginError
from reference_impl.app.login import browser_command, system_browser
from reference_impl.app.options import Options, app_options

URL = "http://127.0.0.1:8123/app-manager/v2/registraties/x/inloggen"


@pytest.mark.parametrize(("value", "expected"), [
    ("", []),
    ("firefox", ["firefox", URL]),
    ("open -a 'Mijn Browser' %s --nieuw", ["open", "-a", "Mijn Browser", URL, "--nieuw"]),
    (f"eerste %s{os.pathsep}tweede %s", ["eerste", URL]),
])
def test_browser_is_a_command_line_with_the_url_for_percent_s(
        monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]) -> None:
    monkeypatch.setenv("BROWSER", value)
    assert browser_command(URL) == expected


def test_a_browser_command_that_cannot_be_split_is_a_login_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROWSER", "browser 'niet afgesloten")
    with pytest.raises(LoginError, match="BROWSER"):
        browser_command(URL)


@pytest.mark.anyio
async def test_the_login_url_is_opened_with_browser_and_a_failing_one_stops_the_login(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen = tmp_path / "geopend.txt"
    script = f"import sys, pathlib; pathlib.Path({str(seen)!r}).write_text(sys.argv[1])"
    monkeypatch.setenv("BROWSER", f"{sys.executable} -c \"{script}\" %s")
    shown: list[str] = []
    await system_browser(shown.append)(URL)
    assert seen.read_text() == URL and shown == [URL]
    monkeypatch.setenv("BROWSER", f"{sys.executable} -c 'raise SystemExit(3)'")
    with pytest.raises(LoginError, match="code 3"):
        await system_browser(shown.append)(URL)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_the_variables_stand_in_for_the_options(tmp_path: Path) -> None:
    captured: list[Options] = []

    @click.command()
    @app_options
    def command(options: Options) -> None:
        captured.append(options)

    keys = tmp_path / "stelsel-sleutels.jwks"
    env = {"VORDERINGEN_STELSEL_URL": "http://127.0.0.1:1/stelsel/v2/stelseldocument",
           "VORDERINGEN_STELSEL_SLEUTELS": str(keys), "VORDERINGEN_OMGEVING": "test",
           "VORDERINGEN_APP_MANAGER_URL": "http://127.0.0.1:1/app-manager/v2",
           "VORDERINGEN_APP_MAP": str(tmp_path / "staat"), "VORDERINGEN_APP_TIMEOUT_S": "3"}
    result = CliRunner().invoke(command, [], env=env)
    assert result.exit_code == 0, result.output
    options = captured[0]
    assert (options.stelsel, options.stelsel_sleutel, options.omgeving) == (
        env["VORDERINGEN_STELSEL_URL"], (keys,), "test")
    assert options.app_manager_url == env["VORDERINGEN_APP_MANAGER_URL"]
    assert (options.state_dir, options.timeout_s) == (tmp_path / "staat", 3.0)
    # an option given on the command line still wins
    CliRunner().invoke(command, ["--omgeving", "acceptatie"], env=env)
    assert captured[1].omgeving == "acceptatie"
