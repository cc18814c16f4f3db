"""An arrangement's life after acceptance (standard 2.2): instalment status and lapse.

Payments on the arrangement's cases dated on or after `aangegaan_op` are applied to its
instalments oldest first; an instalment not fully paid by `vervaldatum` + `respijt_dagen`
(the citizen's administrative date) is missed, and when `maximaal_gemiste_termijnen` are
missed the arrangement has lapsed (`beeindigd`, reden `vervallen`, dated the day the last of
them was missed). An instalment that falls due while a pause holds the arrangement's cases
counts as missed only `respijt_dagen` after the pause's end. Computed on every read from the
records and the clock: nothing has to run for an arrangement to lapse.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from conformance.broken.store import Arrangement

PAID = "BetalingVerwerkt"


def _paid_since(cases: list[dict[str, Any]], since: float) -> int:
    return sum(e["bedrag"] for case in cases for e in case["gebeurtenissen"]
               if e["gebeurtenistype"] == PAID
               and datetime.fromisoformat(e["datumtijd"]).astimezone(UTC).timestamp() >= since)


def instalments(arrangement: Arrangement, cases: list[dict[str, Any]], today: date, *,
                grace_days: int, paused_until: Callable[[date], date | None],
                ) -> tuple[list[dict[str, Any]], list[date]]:
    """The instalments with `status` and `betaald`, and the day each missed one was missed.

    `paused_until(day)` is the end of a pause holding the cases on `day`, else None."""
    available = _paid_since(cases, arrangement.accepted_at)
    items, missed_on = [], []
    for item in arrangement.body["termijnen"]:
        due = date.fromisoformat(item["vervaldatum"])
        paid = min(available, item["bedrag"])
        available -= paid
        pause_end = paused_until(due)
        deadline = (pause_end or due) + timedelta(days=grace_days)
        if paid == item["bedrag"]:
            state = "betaald"
        elif today > deadline:
            state = "gemist"
            missed_on.append(deadline + timedelta(days=1))
        else:
            state = "deels_betaald" if paid else "open"
        items.append({**item, "status": state, "betaald": paid})
    return items, missed_on


def lapse(missed_on: list[date], most_missed: int | None) -> dict[str, Any] | None:
    """The `beeindiging` of an arrangement that lapsed, else None (no payment reaches an
    arrangement of the gallery, so none is ever paid off)."""
    if most_missed is not None and len(missed_on) >= most_missed:
        return {"reden": "vervallen", "datum": sorted(missed_on)[most_missed - 1].isoformat()}
    return None
