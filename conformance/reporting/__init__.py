"""Reports of a run. report.json is the source of truth; junit.xml, report.html, badge.svg
and badge.json are rendered from it by `render_all`, so every report says the same thing.

The badge says "self-tested": it is the organisation's own run of the suite. A "certified"
mark is only a signed result published by the scheme operator, never produced here.
"""

from __future__ import annotations

from pathlib import Path

from conformance.reporting.badge import render_badge_json, render_badge_svg
from conformance.reporting.html import render_html
from conformance.reporting.json import read_report, write_report
from conformance.reporting.junit import render_junit

REPORT_JSON = "report.json"
JUNIT_XML = "junit.xml"
REPORT_HTML = "report.html"
BADGE_SVG = "badge.svg"
BADGE_JSON = "badge.json"


def render_all(report_json_path: Path) -> list[Path]:
    """Render every other report next to `report_json_path`; returns the files written."""
    report = read_report(report_json_path)
    directory = report_json_path.parent
    outputs = {
        JUNIT_XML: render_junit(report),
        REPORT_HTML: render_html(report),
        BADGE_SVG: render_badge_svg(report),
        BADGE_JSON: render_badge_json(report),
    }
    written = []
    for name, text in outputs.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


__all__ = ["REPORT_JSON", "read_report", "render_all", "write_report"]
