"""Bounded pauses (standard 2.2): per case whether a pause is possible, and the citizen's
number of pauses within the period.

`case_bar` is what the claims document's `pauze_mogelijkheid` says (None: possible) and what
`POST /pauzes` answers with 422 `pauze/niet-toegestaan`: a case frozen in a debt scheme or at
a bailiff the source cannot stop, a settled case, or the citizen's `maximum_aantal` pauses
started within `periode_dagen` up to today. A pause ended on the day it began never held
and counts for no limit (the citizen pressed the button and took it back), and one made
under a test-clock shift that starts after today does not count yet.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from conformance.broken.source import (
    PAUZE_MAXIMUM_AANTAL,
    PAUZE_PERIODE_DAGEN,
    PAUZE_WACHTTIJD_DAGEN,
    SETTLED,
    Source,
)

TEXT = {
    "maximum-bereikt": (f"U kunt bij ons ten hoogste {PAUZE_MAXIMUM_AANTAL} keer per "
                        f"{PAUZE_PERIODE_DAGEN} dagen pauzeren."),
    "in-schuldregeling": "Deze zaak valt onder een schuldregeling.",
    "bij-deurwaarder": "Deze zaak ligt bij de deurwaarder; die kunnen wij niet stilzetten.",
    "afgelost": "Deze zaak is afgelost.",
    "wachttijd": (f"Na een pauze kunt u pas na {PAUZE_WACHTTIJD_DAGEN} dagen opnieuw "
                  "pauzeren."),
}


def citizen_bars(source: Source, bsn: str, today: date) -> list[dict[str, Any]]:
    """Every reason the citizen's own pauses forbid a new one today: the maximum within the
    period reached, the waiting time after the last ended one not over."""
    counted = [p for p in source.store.pauses.values()
               if p.bsn == bsn and p.ingangsdatum <= today and not p.withdrawn_same_day]
    bars = []
    since = today - timedelta(days=PAUZE_PERIODE_DAGEN - 1)
    starts = sorted(p.ingangsdatum for p in counted if since <= p.ingangsdatum)
    # the flaw: announced in /configuratie, never counted
    if len(starts) >= PAUZE_MAXIMUM_AANTAL and not source.flaws.on("pauze-aantal-onbegrensd"):
        free_from = starts[len(starts) - PAUZE_MAXIMUM_AANTAL] + timedelta(
            days=PAUZE_PERIODE_DAGEN)
        bars.append({"reden": "maximum-bereikt", "mogelijk_vanaf": free_from.isoformat()})
    # the flaw: the waiting time counted from the start of the previous pause, not its end
    ends = [p.ingangsdatum if source.flaws.on("wachttijd-vanaf-begin") else p.einddatum
            for p in counted if not p.active(today)]
    if ends and today < max(ends) + timedelta(days=PAUZE_WACHTTIJD_DAGEN):
        bars.append({"reden": "wachttijd", "mogelijk_vanaf": (
            max(ends) + timedelta(days=PAUZE_WACHTTIJD_DAGEN)).isoformat()})
    return bars


def citizen_bar(source: Source, bsn: str, today: date) -> dict[str, Any] | None:
    """The citizen's bar that lifts last (what `pauze_mogelijkheid` shows), or None."""
    return max(citizen_bars(source, bsn, today), key=lambda b: b["mogelijk_vanaf"],
               default=None)


def case_bar(source: Source, bsn: str, zaakkenmerk: str, today: date) -> dict[str, Any] | None:
    """Why no pause of this case is possible now (`reden`, maybe `mogelijk_vanaf`), or None."""
    case = source.case(bsn, zaakkenmerk) or {}
    if (reden := source.pause_bar(bsn, zaakkenmerk)) is not None:
        return {"reden": reden}
    if case.get("saldo", 0) <= 0 or case.get("status") == SETTLED:
        return {"reden": "afgelost"}
    return citizen_bar(source, bsn, today)


def refusal(bar: dict[str, Any], zaakkenmerk: str | None = None) -> dict[str, Any]:
    """One item of `weigeringen` of 422 pauze/niet-toegestaan."""
    item = {**bar, "toelichting": TEXT[bar["reden"]]}
    if zaakkenmerk is not None and bar["reden"] != "maximum-bereikt":
        item["zaakkenmerk"] = zaakkenmerk
    return item
