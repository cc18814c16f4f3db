"""badge.svg and badge.json (shields.io endpoint format) rendered from the run report.

The badge names the actor and the standard's version (label) and says how the run went
(message): the verdict, passed of the applicable checks, waived MUSTs, untested MUSTs and the
profiles — so a run without test citizens, a waived MUST or a --check subset can never read
like a full pass. It says "self-tested" — the organisation's own run — unless it is given a
*verified* signed certification result (`conformance.certification.verify_result`) for the
same organisation, endpoint and standard version: only then "certified".
"""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape

from conformance.errors import UsageError
from conformance.model import RunReport, Verdict

LABEL = "vorderingen API"
VERDICT_WORDS = {
    Verdict.CONFORMANT: "conformant",
    Verdict.CONFORMANT_WITH_WAIVERS: "conformant with waivers",
    Verdict.NOT_CONFORMANT: "not conformant",
    Verdict.INCOMPLETE: "incomplete",
    Verdict.ERROR: "error",
}
SVG_COLOURS = {
    Verdict.CONFORMANT: "#2e7d32",
    Verdict.CONFORMANT_WITH_WAIVERS: "#827717",
    Verdict.NOT_CONFORMANT: "#c62828",
    Verdict.INCOMPLETE: "#b26a00",
    Verdict.ERROR: "#757575",
}
SHIELDS_COLOURS = {
    Verdict.CONFORMANT: "brightgreen",
    Verdict.CONFORMANT_WITH_WAIVERS: "yellowgreen",
    Verdict.NOT_CONFORMANT: "red",
    Verdict.INCOMPLETE: "orange",
    Verdict.ERROR: "lightgrey",
}
LABEL_COLOUR = "#555555"
CHAR_WIDTH_PX = 6.5
PADDING_PX = 10
HEIGHT_PX = 20


def badge_message(verdict: Verdict) -> str:
    """The verdict as the badge and the console say it: ``self-tested: <verdict>``."""
    return f"self-tested: {VERDICT_WORDS.get(verdict, verdict.value.replace('_', ' '))}"


def _certification_matches(report: RunReport, certified: Any) -> None:
    """UsageError unless the verified certification is about this report's run."""
    if certified is None:
        return
    mismatches = []
    if getattr(certified, "oin", None) != report.oin:
        mismatches.append(f"OIN {getattr(certified, 'oin', None)}")
    if str(getattr(certified, "api_url", "")).rstrip("/") != report.target.rstrip("/"):
        mismatches.append(f"api_url {getattr(certified, 'api_url', None)}")
    if getattr(certified, "standard_version", None) != report.spec_version:
        mismatches.append(f"standard {getattr(certified, 'standard_version', None)}")
    if mismatches:
        raise UsageError("the certification is about " + ", ".join(mismatches)
                         + ", not about this report's run")


def badge_parts(report: RunReport, certified: Any = None) -> tuple[str, str]:
    """(label, message) of the badge; `certified` a `VerifiedCertification` or None."""
    _certification_matches(report, certified)
    verdict = report.verdict
    actor = "" if report.actor == "bron" else f" {report.actor}"
    label = f"{LABEL}{actor} {report.spec_version}".strip()
    counts = report.counts()
    if certified is not None and verdict in (Verdict.CONFORMANT,):
        head = f"certified by {certified.issuer} until {certified.valid_until}"
    else:
        head = badge_message(verdict)
    parts = [head]
    if report.results:
        parts.append(f"{counts['passed']}/{counts['applicable']} passed")
    if counts["waived"]:
        parts.append(f"{counts['waived']} waived")
    if counts["untested_musts"]:
        parts.append(f"{counts['untested_musts']} MUST not tested")
    if report.selection:
        parts.append("subset")
    if report.network.get("prive_netwerk"):  # spec/testomgeving.md §1: transport untested
        parts.append("private test network (http)")
    if report.profiles:
        parts.append("+".join(report.profiles))
    return label, " · ".join(parts)


def _width(text: str) -> int:
    return int(len(text) * CHAR_WIDTH_PX) + 2 * PADDING_PX


def render_badge_svg(report: RunReport, certified: Any = None) -> str:
    verdict = report.verdict
    label, message = badge_parts(report, certified)
    lw, mw = _width(label), _width(message)
    total = lw + mw
    colour = SVG_COLOURS.get(verdict, "#b26a00")
    title = escape(f"{label}: {message}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT_PX}" '
        f'role="img" aria-label="{title}">\n'
        f"  <title>{title}</title>\n"
        f'  <rect width="{lw}" height="{HEIGHT_PX}" fill="{LABEL_COLOUR}"/>\n'
        f'  <rect x="{lw}" width="{mw}" height="{HEIGHT_PX}" fill="{colour}"/>\n'
        '  <g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">\n'
        f'    <text x="{lw / 2:.1f}" y="14">{escape(label)}</text>\n'
        f'    <text x="{lw + mw / 2:.1f}" y="14">{escape(message)}</text>\n'
        "  </g>\n"
        "</svg>\n"
    )


def render_badge_json(report: RunReport, certified: Any = None) -> str:
    verdict = report.verdict
    label, message = badge_parts(report, certified)
    badge = {
        "schemaVersion": 1,
        "label": label,
        "message": message,
        "color": SHIELDS_COLOURS.get(verdict, "orange"),
        "isError": verdict is Verdict.ERROR,
    }
    return json.dumps(badge, indent=2) + "\n"
