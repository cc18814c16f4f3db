"""report.json: the run report as JSON, the one source every other report is rendered from.

Besides the run itself it records ``versions``: the suite's and every generator's and
validator's version (see versions.py); together with ``seed`` and ``max_examples`` that is
what it takes to reproduce a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.model import RunReport
from conformance.reporting.versions import tool_versions

REPORT_FILE = "report.json"


def report_dict(report: RunReport) -> dict[str, Any]:
    """The report as written, ``versions`` included (kept when the report already has them)."""
    data = report.to_dict()
    data.setdefault("versions", tool_versions())
    return data


def write_report(report: RunReport, directory: Path) -> Path:
    """Write ``directory/report.json`` (creating the directory); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / REPORT_FILE
    text = json.dumps(report_dict(report), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_raw(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a report (not a JSON object)")
    return data


def read_report(path: Path) -> RunReport:
    return RunReport.from_dict(read_raw(path))
