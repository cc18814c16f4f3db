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

import contextlib
import errno
import json as jsonlib  # the submodule `json` shadows the name in this package
import os
import uuid
from pathlib import Path
from typing import Any

from conformance.errors import CouldNotRun
from conformance.model import RunReport
from conformance.reporting.badge import render_badge_json, render_badge_svg
from conformance.reporting.compare import Comparison, compare
from conformance.reporting.evidence import har
from conformance.reporting.html import render_html, render_summary
from conformance.reporting.i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from conformance.reporting.json import read_raw, read_report, report_dict, write_report
from conformance.reporting.junit import render_junit

REPORT_JSON = "report.json"
JUNIT_XML = "junit.xml"
REPORT_HTML = "report.html"
SUMMARY_HTML = "samenvatting.html"
HAR_FILE = "requests.har"
COMPARISON_JSON = "comparison.json"
BADGE_SVG = "badge.svg"
BADGE_JSON = "badge.json"
_BADGES = (BADGE_SVG, BADGE_JSON)


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
    outputs = _rendered(read_raw(report_json_path), taal, previous=previous,
                        docs_url=docs_url, certified=certified)
    return _replace_all(report_json_path.parent, outputs)


def write_all(
    report: RunReport,
    directory: Path,
    taal: str = DEFAULT_LANGUAGE,
    *,
    previous: RunReport | None = None,
    docs_url: str | None = None,
) -> list[Path]:
    """Write report.json and every report rendered from it into `directory`, all or
    nothing as a reader sees it: every file is rendered to a temporary file first and only
    then moved into place. On failure no badge is left beside a report.json it does not
    describe (CouldNotRun naming the file)."""
    text_json = jsonlib.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
    outputs = {REPORT_JSON: text_json,
               **_rendered(jsonlib.loads(text_json), taal, previous=previous,
                           docs_url=docs_url)}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        return _replace_all(directory, outputs)
    except OSError as exc:
        where = f"{directory}/{Path(exc.filename).name}" if exc.filename else str(directory)
        raise CouldNotRun(f"cannot write the reports: {where}: {exc.strerror or exc}") from None


def _rendered(raw: dict[str, Any], taal: str, *, previous: RunReport | None,
              docs_url: str | None, certified: object | None = None) -> dict[str, str]:
    """The text of every report rendered from report.json's content `raw`, by file name."""
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
    return outputs


def _replace_all(directory: Path, outputs: dict[str, str]) -> list[Path]:
    """Write `outputs` to temporary files in `directory`, then move each into place with
    os.replace, the badges first (a new report.json never stands beside an old badge).
    On any failure the temporaries go; when some files were already replaced, the badges
    go too, so none is left that disagrees with report.json."""
    temporaries: dict[Path, Path] = {}
    replaced = False
    try:
        for name, content in outputs.items():
            temporary = directory / f".{name}.{uuid.uuid4().hex}.tmp"
            # os.open, not mkstemp: the reports keep the umask's mode, not 0600
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            temporaries[directory / name] = temporary
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(content)
        for target in temporaries:  # a directory in a file's place fails before any replace
            if target.is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
        order = sorted(temporaries, key=lambda t: t.name not in _BADGES)
        for target in order:
            os.replace(temporaries[target], target)
            del temporaries[target]
            replaced = True
        return order
    except BaseException:
        for temporary in temporaries.values():
            with contextlib.suppress(OSError):
                temporary.unlink()
        if replaced:
            for name in _BADGES:
                with contextlib.suppress(OSError):
                    (directory / name).unlink()
        raise


def _full_report_label(taal: str) -> str:
    return text(taal, "full_report")


def _har_label(taal: str) -> str:
    return text(taal, "har")


__all__ = ["LANGUAGES", "REPORT_JSON", "read_previous", "read_report", "render_all",
           "write_all", "write_report"]
