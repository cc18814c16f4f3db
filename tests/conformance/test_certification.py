"""Certification results from the suite's side (spec/certificering.md): `certificeer` signs
only a certification run's report, and `verifieer` / `verify_result` verify a result offline —
its tampered copy does not verify.

The reports are real `RunReport`s serialised as the runner writes report.json; every way a
run can fall short of a certification run is refused with one line naming it. The
verification order itself is proven against every vector in
tests/spec/test_certification_vectors.py."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance import jose
from conformance.certification import (
    CertificationInvalid,
    certification_problems,
    issue_result,
    verify_result,
)
from conformance.certification_cli import PUBLIC_SET_FILE, certificeer, verifieer
from conformance.errors import UsageError
from conformance.jose import SigningKey
from conformance.model import CheckResult, Outcome, RunReport, Skip

OIN = "00000001001234567000"
TARGET = "https://acceptatie.voorbeeldstad.example/vorderingen/v2"
ALL = ("vorderingenoverzicht", "betalingsregelingen", "pauzes", "hulpvragen")
PROFILES = ["basis", "betalingsregelingen", "pauzes", "hulpvragen"]


def check(name: str, outcome: Outcome = Outcome.PASSED, *, severity: str = "must",
          skip: str = "", waived: bool = False) -> CheckResult:
    return CheckResult(check=name, rule="/sessie/nonce-eenmalig", severity=severity,
                       outcome=outcome, skip=skip, expected_failure=waived)


def report(*extra: CheckResult, profiles: list[str] | None = None, **fields: Any) -> RunReport:
    """A conformant run of every profile, with `extra` results and `fields` changed."""
    results = [check("configuratie_valid"), check("replayed_nonce_rejected"),
               check("pause_for_unknown_case_refused", Outcome.SKIPPED,
                     skip=Skip.NOT_APPLICABLE), *extra]
    run = RunReport(suite_version="2.1.0", spec_version="2.1.0", target=TARGET, oin=OIN,
                    profiles=profiles or list(PROFILES), seed=1, max_examples=10,
                    started_at="2026-12-06T05:00:00Z", results=results)
    for name, value in fields.items():
        setattr(run, name, value)
    return run


def as_bytes(run: RunReport) -> bytes:
    return json.dumps(run.to_dict(), indent=2).encode()


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


def test_a_certification_run_is_signed_and_verifies_offline(key: SigningKey) -> None:
    body = as_bytes(report(check("cors", Outcome.FAILED, severity="should")))
    token = issue_result(body, key, issuer="stelselbeheerder", diensten=ALL)
    verified = verify_result(token, {"keys": [key.published_jwk()]}, oin=OIN, diensten=ALL)
    assert (verified.oin, verified.api_url, verified.actor) == (OIN, TARGET, "bron")
    assert verified.profiles == tuple(PROFILES) and verified.standard_version == "2.1.0"
    assert verified.counts == {"totaal": 4, "geslaagd": 2, "waarschuwingen": 1,
                               "niet_van_toepassing": 1, "niet_getest": 0}
    assert verified.geldig_tot - verified.issued_at == 365 * 86400
    assert verified.matches_report(body) and not verified.matches_report(body + b" ")


@pytest.mark.parametrize(("run", "diensten", "named"), [
    (report(check("x", Outcome.FAILED, waived=True), expected_failures=["x"]), ALL, "waivers"),
    (report(selection=["replayed_nonce_rejected"]), ALL, "subset"),
    (report(check("expired_nonce_rejected", Outcome.SKIPPED, skip=Skip.NOT_TESTED)), ALL,
     "not tested"),
    (report(check("needs_second_citizen", Outcome.ERROR)), ALL, "not tested"),
    (report(check("x", Outcome.FAILED)), ALL, "MUST checks failed"),
    (report(interrupted=True), ALL, "interrupted"),
    (report(error="endpoint unreachable"), ALL, "could not run"),
    (report(profiles=["basis", "pauzes"]), ALL, "without their profile"),
    (report(), (), "announced services are unknown"),
    (report(target="http://127.0.0.1:8123/vorderingen/v2"), ALL, "not tested over HTTPS"),
    (report(actor="app-manager", profiles=["basis"]), (), "not run with its profile app-manager"),
])
def test_anything_but_a_certification_run_is_refused_in_one_line(
        key: SigningKey, run: RunReport, diensten: tuple[str, ...], named: str) -> None:
    with pytest.raises(UsageError) as refused:
        issue_result(as_bytes(run), key, issuer="stelselbeheerder", diensten=diensten)
    message = str(refused.value)
    assert message.startswith("not a certification run: ") and named in message
    assert "\n" not in message


def test_a_skipped_should_check_does_not_stop_certification() -> None:
    run = report(check("hsts", Outcome.SKIPPED, severity="should", skip=Skip.NOT_TESTED))
    assert certification_problems(run, ALL) == []


def test_an_app_needs_every_check_of_its_profile_should_ones_included() -> None:
    """Most app rules are SHOULD, yet the citizen's protection rests on them (§3)."""
    failed_should = check("app_refuses_tampered_envelope", Outcome.FAILED, severity="should")
    app_run = report(failed_should, actor="app", profiles=["app"], oin="", target="app")
    assert any("SHOULD checks of profile app failed" in p
               for p in certification_problems(app_run, ()))
    assert certification_problems(report(failed_should), ALL) == []  # a source: a warning


