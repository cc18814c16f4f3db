"""report.html and samenvatting.html rendered from the run report, in Dutch or English.

Both are self-contained pages (inline CSS, no scripts, no external assets); every value from
the report is HTML-escaped (Jinja2 autoescape), so an endpoint's answer cannot inject markup
into the page. report.html opens with the summary a manager or auditor reads, then every
check with its evidence: the JSON pretty-printed with the member the finding names
highlighted, and a `curl` that replays the request."""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from conformance.model import CheckResult, Evidence, Outcome, RunReport, Severity
from conformance.reporting import evidence as ev_view
from conformance.reporting import i18n
from conformance.reporting.badge import badge_parts
from conformance.reporting.compare import Comparison

OUTCOME_ORDER = {Outcome.FAILED: 0, Outcome.ERROR: 1, Outcome.SKIPPED: 2, Outcome.PASSED: 3}

STYLE = """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;
max-width:70rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:.3rem;color:#fff;font-weight:600;
background:#757575}
.conformant{background:#2e7d32}.not_conformant{background:#c62828}.incomplete{background:#b26a00}
.conformant_with_waivers{background:#827717}
table{border-collapse:collapse;width:100%;margin:1rem 0}
table.checks{table-layout:fixed}
table.checks col.c-outcome{width:7.5rem}table.checks col.c-check{width:22%}
table.checks col.c-rule{width:15%}table.checks col.c-sev{width:5.5rem}
td,summary{overflow-wrap:anywhere}
.msg{white-space:pre-wrap}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f3f3f3}
.o-passed{color:#2e7d32}.o-failed{color:#c62828;font-weight:600}.o-error{color:#6a1b9a}
.o-skipped{color:#666}.o-warning{color:#b26a00;font-weight:600}
.o-not-tested,.o-not-run{color:#b26a00}.o-not-applicable{color:#666}
pre{background:#f7f7f7;border:1px solid #e0e0e0;padding:.5rem;overflow-x:auto;
white-space:pre-wrap;word-break:break-all;font-size:.85rem}
mark{background:#ffe082}
details{margin:.3rem 0}
.note{color:#555;font-size:.9rem}
code{font-size:.9rem}
section.summary{border:1px solid #ddd;border-radius:.4rem;padding:.5rem 1rem;margin:1rem 0}"""

SUMMARY = """<section class="summary" id="samenvatting">
<h2>{{ t("summary_title") }}</h2>
<p><span class="verdict {{ verdict }}">{{ verdict_text }}</span></p>
{% if report.error %}<p class="o-error"><strong>{{ t("could_not_run") }}:</strong>
 {{ report.error }}</p>{% endif %}
<h3>{{ t("what_it_means") }}</h3>
<p>{{ meaning }}</p>
<table>
<tr><th>{{ t("actor") }}</th><td>{{ t("actor_" + report.actor) }}</td></tr>
<tr><th>{{ t("target") }}</th><td><code>{{ report.target }}</code></td></tr>
<tr><th>{{ t("oin") }}</th><td><code>{{ report.oin }}</code></td></tr>
<tr><th>{{ t("profiles") }}</th><td>{{ report.profiles | join(", ") }}</td></tr>
<tr><th>{{ t("spec_version") }}</th><td>{{ report.spec_version }}</td></tr>
<tr><th>{{ t("period") }}</th><td>{{ report.started_at }} / {{ report.finished_at }}</td></tr>
<tr><th>{{ t("results") }}</th><td>{{ t("counts", **counts) }}<br>
{{ t("skips", **counts) }}</td></tr>
{% if report.selection %}<tr><th>{{ t("selection") }}</th><td>{% for n in report.selection %}
<code>{{ n }}</code>{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>{% endif %}
{% if report.interrupted %}<tr><th>{{ t("interrupted") }}</th><td>{{ t("interrupted_text") }}
</td></tr>{% endif %}
<tr><th>Badge</th><td>{{ badge }}</td></tr>
</table>
<h3>{{ t("broken_rules") }}</h3>
{% if broken %}<ul>{% for r in broken %}
<li>{{ rule_link(r.rule) }} — {{ code(r.statement or r.check) }}</li>{% endfor %}</ul>
{% else %}<p>{{ t("none") }}</p>{% endif %}
{% if untested %}<h3>{{ t("untested") }}</h3><ul>{% for reason, names in untested %}
<li>{{ code(reason) }} ({{ names | length }}): {% for n in names %}<code>{{ n }}</code>
{%- if not loop.last %}, {% endif %}{% endfor %}</li>{% endfor %}</ul>{% endif %}
{% if waived %}<h3>{{ t("waived") }}</h3><ul>{% for r in waived %}
<li>{{ rule_link(r.rule) }} — {{ code(r.statement or r.check) }}</li>{% endfor %}</ul>{% endif %}
{% if warnings %}<h3>{{ t("warnings") }}</h3><ul>{% for r in warnings %}
<li>{{ rule_link(r.rule) }} — {{ code(r.statement or r.check) }}</li>{% endfor %}</ul>{% endif %}
{% if comparison %}<h3>{{ t("comparison", when=comparison.previous_started_at,
 verdict=verdict_of(comparison.previous_verdict)) }}</h3>
{% for key in ("newly_failing", "fixed", "new_checks", "gone_checks") %}
{% if comparison[key] %}<p><strong>{{ t(key) }}:</strong>
{% for name in comparison[key] %}<code>{{ name }}</code>{% if not loop.last %}, {% endif %}
{% endfor %}</p>{% endif %}{% endfor %}
{% if not comparison.newly_failing and not comparison.fixed %}<p>{{ t("nothing_changed") }}</p>
{% endif %}{% endif %}
<p class="note">{{ t("note") }}</p>
{% if links %}<p>{% for href, label in links %}<a href="{{ href }}">{{ label }}</a>
{% if not loop.last %} · {% endif %}{% endfor %}</p>{% endif %}
</section>"""

