"""Every report is rendered from report.json and says the same thing."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.model import CheckResult, Evidence, Outcome, RunReport
from conformance.reporting import render_all, write_report

HOSTILE = '<script>alert("x")</script>'


def _result(check: str, outcome: Outcome, severity: str = "must", **kw) -> CheckResult:
    return CheckResult(
        check=check,
        rule=f"/test/{check.replace('_', '-')}",
        severity=severity,
        outcome=outcome,
        area="test",
        **kw,
    )


def sample_report(*results: CheckResult, error: str = "") -> RunReport:
    return RunReport(
        suite_version="1.0.0",
        spec_version="1.0.0",
        target="http://127.0.0.1:1/vorderingen/v1",
        oin="00000001234567890000",
        profiles=["basis"],
        seed=0,
        max_examples=10,
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:05+00:00",
        results=list(results),
        error=error,
    )


EVIDENCE = Evidence(
    request_method="GET",
    request_url="http://127.0.0.1:1/vorderingen/v1/configuratie",
    request_headers={"authorization": "Sessie <redacted>"},
    response_status=500,
    response_headers={"content-type": "text/html"},
    response_body_excerpt=HOSTILE,
    curl="curl -sS -X GET 'http://127.0.0.1:1/x'",
)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    report = sample_report(
        _result("passes", Outcome.PASSED),
        _result("breaks_must", Outcome.FAILED, message=HOSTILE, evidence=[EVIDENCE]),
        _result("breaks_should", Outcome.FAILED, severity="should", message="warn"),
        _result("not_applicable", Outcome.SKIPPED, message="needs a test citizen"),
        _result("suite_broke", Outcome.ERROR, message="ConnectError"),
    )
    path = write_report(report, tmp_path / "reports")
    render_all(path)
    return path.parent


def test_report_json_holds_the_run_and_every_check(mixed: Path) -> None:
    data = json.loads((mixed / "report.json").read_text("utf-8"))
    for key in (
        "suite_version",
        "spec_version",
        "profiles",
        "target",
        "oin",
        "seed",
        "started_at",
        "finished_at",
    ):
        assert key in data
    assert data["verdict"] == "not_conformant"
    assert data["exit_code"] == 1
    assert [c["outcome"] for c in data["checks"]] == [
        "passed",
        "failed",
        "failed",
        "skipped",
        "error",
    ]
    failed = data["checks"][1]
    assert failed["evidence"][0]["curl"].startswith("curl")
    assert {"check", "rule", "severity", "area", "outcome", "message"} <= failed.keys()


def test_junit_parses_and_counts_only_must_failures(mixed: Path) -> None:
    root = ET.parse(mixed / "junit.xml").getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "5"
    assert suite.get("failures") == "1"
    assert suite.get("errors") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["breaks_must"].find("failure") is not None
    assert cases["breaks_should"].find("failure") is None
    assert "WARNING" in (cases["breaks_should"].findtext("system-out") or "")
    assert cases["suite_broke"].find("error") is not None
    assert cases["not_applicable"].find("skipped") is not None


def test_html_is_self_contained_and_escapes_everything(mixed: Path) -> None:
    html = (mixed / "report.html").read_text("utf-8")
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "<script" not in html.lower()
    assert "breaks_must" in html and "self-tested: not conformant" in html


LABEL = "vorderingen API 1.0.0"


@pytest.mark.parametrize(
    ("results", "error", "message", "colour", "shield"),
    [
        ([_result("a", Outcome.PASSED)], "", "self-tested: conformant · 1/1 passed · basis",
         "#2e7d32", "brightgreen"),
        ([_result("a", Outcome.FAILED)], "", "self-tested: not conformant · 0/1 passed · basis",
         "#c62828", "red"),
        ([], "endpoint unreachable", "self-tested: error · basis", "#757575", "lightgrey"),
        ([_result("a", Outcome.ERROR)], "", "self-tested: error · 0/1 passed · 1 MUST not "
         "tested · basis", "#757575", "lightgrey"),
        (
            [_result("a", Outcome.PASSED), _result("b", Outcome.FAILED, severity="should")],
            "",
            "self-tested: conformant · 1/2 passed · basis",
            "#2e7d32",
            "brightgreen",
        ),
        ([_result("a", Outcome.PASSED), _result("b", Outcome.SKIPPED, skip="not_tested",
                                                 message="needs a test citizen")],
         "", "self-tested: incomplete · 1/2 passed · 1 MUST not tested · basis", "#b26a00",
         "orange"),
        ([_result("a", Outcome.PASSED), _result("b", Outcome.SKIPPED, skip="not_applicable")],
         "", "self-tested: conformant · 1/1 passed · basis", "#2e7d32", "brightgreen"),
        ([_result("a", Outcome.PASSED), _result("b", Outcome.FAILED, expected_failure=True)],
         "", "self-tested: conformant with waivers · 1/2 passed · 1 waived · basis", "#827717",
         "yellowgreen"),
    ],
)
def test_badges_follow_the_verdict(
    tmp_path: Path, results: list, error: str, message: str, colour: str, shield: str
) -> None:
    render_all(write_report(sample_report(*results, error=error), tmp_path))
    svg = (tmp_path / "badge.svg").read_text("utf-8")
    assert message in svg and colour in svg and LABEL in svg
    ET.fromstring(svg)  # well-formed
    badge = json.loads((tmp_path / "badge.json").read_text("utf-8"))
    assert badge["schemaVersion"] == 1
    assert badge["label"] == LABEL
    assert badge["message"] == message
    assert badge["color"] == shield


def test_the_badge_names_another_actor_and_a_subset() -> None:
    from conformance.reporting.badge import badge_parts

    report = sample_report(_result("a", Outcome.PASSED))
    report.actor, report.profiles, report.selection = "app-manager", ["app-manager"], ["a"]
    assert badge_parts(report) == ("vorderingen API app-manager 1.0.0",
                                   "self-tested: incomplete · 1/1 passed · subset · app-manager")


@dataclasses.dataclass(frozen=True)
class Certification:  # the fields of certification.VerifiedCertification the badge reads
    oin: str
    api_url: str
    standard_version: str
    geldig_tot: int
    issuer: str = "stelselbeheerder"

    @property
    def valid_until(self) -> str:
        return datetime.fromtimestamp(self.geldig_tot, UTC).strftime("%Y-%m-%d")


def test_a_run_over_a_private_test_network_says_so() -> None:
    from conformance.reporting.badge import badge_parts

    report = sample_report(_result("a", Outcome.PASSED))
    report.network = {"prive_netwerk": True}
    assert "private test network (http)" in badge_parts(report)[1]


def test_certified_only_with_a_certification_of_this_run() -> None:
    from conformance.errors import UsageError
    from conformance.reporting.badge import badge_parts

    report = sample_report(_result("a", Outcome.PASSED))
    cert = Certification(report.oin, report.target, report.spec_version,
                         int(datetime(2027, 6, 1, tzinfo=UTC).timestamp()))
    assert badge_parts(report, cert)[1].startswith(
        "certified by stelselbeheerder until 2027-06-01 · 1/1 passed")
    assert "certified" not in badge_parts(report)[1]
    with pytest.raises(UsageError, match="OIN 00000009999999999999"):
        badge_parts(report, dataclasses.replace(cert, oin="0000000" + "9" * 13))
    incomplete = sample_report(_result("a", Outcome.SKIPPED, skip="not_tested"))
    assert badge_parts(incomplete, cert)[1].startswith("self-tested: incomplete")


def test_errors_are_untested_musts_never_nonconformance() -> None:
    report = sample_report(_result("a", Outcome.PASSED), _result("b", Outcome.ERROR))
    assert report.verdict.value == "incomplete"
    assert report.exit_code == 4
    assert sample_report(_result("b", Outcome.ERROR)).exit_code == 3
    should = sample_report(_result("a", Outcome.PASSED),
                           _result("b", Outcome.ERROR, severity="should"))
    assert should.verdict.value == "conformant"


@pytest.mark.parametrize(("skip", "verdict", "code"), [
    ("not_tested", "incomplete", 4),
    ("not_run", "incomplete", 4),
    ("not_applicable", "conformant", 0),
    ("", "incomplete", 4),  # a skip of unknown kind is not tested
])
def test_a_skipped_must_is_incomplete_unless_not_applicable(skip, verdict, code) -> None:
    report = sample_report(_result("a", Outcome.PASSED),
                           _result("b", Outcome.SKIPPED, skip=skip))
    assert (report.verdict.value, report.exit_code) == (verdict, code)
    again = RunReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.verdict.value == verdict


def test_a_skipped_should_leaves_the_run_complete() -> None:
    report = sample_report(_result("a", Outcome.PASSED),
                           _result("b", Outcome.SKIPPED, severity="should", skip="not_tested"))
    assert report.verdict.value == "conformant"


def test_a_failure_outweighs_incompleteness_and_waivers() -> None:
    report = sample_report(_result("a", Outcome.FAILED),
                           _result("b", Outcome.SKIPPED, skip="not_tested"),
                           _result("c", Outcome.FAILED, expected_failure=True))
    assert report.verdict.value == "not_conformant"
    report = sample_report(_result("b", Outcome.SKIPPED, skip="not_tested"),
                           _result("c", Outcome.FAILED, expected_failure=True))
    assert report.verdict.value == "incomplete"


def test_a_subset_or_an_interrupted_run_is_incomplete() -> None:
    report = sample_report(_result("a", Outcome.PASSED))
    report.selection = ["a"]
    assert (report.verdict.value, report.exit_code) == ("incomplete", 4)
    report = sample_report(_result("a", Outcome.PASSED))
    report.interrupted = True
    assert (report.verdict.value, report.exit_code) == ("incomplete", 130)
    again = RunReport.from_dict(report.to_dict())
    assert again.interrupted and again.exit_code == 130


def test_skip_kinds_and_waivers_reach_every_report(tmp_path: Path) -> None:
    report = sample_report(
        _result("a", Outcome.PASSED),
        _result("needs_citizen", Outcome.SKIPPED, skip="not_tested",
                message="needs a test citizen (--test-bsn)"),
        _result("not_offered", Outcome.SKIPPED, skip="not_applicable",
                message="the endpoint does not offer pauzes"),
        _result("waived_one", Outcome.FAILED, expected_failure=True, message="known"),
    )
    render_all(write_report(report, tmp_path), "en")
    data = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert data["verdict"] == "incomplete" and data["exit_code"] == 4
    assert data["actor"] == "bron"
    assert [c["skip"] for c in data["checks"]] == ["", "not_tested", "not_applicable", ""]
    assert [c["waived"] for c in data["checks"]] == [False, False, False, True]
    assert data["counts"]["waived"] == 1 and data["counts"]["untested_musts"] == 1
    assert data["counts"]["applicable"] == 3
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["needs_citizen"].find("skipped").get("message").startswith("not tested:")
    assert cases["not_offered"].find("skipped").get("message").startswith("not applicable:")
    assert cases["waived_one"].find("skipped").get("message").startswith("waived")
    assert cases["run-complete"].find("error").get("type") == "incomplete"
    html = (tmp_path / "report.html").read_text("utf-8")
    assert "needs a test citizen (--test-bsn)" in html and "not applicable" in html
    assert "Mandatory checks not tested" in html and "Mandatory rules waived" in html
    assert "1 waived" in html and "1 MUST not tested" in html


def test_expected_failure_does_not_count(tmp_path: Path) -> None:
    report = sample_report(_result("a", Outcome.FAILED, expected_failure=True))
    assert report.exit_code == 0
    render_all(write_report(report, tmp_path))
    case = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite/testcase")
    assert case is not None and case.find("failure") is None
    assert "waived (expected failure)" in (case.find("skipped").get("message") or "")


def _verdicts(directory: Path) -> tuple[str, str]:
    report = json.loads((directory / "report.json").read_text("utf-8"))
    return report["verdict"], json.loads((directory / "badge.json").read_text("utf-8"))["color"]


def test_reports_are_written_all_or_nothing(tmp_path: Path) -> None:
    """A report that cannot be written (junit.xml is a directory) leaves the previous set
    as it was, never a new report.json beside the previous run's green badge."""
    from conformance.errors import CouldNotRun
    from conformance.reporting import write_all

    write_all(sample_report(_result("a", Outcome.PASSED)), tmp_path)
    assert _verdicts(tmp_path) == ("conformant", "brightgreen")
    (tmp_path / "junit.xml").unlink()
    (tmp_path / "junit.xml").mkdir()
    with pytest.raises(CouldNotRun, match=r"junit\.xml: Is a directory"):
        write_all(sample_report(error="unreachable"), tmp_path)
    assert _verdicts(tmp_path) == ("conformant", "brightgreen")  # the old set, whole
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_report_failing_to_move_into_place_leaves_no_badge_behind(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from conformance import reporting

    reporting.write_all(sample_report(_result("a", Outcome.PASSED)), tmp_path)
    real_replace = os.replace

    def fails_for_the_html(source, target) -> None:
        if Path(target).name == "report.html":
            raise PermissionError(13, "Permission denied", str(target))
        real_replace(source, target)

    monkeypatch.setattr(reporting.os, "replace", fails_for_the_html)
    with pytest.raises(reporting.CouldNotRun, match=r"report\.html: Permission denied"):
        reporting.write_all(sample_report(error="unreachable"), tmp_path)
    assert json.loads((tmp_path / "report.json").read_text("utf-8"))["verdict"] == "error"
    assert not (tmp_path / "badge.json").exists() and not (tmp_path / "badge.svg").exists()
    assert not list(tmp_path.glob(".*.tmp"))
