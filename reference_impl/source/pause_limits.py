"""Bounded pauses (design §B.6, spec/rules/pauze.md): whether a pause is possible, per case
and for the citizen, and why not.

Per case [/pauze/per-zaak], the first that applies: settled (`afgelost`), frozen in a debt
scheme (`in-schuldregeling`), the organisation's own verdict on the case (a
`pauze_mogelijkheid` of the backend, e.g. `wettelijke-rente` where the law keeps statutory
interest running), and a case whose own `acties` lack `pauze` (`bij-deurwaarder` when it is
at a bailiff the source cannot stop [/pauze/deurwaarder], else `niet-voor-deze-zaak`).

Per citizen [/pauze/aantal-en-wachttijd]: at most `maximum_aantal` pauses starting within
the last `periode_dagen` (`maximum-bereikt`, possible again the day the oldest of them
leaves the period), and a new pause starts no less than `wachttijd_dagen` after the end of
the previous one that ended (`wachttijd`). A pause that still holds is not "previous": one
pause per case already keeps it apart, so two pauses of different cases may overlap. A pause
ended on its own first day was taken back before it held a full day and counts for neither
bound; a pause that starts after today (made under a test-clock shift) does not count yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_impl.source import tables
from reference_impl.source.limits import PauseLimits

NOT_ALLOWED = "pauze/niet-toegestaan"
AT_BAILIFF = "overgedragen_aan_deurwaarder"
TEXTS = {
    "afgelost": "Deze zaak is al betaald.",
    "in-schuldregeling": "Deze zaak valt onder een schuldregeling; die bepaalt wat er gebeurt.",
    "bij-deurwaarder": "Deze zaak is bij een gerechtsdeurwaarder; die kunnen wij niet pauzeren.",
    "niet-voor-deze-zaak": "Voor deze zaak is geen pauze mogelijk.",
    "maximum-bereikt": "U hebt het maximale aantal pauzes in deze periode al gehad.",
    "wachttijd": "Na een pauze geldt een wachttijd voordat u een nieuwe pauze kunt aanvragen.",
}


@dataclass(frozen=True)
class StoredPause:
    """A pause as stored; `einddatum` is its last day (moved up when ended early)."""

    id: str
    status: str
    ingangsdatum: date
    einddatum: date
    zaakkenmerken: tuple[str, ...]

    def taken_back(self) -> bool:
        """Ended (`DELETE`) on its own first day: it never held a full day."""
        return self.status == "beeindigd" and self.einddatum <= self.ingangsdatum

    def counts_on(self, day: date) -> bool:
        """Whether this pause counts for the bounds on `day`."""
        return not self.taken_back() and self.ingangsdatum <= day

    def ended_before(self, day: date) -> bool:
        """Whether this pause is over on `day` (ended with DELETE, or past its last day)."""
        return self.status == "beeindigd" or self.einddatum < day

    def holds(self, zaakkenmerk: str, day: date) -> bool:
        return (self.status == "actief" and zaakkenmerk in self.zaakkenmerken
                and self.ingangsdatum <= day <= self.einddatum)


async def load_pauses(conn: AsyncConnection, bsn: str) -> list[StoredPause]:
    p = tables.pauzes.c
    rows = (await conn.execute(
        sa.select(tables.pauzes).where(p.bsn == bsn).order_by(p.aangemaakt_at, p.id))).all()
    return [StoredPause(row.id, row.status, date.fromisoformat(row.ingangsdatum),
                        date.fromisoformat(row.einddatum), tuple(row.zaakkenmerken))
            for row in rows]


def case_reason(case: Any, saldo: int) -> dict[str, Any] | None:
    """Why this case cannot be paused whatever the citizen's history (None: it can)."""
    if saldo <= 0:
        return _not("afgelost")
    if getattr(case, "schuldregeling", None):
        return _not("in-schuldregeling")
    own = getattr(case, "pauze_mogelijkheid", None)
    if isinstance(own, dict) and own.get("mogelijk") is False and own.get("reden"):
        return dict(own)
    if "pauze" not in case.acties:
        return _not("bij-deurwaarder" if case.status == AT_BAILIFF else "niet-voor-deze-zaak")
    return None


def limit_reasons(limits: PauseLimits, pauses: Sequence[StoredPause], today: date
                  ) -> list[dict[str, Any]]:
    """Why the citizen may not start a pause today (empty: they may)."""
    reasons = []
    if limits.maximum_aantal is not None and limits.periode_dagen is not None:
        window_start = today - timedelta(days=limits.periode_dagen)
        starts = sorted(p.ingangsdatum for p in pauses
                        if p.counts_on(today) and p.ingangsdatum > window_start)
        if len(starts) >= limits.maximum_aantal:
            leaves = starts[len(starts) - limits.maximum_aantal]
            reasons.append(_not("maximum-bereikt", leaves + timedelta(days=limits.periode_dagen)))
    if limits.wachttijd_dagen:
        ended = [p.einddatum for p in pauses if p.counts_on(today) and p.ended_before(today)]
        if ended:
            allowed_from = max(ended) + timedelta(days=limits.wachttijd_dagen)
            if today < allowed_from:
                reasons.append(_not("wachttijd", allowed_from))
    return reasons


def pause_possibility(case: Any, saldo: int, limits: PauseLimits,
                      pauses: Sequence[StoredPause], today: date) -> dict[str, Any]:
    """The case's `pauze_mogelijkheid` today: the case's own reason first, then the
    citizen's (the one possible latest, so `mogelijk_vanaf` is the real first day)."""
    reason = case_reason(case, saldo)
    if reason is not None:
        return reason
    reasons = limit_reasons(limits, pauses, today)
    if reasons:
        return max(reasons, key=lambda r: r["mogelijk_vanaf"])
    return {"mogelijk": True}


def _not(reden: str, vanaf: date | None = None) -> dict[str, Any]:
    possibility: dict[str, Any] = {"mogelijk": False, "reden": reden}
    if vanaf is not None:
        possibility["mogelijk_vanaf"] = vanaf.isoformat()
    possibility["toelichting"] = TEXTS[reden]
    return possibility


def refusal(possibility: dict[str, Any], zaakkenmerk: str | None = None) -> dict[str, Any]:
    """A `weigeringen[]` item of `pauze/niet-toegestaan` from a `pauze_mogelijkheid`."""
    item: dict[str, Any] = {"reden": possibility["reden"]}
    if zaakkenmerk is not None:
        item["zaakkenmerk"] = zaakkenmerk
    if "mogelijk_vanaf" in possibility:
        item["mogelijk_vanaf"] = possibility["mogelijk_vanaf"]
    if "toelichting" in possibility:
        item["toelichting"] = possibility["toelichting"]
    return item
