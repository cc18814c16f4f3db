"""report.json: the run report as JSON, the one source every other report is rendered from."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.model import RunReport

REPORT_FILE = "report.json"


def write_report(report: RunReport, directory: Path) -> Path:
    """Write ``directory/report.json`` (creating the directory); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / REPORT_FILE
    text = json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_report(path: Path) -> RunReport:
    return RunReport.from_dict(json.loads(path.read_text(encoding="utf-8")))
