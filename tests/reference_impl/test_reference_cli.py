"""The `vorderingen` console script: the scheme operator's commands, and errors that are
one line with a non-zero exit."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from reference_impl.cli import main
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import generate_key, load_public_jwk, public_jwk
from reference_impl.common.scheme import SchemeVerifier

OIN = "00000001001234567000"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def one_line_error(result: Result, exit_code: int = 2) -> str:
    assert result.exit_code == exit_code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def description_file(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "beschrijving.yaml"
    path.write_text(yaml.safe_dump({
        "iss": "voorbeeld-stelselbeheerder", "omgeving": "test",
        "organisaties": [{"oin": OIN, "naam": "Gemeente Voorbeeldstad", "soort": "gemeente",
                          "api_url": "http://127.0.0.1:8001/vorderingen/v1",
                          "sleutels": [public_jwk(generate_key())],
                          "diensten": ["vorderingenoverzicht"]}],
        "app_managers": [{"id": "voorbeeld-app-manager", "naam": "Voorbeeld App Manager",
                          "sleutels": [public_jwk(generate_key())]}],
        **changes,
    }), encoding="utf-8")
    return path


def test_stelsel_sleutel_writes_a_private_and_a_public_key(tmp_path: Path) -> None:
    result = run("stelsel", "sleutel", "--uit", str(tmp_path / "keys"))
    assert result.exit_code == 0, result.output
    paths = json.loads(result.stdout)
    private, public = Path(paths["prive_sleutel"]), Path(paths["publieke_sleutel"])
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in private.read_text()
    jwk = json.loads(public.read_text())
    assert "d" not in jwk and jwk["kid"] == load_public_jwk(public)["kid"]


def test_stelsel_sleutel_never_overwrites(tmp_path: Path) -> None:
    assert run("stelsel", "sleutel", "--uit", str(tmp_path)).exit_code == 0
    before = (tmp_path / "stelsel-sleutel.pem").read_bytes()
    line = one_line_error(run("stelsel", "sleutel", "--uit", str(tmp_path)))
    assert "already holds" in line
    assert (tmp_path / "stelsel-sleutel.pem").read_bytes() == before


def test_onderteken_signs_a_document_the_pinned_key_accepts(tmp_path: Path) -> None:
    run("stelsel", "sleutel", "--uit", str(tmp_path / "keys"))
    out = tmp_path / "stelsel.jwt"
    result = run("stelsel", "onderteken", str(description_file(tmp_path)),
                 "--sleutel", str(tmp_path / "keys" / "stelsel-sleutel.pem"), "--uit", str(out))
    assert result.exit_code == 0, result.output
    verifier = SchemeVerifier(load_public_jwk(tmp_path / "keys" / "stelsel-sleutel.jwk.json"),
                              "test")
    claims = verifier.verify(out.read_text().strip())
    assert abs(claims["volgnummer"] - time.time()) < 60  # default: the Unix time
    assert claims["organisaties"][0]["oin"] == OIN
    assert claims["exp"] - claims["iat"] == 86_400

    lower = run("stelsel", "onderteken", str(description_file(tmp_path)), "--sleutel",
                str(tmp_path / "keys" / "stelsel-sleutel.pem"), "--uit", str(out),
                "--volgnummer", "5")
    assert lower.exit_code == 0
    with pytest.raises(TokenError) as refused:  # rollback protection at the verifier
        verifier.verify(out.read_text().strip())
    assert refused.value.code == "stelsel/volgnummer-teruggedraaid"


def test_onderteken_refuses_a_wrong_description_in_one_line(tmp_path: Path) -> None:
    run("stelsel", "sleutel", "--uit", str(tmp_path / "keys"))
    line = one_line_error(run(
        "stelsel", "onderteken", str(description_file(tmp_path, looptijd_s=90_000)),
        "--sleutel", str(tmp_path / "keys" / "stelsel-sleutel.pem"),
        "--uit", str(tmp_path / "uit.jwt")))
    assert "looptijd_s" in line and "90000" in line
    assert not (tmp_path / "uit.jwt").exists()


def test_onderteken_names_an_unreadable_key(tmp_path: Path) -> None:
    line = one_line_error(run("stelsel", "onderteken", str(description_file(tmp_path)),
                              "--sleutel", str(tmp_path / "weg.pem"),
                              "--uit", str(tmp_path / "uit.jwt")))
    assert "weg.pem" in line


@pytest.mark.parametrize(("args", "named"), [
    (["stelsel", "sleutel"], "--uit"),
    (["stelsel", "onderteken", "b.yaml", "--uit", "x"], "--sleutel"),
    (["stelsel", "onderteken", "b.yaml", "--sleutel", "k", "--uit", "x", "--volgnummer", "0"],
     "--volgnummer"),
    (["demo", "--poort-basis", "80"], "--poort-basis"),
    (["bestaat-niet"], "bestaat-niet"),
    (["bron", "serve"], "--config"),
])
def test_usage_errors_are_one_line(args: list[str], named: str) -> None:
    assert named in one_line_error(run(*args))


@pytest.mark.parametrize("command", ["bron", "app-manager", "stelsel"])
def test_an_unreadable_configuration_is_one_line(tmp_path: Path, command: str) -> None:
    line = one_line_error(run(command, "serve", "--config", str(tmp_path / "weg.yaml")))
    assert "weg.yaml" in line


def test_an_unknown_configuration_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "app-manager.yaml"
    config.write_text("id: am\nnaam: AM\nkey_dir: k\nidentity_provider: {type: test}\n"
                      "poort: 1\n", encoding="utf-8")
    line = one_line_error(run("app-manager", "serve", "--config", str(config)))
    assert "poort" in line


def test_help_names_every_actor() -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("demo", "stelsel", "app-manager", "bron"):
        assert command in result.stdout
