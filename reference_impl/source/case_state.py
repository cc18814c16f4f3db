"""What a case allows now: its `status`, `acties` and (2.2) `pauze_mogelijkheid`,
`regelbaar_bedrag` and the 2.2 facts it shows (spec/interface.md, "The claims document";
spec/rules/document.md `/document/acties-betekenis` and the rules it names).

The document, the pause handler (which reads `acties` of the case views for "pause
everything") and the quote agree because they all read these:

- **status**: `in_bezwaar` while a remedy runs (`rechtsmiddel`: in major 2 every stage is
  in_bezwaar), else `afgelost` when saldo ≤ 0, else `gepauzeerd` under an active pause, else
  `in_regeling` under an active arrangement, else the backend's own status;
- **pauze_mogelijkheid** is pause_limits.py's verdict (via lifecycle.case_members: the
  case's own reasons first, then the citizen's pause limits), shown when the source offers
  pauses and no pause holds the case today;
- **acties**: the backend's, minus what the state rules out — `betalen` only with saldo > 0,
  `betalingsregeling` only when a quote could take the case (offered, not in an active
  arrangement, not in objection or at the bailiff, something arrangeable), `pauze` only when
  possible and not paused now, `bezwaar` only when `bezwaar.mogelijk`; in a debt scheme only
  `bezwaar` and `hulp`.
"""

from __future__ import annotations

from typing import Any

from reference_impl.source.backend import Case
from reference_impl.source.config import SourceConfig

FROZEN_ACTIONS = ("bezwaar", "hulp")
NOT_QUOTABLE = ("in_bezwaar", "overgedragen_aan_deurwaarder")
BAILIFF = "overgedragen_aan_deurwaarder"


def arrangeable(case: Case, saldo: int) -> int:
    """`regelbaar_bedrag`: the backend's figure (all of the balance when it gives none),
    never more than what is owed — a backend's figure is a snapshot and payments lower the
    balance before the organisation's system recomputes it."""
    owed = max(saldo, 0)
    return owed if case.regelbaar_bedrag is None else min(case.regelbaar_bedrag, owed)


def status(case: Case, saldo: int, *, arranged: bool, paused: bool) -> str:
    if case.rechtsmiddel is not None:
        return "in_bezwaar"
    if saldo <= 0:
        return "afgelost"
    if paused:
        return "gepauzeerd"
    if arranged:
        return "in_regeling"
    return case.status


def actions(
    case: Case, saldo: int, config: SourceConfig, *, arranged: bool, paused: bool,
    possibility: dict[str, Any] | None, regelbaar: int,
) -> list[str]:
    blocked: set[str] = set()
    if saldo <= 0:
        blocked |= {"betalen", "betalingsregeling", "pauze"}
    if (not config.offers("betalingsregelingen") or arranged or regelbaar <= 0
            or case.status in NOT_QUOTABLE or case.rechtsmiddel is not None):
        blocked.add("betalingsregeling")
    if (not config.offers("pauzes") or paused
            or (possibility is not None and possibility["mogelijk"] is False)):
        blocked.add("pauze")
    if not case.bezwaar.get("mogelijk"):
        blocked.add("bezwaar")
    allowed = [a for a in case.acties if a not in blocked]
    if case.schuldregeling is not None:
        allowed = [a for a in allowed if a in FROZEN_ACTIONS]
    return allowed


def facts(case: Case) -> dict[str, Any]:
    """The 2.2 facts of the backend the document shows as given, in wire order."""
    shown: dict[str, Any] = {}
    for name in ("rechtsmiddel", "schuldregeling"):
        if getattr(case, name) is not None:
            shown[name] = getattr(case, name)
    if case.beslag:
        shown["beslag"] = list(case.beslag)
    if case.overgenomen_van is not None:
        shown["overgenomen_van"] = case.overgenomen_van
    return shown
