"""junit.xml rendered from the run report.

Mapping, chosen so a CI system's red/green agrees with the exit code: a failed MUST check is
``<failure>``; an error of the suite is ``<error>``; a skipped check is ``<skipped>``; an
expected failure is ``<skipped message="waived: …">``; a failed SHOULD check is a passing
test case whose ``<system-out>`` starts with ``WARNING``. A skip's message starts with its
kind (``not tested:``, ``not applicable:``, ``not run:``). An incomplete run (exit 4) adds
one test case ``run-complete`` with an ``<error type="incomplete">`` counting the MUST
checks not tested, so the CI's red agrees with the exit code.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance.model import CheckResult, Outcome, RunReport, Severity, Skip, Verdict

SUITE_NAME = "vorderingen-conformance"


def _evidence_text(result: CheckResult) -> str:
    lines = []
    for ev in result.evidence:
        lines.append(f"{ev.request_method} {ev.request_url} -> {ev.response_status}")
        if ev.curl:
            lines.append(ev.curl)
        if ev.response_body_excerpt:
            lines.append(ev.response_body_excerpt)
    return "\n".join(lines)


def _case(result: CheckResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        classname=f"{SUITE_NAME}.{result.area or 'algemeen'}",
        name=result.check,
        time=f"{result.duration_s:.3f}",
    )
    props = ET.SubElement(case, "properties")
    ET.SubElement(props, "property", name="rule", value=result.rule)
    ET.SubElement(props, "property", name="severity", value=result.severity)
    detail = f"[{result.rule}] {result.message}".strip()
    if result.expected_failure:
        ET.SubElement(case, "skipped", message=f"waived (expected failure): {detail}")
    elif result.outcome is Outcome.FAILED and result.severity == Severity.SHOULD:
        out = ET.SubElement(case, "system-out")
        out.text = f"WARNING (SHOULD) {detail}\n{_evidence_text(result)}"
    elif result.outcome is Outcome.FAILED:
        failure = ET.SubElement(case, "failure", message=detail, type=result.rule)
        failure.text = _evidence_text(result)
    elif result.outcome is Outcome.ERROR:
        error = ET.SubElement(case, "error", message=detail, type="suite-error")
        error.text = _evidence_text(result)
    elif result.outcome is Outcome.SKIPPED:
        kind = (result.skip or Skip.NOT_TESTED.value).replace("_", " ")
        message = result.message if result.message.startswith(kind) \
            else f"{kind}: {result.message}"
        ET.SubElement(case, "skipped", message=message)
    return case


def render_junit(report: RunReport) -> str:
    counts = report.counts()
    failures = sum(1 for r in report.results if r.counts_against)
    skipped = counts["skipped"] + counts["expected_failures"]
    incomplete = report.verdict is Verdict.INCOMPLETE
    suite = ET.Element(
        "testsuite",
        name=SUITE_NAME,
        tests=str(len(report.results) + (1 if report.error or incomplete else 0)),
        failures=str(failures),
        errors=str(counts["error"] + (1 if report.error or incomplete else 0)),
        skipped=str(skipped),
        timestamp=report.started_at,
    )
    props = ET.SubElement(suite, "properties")
    for name in ("actor", "target", "oin", "seed", "spec_version", "suite_version"):
        ET.SubElement(props, "property", name=name, value=str(getattr(report, name)))
    ET.SubElement(props, "property", name="profiles", value=",".join(report.profiles))
    ET.SubElement(props, "property", name="verdict", value=report.verdict.value)
    if report.error:
        case = ET.SubElement(suite, "testcase", classname=SUITE_NAME, name="run")
        ET.SubElement(case, "error", message=report.error, type="could-not-run")
    elif incomplete:
        case = ET.SubElement(suite, "testcase", classname=SUITE_NAME, name="run-complete")
        why = [f"{counts['untested_musts']} MUST checks not tested"]
        if report.selection:
            why.append("a --check subset")
        if report.interrupted:
            why.append("interrupted")
        ET.SubElement(case, "error", message="incomplete: " + ", ".join(why), type="incomplete")
    for result in report.results:
        suite.append(_case(result))
    suites = ET.Element("testsuites", name=SUITE_NAME)
    suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
