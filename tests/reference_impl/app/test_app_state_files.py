"""Bad input, odd state files and unwritable paths end in one line and a non-zero exit —
never a traceback, never a silently weakened guard. Offline: a scheme file, no demo (the
command stops before it would log in)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from app_support import SANNE, Operator, Organisation
from click.testing import CliRunner

from reference_impl.app.errors import StateError
from reference_impl.app.http import new_client
from reference_impl.app.trust import SchemeTrust, TrustAnchor
from reference_impl.cli import main
from reference_impl.common.jose import public_jwk, thumbprint


@pytest.fixture
def offline(tmp_path: Path) -> dict[str, Any]:
    """A scheme file and its pinned key file; the state directory `app` (not made yet)."""
    operator = Operator([Organisation("00000001001234567000", "Gemeente Voorbeeldstad")])
    scheme, key = tmp_path / "stelsel.jwt", tmp_path / "stelsel.jwk.json"
    scheme.write_text(operator.token(5))
    key.write_text(json.dumps(public_jwk(operator.key)))
    state = tmp_path / "app"
    return {"operator": operator, "scheme": scheme, "key": key, "state": state,
            "volgnummer": state / f"stelsel-volgnummer-{thumbprint(public_jwk(operator.key))}",
            "env": {"VORDERINGEN_DEMO_FILE": str(tmp_path / "geen-demo.json"),
                    "VORDERINGEN_STELSEL_URL": str(scheme),
                    "VORDERINGEN_STELSEL_SLEUTELS": str(key),
                    "VORDERINGEN_OMGEVING": "test", "VORDERINGEN_APP_MAP": str(state)}}


def _run(offline: dict[str, Any], *args: str) -> Any:
    return CliRunner().invoke(main, ["app", *args], env=offline["env"])


def _one_line(result: Any) -> str:
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- the highest accepted volgnummer fails closed (/app/volgnummer-bewaard) ---------------


@pytest.mark.anyio
async def test_a_corrupt_volgnummer_file_refuses_even_a_rolled_back_scheme(
        offline: dict[str, Any]) -> None:
    offline["volgnummer"].parent.mkdir()
    offline["volgnummer"].write_bytes(b"1796\xff")  # e.g. a torn or garbled write
    offline["scheme"].write_text(offline["operator"].token(1))
    anchor = TrustAnchor(str(offline["scheme"]), (public_jwk(offline["operator"].key),), "test")
    with pytest.raises(StateError, match="volgnummer"):
        await SchemeTrust(anchor, new_client(), state_dir=offline["state"]).load()
    assert offline["volgnummer"].read_bytes() == b"1796\xff"


@pytest.mark.parametrize("spoil", ["garbage", "directory"])
def test_the_cli_names_a_corrupt_volgnummer_file_in_one_line(
        offline: dict[str, Any], spoil: str) -> None:
    path: Path = offline["volgnummer"]
    path.parent.mkdir()
    if spoil == "directory":
        path.mkdir()
    else:
        path.write_text("garbage")
    result = _run(offline, "overzicht", "--test-bsn", SANNE)
    assert result.exit_code == 1
    assert str(path) in _one_line(result)
    assert path.is_dir() if spoil == "directory" else path.read_text() == "garbage"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_state_directory_that_cannot_be_made_is_one_line(offline: dict[str, Any]) -> None:
    result = _run(offline, "overzicht", "--test-bsn", SANNE, "--map", "/proc/geen-map")
    assert result.exit_code == 1
    assert "/proc/geen-map" in _one_line(result) and "niet schrijven" in result.stderr


# --- options are checked where they are parsed ----------------------------------------------


@pytest.mark.parametrize("bsn", ["123456789", "٩٩٩٩٩٣٦٥٣", "99999365３"])
def test_a_test_bsn_that_fails_the_elfproef_is_a_usage_error(offline: dict[str, Any],
                                                            bsn: str) -> None:
    """Not a wait of LOGIN_WAIT_S for a login the test identity provider refuses."""
    result = _run(offline, "overzicht", "--test-bsn", bsn)
    assert result.exit_code == 2 and "--test-bsn" in result.stderr
    assert bsn not in result.stderr


@pytest.mark.parametrize("amount", ["٥٠٠", "500,٥", "５00"])
def test_an_amount_in_other_than_ascii_digits_is_refused(offline: dict[str, Any],
                                                         amount: str) -> None:
    result = _run(offline, "regeling", "voorstel", "--maandbedrag", amount, "--test-bsn", SANNE)
    assert result.exit_code == 2 and "geen bedrag in euro" in result.stderr


def test_verifying_a_deeply_nested_file_is_one_line(offline: dict[str, Any],
                                                    tmp_path: Path) -> None:
    (tmp_path / "diep.json").write_text("[" * 100_000)
    result = _run(offline, "verifieer", str(tmp_path / "diep.json"))
    assert result.exit_code == 1
    assert "diep.json" in _one_line(result) and "te diep genest" in result.stderr
