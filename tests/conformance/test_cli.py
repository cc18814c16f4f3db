"""The command line: exit codes, one-line errors, and the key material it writes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from conformance import cli, jose, keys
from conformance.errors import UsageError
from conformance.serving import bind_loopback, socket_url

OIN = "00000001234567890000"


def _main(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    return int(exit_info.value.code or 0)


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("vorderingen-conformance: ")
    return err


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["run", "http://127.0.0.1:9/v2", "--oin", "123"], "OIN"),
        (["run", "http://127.0.0.1:9/v2", "--test-bsn", "12"], "BSN"),
        (["run", "ftp://example.org"], "URL"),
        (["run", "http://127.0.0.1:9/v2", "--profile", "alles"], "alles"),
        (["run"], "BASE_URL"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str], names: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(argv) == 2
    assert names in _one_line_error(capsys)


def test_missing_key_material_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _main(["run", "http://127.0.0.1:9/v2", "--sleutels", str(tmp_path / "none")])
    assert code == 2
    assert "sleutels" in _one_line_error(capsys)


def _bron_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "bron.jwk"
    path.write_text(json.dumps(jose.SigningKey.generate().public_jwk))
    return path


def test_sleutels_writes_pinnable_key_scheme_and_private_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_dir = tmp_path / "suite"
    argv = [
        "sleutels",
        "--oin",
        OIN,
        "--api-url",
        "http://127.0.0.1:8000/vorderingen/v2",
        "--bron-sleutel",
        str(_bron_key_file(tmp_path)),
        "--dir",
        str(key_dir),
    ]
    assert _main(argv) == 0
    out = capsys.readouterr().out
    assert "stelsel-sleutels.jwks" in out and "stelseldocument.jwt" in out
    pinned = json.loads((key_dir / keys.SCHEME_KEY_FILE).read_text())
    assert len(pinned["keys"]) == 2  # current + backup: the anchor can rotate
    assert all("d" not in jwk for jwk in pinned["keys"])
    for private in (key_dir / keys.PRIVATE_DIR).iterdir():
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        assert "d" in json.loads(private.read_text())
    suite_keys = keys.load_keys(key_dir)
    first = keys.load_scheme(suite_keys)
    org = first["organisaties"][0]
    assert first["versie"] == keys.SCHEME_VERSIE
    assert org["oin"] == OIN and org["eindpunten"] == [
        {"api_url": "http://127.0.0.1:8000/vorderingen/v2", "major": 2}]
    assert org["sleutels"][0]["geldig_vanaf"] <= first["iat"]
    statuses = {m["id"]: m["status"] for m in first["app_managers"]}
    assert statuses[keys.ENDED_APP_MANAGER_ID] == "beeindigd"
    assert statuses[keys.SUSPENDED_APP_MANAGER_ID] not in ("actief", "beeindigd")
    assert set(org["diensten"]) == set(keys.ALL_DIENSTEN)
    assert first["app_managers"][0]["id"] == "conformance-test-am"
    assert first["ingetrokken_certificaten"] == [suite_keys.revoked_jti]
    assert first["exp"] - first["iat"] == 86400
    # Re-running reuses the keys and raises volgnummer (unix time, never lower).
    assert _main(argv) == 0
    second = keys.load_scheme(keys.load_keys(key_dir))
    assert second["volgnummer"] >= first["volgnummer"]
    assert keys.load_keys(key_dir).scheme_key.kid == suite_keys.scheme_key.kid


def test_sleutels_upgrades_a_directory_without_the_app_managers_old_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A directory of an older suite version (no revoked or retired App Manager key) still
    loads; re-running `sleutels` adds both keys and lists them after the App Manager's own
    signing key, which stays first and unchanged."""
    key_dir = tmp_path / "sleutels"
    argv = ["sleutels", "--oin", OIN, "--api-url", "http://127.0.0.1:8000/vorderingen/v2",
            "--bron-sleutel", str(_bron_key_file(tmp_path)), "--dir", str(key_dir)]
    assert _main(argv) == 0
    private = key_dir / keys.PRIVATE_DIR
    for role in ("revoked_app_manager", "retired_app_manager"):
        (private / keys.PRIVATE_FILES[role]).unlink()
    old = keys.load_keys(key_dir)
    assert old.revoked_app_manager_key is None and old.retired_app_manager_key is None
    assert _main(argv) == 0
    capsys.readouterr()
    upgraded = keys.load_keys(key_dir)
    assert upgraded.app_manager_key.kid == old.app_manager_key.kid
    scheme = keys.load_scheme(upgraded)
    manager = next(m for m in scheme["app_managers"] if m["id"] == upgraded.app_manager_id)
    first, revoked, retired = manager["sleutels"]
    assert first["jwk"]["kid"] == upgraded.app_manager_key.kid and first.keys() == {
        "jwk", "geldig_vanaf"}
    assert revoked["jwk"]["kid"] == upgraded.revoked_app_manager_key.kid
    assert retired["jwk"]["kid"] == upgraded.retired_app_manager_key.kid
    assert revoked["ingetrokken_op"] < scheme["iat"] and retired["geldig_tot"] < scheme["iat"]


