"""The pause button (spec/interface.md, "Pauses").

A pause holds chosen cases (or every case that can be paused: whose `acties` contain
`pauze`) from today until its `einddatum`. While it holds, the overview shows those cases
`gepauzeerd`, the planned surcharges and reminders of the backend's schedule that fall on
those days are never imposed (overview.imposed_events) and no instalment falling due is
counted as missed (lifecycle.py) [/pauze/wat-een-pauze-stopt]. Ending a pause early moves
its `einddatum` to today. The 2.2 limits (pause_limits.py) are checked after the 2.0 ones
and answer `pauze/niet-toegestaan`.

One active pause per case is decided by the database: each case of a pause holds a row in
`pauze_zaken` keyed by (bsn, zaakkenmerk), so of concurrent requests for one case exactly
one commits; the others get 422 `zaak-al-gepauzeerd`, as a sequential request would. The
pause limits hold the same way: each pause takes the citizen's next `volgnummer`, unique
per citizen, so of two requests checked against the same history one is checked again.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from reference_impl.common.db import Database
from reference_impl.common.problems import Problem, invalid_request
from reference_impl.source import tables
from reference_impl.source.clock import local_date, rfc3339
from reference_impl.source.limits import PauseLimits
from reference_impl.source.overview import Overview, PauseRecord, load_state
from reference_impl.source.pause_limits import (
    NOT_ALLOWED,
    case_reason,
    limit_reasons,
    load_pauses,
    refusal,
)

NOT_POSSIBLE = "pauze/niet-mogelijk"
RACE_RETRIES = 3


def _reason(code: str, toelichting: str, zaakkenmerk: str | None = None) -> dict[str, str]:
    reason = {"code": code, "toelichting": toelichting}
    if zaakkenmerk is not None:
        reason["zaakkenmerk"] = zaakkenmerk
    return reason


def _calendar_date(text: str) -> date:
    """The date `text` names; 400 for one the schema's pattern lets through but the
    calendar has not (`0000-01-01`, `2026-02-30`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise invalid_request([("/einddatum", "is not a calendar date")]) from None


def wire_status(pause: PauseRecord, today: date) -> str:
    """`actief` while it holds, `beeindigd` once ended or past its einddatum."""
    return "actief" if pause.status == "actief" and today <= pause.einddatum else "beeindigd"


class Pauses:
    """The pause operations of one source."""

    def __init__(self, limits: PauseLimits, database: Database, overview: Overview) -> None:
        self.limits = limits
        self.database = database
        self.overview = overview

    async def create(self, bsn: str, body: dict[str, Any], now: int) -> dict[str, Any]:
        """Check and store a pause. A request that lost a race to a concurrent one (a case
        or the citizen's next pause number taken) is checked again on the new state, and so
        answered as it would have been after it."""
        for _attempt in range(RACE_RETRIES):
            try:
                return await self._create(bsn, body, now)
            except IntegrityError:
                continue
        return await self._create(bsn, body, now, last_try=True)

    async def _create(self, bsn: str, body: dict[str, Any], now: int, *,
                      last_try: bool = False) -> dict[str, Any]:
        today = local_date(now)
        einddatum = _calendar_date(body["einddatum"])
        reasons = []
        if not today < einddatum <= today + timedelta(days=self.limits.maximum_duur_dagen):
            reasons.append(_reason(
                "einddatum-ongeldig",
                f"De einddatum ligt na vandaag en maximaal {self.limits.maximum_duur_dagen} "
                "dagen na vandaag."))
        views = {v.zaakkenmerk: v for v in await self.overview.case_views(bsn, now)}
        paused = {k for k, v in views.items() if "pauze" in v.wire}
        requested = body.get("zaakkenmerken")
        if requested is None:
            # "Pause everything" covers exactly the cases that can be paused, i.e. whose
            # `acties` contain `pauze` [/pauze/alles-volgt-acties].
            open_cases = [k for k, v in views.items() if v.saldo > 0 and k not in paused]
            chosen = [k for k in open_cases if case_reason(views[k].case, views[k].saldo) is None]
            if not open_cases:
                reasons.append(_reason("zaak-onbekend", "Er zijn geen zaken om te pauzeren."))
        else:
            chosen = list(requested)
            for zaakkenmerk in chosen:
                view = views.get(zaakkenmerk)
                if view is None:
                    reasons.append(_reason("zaak-onbekend", "Deze zaak is niet bekend.",
                                           zaakkenmerk))
                elif view.saldo <= 0:
                    reasons.append(_reason("zaak-afgelost", "Deze zaak is al betaald.",
                                           zaakkenmerk))
                elif zaakkenmerk in paused:
                    reasons.append(_reason("zaak-al-gepauzeerd", "Deze zaak is al gepauzeerd.",
                                           zaakkenmerk))
        if reasons:  # the 2.0 checks come first
            raise Problem(422, NOT_POSSIBLE, "De pauze kan niet worden ingesteld.",
                          extensions={"redenen": reasons})
        number = await self._check_allowed(bsn, views, requested, chosen, paused, today)
        pause = PauseRecord(str(uuid.uuid4()), "actief", today, einddatum, tuple(chosen), now)
        try:
            await self._store(bsn, pause, number)
        except IntegrityError:
            if not last_try:
                raise
            # Still losing: a concurrent request paused one of these cases first.
            raise Problem(422, NOT_POSSIBLE, "De pauze kan niet worden ingesteld.",
                          extensions={"redenen": [_reason(
                              "zaak-al-gepauzeerd", "Deze zaak is al gepauzeerd.", k)
                              for k in await self._held(bsn, chosen)]}) from None
        return render(pause, today)

    async def _check_allowed(self, bsn: str, views: dict[str, Any], requested: Any,
                             chosen: list[str], paused: set[str], today: date) -> int:
        """422 `pauze/niet-toegestaan` when a named case cannot be paused [/pauze/per-zaak],
        "pause everything" found nothing it may pause, or the citizen's limits forbid a pause
        now [/pauze/aantal-en-wachttijd]; every reason at once."""
        refused = []
        if requested is None:
            if not chosen:
                refused += [refusal(reason, k) for k, v in views.items()
                            if v.saldo > 0 and k not in paused
                            and (reason := case_reason(v.case, v.saldo)) is not None]
        else:
            refused += [refusal(reason, k) for k in chosen
                        if (reason := case_reason(views[k].case, views[k].saldo)) is not None]
        async with self.database.engine.connect() as connection:
            history = await load_pauses(connection, bsn)
        refused += [refusal(reason) for reason in limit_reasons(self.limits, history,
                                                                         today)]
        if refused:
            # `weigeringen`, not `redenen`: that member keeps its closed 2.0 shape.
            raise Problem(422, NOT_ALLOWED, "Een pauze is nu niet toegestaan.",
                          extensions={"weigeringen": refused}, title="Pauze niet toegestaan")
        return len(history) + 1  # the new pause's number: taken if another was stored since

    async def _store(self, bsn: str, pause: PauseRecord, number: int) -> None:
        z = tables.pauze_zaken.c
        async with self.database.engine.begin() as connection:
            # Cases whose pause ran out no longer hold a row of their own.
            await connection.execute(sa.delete(tables.pauze_zaken).where(
                z.bsn == bsn, z.einddatum < pause.ingangsdatum.isoformat()))
            await connection.execute(sa.insert(tables.pauzes).values(
                id=pause.id, bsn=bsn, status="actief",
                ingangsdatum=pause.ingangsdatum.isoformat(),
                einddatum=pause.einddatum.isoformat(), zaakkenmerken=list(pause.zaakkenmerken),
                aangemaakt_at=pause.aangemaakt_at, beeindigd_at=None, volgnummer=number,
            ))
            await connection.execute(sa.insert(tables.pauze_zaken), [
                {"bsn": bsn, "zaakkenmerk": k, "pauze_id": pause.id,
                 "einddatum": pause.einddatum.isoformat()}
                for k in pause.zaakkenmerken
            ])

    async def _held(self, bsn: str, chosen: list[str]) -> list[str]:
        """Which of `chosen` another pause holds now (for the answer after a lost race)."""
        z = tables.pauze_zaken.c
        async with self.database.engine.connect() as connection:
            held = set((await connection.scalars(sa.select(z.zaakkenmerk).where(
                z.bsn == bsn, z.zaakkenmerk.in_(chosen)))).all())
        return [k for k in chosen if k in held] or chosen

    async def list(self, bsn: str, now: int) -> list[dict[str, Any]]:
        state = await load_state(self.database, bsn)
        return [render(p, local_date(now)) for p in state.pauses]

    async def get(self, bsn: str, pause_id: str, now: int) -> dict[str, Any]:
        """One pause of this citizen; another citizen's or an unknown id is 404."""
        state = await load_state(self.database, bsn)
        pause = next((p for p in state.pauses if p.id == pause_id), None)
        if pause is None:
            raise Problem(404, "algemeen/niet-gevonden", "Er is geen pauze met deze id.")
        return render(pause, local_date(now))

    async def end(self, bsn: str, pause_id: str, now: int) -> None:
        """End the pause today; ending an ended pause again changes nothing."""
        p = tables.pauzes.c
        today = local_date(now)
        async with self.database.engine.begin() as connection:
            row = (await connection.execute(
                sa.select(tables.pauzes).where(p.id == pause_id, p.bsn == bsn)
            )).first()
            if row is None:
                raise Problem(404, "algemeen/niet-gevonden", "Er is geen pauze met deze id.")
            if row.status != "actief" or date.fromisoformat(row.einddatum) < today:
                return
            await connection.execute(
                sa.update(tables.pauzes).where(p.id == pause_id, p.status == "actief")
                .values(status="beeindigd", beeindigd_at=now, einddatum=today.isoformat())
            )
            await connection.execute(sa.delete(tables.pauze_zaken).where(
                tables.pauze_zaken.c.pauze_id == pause_id))


def render(pause: PauseRecord, today: date) -> dict[str, Any]:
    return {
        "id": pause.id,
        "status": wire_status(pause, today),
        "ingangsdatum": pause.ingangsdatum.isoformat(),
        "einddatum": pause.einddatum.isoformat(),
        "zaakkenmerken": list(pause.zaakkenmerken),
        "aangemaakt_op": rfc3339(pause.aangemaakt_at),
    }