def test_the_verdict_is_recomputed_not_read_from_the_file(key: SigningKey) -> None:
    data = report(check("x", Outcome.FAILED)).to_dict()
    data["verdict"], data["exit_code"] = "conformant", 0
    with pytest.raises(UsageError, match="MUST checks failed"):
        issue_result(json.dumps(data).encode(), key, issuer="s", diensten=ALL)


def test_an_app_is_certified_by_name_and_version(key: SigningKey) -> None:
    body = as_bytes(report(actor="app", profiles=["app"], oin="", target="vorderingen app"))
    with pytest.raises(UsageError, match="names the app"):
        issue_result(body, key, issuer="s")
    token = issue_result(body, key, issuer="s", app={"naam": "Voorbeeld", "versie": "1.2"})
    verified = verify_result(token, [key.published_jwk()])
    assert verified.app == {"naam": "Voorbeeld", "versie": "1.2"} and verified.oin == ""


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(jose.b64d(payload))
    claims["profielen"] = ["basis"]
    return f"{head}.{jose.b64e(json.dumps(claims).encode())}.{signature}"


@pytest.mark.parametrize(("change", "code"), [
    (tampered, "certificering/handtekening-ongeldig"),
    (lambda t: t.rsplit(".", 1)[0], "certificering/ongeldig-formaat"),
    (lambda t: jose.encode(json.loads(jose.b64d(t.split(".")[1])), SigningKey.generate(),
                           typ="certificeringsresultaat+jwt"), "certificering/sleutel-onbekend"),
])
def test_a_changed_result_does_not_verify(key: SigningKey, change: Any, code: str) -> None:
    token = issue_result(as_bytes(report()), key, issuer="s", diensten=ALL)
    with pytest.raises(CertificationInvalid) as refused:
        verify_result(change(token), [key.published_jwk()])
    assert refused.value.code == code and "\n" not in str(refused.value)


def test_an_expired_result_does_not_verify(key: SigningKey) -> None:
    issued = int(time.time()) - 40 * 86400
    token = issue_result(as_bytes(report()), key, issuer="s", diensten=ALL, validity_days=30,
                         now=issued)
    with pytest.raises(CertificationInvalid, match="certificering/verlopen"):
        verify_result(token, [key.published_jwk()])
    assert verify_result(token, [key.published_jwk()], now=issued + 86400).issuer == "s"


@pytest.mark.parametrize("keys", [[], [{"kty": "RSA"}], {"keys": "x"},
                                  [{**SigningKey.generate().private_jwk()}],
                                  [SigningKey.generate().published_jwk() for _ in range(6)]])
def test_certifier_keys_must_be_public_p256_keys(keys: Any) -> None:
    with pytest.raises(UsageError, match="certifier keys"):
        verify_result("a.b.c", keys)


# --- the two commands -------------------------------------------------------------------


def invoke(command: Any, args: list[str]) -> Any:
    return CliRunner().invoke(command, args)


