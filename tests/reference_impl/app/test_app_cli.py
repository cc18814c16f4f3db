"""`vorderingen app …` against a running demo federation, found through its discovery file."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from reference_impl.cli import main
from reference_impl.demo.launcher import BackgroundFederation

SANNE, KEES = "999993653", "999990032"
GROUPS = {"achterstand", "eenmalig", "deze_maand", "langlopend"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A running demo that announced itself; the environment a user's shell would have."""
    work = tmp_path_factory.mktemp("demo")
    discovery = work / "vorderingen-demo.json"
    with BackgroundFederation(discovery_file=discovery) as federation:
        yield {"VORDERINGEN_DEMO_FILE": str(discovery), "VORDERINGEN_APP_MAP": str(work / "app"),
               "scheme_key": str(federation.scheme_key_path), "scheme_url": federation.scheme_url}


def _env(demo: dict[str, str], **extra: str) -> dict[str, str]:
    return {"VORDERINGEN_DEMO_FILE": demo["VORDERINGEN_DEMO_FILE"],
            "VORDERINGEN_APP_MAP": demo["VORDERINGEN_APP_MAP"], **extra}


def _run(demo: dict[str, str], *args: str, **env: str) -> Any:
    return CliRunner().invoke(main, ["app", *args], env=_env(demo, **env))


def test_overview_as_json_with_no_other_input(demo: dict[str, str]) -> None:
    result = _run(demo, "overzicht", "--json", "--test-bsn", SANNE)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["groepen"]) == GROUPS
    cases = [c for group in data["groepen"].values() for c in group]
    assert all(isinstance(c["saldo"], int) and c["saldo"] > 0 for c in cases)
    assert data["totalen"]["saldo"] == sum(c["saldo"] for c in cases)
    assert [b["status"] for b in data["bronnen"]] == [
        "beantwoord", "beantwoord", "beantwoord", "niets_te_melden"]
    # progress went to stderr, one line per source, and never the BSN
    assert "Contact met 4 organisaties" in result.stderr
    assert result.stderr.count("beantwoord") == 3 and SANNE not in result.stderr


def test_the_installed_command_works_against_the_demo(demo: dict[str, str]) -> None:
    command = Path(sys.executable).parent / "vorderingen"
    env = {**os.environ, **_env(demo)}
    done = subprocess.run([str(command), "app", "overzicht", "--json", "--test-bsn", KEES],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["totalen"]["aantal_zaken"] == len(
        [c for group in data["groepen"].values() for c in group]) > 0


def test_readable_tables_by_default(demo: dict[str, str]) -> None:
    result = _run(demo, "overzicht", "--test-bsn", SANNE)
    assert result.exit_code == 0, result.stderr
    for text in ("Totaal openstaand", "Achterstanden", "Deze maand verwacht",
                 "Eenmalig te betalen", "Langlopende schulden", "Gemeente Voorbeeldstad",
                 "niets te melden", "€"):
        assert text in result.stdout
    # one arrears figure in plain words, amounts and dates the Dutch way, no ISO dates
    assert "al moeten betalen (achterstand)" in result.stdout
    assert "te laat betaald" not in result.stdout
    assert re.search(r"€ \d{1,3}(\.\d{3})*,\d\d", result.stdout)
    assert re.search(r"\b\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|"
                     r"oktober|november|december)\b", result.stdout)  # the year may wrap
    assert not re.search(r"\d{4}-\d{2}-\d{2}", result.stdout)


def test_what_a_22_citizen_needs_to_know_is_in_the_table(demo: dict[str, str]) -> None:
    anouk = "999990147"  # garnishment, offsetting, an arrangeable part, no pause possible
    result = _run(demo, "overzicht", "--test-bsn", anouk)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    for fact in ("Goed om te weten", "Beslagvrije voet", "verrekend met", "Pauze niet mogelijk"):
        assert fact in text, fact


def test_options_instead_of_discovery(demo: dict[str, str], tmp_path: Path) -> None:
    """The pinned set: the demo's key and a next key (repeat --stelsel-sleutel)."""
    from reference_impl.common.jose import generate_key, public_jwk

    following = tmp_path / "volgende.jwks.json"
    following.write_text(json.dumps({"keys": [public_jwk(generate_key())]}))
    result = CliRunner().invoke(main, [
        "app", "overzicht", "--json", "--test-bsn", SANNE,
        "--stelsel-url", demo["scheme_url"], "--stelsel-sleutel", demo["scheme_key"],
        "--stelsel-sleutel", str(following), "--apparaat-naam", "Laptop van Sanne",
        "--omgeving", "test"], env={"VORDERINGEN_DEMO_FILE": str(tmp_path / "geen.json"),
                                    "VORDERINGEN_APP_MAP": str(tmp_path / "app")})
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["bronnen"]) == 4
    # two pinned keys, so two files keep the highest volgnummer
    assert len(list((tmp_path / "app").glob("stelsel-volgnummer-*"))) == 2