REPORT = """<!DOCTYPE html>
<html lang="{{ taal }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t("title") }} — {{ report.target }}</title>
<style>{{ style }}</style>
</head>
<body>
<h1>{{ t("title") }}</h1>
{{ summary }}
<table>
<tr><th>{{ t("suite_version") }}</th><td>{{ report.suite_version }}</td></tr>
<tr><th>{{ t("seed") }}</th><td>{{ report.seed }} / {{ report.max_examples }}</td></tr>
{% if versions %}<tr><th>{{ t("versions") }}</th><td>{% for k, v in versions.items() %}
<code>{{ k }} {{ v }}</code>{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>{% endif %}
</table>
<h2>{{ t("checks") }}</h2>
<table class="checks">
<colgroup><col class="c-outcome"><col class="c-check"><col class="c-rule"><col class="c-sev">
<col></colgroup>
<tr><th>{{ t("outcome") }}</th><th>{{ t("check") }}</th><th>{{ t("rule") }}</th>
<th>{{ t("severity") }}</th><th>{{ t("message") }}</th></tr>
{% for r in results %}
<tr id="{{ r.check }}">
<td class="o-{{ label(r) }}">{{ outcome(label(r)) }}</td>
<td><code>{{ r.check }}</code>
{% if r.statement %}<div class="note">{{ code(r.statement) }}</div>{% endif %}</td>
<td>{{ rule_link(r.rule) }}</td>
<td>{{ r.severity | upper }}</td>
<td><div class="msg">{{ code(r.message) }}</div>
{% for ev in r.evidence %}
<details><summary>{{ t("evidence") }} {{ loop.index }}: {{ ev.request_method }}
 {{ ev.request_url }} → {{ ev.response_status }}</summary>
{% set replay = curl(ev) %}{% set needs = variables(replay) %}
<p class="note">{% if needs %}{{ t("replay", variables=needs | join(", ")) }}{% else %}
{{ t("replay_plain") }}{% endif %}</p>
<pre>{{ replay }}</pre>
<p class="note">{{ t("request") }}</p>
<pre>{{ ev.request_method }} {{ ev.request_url }}
{% for k, v in ev.request_headers.items() %}{{ k }}: {{ v }}
{% endfor %}
{{ body(ev.request_body_excerpt, r.message) }}</pre>
<p class="note">{{ t("response") }}</p>
<pre>HTTP {{ ev.response_status }}
{% for k, v in ev.response_headers.items() %}{{ k }}: {{ v }}
{% endfor %}
{{ body(ev.response_body_excerpt, r.message) }}</pre>
</details>
{% endfor %}
</td>
</tr>
{% endfor %}
</table>
</body>
</html>
"""

SUMMARY_PAGE = """<!DOCTYPE html>
<html lang="{{ taal }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ t("summary_title") }} — {{ report.target }}</title>
<style>{{ style }}</style>
</head>
<body>
<h1>{{ t("title") }}</h1>
{{ summary }}
</body>
</html>
"""


def label(result: CheckResult) -> str:
    if result.expected_failure:
        return "expected-failure"
    if result.outcome is Outcome.SKIPPED and result.skip:
        return result.skip.replace("_", "-")
    if result.outcome is Outcome.FAILED and result.severity == Severity.SHOULD:
        return "warning"
    return result.outcome.value