def test_certificeer_and_verifieer_end_to_end(tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    report_file.write_bytes(as_bytes(report()))
    key_file = tmp_path / "certificeerder" / "sleutel.jwk"
    made = invoke(certificeer, ["--rapport", str(report_file), "--sleutel", str(key_file),
                                "--maak-sleutel", "--uitgever", "stelselbeheerder",
                                *[a for d in ALL for a in ("--dienst", d)]])
    assert made.exit_code == 0, made.output
    assert os.stat(key_file).st_mode & 0o077 == 0
    keys = key_file.with_name(PUBLIC_SET_FILE)
    result_file = tmp_path / "certificeringsresultaat.jwt"
    assert "certified: bron" in made.output and result_file.is_file()

    ok = invoke(verifieer, [str(result_file), "--sleutels", str(keys), "--rapport",
                            str(report_file), "--oin", OIN, "--dienst", "hulpvragen"])
    assert ok.exit_code == 0 and ok.output.startswith("certified: bron " + OIN)
    as_json = invoke(verifieer, [str(result_file), "--sleutels", str(keys), "--json"])
    assert json.loads(as_json.output)["profiles"] == PROFILES
    badge = invoke(verifieer, [str(result_file), "--sleutels", str(keys), "--rapport",
                               str(report_file), "--badge", str(tmp_path / "badge")])
    assert badge.exit_code == 0, badge.output
    assert "certified" in json.loads((tmp_path / "badge" / "badge.json").read_text())["message"]
    no_report = invoke(verifieer, [str(result_file), "--sleutels", str(keys), "--badge", "b"])
    assert isinstance(no_report.exception, UsageError)

    copy = tmp_path / "kopie.jwt"
    copy.write_text(tampered(result_file.read_text().strip()))
    refused = invoke(verifieer, [str(copy), "--sleutels", str(keys)])
    assert refused.exit_code == 1
    assert "certificering/handtekening-ongeldig" in refused.output

    report_file.write_bytes(report_file.read_bytes().replace(b'"seed": 1', b'"seed": 2'))
    other_report = invoke(verifieer, [str(result_file), "--sleutels", str(keys), "--rapport",
                                      str(report_file)])
    assert other_report.exit_code == 1 and "not the report" in other_report.output
    other_oin = invoke(verifieer, [str(result_file), "--sleutels", str(keys), "--oin",
                                   "00000001009876543000"])
    assert other_oin.exit_code == 1 and "certificering/verkeerde-organisatie" in other_oin.output


def test_certificeer_refuses_a_waived_run_and_writes_nothing(tmp_path: Path,
                                                            key: SigningKey) -> None:
    report_file = tmp_path / "report.json"
    report_file.write_bytes(as_bytes(report(check("x", Outcome.FAILED, waived=True),
                                            expected_failures=["x"])))
    key_file = tmp_path / "k.jwk"
    key_file.write_text(json.dumps(key.private_jwk()))
    refused = invoke(certificeer, ["--rapport", str(report_file), "--sleutel", str(key_file),
                                   "--uitgever", "s", "--dienst", "vorderingenoverzicht"])
    assert isinstance(refused.exception, UsageError) and "waivers" in str(refused.exception)
    assert not (tmp_path / "certificeringsresultaat.jwt").exists()


def test_certificeer_names_an_unreadable_key_or_report(tmp_path: Path) -> None:
    missing = invoke(certificeer, ["--rapport", str(tmp_path / "geen.json"), "--sleutel",
                                   str(tmp_path / "k"), "--uitgever", "s"])
    assert isinstance(missing.exception, UsageError) and "geen.json" in str(missing.exception)
    (tmp_path / "report.json").write_text("[]")
    (tmp_path / "k.jwk").write_text(json.dumps(SigningKey.generate().published_jwk()))
    bad_key = invoke(certificeer, ["--rapport", str(tmp_path / "report.json"), "--sleutel",
                                   str(tmp_path / "k.jwk"), "--uitgever", "s"])
    assert "not a private EC P-256 JWK" in str(bad_key.exception)


def test_an_app_manager_run_is_certified_without_services(key: SigningKey) -> None:
    body = as_bytes(report(actor="app-manager", profiles=["app-manager"],
                           target="https://acceptatie.am.example/app-manager/v2"))
    verified = verify_result(issue_result(body, key, issuer="s"), [key.published_jwk()])
    assert (verified.actor, verified.diensten) == ("app-manager", ())
    with pytest.raises(CertificationInvalid, match="certificering/verkeerde-organisatie"):
        verify_result(issue_result(body, key, issuer="s"), [key.published_jwk()], oin=OIN)


@pytest.mark.anyio
async def test_a_real_runs_report_json_is_read_and_a_self_test_refused(
        suite_keys: Any, gallery_target: Any, tmp_path: Path, key: SigningKey) -> None:
    """The report.json the runner and its writer really produce (here of a self-test over
    plain HTTP, with a waiver) is read, its verdict recomputed, and refused."""
    from conformance.checks import http
    from conformance.reporting.json import write_report
    from conformance.runner import RunOptions, run

    options = RunOptions(base_url=gallery_target.base_url, key_dir=suite_keys.directory,
                         transport=gallery_target.transport,
                         checks=(http.configuratie_public, http.configuratie_valid),
                         expected_failures=("configuratie_valid",))
    written = write_report(await run(options), tmp_path)
    with pytest.raises(UsageError) as refused:
        issue_result(written.read_bytes(), key, issuer="s", diensten=ALL)
    message = str(refused.value)
    assert "waivers" in message and "not tested over HTTPS" in message and "\n" not in message
    assert len(certification_problems(RunReport.from_dict(json.loads(written.read_bytes())),
                                      ALL)) == message.count(";") + 1
