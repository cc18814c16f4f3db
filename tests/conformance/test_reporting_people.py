"""The reports for people: Dutch and English, the summary page, readable and replayable
evidence, a HAR file, the comparison with the previous run, and the versions in report.json."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from conformance.model import CheckResult, Evidence, Outcome, RunReport
from conformance.reporting import read_previous, render_all, write_report
from conformance.reporting.evidence import pretty_lines, replay_curl, variables_of
from conformance.reporting.i18n import inline_code_html

BODY = json.dumps({"financiele_zaken": [{"zaakkenmerk": "Z-1", "saldo": -5}]})
EVIDENCE = Evidence(
    request_method="POST",
    request_url="http://127.0.0.1:1/vorderingen/v2/pauzes",
    request_headers={"authorization": "Sessie <redacted>",
                     "verzoek-bewijs": "eyJhbGciOi.<redacted>.<redacted>",
                     "content-type": "application/json", "content-length": "40"},
    request_body_excerpt='{"bsn": "*******53", "zaakkenmerk": "it\'s"}',
    response_status=200,
    response_headers={"content-type": "application/json"},
    response_body_excerpt=BODY,
)


def _report(*results: CheckResult, started: str = "2026-01-02T00:00:00+00:00") -> RunReport:
    return RunReport(suite_version="2.0.0", spec_version="2.0.0",
                     target="http://127.0.0.1:1/vorderingen/v2", oin="00000001234567890000",
                     profiles=["basis"], seed=7, max_examples=10, started_at=started,
                     finished_at=started, results=list(results))


def _check(name: str, outcome: Outcome, **kw: object) -> CheckResult:
    return CheckResult(check=name, rule=f"/test/{name.replace('_', '-')}", severity="must",
                       outcome=outcome, area="test", **kw)  # type: ignore[arg-type]


FAILING = _check("saldo_not_negative", Outcome.FAILED,
                 message="saldo is negative at /financiele_zaken/0/saldo",
                 statement="``saldo`` is at least 0 (`centen`).", evidence=[EVIDENCE])


def test_report_json_records_the_versions_and_the_seed(tmp_path: Path) -> None:
    data = json.loads(write_report(_report(FAILING), tmp_path).read_text("utf-8"))
    assert data["seed"] == 7
    for name in ("vorderingen", "schemathesis", "hypothesis", "openapi-core", "jsonschema",
                 "httpx"):
        assert re.match(r"^\d+\.\d+", data["versions"][name]), name


@pytest.mark.parametrize(("taal", "words"), [
    ("nl", ["Samenvatting voor management en audit", "voldoet niet", "Overtreden regels"]),
    ("en", ["Summary for management and audit", "not conformant", "Rules broken"]),
])
def test_pages_speak_the_chosen_language(tmp_path: Path, taal: str, words: list[str]) -> None:
    render_all(write_report(_report(FAILING), tmp_path), taal)
    for page in ("report.html", "samenvatting.html"):
        html = (tmp_path / page).read_text("utf-8")
        assert f'<html lang="{taal}">' in html
        assert all(w in html for w in words), (page, words)
    summary = (tmp_path / "samenvatting.html").read_text("utf-8")
    assert "/test/saldo-not-negative" in summary and 'href="report.html"' in summary


def test_rst_literals_become_code_and_rules_link_to_the_docs(tmp_path: Path) -> None:
    render_all(write_report(_report(FAILING), tmp_path), "en",
               docs_url="../docs/rules.html")
    html = (tmp_path / "report.html").read_text("utf-8")
    assert "``" not in html and "<code>saldo</code> is at least 0 (<code>centen</code>)" in html
    assert 'href="../docs/rules.html#rule-test-saldo-not-negative"' in html
    assert inline_code_html("<b>`x`</b>") == "&lt;b&gt;<code>x</code>&lt;/b&gt;"


def test_evidence_is_pretty_with_the_pointer_highlighted(tmp_path: Path) -> None:
    render_all(write_report(_report(FAILING), tmp_path), "en")
    html = (tmp_path / "report.html").read_text("utf-8")
    assert '<mark>      &#34;saldo&#34;: -5</mark>' in html
    assert '&#34;zaakkenmerk&#34;: &#34;Z-1&#34;,\n' in html  # pretty, not one line
    assert html.count("<mark>") == 1  # only the member the finding names
    assert pretty_lines("{not json") is None


def test_curl_replays_with_the_secrets_as_shell_variables() -> None:
    curl = replay_curl(EVIDENCE)
    assert variables_of(curl) == ["SESSIETOKEN", "VERZOEK_BEWIJS", "BSN"]
    assert "<redacted>" not in curl and "content-length" not in curl
    # The shell sees exactly the request, with the variables filled in.
    env = {"SESSIETOKEN": "tok en", "VERZOEK_BEWIJS": "proof", "BSN": "999993653",
           "PATH": "/usr/bin:/bin"}
    words = subprocess.run(["bash", "-c", "printf '%s\\n' " + curl.removeprefix("curl ")],
                           env=env, capture_output=True, text=True, check=True).stdout
    assert "authorization: Sessie tok en\n" in words
    assert "verzoek-bewijs: proof\n" in words
    assert '{"bsn": "999993653", "zaakkenmerk": "it\'s"}\n' in words
    assert shlex.split(curl)[5] == "http://127.0.0.1:1/vorderingen/v2/pauzes"


def test_har_holds_every_exchange_redacted(tmp_path: Path) -> None:
    render_all(write_report(_report(FAILING, _check("ok", Outcome.PASSED)), tmp_path))
    har = json.loads((tmp_path / "requests.har").read_text("utf-8"))
    assert har["log"]["version"] == "1.2"
    (entry,) = har["log"]["entries"]
    assert entry["request"]["method"] == "POST"
    assert entry["response"]["status"] == 200
    assert entry["response"]["content"]["text"] == BODY
    assert {"name": "authorization", "value": "Sessie <redacted>"} in entry["request"]["headers"]
    assert entry["comment"].startswith("saldo_not_negative /test/saldo-not-negative failed")


def test_the_comparison_names_what_newly_fails_and_what_got_fixed(tmp_path: Path) -> None:
    before = _report(_check("saldo_not_negative", Outcome.PASSED),
                     _check("was_broken", Outcome.FAILED), started="2026-01-01T00:00:00Z")
    write_report(before, tmp_path)
    previous = read_previous(tmp_path / "report.json")
    assert previous is not None
    now = _report(FAILING, _check("was_broken", Outcome.PASSED))
    render_all(write_report(now, tmp_path), "nl", previous=previous)
    comparison = json.loads((tmp_path / "comparison.json").read_text("utf-8"))
    assert comparison["newly_failing"] == ["saldo_not_negative"]
    assert comparison["fixed"] == ["was_broken"]
    summary = (tmp_path / "samenvatting.html").read_text("utf-8")
    assert "Vergeleken met de vorige run (2026-01-01T00:00:00Z" in summary
    assert "Nieuw gefaald" in summary and "Opgelost" in summary


def test_a_damaged_previous_report_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("{not json", "utf-8")
    assert read_previous(tmp_path / "report.json") is None
    assert read_previous(tmp_path / "missing.json") is None


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="taal 'de'"):
        render_all(write_report(_report(FAILING), tmp_path), "de")