def test_bad_device_names_and_majors_are_usage_errors(demo: dict[str, str]) -> None:
    too_long = _run(demo, "overzicht", "--test-bsn", SANNE, "--apparaat-naam", "x" * 65)
    assert too_long.exit_code == 2 and "--apparaat-naam" in too_long.stderr
    no_major = _run(demo, "overzicht", "--test-bsn", SANNE, "--major", "0")
    assert no_major.exit_code == 2 and "--major" in no_major.stderr


def test_an_app_of_a_later_major_only_reaches_no_organisation(demo: dict[str, str]) -> None:
    result = _run(demo, "overzicht", "--json", "--test-bsn", SANNE, "--major", "3")
    assert result.exit_code == 0, result.stderr
    statuses = {(b["status"], b["code"]) for b in json.loads(result.stdout)["bronnen"]}
    assert statuses == {("onbereikbaar", "app/geen-ondersteunde-versie")}


def test_without_demo_or_options_it_says_what_is_missing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["app", "overzicht", "--test-bsn", SANNE],
                                env={"VORDERINGEN_DEMO_FILE": str(tmp_path / "geen.json")})
    assert result.exit_code == 2
    assert "--stelsel-url" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_production_app_refuses_the_demo_scheme(demo: dict[str, str]) -> None:
    result = _run(demo, "overzicht", "--test-bsn", SANNE, "--omgeving", "productie")
    assert result.exit_code == 1
    assert "stelsel/verkeerde-omgeving" in result.stderr


