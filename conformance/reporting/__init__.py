"""Reports of a run. report.json is the source of truth; junit.xml, report.html,
samenvatting.html, requests.har, badge.svg and badge.json are rendered from it by
`render_all`, so every report says the same thing.

The pages for people come in Dutch or English (`taal`); the machine formats do not change
with it. Given the previous run's report.json, the pages say what newly fails and what got
fixed, and comparison.json records it.

The badge says "self-tested": it is the organisation's own run of the suite. It says
"certified" only when `render_all` is given a verified signed certification result of the
scheme operator (`conformance.certification.verify_result`) about the same run's endpoint.
"""

from __future__ import annotations

import json as jsonlib  # the submodule `json` shadows the name in this package
from pathlib import Path

from conformance.model import RunReport
from conformance.reporting.badge import render_badge_json, render_badge_svg
from conformance.reporting.compare import Comparison, compare
from conformance.reporting.evidence import har
from conformance.reporting.html import render_html, render_summary
from conformance.reporting.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from conformance.reporting.json import read_raw, read_report, write_report
from conformance.reporting.junit import render_junit

REPORT_JSON = "report.json"
JUNIT_XML = "junit.xml"
REPORT_HTML = "report.html"
SUMMARY_HTML = "samenvatting.html"
HAR_FILE = "requests.har"
COMPARISON_JSON = "comparison.json"
BADGE_SVG = "badge.svg"
BADGE_JSON = "badge.json"


def read_previous(path: Path | None) -> RunReport | None:
    """The previous run's report, or None when there is none or it cannot be read (a
    missing or damaged previous report never stops a run's reports)."""
    if path is None or not path.is_file():
        return None
    try:
        return read_report(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def render_all(
    report_json_path: Path,
    taal: str = DEFAULT_LANGUAGE,
    *,
    previous: RunReport | None = None,
    docs_url: str | None = None,
    certified: object | None = None,
) -> list[Path]:
    """Render every other report next to `report_json_path`; returns the files written.

    `previous` is the report of the previous run (for the comparison); `docs_url` the
    address of the offline docs' rules.html (docs/build.py) the rule ids link to;
    `certified` a verified certification (`VerifiedCertification`) or None."""
    raw = read_raw(report_json_path)
    report = RunReport.from_dict(raw)
    versions = {str(k): str(v) for k, v in (raw.get("versions") or {}).items()}
    comparison: Comparison | None = compare(report, previous) if previous else None
    links = [(REPORT_HTML, _full_report_label(taal)), (HAR_FILE, _har_label(taal))]
    outputs = {
        JUNIT_XML: render_junit(report),
        REPORT_HTML: render_html(report, taal, docs_url=docs_url, comparison=comparison,
                                 versions=versions, links=[(HAR_FILE, _har_label(taal))]),
        SUMMARY_HTML: render_summary(report, taal, docs_url=docs_url, comparison=comparison,
                                     links=links),
        HAR_FILE: jsonlib.dumps(har(report, report.suite_version), indent=2, ensure_ascii=False)
        + "\n",
        BADGE_SVG: render_badge_svg(report, certified),
        BADGE_JSON: render_badge_json(report, certified),
    }
    if comparison is not None:
        outputs[COMPARISON_JSON] = jsonlib.dumps(comparison.to_dict(), indent=2) + "\n"
    written = []
    directory = report_json_path.parent
    for name, content in outputs.items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def _full_report_label(taal: str) -> str:
    return text(taal, "full_report")


def _har_label(taal: str) -> str:
    return text(taal, "har")


__all__ = ["LANGUAGES", "REPORT_JSON", "read_previous", "read_report", "render_all",
           "write_report"]
