"""The `vorderingen` console script: the scheme operator's commands, and errors that are
one line with a non-zero exit."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import click
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
    assert "bevat al een stelselsleutel" in line and "niet overschreven" in line
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


# What an operator sees from the installed command: one Dutch line on stderr, exit 2. The
# key and value stay as written in the file; only the words around them are Dutch.
CONFIG_IN_DUTCH = [
    (None, "configuratie --config='{path}': niet te lezen: het bestand bestaat niet"),
    ('oin: "12"\n', "configuratie oin='12': moet een tekst van 20 cijfers zijn"),
    ("naam: Gemeente\npoort: 8001\n",
     "configuratie poort=8001: onbekende sleutel (bekend: backend, base_path, "),
    ("oin: [\n", "configuratie --config='{path}': niet te lezen: geen geldige YAML "
     "(regel 2, kolom 1)"),
]


@pytest.mark.parametrize(("content", "expected"), CONFIG_IN_DUTCH)
def test_a_configuration_error_is_one_dutch_line_from_the_command(
        tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "bron.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("VORDERINGEN_")}
    done = subprocess.run([sys.executable, "-m", "reference_impl.cli", "bron", "serve",
                           "--config", str(path)], capture_output=True, text=True,
                          env=environ, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == "", (done.returncode, done.stdout)
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("vorderingen: " + expected.format(path=path)), done.stderr
    english = ("configuration", "cannot", "must", "unknown", "errno", "no such")
    words = done.stderr.replace(str(path), "").lower()  # tmp_path holds the test's name
    assert not any(word in words for word in english), done.stderr


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


# click's own words, the way a Dutch user meets them; each English original must be gone.
CLICK_IN_DUTCH = [
    (["bron", "sleutel"], "Ontbrekende optie '--uit'.", "Missing option"),
    (["stelsel", "onderteken", "--sleutel", "k", "--uit", "x"],
     "Ontbrekend argument 'BESCHRIJVING'.", "Missing argument"),
    (["bron", "serve", "--bestaat-niet"], "Onbekende optie '--bestaat-niet'.", "No such option"),
    (["bestaat-niet"], "Onbekende opdracht 'bestaat-niet'.", "No such command"),
    (["demo", "--poort-basis", "80"],
     "Ongeldige waarde voor '--poort-basis': 80 ligt niet in het bereik 1024<=x<=65000.",
     "Invalid value"),
    (["bron", "serve", "--log-formaat", "xml"], "'xml' is niet een van 'text', 'json'.",
     "is not one of"),
    (["demo", "extra"], "Onverwacht extra argument (extra)", "unexpected extra"),
]


@pytest.mark.parametrize(("args", "dutch", "english"), CLICK_IN_DUTCH)
def test_clicks_own_usage_errors_are_dutch(args: list[str], dutch: str, english: str) -> None:
    line = one_line_error(run(*args))
    assert dutch in line and english not in line, line


def test_help_pages_are_dutch_and_other_click_programs_keep_their_language() -> None:
    page = run("bron", "serve", "--help").stdout
    assert page.startswith("Gebruik: main bron serve [OPTIES]")  # CliRunner's program name
    assert "Opties:" in page and "Toon deze hulp en stop." in page and "[standaard: text]" in page
    assert "--config BESTAND" in page
    assert "Opdrachten:" in run("--help").stdout and "Usage:" not in run("--help").stdout

    @click.command()
    @click.option("--n", type=int, required=True)
    def other(n: int) -> None:
        """Another program in the same process (the conformance CLI in a test run)."""

    assert "Missing option '--n'" in CliRunner().invoke(other, []).output
    assert "Usage:" in CliRunner().invoke(other, ["--help"]).output