def test_export_then_verify_offline_names_the_failing_envelope(
    demo: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "deel" / "bundel.json"
    result = _run(demo, "exporteer", "--test-bsn", SANNE, "--uit", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.is_file() and out.with_suffix(".md").is_file()
    scheme_file = tmp_path / "stelsel.jwt"  # offline: the scheme document as a file
    scheme_file.write_text(httpx.get(demo["scheme_url"], timeout=10).text)
    offline = ["verifieer", str(out), "--stelsel", str(scheme_file),
               "--stelsel-sleutel", demo["scheme_key"], "--omgeving", "test"]
    good = _run(demo, *offline)
    assert good.exit_code == 0, good.stderr
    assert "De bundel is geldig" in good.stdout
    bundle = json.loads(out.read_text())
    bundle["enveloppen"][1]["document"]["financiele_zaken"][0]["saldo"] += 1
    out.write_text(json.dumps(bundle))
    bad = _run(demo, *offline, "--json")
    assert bad.exit_code == 1
    verdict = json.loads(bad.stdout)
    assert verdict["geldig"] is False
    assert [e["geldig"] for e in verdict["enveloppen"]] == [True, False, True, True]
    assert verdict["enveloppen"][1] == {
        "index": 1, "bron": "Dienst Uitvoering Onderwijs (demo)", "geldig": False,
        "stap": "4 handtekening", "code": "envelop/handtekening-ongeldig",
        "detail": "de handtekening klopt niet"}
    readable = _run(demo, *offline)
    assert ("envelop 1 (Dienst Uitvoering Onderwijs (demo)): ongeldig bij stap 4 handtekening: "
            "envelop/handtekening-ongeldig") in readable.stdout.replace("\n", " ")


def test_verify_refuses_a_scheme_signed_by_another_key(
    demo: dict[str, str], tmp_path: Path
) -> None:
    from reference_impl.common.jose import generate_key, public_jwk

    other = tmp_path / "ander.jwk.json"
    other.write_text(json.dumps(public_jwk(generate_key())))
    (tmp_path / "bundel.json").write_text("{}")
    result = _run(demo, "verifieer", str(tmp_path / "bundel.json"), "--stelsel",
                  demo["scheme_url"], "--stelsel-sleutel", str(other), "--omgeving", "test")
    assert result.exit_code == 1
    assert "stelseldocument ongeldig" in result.stderr
    assert "stelsel/sleutel-onbekend" in result.stderr


def test_arrangement_proposal_and_help_request(demo: dict[str, str]) -> None:
    proposal = _run(demo, "regeling", "voorstel", "--maandbedrag", "500,00", "--json",
                    "--test-bsn", SANNE)
    assert proposal.exit_code == 0, proposal.stderr
    plan = json.loads(proposal.stdout)
    assert plan["status"] == "voorgesteld" and plan["maandbedrag"] == 50_000
    # the first month, principal plus the interest of a 2.2 source, is the monthly amount
    assert plan["schema"][0]["bedrag"] == 50_000 and plan["schema"][0]["maand"] == 1
    assert sum(o["termijnbedrag"] for o in plan["organisaties"]) < 50_000  # principal only
    assert all(o["rekenregel"] == "2.2" and o["in_groep"] for o in plan["organisaties"])
    assert plan.get("rente_totaal", 0) > 0  # DUO charges interest in the demo
    nothing = _run(demo, "regeling", "hervatten", "--json", "--test-bsn", SANNE)
    assert nothing.exit_code == 0 and json.loads(nothing.stdout)["status"] == "geen"
    too_low = _run(demo, "regeling", "voorstel", "--maandbedrag", "10", "--test-bsn", SANNE)
    assert too_low.exit_code == 1 and "minimaal" in too_low.stdout
    help_request = _run(demo, "hulp", "--json", "--test-bsn", SANNE, "--toelichting",
                        "Ik overzie het niet meer.")
    assert help_request.exit_code == 0, help_request.stderr
    answer = json.loads(help_request.stdout)
    assert answer["gemeente"]["naam"] == "Gemeente Voorbeeldstad"
    assert answer["status"] == "ontvangen" and answer["aantal_enveloppen"] == 4


def test_pause_everything_reports_per_organisation(demo: dict[str, str]) -> None:
    result = _run(demo, "pauze", "--dagen", "120", "--json", "--test-bsn", KEES)
    assert result.exit_code == 0, result.stderr
    lines = {p["organisatie"]["naam"]: p for p in json.loads(result.stdout)["pauzes"]}
    assert lines["Dienst Uitvoering Onderwijs (demo)"]["status"] == "geen_pauzedienst"
    gemeente = lines["Gemeente Voorbeeldstad"]
    assert gemeente["status"] == "gepauzeerd" and gemeente["zaakkenmerken"]
    assert lines["Centraal Justitieel Incassobureau (demo)"]["status"] == "niets_te_pauzeren"


def test_the_key_is_kept_only_when_asked_and_then_encrypted(
    demo: dict[str, str], tmp_path: Path
) -> None:
    state = tmp_path / "app"
    plain = _run(demo, "overzicht", "--json", "--test-bsn", SANNE, VORDERINGEN_APP_MAP=str(state))
    assert plain.exit_code == 0
    assert [p.name for p in state.iterdir()] == [p.name for p in state.glob("stelsel-volgnummer-*")]
    kept = _run(demo, "overzicht", "--json", "--test-bsn", SANNE, "--bewaar-sleutel",
                VORDERINGEN_APP_MAP=str(state), VORDERINGEN_APP_WACHTWOORD="correct paard")
    assert kept.exit_code == 0, kept.stderr
    key = state / "app-sleutel.pem"
    assert "ENCRYPTED PRIVATE KEY" in key.read_text()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    again = _run(demo, "overzicht", "--json", "--test-bsn", SANNE,
                 VORDERINGEN_APP_MAP=str(state), VORDERINGEN_APP_WACHTWOORD="correct paard")
    assert again.exit_code == 0 and key.read_bytes() == before
    wrong = _run(demo, "overzicht", "--json", "--test-bsn", SANNE,
                 VORDERINGEN_APP_MAP=str(state), VORDERINGEN_APP_WACHTWOORD="fout")
    assert wrong.exit_code == 1 and "wachtwoord" in wrong.stderr
    refused = _run(demo, "overzicht", "--test-bsn", SANNE, "--bewaar-sleutel",
                   VORDERINGEN_APP_MAP=str(tmp_path / "leeg"))
    assert refused.exit_code == 1 and "wachtwoord" in refused.stderr
    assert not (tmp_path / "leeg" / "app-sleutel.pem").exists()


def test_web_serves_the_page_on_loopback(demo: dict[str, str]) -> None:
    command = Path(sys.executable).parent / "vorderingen"
    env = {**os.environ, **_env(demo)}
    server = subprocess.Popen([str(command), "app", "web", "--poort", "0", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None
        url = json.loads(server.stdout.readline())["url"]
        assert url.startswith("http://127.0.0.1:")
        page = httpx.get(url, timeout=10)
        assert page.status_code == 200 and "Mijn betalingsoverzicht" in page.text
        config = httpx.get(url + "config.json", timeout=10).json()
        assert config["stelsel_url"] == demo["scheme_url"] and config["omgeving"] == "test"
        assert [set(k) >= {"kty", "x", "y"} and "d" not in k for k in config["stelsel_sleutels"]
                ] == [True]
        assert config["majors"] == [2]
    finally:
        server.terminate()
        server.wait(10)


def test_concluding_an_arrangement_from_a_script(demo: dict[str, str]) -> None:
    mohamed = "999990019"
    unconfirmed = _run(demo, "regeling", "afsluiten", "--maandbedrag", "300", "--json",
                       "--test-bsn", mohamed)
    assert unconfirmed.exit_code == 2 and "--ja" in unconfirmed.stderr
    done = _run(demo, "regeling", "afsluiten", "--maandbedrag", "300", "--json", "--ja",
                "--test-bsn", mohamed)
    assert done.exit_code == 0, done.stdout + done.stderr
    plan = json.loads(done.stdout)
    assert plan["status"] == "afgesloten"
    assert {o["status"] for o in plan["organisaties"]} == {"aangegaan"}
    assert all(o["betalingsregeling_id"] for o in plan["organisaties"])
    # the cases in objection or with the bailiff were left out, as the rule says
    chosen = {k for o in plan["organisaties"] for k in o["zaakkenmerken"]}
    assert "NH-2026-00315" not in chosen and "CJIB-2025-0077" not in chosen