def rule_anchor(rule_id: str) -> str:
    """The anchor the offline docs (docs/build.py) give a rule: `/a/b` → `rule-a-b`."""
    return "rule" + rule_id.replace("/", "-")


def _body_html(body: str, message: str) -> Markup:
    lines = ev_view.pretty_lines(body)
    if lines is None:
        return Markup.escape(body)
    out = []
    for line, marked in ev_view.highlighted(lines, ev_view.pointers_in(message)):
        escaped = Markup.escape(line)
        out.append(Markup("<mark>{}</mark>").format(escaped) if marked else escaped)
    return Markup("\n").join(out)


class _Page:
    """What both pages share: the language, the rule links and the summary section."""

    def __init__(self, report: RunReport, taal: str, docs_url: str | None,
                 comparison: Comparison | None, links: list[tuple[str, str]]) -> None:
        self.report = report
        self.taal = i18n.check_language(taal)
        self.docs_url = docs_url
        self.env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        verdict = report.verdict
        broken = [r for r in report.results if r.counts_against]
        common = {
            "report": report, "taal": self.taal, "style": STYLE,
            "t": lambda key, **kw: i18n.text(self.taal, key, **kw),
            "verdict": verdict.value, "verdict_text": i18n.verdict_text(self.taal, verdict),
            "verdict_of": lambda v: i18n.verdict_text(self.taal, v),
            "counts": report.counts(), "badge": " — ".join(badge_parts(report)), "code": _code,
            "untested": _untested(report),
            "rule_link": self.rule_link, "broken": _unique_rules(broken),
            "waived": _unique_rules([r for r in report.results if r.waived]),
            "warnings": _unique_rules([r for r in report.results if label(r) == "warning"]),
            "comparison": comparison.to_dict() if comparison else None, "links": links,
            "meaning": self._meaning(verdict.value, len(_unique_rules(broken))),
        }
        self.common = common
        # autoescaped output of our own template: safe to embed as markup
        self.summary = Markup(self.env.from_string(SUMMARY).render(**common))  # noqa: S704

    def _meaning(self, verdict: str, broken: int) -> str:
        key = f"meaning_{verdict}"
        try:
            return i18n.text(self.taal, key, n=broken)
        except KeyError:
            return ""

    def rule_link(self, rule_id: str) -> Markup:
        if not rule_id:
            return Markup("")
        code = Markup("<code>{}</code>").format(rule_id)
        if not self.docs_url:
            return code
        href = f"{self.docs_url}#{rule_anchor(rule_id)}"
        return Markup('<a href="{}">{}</a>').format(href, code)

    def render(self, template: str, **extra: object) -> str:
        return self.env.from_string(template).render(**self.common, summary=self.summary,
                                                     **extra)


def _code(raw: str) -> Markup:
    # inline_code_html escapes everything before it adds <code>
    return Markup(i18n.inline_code_html(raw))  # noqa: S704


def _unique_rules(results: list[CheckResult]) -> list[CheckResult]:
    seen: dict[str, CheckResult] = {}
    for result in results:
        seen.setdefault(result.rule or result.check, result)
    return sorted(seen.values(), key=lambda r: r.rule)


def render_html(report: RunReport, taal: str = i18n.DEFAULT_LANGUAGE, *,
                docs_url: str | None = None, comparison: Comparison | None = None,
                versions: dict[str, str] | None = None,
                links: list[tuple[str, str]] | None = None) -> str:
    page = _Page(report, taal, docs_url, comparison, links or [])
    results = sorted(report.results,
                     key=lambda r: (OUTCOME_ORDER.get(r.outcome, 9), r.area, r.check))

    def curl(ev: Evidence) -> str:
        return ev_view.replay_curl(ev)

    return page.render(REPORT, results=results, label=label,
                       outcome=lambda lab: i18n.outcome_text(page.taal, lab),
                       versions=versions or {}, curl=curl, variables=ev_view.variables_of,
                       body=_body_html)


def render_summary(report: RunReport, taal: str = i18n.DEFAULT_LANGUAGE, *,
                   docs_url: str | None = None, comparison: Comparison | None = None,
                   links: list[tuple[str, str]] | None = None) -> str:
    """The one-page summary for managers and auditors (samenvatting.html)."""
    return _Page(report, taal, docs_url, comparison, links or []).render(SUMMARY_PAGE)


def _untested(report: RunReport) -> list[tuple[str, list[str]]]:
    """The MUST checks not tested, grouped by the reason (what to supply), largest first."""
    groups: dict[str, list[str]] = {}
    for result in report.results:
        if result.untested_must:
            groups.setdefault(result.message or result.outcome.value, []).append(result.check)
    return sorted(groups.items(), key=lambda item: -len(item[1]))
