"""The life of an arrangement after acceptance (design §B.4, spec/rules/betalingsregeling.md).

Everything here is derived, on the source's administrative date, from what is stored (the
arrangement's schedule, how it ended if it did) and from the facts of its cases, so the
document, `GET /betalingsregelingen/{id}` and the arrangement operations agree:

- **instalment status** [/betalingsregeling/termijnstatus]: the net payments on the
  arrangement's cases dated on or after `aangegaan_op` (each `BetalingVerwerkt` minus the
  counter-entries against it: a storno makes an instalment unpaid again) fill the
  instalments oldest first; a termijn is `betaald` when fully covered, `gemist` when not by
  its *miss day*, `deels_betaald` when partly covered, else `open`;
- **miss day**: the first day it counts as missed: `vervaldatum` + `respijt_dagen` + 1, or,
  when a pause held one of the arrangement's cases on the `vervaldatum`, the pause's end +
  `respijt_dagen` + 1 [/betalingsregeling/pauze-en-termijnen];
- **lapse** [/betalingsregeling/vervallen]: on the first miss day on which the number of
  missed instalments reaches `maximaal_gemiste_termijnen` the arrangement ends
  (`beeindigd`, reden `vervallen`, that day); fully paid, it ends `afgelost` on the day of
  the payment that completed it; when one of its cases enters a debt scheme it ends
  `schuldregeling` on the scheme's `sinds`. An ended arrangement is shown as it was on
  that day.

`case_members` gives the 2.2 members the overview merges into each case: the most recent
arrangement that covered the case (withdrawn ones are void, so never shown) and whether a
pause is possible now (`pauze_mogelijkheid`, pause_limits.py).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_impl.common import document as claims_document
from reference_impl.source import tables
from reference_impl.source.clock import TIMEZONE, local_date, rfc3339
from reference_impl.source.config import SourceConfig
from reference_impl.source.limits import ArrangementLimits
from reference_impl.source.pause_limits import StoredPause, load_pauses, pause_possibility

PAID = "BetalingVerwerkt"
IMPOSED = "FinancieleVerplichtingOpgelegd"


@dataclass(frozen=True)
class Lifecycle:
    """An arrangement as it stands on a day: its status, instalments and how it ended."""

    status: str
    termijnen: list[dict[str, Any]]
    gemiste_termijnen: int
    beeindiging: dict[str, Any] | None

    @property
    def ended(self) -> bool:
        return self.status != "actief"


def _event_day(event: dict[str, Any]) -> date:
    return claims_document.parse_datetime(event["datumtijd"]).astimezone(TIMEZONE).date()


def net_payments(events: Iterable[dict[str, Any]], since: int) -> list[tuple[date, int]]:
    """`(day, amount)` of every payment dated at or after `since` (Unix seconds) and every
    counter-entry against such a payment (a negative amount, on its own day)."""
    events = list(events)
    counted = {}
    for e in events:
        if (e["gebeurtenistype"] == PAID
                and claims_document.parse_datetime(e["datumtijd"]).timestamp() >= since):
            counted[e["gebeurtenis_id"]] = e
    moves = [(_event_day(e), e["bedrag"]) for e in counted.values()]
    moves += [(_event_day(e), -e["bedrag"]) for e in events
              if e["gebeurtenistype"] == IMPOSED and e.get("tegenboeking_van") in counted]
    return sorted(moves)


def miss_days(termijnen: Sequence[dict[str, Any]], respijt_dagen: int,
              pause_spans: Sequence[tuple[date, date]]) -> list[date]:
    """The first day each instalment counts as missed when unpaid (module docstring)."""
    days = []
    for termijn in termijnen:
        due = date.fromisoformat(termijn["vervaldatum"])
        last_day = max([due, *(end for start, end in pause_spans if start <= due <= end)])
        days.append(last_day + timedelta(days=respijt_dagen + 1))
    return days


def _paid_through(moves: Sequence[tuple[date, int]], day: date) -> int:
    return max(sum(amount for when, amount in moves if when <= day), 0)


def _statuses(termijnen: Sequence[dict[str, Any]], missed_from: Sequence[date], paid: int,
              day: date) -> list[dict[str, Any]]:
    rendered, before = [], 0
    for termijn, miss_day in zip(termijnen, missed_from, strict=True):
        bedrag = termijn["bedrag"]
        covered = min(max(paid - before, 0), bedrag)
        before += bedrag
        if covered == bedrag:
            status = "betaald"
        elif day >= miss_day:
            status = "gemist"
        else:
            status = "deels_betaald" if covered else "open"
        rendered.append({**termijn, "status": status, "betaald": covered})
    return rendered


def evaluate(termijnen: Sequence[dict[str, Any]], moves: Sequence[tuple[date, int]],
             limits: ArrangementLimits, pause_spans: Sequence[tuple[date, date]],
             today: date, ended: dict[str, Any] | None = None,
             frozen_on: date | None = None) -> Lifecycle:
    """The arrangement on `today`; `ended` is a stored `beeindiging` (then as on its day);
    `frozen_on` the day one of its cases entered a debt scheme, which ends it (reden
    `schuldregeling`) unless it lapsed or was paid off before."""
    missed_from = miss_days(termijnen, limits.respijt_dagen, pause_spans)
    if ended is None:
        ended = _ending(termijnen, missed_from, moves, limits.maximaal_gemiste_termijnen, today)
        if frozen_on is not None and frozen_on <= today and (
                ended is None or frozen_on < date.fromisoformat(ended["datum"])):
            ended = {"reden": "schuldregeling", "datum": frozen_on.isoformat(),
                     "toelichting": "Een zaak van deze regeling valt nu onder een "
                                    "schuldregeling; die bepaalt hoe er wordt betaald."}
    day = min(today, date.fromisoformat(ended["datum"])) if ended else today
    rendered = _statuses(termijnen, missed_from, _paid_through(moves, day), day)
    missed = sum(1 for t in rendered if t["status"] == "gemist")
    return Lifecycle("beeindigd" if ended else "actief", rendered, missed, ended)


def _ending(termijnen: Sequence[dict[str, Any]], missed_from: Sequence[date],
            moves: Sequence[tuple[date, int]], maximum: int | None,
            today: date) -> dict[str, Any] | None:
    """How an active arrangement ended by `today` by itself (lapse or paid off), if it did.

    Miss days grow with the instalment number (a pause only moves them later), so on day d
    the missed instalments are those past their miss day minus those fully paid: each
    candidate day costs two binary searches, whatever the number of instalments."""
    cumulative = list(accumulate(t["bedrag"] for t in termijnen))
    days, running, paid_by = [], 0, []
    for when, amount in moves:
        running += amount
        days.append(when)
        paid_by.append(max(running, 0))

    def paid_on(day: date) -> int:
        index = bisect_right(days, day)
        return paid_by[index - 1] if index else 0

    paid_off = next((when for when, total in zip(days, paid_by, strict=True)
                     if when <= today and total >= cumulative[-1]), None)
    lapsed = None
    if maximum is not None:
        for day in sorted({d for d in missed_from if d <= today}):
            due_and_past = bisect_right(missed_from, day)
            fully_paid = bisect_right(cumulative, paid_on(day))
            if due_and_past - fully_paid >= maximum:
                lapsed = day
                break
    if lapsed is not None and (paid_off is None or lapsed < paid_off):
        return {"reden": "vervallen", "datum": lapsed.isoformat(),
                "toelichting": f"{maximum} termijnen zijn niet op tijd betaald."}
    if paid_off is not None:
        return {"reden": "afgelost", "datum": paid_off.isoformat()}
    return None


# --- reading the stored arrangements -----------------------------------------------------


def pause_spans(pauses: Iterable[StoredPause], zaakkenmerken: Iterable[str]
                ) -> list[tuple[date, date]]:
    """The days pauses held any of `zaakkenmerken` (ended pauses at their actual end)."""
    cases = set(zaakkenmerken)
    return [(p.ingangsdatum, p.einddatum) for p in pauses if cases & set(p.zaakkenmerken)]


def frozen_since(cases: Iterable[Any]) -> dict[str, date]:
    """Per zaakkenmerk the day its debt scheme (`schuldregeling.sinds`) began."""
    return {case.zaakkenmerk: date.fromisoformat(case.schuldregeling["sinds"])
            for case in cases if getattr(case, "schuldregeling", None)}


def lifecycle_of(row: Any, events_by_case: dict[str, Sequence[dict[str, Any]]],
                 limits: ArrangementLimits, pauses: Sequence[StoredPause],
                 today: date, frozen: dict[str, date] | None = None) -> Lifecycle:
    """The lifecycle of a stored arrangement row (table `betalingsregelingen`)."""
    cases = row.body["zaakkenmerken"]
    moves = sorted(m for k in cases for m in net_payments(events_by_case.get(k, ()),
                                                          row.aangegaan_at))
    if row.status == "ingetrokken":  # void: shown as it stood when it was withdrawn
        today = min(today, local_date(row.ingetrokken_at))
    agreed = local_date(row.aangegaan_at)
    frozen_on = min((max(frozen[k], agreed) for k in cases if k in (frozen or {})),
                    default=None)
    return evaluate(row.body["termijnen"], moves, limits, pause_spans(pauses, cases), today,
                    row.beeindiging if row.status == "beeindigd" else None, frozen_on)


def arrangement_view(row: Any, life: Lifecycle) -> dict[str, Any]:
    """The 2.2 lifecycle members of an arrangement (document and resource alike)."""
    status = "ingetrokken" if row.status == "ingetrokken" else life.status
    view: dict[str, Any] = {
        "id": row.id,
        "status": status,
        "termijnbedrag": row.body["termijnbedrag"],
        "aantal_termijnen": row.body["aantal_termijnen"],
        "termijnen": life.termijnen,
        "gemiste_termijnen": life.gemiste_termijnen,
    }
    if status == "beeindigd" and life.beeindiging is not None:
        view["beeindiging"] = life.beeindiging
    for member in ("vervangt", "vervangen_door"):
        if getattr(row, member) is not None:
            view[member] = getattr(row, member)
    if row.groep is not None:
        view["groep"] = group_view(row.groep)
    return view


def group_view(groep: dict[str, Any]) -> dict[str, Any]:
    return {"id": groep["id"], "omvang": groep["omvang"],
            "bevestigd_op": rfc3339(groep["bevestigd_at"]),
            "annuleerbaar_tot": rfc3339(groep["annuleerbaar_tot_at"])}


def chronological(rows: Iterable[Any]) -> list[Any]:
    """Oldest first; an amendment after the arrangement it replaced even within one second."""
    rows = list(rows)
    by_id = {row.id: row for row in rows}

    def depth(row: Any) -> int:
        seen, count = {row.id}, 0
        while row.vervangt in by_id and row.vervangt not in seen:
            row = by_id[row.vervangt]
            seen.add(row.id)
            count += 1
        return count

    return sorted(rows, key=lambda row: (row.aangegaan_at, depth(row), row.id))


async def stored_arrangements(conn: AsyncConnection, bsn: str) -> list[Any]:
    """The citizen's arrangements except withdrawn ones, oldest first."""
    r = tables.betalingsregelingen.c
    return chronological((await conn.execute(
        sa.select(tables.betalingsregelingen).where(r.bsn == bsn, r.status != "ingetrokken")
    )).all())


