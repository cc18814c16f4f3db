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
    assert first["versie"] == "2.0"
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
    assert "api_url" in _one_line_error(capsys)


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
    """The default demo target is the bundled reference source, certified on every profile."""
    assert _main(["demo", "--report-dir", str(tmp_path)]) == 0
    assert "self-tested: conformant" in capsys.readouterr().out
    assert json.loads((tmp_path / "badge.json").read_text())["color"] == "brightgreen"
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["profiles"]) == {"basis", "betalingsregelingen", "pauzes", "hulpvragen"}
    outcomes = {c["check"]: c["outcome"] for c in report["checks"]}
    # Only what plain loopback HTTP cannot show, the waits that need --slow, and the order
    # of "service not offered" before authentication (the reference offers every service)
    # may skip.
    allowed_skips = {"https_with_hsts", "old_tls_refused", "tls13_offered",
                     "expired_nonce_rejected", "expired_session_token_rejected",
                     "unoffered_service_before_authentication"}
    assert {c for c, o in outcomes.items() if o == "skipped"} <= allowed_skips
    assert {o for c, o in outcomes.items() if c not in allowed_skips} == {"passed"}


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