def test_sleutels_takes_a_pem_public_key(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    key = jose.SigningKey.generate()
    pem = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    path = tmp_path / "bron.pem"
    path.write_bytes(pem)
    assert keys.read_public_jwk(path)["kid"] == key.kid
    private = tmp_path / "private.pem"
    private.write_bytes(key.private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    with pytest.raises(UsageError, match="PRIVATE"):
        keys.read_public_jwk(private)


def test_sleutels_refuses_a_private_organisation_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "private.jwk"
    path.write_text(json.dumps(jose.SigningKey.generate().private_jwk()))
    code = _main(
        [
            "sleutels",
            "--oin",
            OIN,
            "--api-url",
            "https://bron.example/v2",
            "--bron-sleutel",
            str(path),
            "--dir",
            str(tmp_path / "suite"),
        ]
    )
    assert code == 2
    assert "PRIVATE" in _one_line_error(capsys)


def test_unreachable_endpoint_exits_3_with_error_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sock = bind_loopback()
    url = socket_url(sock) + "/vorderingen/v2"
    sock.close()  # nothing listens there now
    key_dir = tmp_path / "suite"
    assert (
        _main(
            [
                "sleutels",
                "--oin",
                OIN,
                "--api-url",
                url,
                "--bron-sleutel",
                str(_bron_key_file(tmp_path)),
                "--dir",
                str(key_dir),
            ]
        )
        == 0
    )
    report_dir = tmp_path / "reports"
    code = _main(
        ["run", url, "--sleutels", str(key_dir), "--report-dir", str(report_dir), "--timeout", "2"]
    )
    assert code == 3
    assert "unreachable" in capsys.readouterr().out
    report = json.loads((report_dir / "report.json").read_text())
    assert report["verdict"] == "error" and "unreachable" in report["error"]
    assert json.loads((report_dir / "badge.json").read_text())["color"] == "lightgrey"


def test_help_documents_what_the_test_citizens_need(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["run", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "saldo > 0" in out and "cross-citizen" in out


def test_sleutels_refuses_an_api_url_the_scheme_cannot_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _main(
        [
            "sleutels",
            "--oin",
            OIN,
            "--api-url",
            "http://bron.example/vorderingen/v2",
            "--bron-sleutel",
            str(_bron_key_file(tmp_path)),
            "--dir",
            str(tmp_path / "s"),
        ]
    )
    assert code == 2
    assert "--api-url" in _one_line_error(capsys)


def test_demo_lists_the_broken_sources(capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import broken

    assert _main(["demo", "--list-broken"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == broken.list_broken()
    assert all("\t" in line and line.split("\t")[1] for line in lines)


def test_demo_refuses_an_unknown_broken_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["demo", "--broken", "bestaat-niet"]) == 2
    assert "bestaat-niet" in _one_line_error(capsys)


@pytest.mark.live
@pytest.mark.slow
def test_demo_is_green_for_the_correct_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default demo target is the bundled reference source, certified on every profile:
    every check that runs passes, and while a MUST is not tested (the waits that need --slow,
    what plain loopback HTTP cannot show) the verdict says incomplete (exit 4), never
    conformant."""
    code = _main(["demo", "--report-dir", str(tmp_path)])
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["profiles"]) == {"basis", "betalingsregelingen", "pauzes", "hulpvragen"}
    assert [c["check"] for c in report["checks"] if c["outcome"] in ("failed", "error")] == []
    untested = [c for c in report["checks"]
                if c["outcome"] == "skipped" and c["skip"] != "not_applicable"
                and c["severity"] == "must"]
    badge = json.loads((tmp_path / "badge.json").read_text())
    if untested:  # today: the lifetime waits need --slow
        assert (code, report["verdict"]) == (4, "incomplete")
        assert "self-tested: incomplete" in out and "MUST checks not tested" in out
        assert badge["color"] == "orange"
        assert f"{len(untested)} MUST not tested" in badge["message"]
    else:
        assert (code, report["verdict"]) == (0, "conformant")
        assert "self-tested: conformant" in out and badge["color"] == "brightgreen"


@pytest.mark.live
@pytest.mark.slow
def test_demo_is_red_for_a_broken_source_and_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main(["demo", "--broken", "alg-none-geaccepteerd", "--profile", "basis"]) == 1
    out = capsys.readouterr().out
    summary = out[out.index("self-tested: not conformant") :]
    assert "unsigned_certificate_rejected" in summary and "/token/alg-es256" in summary


def test_network_options_are_checked_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate")
    url = "https://127.0.0.1:9/vorderingen/v2"
    cases = [
        (["--ca-bundle", str(tmp_path / "missing.pem")], "--ca-bundle"),
        (["--ca-bundle", str(not_pem)], "--ca-bundle"),
        (["--header", "no-colon"], "--header"),
        (["--header", "X-Key: é"], "--header X-Key: the value must be visible ASCII"),
        (["--header", "X-Key: a\r\nX-Other: b"], "visible ASCII"),
        (["--header", "Authorization: Basic x"], "Authorization"),
        (["--header", "X-Key: a", "--header", "x-key: b"], "twice"),
        (["--proxy", "socks5://127.0.0.1:1080"], "--proxy"),
        (["--client-key", str(not_pem)], "--client-cert"),
        (["--client-cert", str(not_pem)], "--client-cert"),
    ]
    for extra, names in cases:  # exit 2 before any connection (port 9 would refuse)
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["run", url, "--sleutels", str(tmp_path / "none"), *extra])
        err = capsys.readouterr().err
        assert exit_info.value.code == 2, (extra, err)
        assert err.count("\n") == 1 and names in err, (extra, err)


def test_hypothesis_caches_stay_out_of_the_working_directory(tmp_path: Path, monkeypatch) -> None:
    """A run leaves no `.hypothesis/` in the directory it was started from (a CI checkout)."""
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory

    previous = storage_directory(intent_to_write=False).home_directory
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    try:
        cli.keep_caches_out_of_the_working_directory()
        where = storage_directory("unicode_data", intent_to_write=False).path
    finally:
        set_hypothesis_home_dir(previous)
    assert where.is_relative_to(tmp_path / "cache")
    assert not (tmp_path / ".hypothesis").exists()


# --- issue 13: options checked up front, --list-checks, --check, --quiet, Ctrl-C ------------

@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["run", "http://127.0.0.1:9/v2", "--test-bsn", "999993654"], "elfproef"),
        (["run", "http://127.0.0.1:9/v2", "--test-bsn", "999980002"], "forges"),
        (["run", "http://127.0.0.1:9/v2", "--check", "no_such_check"], "no_such_check"),
        (["run", "http://127.0.0.1:9/v2", "--report-dir", "/proc/nope"], "--report-dir"),
        (["run", "http://127.0.0.1:9/v2", "--profile", "basis", "--profile", "app-manager"],
         "different actors"),
        (["run", "--profile", "app"], "--app-command"),
        (["run", "http://127.0.0.1:9/v2", "--app-command", "mijn-app"], "only for --profile app"),
        (["run", "--profile", "app", "--app-command", "'unclosed"], "--app-command"),
        (["run", "--profile", "app", "--app-command", "/nonexistent/bin --json"],
         "--app-command: /nonexistent/bin: no such file"),
        (["run", "--profile", "app", "--app-command", "geen-app-met-deze-naam"],
         "not found on PATH"),
    ],
)
def test_every_option_is_checked_before_anything_runs(
    argv: list[str], names: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listens at port 9: an option error is found before any connection (exit 2,
    not 3), and no "conformant" is printed before it."""
    assert _main(argv) == 2
    err = _one_line_error(capsys)
    assert names in err and "conformant" not in capsys.readouterr().out


def test_list_checks_names_rule_and_severity_per_profile(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["run", "--list-checks", "--profile", "basis", "--profile", "pauzes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("basis (bron, ")
    assert "\npauzes (bron, " in out and "betalingsregelingen (" not in out
    line = next(x for x in out.splitlines() if "configured_oin_matches" in x)
    assert line.split() == ["configured_oin_matches", "MUST", "/configuratie/oin"]
    assert any(x.split()[1:2] == ["SHOULD"] for x in out.splitlines() if x.startswith("  "))


def test_list_checks_without_a_profile_lists_every_actor(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["run", "--list-checks"]) == 0
    headings = [x.split(" ")[0] for x in capsys.readouterr().out.splitlines()
                if x and not x.startswith(" ")]
    assert headings == ["basis", "betalingsregelingen", "pauzes", "hulpvragen", "app-manager",
                        "stelsel", "app"]


def _serve_gallery(tmp_path: Path):
    """The gallery's correct source on a loopback socket, and the suite's keys naming it."""
    from conformance import broken
    from conformance.serving import BackgroundServer

    suite_keys = keys.ensure_keys(tmp_path / "sleutels")
    signing_key = jose.SigningKey.generate()
    sock = bind_loopback()
    base_url = socket_url(sock) + "/vorderingen/v2"
    token = keys.write_scheme(suite_keys, oin=OIN, api_url=base_url,
                              bron_jwk=signing_key.published_jwk())
    app = broken.build_app(None, oin=OIN, signing_key=signing_key.private,
                           scheme_key_jwk=suite_keys.scheme_key.published_jwk(),
                           scheme_document=token, base_path="/vorderingen/v2")
    return BackgroundServer(app, sock), base_url, suite_keys.directory


@pytest.mark.live
def test_a_check_subset_is_incomplete_and_quiet_prints_the_summary_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance import broken

    server, url, key_dir = _serve_gallery(tmp_path)
    with server:
        code = _main(["run", url, "--sleutels", str(key_dir), "--quiet",
                      "--test-bsn", broken.DEFAULT_TEST_BSNS[0],
                      "--check", "configuratie_valid", "--check", "valid_session_opened",
                      "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 4
    assert "[1/" not in out and "configuratie_valid" not in out  # no line per check
    assert "2 passed" in out and "self-tested: incomplete (exit 4)" in out
    assert "only the checks named by --check ran" in out
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert [c["check"] for c in report["checks"]] == ["configuratie_valid",
                                                      "valid_session_opened"]
    assert report["selection"] == ["configuratie_valid", "valid_session_opened"]


@pytest.mark.live
def test_ctrl_c_writes_a_partial_report_and_exits_130(tmp_path: Path) -> None:
    """A real SIGINT to a real run: the reports are written, the checks not reached are
    reported as not run, the verdict is incomplete and the exit code 130."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conformance import broken

    server, url, key_dir = _serve_gallery(tmp_path)
    report_dir = tmp_path / "r"
    with server:
        process = subprocess.Popen(
            [sys.executable, "-c", "from conformance.cli import main; main()", "run", url,
             "--sleutels", str(key_dir), "--report-dir", str(report_dir),
             "--test-bsn", broken.DEFAULT_TEST_BSNS[0], "--test-bsn", broken.DEFAULT_TEST_BSNS[1]],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            assert process.stdout is not None
            deadline = time.monotonic() + 60
            for line in process.stdout:  # wait until the matrix is under way
                if line.replace(" ", "").startswith("[5/") or time.monotonic() > deadline:
                    break
            process.send_signal(signal.SIGINT)
            _out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 130, err
    assert "interrupted" in err and err.count("\n") == 1
    report = json.loads((report_dir / "report.json").read_text())
    assert report["interrupted"] is True and report["verdict"] == "incomplete"
    kinds = [c.get("skip") for c in report["checks"]]
    # The checks that ended before the interrupt keep their outcome (the first two, on the
    # configuration, always pass against the gallery); the rest are not_run.
    assert kinds[:2] == ["", ""] and "not_run" in kinds
    assert len(report["checks"]) > 100  # every check of the run is in the report
    assert (report_dir / "junit.xml").is_file() and (report_dir / "badge.svg").is_file()


def test_no_arguments_prints_the_help_readably(capsys: pytest.CaptureFixture[str]) -> None:
    assert _main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("Usage: vorderingen-conformance") and out.count("\n") > 10
    assert "4  incomplete" in out and "130 interrupted" in out


@pytest.mark.live
def test_a_run_without_test_citizens_is_never_a_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 11: a correct source run without --test-bsn used to exit 0 with a green badge."""
    server, url, key_dir = _serve_gallery(tmp_path)
    with server:
        code = _main(["run", url, "--sleutels", str(key_dir), "--profile", "basis",
                      "--report-dir", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert code == 4 and "self-tested: incomplete (exit 4)" in out
    assert "× needs a test citizen (--test-bsn)" in out
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["verdict"] == "incomplete" and report["counts"]["failed"] == 0
    badge = json.loads((tmp_path / "r" / "badge.json").read_text())
    assert badge["color"] == "orange"
    assert badge["message"].startswith("self-tested: incomplete · ")
    assert f"{report['counts']['untested_musts']} MUST not tested" in badge["message"]


# --- a private test network (spec/testomgeving.md §1) ------------------------------------


@pytest.mark.parametrize(
    ("url", "allowed", "refused_without"),
    [
        ("https://bron.example/v2", True, False),
        ("http://127.0.0.1:8000/v2", True, False),
        ("http://bron:8000/vorderingen/v2", True, True),
        ("http://10.0.3.7/vorderingen/v2", True, True),
        ("http://bron.example/vorderingen/v2", False, True),
        ("http://172.32.0.1/vorderingen/v2", False, True),
    ],
)
def test_plain_http_off_loopback_needs_a_private_network_and_the_flag(
    url: str, allowed: bool, refused_without: bool
) -> None:
    from conformance.network import check_plain_http

    if allowed:
        check_plain_http(url, "BASE_URL", private_network=True)
    else:
        with pytest.raises(UsageError, match="use https"):
            check_plain_http(url, "BASE_URL", private_network=True)
    if refused_without:
        with pytest.raises(UsageError, match=r"prive-netwerk|use https"):
            check_plain_http(url, "BASE_URL", private_network=False)
    else:
        check_plain_http(url, "BASE_URL", private_network=False)


def _sleutels(tmp_path: Path, url: str, *extra: str) -> int:
    return _main(["sleutels", "--oin", OIN, "--api-url", url, "--bron-sleutel",
                  str(_bron_key_file(tmp_path)), "--dir", str(tmp_path / "s"), *extra])


def test_sleutels_lists_a_container_url_only_when_told(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "http://bron:8000/vorderingen/v2"
    assert _sleutels(tmp_path, url) == 2
    assert "--prive-netwerk" in _one_line_error(capsys)
    assert _sleutels(tmp_path, url, "--prive-netwerk", "--omgeving", "acceptatie") == 2
    assert "acceptatie" in _one_line_error(capsys)
    assert _sleutels(tmp_path, url, "--prive-netwerk") == 0
    suite_keys = keys.load_keys(tmp_path / "s")
    scheme = keys.load_scheme(suite_keys)
    listed = [e["api_url"] for o in scheme["organisaties"] for e in o["eindpunten"]]
    assert url in listed and scheme["omgeving"] == "test"


def test_run_refuses_a_container_url_without_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["run", "http://bron:8000/vorderingen/v2", "--sleutels", str(tmp_path)]) == 2
    assert "--prive-netwerk" in _one_line_error(capsys)


def _green_badge(report_dir: Path) -> None:
    """What a previous, conformant run left in the report directory."""
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "badge.json").write_text(json.dumps(
        {"schemaVersion": 1, "label": "vorderingen API", "message": "self-tested: conformant",
         "color": "brightgreen", "isError": False}))


@pytest.mark.live
def test_ctrl_c_before_the_checks_start_writes_an_interrupted_report(tmp_path: Path) -> None:
    """A real SIGINT while the suite waits for /configuratie of an endpoint that accepts and
    never answers: exit 130, and the report replaces the previous run's green badge."""
    import os
    import signal
    import subprocess
    import sys

    sock = bind_loopback()
    sock.listen(8)
    url = socket_url(sock) + "/vorderingen/v2"
    key_dir = tmp_path / "suite"
    assert _main(["sleutels", "--oin", OIN, "--api-url", url, "--bron-sleutel",
                  str(_bron_key_file(tmp_path)), "--dir", str(key_dir)]) == 0
    report_dir = tmp_path / "r"
    _green_badge(report_dir)
    process = subprocess.Popen(
        [sys.executable, "-c", "from conformance.cli import main; main()", "run", url,
         "--sleutels", str(key_dir), "--report-dir", str(report_dir), "--timeout", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        sock.settimeout(60)
        connection, _ = sock.accept()  # the suite is connecting now
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
        connection.close()
    finally:
        sock.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert "interrupted" in err and err.count("\n") == 1, err
    report = json.loads((report_dir / "report.json").read_text())
    assert report["interrupted"] is True and report["verdict"] != "conformant"
    badge = json.loads((report_dir / "badge.json").read_text())
    assert badge["color"] != "brightgreen"


def test_an_app_command_that_is_not_executable_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "app.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o644)
    assert _main(["run", "--profile", "app", "--app-command", f"{script} --json"]) == 2
    assert f"--app-command: {script}: not an executable file" in _one_line_error(capsys)


@pytest.mark.parametrize(("url", "problem"), [
    ("http://127.0.0.1:99999/v2", "Port out of range"),
    ("http://h:abc/v2", "Port could not be cast"),
    ("http://h:0/v2", "1-65535"),
    ("https://[::1/v2", "Invalid IPv6 URL"),
    ("http://127.0.0.1/vorderingen v2", "whitespace"),
    ("http://127.0.0.1/v2?x=1", "?query"),
    ("http://127.0.0.1/v2#top", "#fragment"),
    ("http:///v2", "no host"),
])
def test_a_malformed_url_is_a_usage_error(
    url: str, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["run", url]) == 2
    assert problem in _one_line_error(capsys)
    assert _main(["run", "--profile", "app-manager", "https://am.example/v2",
                  "--stelsel-url", url]) == 2
    assert "--stelsel-url" in _one_line_error(capsys)
    assert _sleutels(tmp_path, url) == 2
    assert "--api-url" in _one_line_error(capsys)
    assert not (tmp_path / "s").exists()  # nothing written


@pytest.mark.parametrize("argv", [
    ["--timeout", "nan"], ["--timeout", "inf"], ["--deadline", "nan"], ["--deadline", "inf"],
])
def test_a_number_that_is_not_finite_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main(["run", "http://127.0.0.1:9/v2", *argv]) == 2
    err = _one_line_error(capsys)
    assert argv[0] in err and "not a finite number" in err


def test_input_files_that_are_not_utf8_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    assert _main(["sleutels", "--oin", OIN, "--api-url", "https://bron.example/v2",
                  "--bron-sleutel", str(binary), "--dir", str(tmp_path / "s")]) == 2
    assert "not UTF-8" in _one_line_error(capsys)
    assert _sleutels(tmp_path, "https://bron.example/v2") == 0
    capsys.readouterr()
    url = "http://127.0.0.1:9/v2"
    assert _main(["run", url, "--sleutels", str(tmp_path / "s"),
                  "--expected-failures", str(binary)]) == 2
    assert "--expected-failures" in _one_line_error(capsys)
    (tmp_path / "s" / keys.STATE_FILE).write_bytes(b"\xff\xfe\x00\x81")
    assert _main(["run", url, "--sleutels", str(tmp_path / "s")]) == 2
    assert "suite.json: not UTF-8" in _one_line_error(capsys)


def test_unwritable_directories_are_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the unknown broken source would be found only once the demo starts: the directory first
    assert _main(["demo", "--broken", "bestaat-niet", "--report-dir", "/proc/x"]) == 2
    assert "--report-dir /proc/x: cannot write there" in _one_line_error(capsys)
    assert _main(["sleutels", "--oin", OIN, "--api-url", "https://bron.example/v2",
                  "--bron-sleutel", str(_bron_key_file(tmp_path)), "--dir", "/proc/nope"]) == 2
    assert "--dir /proc/nope: cannot write there" in _one_line_error(capsys)


def test_a_key_directory_that_cannot_be_made_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot create the key directory /proc/nope"):
        keys.ensure_keys(Path("/proc/nope"))