def _case_parts(item: Any) -> tuple[Any, int]:
    """A backend `Case` with its saldo; a `CaseView` (has `.wire`) brings its own saldo."""
    if hasattr(item, "wire"):
        return item.case, item.wire["saldo"]
    case = item
    if case.totalen is not None:
        return case, (case.totalen["totaal_financieel_verplicht"]
                      - case.totalen["totaal_financieel_vereffend"])
    verplicht, vereffend = claims_document.totals(list(case.gebeurtenissen))
    return case, verplicht - vereffend


async def case_members(conn: AsyncConnection, config: SourceConfig, bsn: str,
                       cases: Sequence[Any], today: date) -> dict[str, dict[str, Any]]:
    """Per zaakkenmerk the 2.2 members `betalingsregeling` (the most recent arrangement that
    covered the case, with its lifecycle on `today`) and `pauze_mogelijkheid` (only when the
    source offers pauses and no pause holds the case today). `cases` are the backend's
    `Case`s or the overview's `CaseView`s (whose saldo is then used). Reads only.

    The overview derives from these: case `status` is `in_regeling` only while
    `betalingsregeling.status` is `actief`; `pauze` leaves `acties` when
    `pauze_mogelijkheid.mogelijk` is false."""
    parts = [_case_parts(item) for item in cases]
    members: dict[str, dict[str, Any]] = {case.zaakkenmerk: {} for case, _ in parts}
    events = {case.zaakkenmerk: case.gebeurtenissen for case, _ in parts}
    pauses = await load_pauses(conn, bsn)
    limits = config.betalingsregeling
    if limits is not None:
        frozen = frozen_since(case for case, _ in parts)
        for row in await stored_arrangements(conn, bsn):  # later ones overwrite earlier
            life = lifecycle_of(row, events, limits, pauses, today, frozen)
            view = arrangement_view(row, life)
            for zaakkenmerk in row.body["zaakkenmerken"]:
                if zaakkenmerk in members:
                    members[zaakkenmerk]["betalingsregeling"] = view
    if config.pauze is not None:
        for case, saldo in parts:
            if any(p.holds(case.zaakkenmerk, today) for p in pauses):
                continue
            members[case.zaakkenmerk]["pauze_mogelijkheid"] = pause_possibility(
                case, saldo, config.pauze, pauses, today)
    return members
