"""What the citizen reads: amounts and dates in Dutch notation, and every failure as one Dutch
line that names the problem (its code, option or file) — never a traceback."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reference_impl.app.display import dutch_date, euro, plural
from reference_impl.app.errors import AnswerError, TrustError, Unreachable, file_problem
from reference_impl.cli import main
from reference_impl.common.jose import generate_key, public_jwk

# Words that gave the English messages away; none may reach a citizen's error line.
ENGLISH = ("cannot", "the ", " not ", "no such", "missing", "please", "failed", "errno")


def test_amounts_and_dates_are_written_the_dutch_way() -> None:
    assert euro(17400) == "€ 174,00"
    assert euro(123_456_789) == "€ 1.234.567,89"
    assert euro(-5) == "-€ 0,05"
    assert dutch_date("2026-12-23") == "23 december 2026"
    assert dutch_date("2027-01-01") == "1 januari 2027"
    assert dutch_date(None) == ""
    assert plural(1, "zaak", "zaken") == "1 zaak" and plural(3, "zaak", "zaken") == "3 zaken"


@pytest.mark.parametrize(("error", "line"), [
    (Unreachable("app/geen-verbinding"), "niet bereikbaar: geen verbinding (app/geen-verbinding)"),
    (Unreachable("app/time-out", "GET /vorderingen/v2/overzicht: geen antwoord op tijd"),
     "niet bereikbaar: geen antwoord op tijd (app/time-out): "
     "GET /vorderingen/v2/overzicht: geen antwoord op tijd"),
    (Unreachable("app/serverfout"), "niet bereikbaar: storing bij de organisatie (app/serverfout)"),
    (Unreachable("app/geen-ondersteunde-versie"),
     "niet bereikbaar: deze organisatie spreekt geen versie die deze app kent "
     "(app/geen-ondersteunde-versie)"),
    (AnswerError(422, "regeling/termijnbedrag-te-laag", "minimaal € 25,00"),
     "geweigerd, HTTP 422 (regeling/termijnbedrag-te-laag): minimaal € 25,00"),
    (AnswerError(0, "app/antwoord-ongeldig", "het antwoord is geen JSON"),
     "ongeldig antwoord (app/antwoord-ongeldig): het antwoord is geen JSON"),
    (TrustError("stelsel/verlopen"), "geweigerd (stelsel/verlopen)"),
])
def test_each_error_with_a_code_is_one_dutch_line_naming_that_code(error: Any, line: str) -> None:
    assert str(error) == line


def test_a_file_that_cannot_be_read_is_explained_in_dutch(tmp_path: Path) -> None:
    with pytest.raises(OSError) as missing:
        (tmp_path / "weg.json").read_text()
    with pytest.raises(OSError) as folder:
        tmp_path.read_text()
    assert file_problem(missing.value) == "het bestand bestaat niet"
    assert file_problem(folder.value) == "dat is een map, geen bestand"


@pytest.fixture
def setup(tmp_path: Path) -> dict[str, Any]:
    """Six pinned-key files, a port nobody listens on, and no demo to fall back on."""
    keys = []
    for i in range(6):
        keys.append(tmp_path / f"sleutel-{i}.jwk.json")
        keys[-1].write_text(json.dumps(public_jwk(generate_key())))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {"keys": keys, "closed": f"http://127.0.0.1:{port}/stelsel", "tmp": tmp_path,
            "env": {"VORDERINGEN_DEMO_FILE": str(tmp_path / "geen-demo.json"),
                    "VORDERINGEN_APP_MAP": str(tmp_path / "app")}}


CASES = {
    # failure class: (arguments, exit code, what the line must say)
    "Unreachable": (lambda s: ["overzicht", "--stelsel-url", s["closed"],
                               "--stelsel-sleutel", str(s["keys"][0])],
                    1, "niet bereikbaar: geen verbinding (app/geen-verbinding): GET /stelsel"),
    "SetupError, too many keys": (
        lambda s: ["overzicht", "--stelsel-url", s["closed"],
                   *[a for k in s["keys"] for a in ("--stelsel-sleutel", str(k))]],
        2, "--stelsel-sleutel: pin 1 tot 5 sleutels, niet 6"),
    "SetupError, no scheme file": (
        lambda s: ["overzicht", "--stelsel-url", str(s["tmp"] / "stelsel.jwt"),
                   "--stelsel-sleutel", str(s["keys"][0])],
        2, "stelsel.jwt niet lezen: het bestand bestaat niet"),
    "SetupError, no key file": (
        lambda s: ["verifieer", str(s["tmp"] / "bundel.json"), "--stelsel", s["closed"],
                   "--stelsel-sleutel", str(s["tmp"] / "weg.jwk.json")],
        1, "--stelsel-sleutel: kan "),
    "TrustError": (
        lambda s: ["overzicht", "--stelsel-url", str(s["keys"][1]),
                   "--stelsel-sleutel", str(s["keys"][0])],
        1, "geweigerd (stelsel/"),
    "bad amount": (
        lambda s: ["regeling", "voorstel", "--maandbedrag", "veel"],
        2, "'veel' is geen bedrag in euro (bijv. 150 of 150,50)"),
}


def _line(setup: dict[str, Any], case: str) -> str:
    arguments, exit_code, says = CASES[case]
    result = CliRunner().invoke(main, ["app", *arguments(setup)], env=setup["env"])
    assert result.exit_code == exit_code, result.stderr
    assert isinstance(result.exception, SystemExit)  # handled, not a traceback
    [line] = result.stderr.strip().splitlines()
    assert says in line
    assert "Invalid value" not in line  # click's own words are Dutch too (click_catalogue.py)
    return line.split("Ongeldige waarde: ", 1)[-1]


def _english(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text.lower()]


@pytest.mark.parametrize("case", CASES)
def test_every_failure_is_one_dutch_line_that_names_the_problem(
    setup: dict[str, Any], case: str
) -> None:
    line = _line(setup, case)
    assert not _english(line), line


def test_a_refused_scheme_document_is_explained_in_dutch_too(setup: dict[str, Any]) -> None:
    line = _line(setup, "TrustError")
    assert "): " in line and not _english(line), line  # the code, then why, in Dutch
