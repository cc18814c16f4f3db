"""badge.svg and badge.json (shields.io endpoint format) rendered from the run report.

The message always says "self-tested": the badge is the organisation's own run. Only the
scheme operator can issue a "certified" mark (a signed result in its registry).
"""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from conformance.model import RunReport, Verdict

LABEL = "vorderingen API"
MESSAGES = {
    Verdict.CONFORMANT: "self-tested: conformant",
    Verdict.NOT_CONFORMANT: "self-tested: not conformant",
    Verdict.ERROR: "self-tested: error",
}
SVG_COLOURS = {
    Verdict.CONFORMANT: "#2e7d32",
    Verdict.NOT_CONFORMANT: "#c62828",
    Verdict.ERROR: "#757575",
}
SHIELDS_COLOURS = {
    Verdict.CONFORMANT: "brightgreen",
    Verdict.NOT_CONFORMANT: "red",
    Verdict.ERROR: "lightgrey",
}
LABEL_COLOUR = "#555555"
CHAR_WIDTH_PX = 6.5
PADDING_PX = 10
HEIGHT_PX = 20


def badge_message(verdict: Verdict) -> str:
    """The badge's words for `verdict` (a verdict this module does not know says its name)."""
    return MESSAGES.get(verdict, f"self-tested: {verdict.value.replace('_', ' ')}")


def _width(text: str) -> int:
    return int(len(text) * CHAR_WIDTH_PX) + 2 * PADDING_PX


def render_badge_svg(report: RunReport) -> str:
    verdict = report.verdict
    label, message = LABEL, badge_message(verdict)
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


def render_badge_json(report: RunReport) -> str:
    verdict = report.verdict
    badge = {
        "schemaVersion": 1,
        "label": LABEL,
        "message": badge_message(verdict),
        "color": SHIELDS_COLOURS.get(verdict, "orange"),
        "isError": verdict is Verdict.ERROR,
    }
    return json.dumps(badge, indent=2) + "\n"
