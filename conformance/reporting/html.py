"""report.html rendered from the run report: one self-contained page (inline CSS, no
scripts, no external assets); every value from the report is HTML-escaped (Jinja2
autoescape), so an endpoint's answer cannot inject markup into the page."""

from __future__ import annotations

import jinja2

from conformance.model import CheckResult, Outcome, RunReport, Severity
from conformance.reporting.badge import MESSAGES

OUTCOME_ORDER = {Outcome.FAILED: 0, Outcome.ERROR: 1, Outcome.SKIPPED: 2, Outcome.PASSED: 3}

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vorderingen API conformance — {{ report.target }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:70rem;
 padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:.3rem;color:#fff;font-weight:600}
.conformant{background:#2e7d32}.not_conformant{background:#c62828}.error{background:#757575}
table{border-collapse:collapse;width:100%;margin:1rem 0}
table.checks{table-layout:fixed}
table.checks col.c-outcome{width:7rem}table.checks col.c-check{width:22%}
table.checks col.c-rule{width:15%}table.checks col.c-sev{width:5.5rem}
td,summary{overflow-wrap:anywhere}
.msg{white-space:pre-wrap}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f3f3f3}
.o-passed{color:#2e7d32}.o-failed{color:#c62828;font-weight:600}.o-error{color:#6a1b9a}
.o-skipped{color:#666}.o-warning{color:#b26a00;font-weight:600}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:.5rem;overflow-x:auto;
 white-space:pre-wrap;word-break:break-all;font-size:.85rem}
details{margin:.3rem 0}
.note{color:#555;font-size:.9rem}
code{font-size:.9rem}
</style>
</head>
<body>
<h1>Vorderingen API conformance report</h1>
<p><span class="verdict {{ report.verdict.value }}">{{ message }}</span></p>
{% if report.error %}
<p class="o-error"><strong>Could not run:</strong> {{ report.error }}</p>
{% endif %}
<table>
<tr><th>Target</th><td><code>{{ report.target }}</code></td></tr>
<tr><th>OIN</th><td><code>{{ report.oin }}</code></td></tr>
<tr><th>Profiles</th><td>{{ report.profiles | join(", ") }}</td></tr>
<tr><th>Standard version</th><td>{{ report.spec_version }}</td></tr>
<tr><th>Suite version</th><td>{{ report.suite_version }}</td></tr>
<tr><th>Seed / max examples</th><td>{{ report.seed }} / {{ report.max_examples }}</td></tr>
<tr><th>Started / finished</th><td>{{ report.started_at }} / {{ report.finished_at }}</td></tr>
<tr><th>Results</th><td>{{ counts.passed }} passed, {{ counts.failed }} failed
 ({{ counts.warnings }} SHOULD warnings, {{ counts.expected_failures }} expected),
 {{ counts.skipped }} skipped, {{ counts.error }} errors</td></tr>
</table>
<p class="note">Only a failed MUST check makes an endpoint not conformant. A failed SHOULD check
is a warning. An <em>error</em> means the suite or the network broke; it is never counted as
nonconformance. This report is a self-test: a "certified" status is only a signed result
published by the scheme operator.</p>
<h2>Checks</h2>
<table class="checks">
<colgroup><col class="c-outcome"><col class="c-check"><col class="c-rule"><col class="c-sev">
<col></colgroup>
<tr><th>Outcome</th><th>Check</th><th>Rule</th><th>Severity</th><th>Message</th></tr>
{% for r in results %}
<tr id="{{ r.check }}">
<td class="o-{{ label(r) }}">{{ label(r) }}</td>
<td><code>{{ r.check }}</code>
{% if r.statement %}<div class="note">{{ r.statement }}</div>{% endif %}</td>
<td><code>{{ r.rule }}</code></td>
<td>{{ r.severity | upper }}</td>
<td><div class="msg">{{ r.message }}</div>
{% for ev in r.evidence %}
<details><summary>Evidence {{ loop.index }}: {{ ev.request_method }} {{ ev.request_url }}
 → {{ ev.response_status }}</summary>
{% if ev.curl %}<pre>{{ ev.curl }}</pre>{% endif %}
<pre>{{ ev.request_method }} {{ ev.request_url }}
{% for k, v in ev.request_headers.items() %}{{ k }}: {{ v }}
{% endfor %}
{{ ev.request_body_excerpt }}</pre>
<pre>HTTP {{ ev.response_status }}
{% for k, v in ev.response_headers.items() %}{{ k }}: {{ v }}
{% endfor %}
{{ ev.response_body_excerpt }}</pre>
</details>
{% endfor %}
</td>
</tr>
{% endfor %}
</table>
</body>
</html>
"""


def _label(result: CheckResult) -> str:
    if result.expected_failure:
        return "expected-failure"
    if result.outcome is Outcome.FAILED and result.severity == Severity.SHOULD:
        return "warning"
    return result.outcome.value


def render_html(report: RunReport) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(TEMPLATE)
    results = sorted(report.results, key=lambda r: (OUTCOME_ORDER[r.outcome], r.area, r.check))
    message = MESSAGES[report.verdict]
    return template.render(
        report=report, results=results, counts=report.counts(), label=_label, message=message
    )
