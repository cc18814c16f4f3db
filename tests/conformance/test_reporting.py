"""Every report is rendered from report.json and says the same thing."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
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


@pytest.mark.parametrize(
    ("results", "error", "message", "colour", "shield"),
    [
        ([_result("a", Outcome.PASSED)], "", "self-tested: conformant", "#2e7d32", "brightgreen"),
        ([_result("a", Outcome.FAILED)], "", "self-tested: not conformant", "#c62828", "red"),
        ([], "endpoint unreachable", "self-tested: error", "#757575", "lightgrey"),
        ([_result("a", Outcome.ERROR)], "", "self-tested: error", "#757575", "lightgrey"),
        (
            [_result("a", Outcome.PASSED), _result("b", Outcome.FAILED, severity="should")],
            "",
            "self-tested: conformant",
            "#2e7d32",
            "brightgreen",
        ),
    ],
)
def test_badges_follow_the_verdict(
    tmp_path: Path, results: list, error: str, message: str, colour: str, shield: str
) -> None:
    render_all(write_report(sample_report(*results, error=error), tmp_path))
    svg = (tmp_path / "badge.svg").read_text("utf-8")
    assert message in svg and colour in svg and "vorderingen API" in svg
    ET.fromstring(svg)  # well-formed
    badge = json.loads((tmp_path / "badge.json").read_text("utf-8"))
    assert badge["schemaVersion"] == 1
    assert badge["label"] == "vorderingen API"
    assert badge["message"] == message
    assert badge["color"] == shield


def test_errors_alone_are_not_nonconformance() -> None:
    report = sample_report(_result("a", Outcome.PASSED), _result("b", Outcome.ERROR))
    assert report.verdict.value == "conformant"
    assert report.exit_code == 0
    assert sample_report(_result("b", Outcome.ERROR)).exit_code == 3


def test_expected_failure_does_not_count(tmp_path: Path) -> None:
    report = sample_report(_result("a", Outcome.FAILED, expected_failure=True))
    assert report.exit_code == 0
    render_all(write_report(report, tmp_path))
    case = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite/testcase")
    assert case is not None and case.find("failure") is None
    assert "expected failure" in (case.find("skipped").get("message") or "")
