"""`vorderingen-conformance ci`: every setting is read from VORDERINGEN_* or a config file
and checked before anything runs; a bad one is a usage error naming the variable."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conformance.ci import SETTINGS, raw_settings, summary_markdown, validate
from conformance.errors import UsageError
from conformance.jose import SigningKey
from conformance.model import CheckResult, Outcome, RunReport

URL = "http://127.0.0.1:8101/vorderingen/v2"


def _settings(tmp_path: Path, **env: str):
    base = {"VORDERINGEN_URL": URL, "VORDERINGEN_REPORT_DIR": str(tmp_path / "reports")}
    return validate(raw_settings(None, base | env))


def test_defaults_and_environment(tmp_path: Path) -> None:
    key = tmp_path / "bron.jwk.json"
    key.write_text(json.dumps(SigningKey.generate().public_jwk), "utf-8")
    settings = _settings(tmp_path, VORDERINGEN_TEST_BSNS="999993653, 999990032",
                         VORDERINGEN_BRON_SLEUTEL=str(key),
                         VORDERINGEN_OIN="00000001001234567000", VORDERINGEN_TAAL="en",
                         VORDERINGEN_PROFIELEN="basis pauzes", VORDERINGEN_SLOW="true",
                         VORDERINGEN_HEADERS="X-Gateway-Key: abc\n")
    assert settings.url == URL and settings.test_bsns == ("999993653", "999990032")
    assert settings.taal == "en" and settings.slow
    assert settings.profielen == frozenset({"basis", "pauzes"})
    assert settings.network.headers == (("X-Gateway-Key", "abc"),)
    assert (tmp_path / "reports").is_dir()


def test_the_environment_overrides_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "ci.yaml"
    config.write_text(f"url: {URL}\ntest_bsns: [999993653]\ntaal: en\n", "utf-8")
    raw = raw_settings(config, {"VORDERINGEN_TAAL": "nl", "VORDERINGEN_SEED": ""})
    assert raw == {"url": URL, "test_bsns": "999993653", "taal": "nl"}


@pytest.mark.parametrize(("env", "message"), [
    ({"VORDERINGEN_URL": ""}, "VORDERINGEN_URL is not set"),
    ({"VORDERINGEN_URL": "ftp://x"}, "VORDERINGEN_URL='ftp://x': not an http(s) URL"),
    ({"VORDERINGEN_URL": "http://127.0.0.1:99999/v2"}, "VORDERINGEN_URL='http://127.0.0.1:99999"),
    ({"VORDERINGEN_URL": "https://[::1/v2"}, "VORDERINGEN_URL='https://[::1/v2': Invalid IPv6"),
    ({"VORDERINGEN_URL": "http://127.0.0.1/v2?x"}, "VORDERINGEN_URL='http://127.0.0.1/v2?x': a"),
    ({"VORDERINGEN_TEST_BSNS": "12345"}, "VORDERINGEN_TEST_BSNS: '12345' is not a BSN"),
    ({"VORDERINGEN_BRON_SLEUTEL": "/nope.jwk"}, "VORDERINGEN_BRON_SLEUTEL=/nope.jwk: no such"),
    ({"VORDERINGEN_TAAL": "de"}, "VORDERINGEN_TAAL='de': choose nl or en"),
    ({"VORDERINGEN_SEED": "x"}, "VORDERINGEN_SEED='x': not a number"),
    ({"VORDERINGEN_TIMEOUT_S": "nan"}, "VORDERINGEN_TIMEOUT_S='nan': not a finite number"),
    ({"VORDERINGEN_TIMEOUT_S": "inf"}, "VORDERINGEN_TIMEOUT_S='inf': not a finite number"),
    ({"VORDERINGEN_STARTUP_TIMEOUT_S": "inf"}, "VORDERINGEN_STARTUP_TIMEOUT_S='inf': not a"),
    ({"VORDERINGEN_STARTUP_TIMEOUT_S": "nan"}, "VORDERINGEN_STARTUP_TIMEOUT_S='nan': not a"),
    ({"VORDERINGEN_PROFIELEN": "alles"}, "VORDERINGEN_PROFIELEN: unknown profile 'alles'"),
    ({"VORDERINGEN_REPORT_DIR": "/proc/nope"}, "VORDERINGEN_REPORT_DIR=/proc/nope: cannot"),
    ({"VORDERINGEN_DIENSTEN": "pauzes"}, "VORDERINGEN_DIENSTEN: must include"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(
        tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as raised:
        _settings(tmp_path, **env)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(("env", "message"), [
    ({"VORDERINGEN_HEADERS": "bad"}, "VORDERINGEN_HEADERS 'bad': expected"),
    ({"VORDERINGEN_HEADERS": "X-Key: é"}, "VORDERINGEN_HEADERS X-Key: the value must be"),
    ({"VORDERINGEN_HEADERS": "X-Key: a\nx-key: b"}, "VORDERINGEN_HEADERS: a header name is"),
    ({"VORDERINGEN_PROXY": "socks5://127.0.0.1:1080"}, "VORDERINGEN_PROXY 'socks5://"),
    ({"VORDERINGEN_CA_BUNDLE": "NOT_PEM"}, "VORDERINGEN_CA_BUNDLE "),
])
def test_network_settings_name_the_variable_not_the_run_option(
        tmp_path: Path, env: dict[str, str], message: str) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate", "utf-8")
    env = {k: v.replace("NOT_PEM", str(not_pem)) for k, v in env.items()}
    with pytest.raises(UsageError) as raised:
        _settings(tmp_path, **env)
    assert str(raised.value).startswith(message) and "--" not in str(raised.value)


def test_a_bad_source_key_is_refused_before_the_key_directory_is_made(tmp_path: Path) -> None:
    key = tmp_path / "bron.jwk"
    key.write_text(json.dumps(SigningKey.generate().private_jwk()), "utf-8")
    with pytest.raises(UsageError) as raised:
        _settings(tmp_path, VORDERINGEN_BRON_SLEUTEL=str(key),
                  VORDERINGEN_OIN="00000001001234567000",
                  VORDERINGEN_SLEUTELS=str(tmp_path / "sleutels"))
    assert str(raised.value).startswith(f"VORDERINGEN_BRON_SLEUTEL: {key} contains a PRIVATE")
    assert not (tmp_path / "sleutels").exists()


def test_files_that_are_not_utf8_are_refused_naming_the_variable(tmp_path: Path) -> None:
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    for key in ("EXPECTED_FAILURES", "BRON_SLEUTEL"):
        with pytest.raises(UsageError) as raised:
            _settings(tmp_path, **{f"VORDERINGEN_{key}": str(binary),
                                   "VORDERINGEN_OIN": "00000001001234567000"})
        assert str(raised.value).startswith(f"VORDERINGEN_{key}")
        assert "UTF-8" in str(raised.value)
    with pytest.raises(UsageError, match="not UTF-8"):
        raw_settings(binary, {})


def test_an_unknown_key_in_the_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "ci.yaml"
    config.write_text("url: http://x\nbron_url: http://y\n", "utf-8")
    with pytest.raises(UsageError, match="unknown setting 'bron_url'"):
        raw_settings(config, {})


def test_every_setting_is_documented_in_the_help() -> None:
    from conformance.ci import ci

    text = ci.help or ""
    assert all(f"VORDERINGEN_{key.upper()}" in text for key in SETTINGS)


def test_the_ci_summary_names_each_failure() -> None:
    report = RunReport(suite_version="2.0.0", spec_version="2.0.0", target=URL,
                       oin="00000001001234567000", profiles=["basis"], seed=0,
                       max_examples=1, started_at="t", results=[
                           CheckResult(check="a", rule="/x/y", severity="must",
                                       outcome=Outcome.FAILED, message="``b`` wrong\nline 2")])
    text = summary_markdown(report)
    assert text.startswith("### Vorderingen API conformance: not conformant")
    assert "- failed: `a` (/x/y): b wrong\n  line 2" in text


def _green_badge(report_dir: Path) -> None:
    """What a previous, conformant run left in the report directory."""
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "badge.json").write_text(json.dumps(
        {"schemaVersion": 1, "label": "vorderingen API", "message": "self-tested: conformant",
         "color": "brightgreen", "isError": False}))


def _written_verdict(report_dir: Path) -> tuple[str, str, str]:
    report = json.loads((report_dir / "report.json").read_text("utf-8"))
    badge = json.loads((report_dir / "badge.json").read_text("utf-8"))
    return report["verdict"], report["error"], badge["color"]


def test_a_source_that_stops_before_answering_is_could_not_run(tmp_path: Path) -> None:
    from conformance.ci import certify

    settings = _settings(tmp_path, VORDERINGEN_URL="http://127.0.0.1:9/vorderingen/v2",
                         VORDERINGEN_START="echo port already in use; exit 4",
                         VORDERINGEN_LOG=str(tmp_path / "bron.log"),
                         VORDERINGEN_STARTUP_TIMEOUT_S="30")
    _green_badge(tmp_path / "reports")
    report = certify(settings)
    assert report.exit_code == 3
    verdict, error, colour = _written_verdict(tmp_path / "reports")
    assert (verdict, colour) == ("error", "lightgrey")  # the old green badge is gone
    assert re.search(r"the source stopped \(exit 4\).*port already in use", error)


def test_an_unreachable_endpoint_writes_the_error_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """As `run` does: exit 3, one line, and an error report over the previous green badge."""
    from conformance import cli
    from conformance.serving import bind_loopback, socket_url

    sock = bind_loopback()
    url = socket_url(sock) + "/vorderingen/v2"
    sock.close()  # nothing listens there now
    report_dir = tmp_path / "reports"
    _green_badge(report_dir)
    for name, value in (("URL", url), ("REPORT_DIR", str(report_dir)),
                        ("STARTUP_TIMEOUT_S", "1")):
        monkeypatch.setenv(f"VORDERINGEN_{name}", value)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["ci"])
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("vorderingen-conformance: could not run: ") and err.count("\n") == 1
    verdict, error, colour = _written_verdict(report_dir)
    assert (verdict, colour) == ("error", "lightgrey") and "does not answer" in error


@pytest.mark.parametrize(("bsns", "message"), [
    ("999993654", "VORDERINGEN_TEST_BSNS: --test-bsn #1 (*******54) does not pass the elfproef"),
    ("999993653 999980002", "VORDERINGEN_TEST_BSNS: --test-bsn #2 (*******02) is a BSN the "
                            "suite forges"),
])
def test_a_test_bsn_the_run_could_not_use_is_refused_up_front(tmp_path: Path, bsns: str,
                                                              message: str) -> None:
    with pytest.raises(UsageError) as raised:
        _settings(tmp_path, VORDERINGEN_TEST_BSNS=bsns)
    assert str(raised.value).startswith(message)


def _report(*results: CheckResult) -> RunReport:
    return RunReport(suite_version="2.1.0", spec_version="2.1.0", target=URL,
                     oin="00000001001234567000", profiles=["basis"], seed=0, max_examples=1,
                     started_at="t", results=list(results))


def test_an_incomplete_run_fails_the_job_unless_allowed(tmp_path: Path) -> None:
    from conformance.ci import exit_code

    passed = CheckResult(check="a", rule="/x/a", severity="must", outcome=Outcome.PASSED)
    untested = CheckResult(check="b", rule="/x/b", severity="must", outcome=Outcome.SKIPPED,
                           skip="not_tested", message="needs a test citizen (--test-bsn)")
    failed = CheckResult(check="c", rule="/x/c", severity="must", outcome=Outcome.FAILED)
    strict, lenient = _settings(tmp_path), _settings(tmp_path, VORDERINGEN_ALLOW_INCOMPLETE="1")
    assert not strict.allow_incomplete and lenient.allow_incomplete
    assert exit_code(_report(passed, untested), strict) == 4
    assert exit_code(_report(passed, untested), lenient) == 0
    assert exit_code(_report(passed, untested, failed), lenient) == 1
    summary = summary_markdown(_report(passed, untested))
    assert summary.startswith("### Vorderingen API conformance: incomplete")
    assert "- not tested: `b` (/x/b): needs a test citizen (--test-bsn)" in summary
