"""What the source itself recorded for a citizen, as the claims document needs it: the
arrangements in force (their schedule, for the next due date) and every pause (ended ones
too: a surcharge planned inside a pause is never imposed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from reference_impl.common.db import Database
from reference_impl.source import tables


@dataclass(frozen=True)
class ActiveArrangement:
    id: str
    termijnen: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PauseRecord:
    """A pause as stored; `einddatum` is the last day it holds (moved up when ended early)."""

    id: str
    status: str
    ingangsdatum: date
    einddatum: date
    zaakkenmerken: tuple[str, ...]
    aangemaakt_at: int

    def active_on(self, day: date) -> bool:
        return self.status == "actief" and self.ingangsdatum <= day <= self.einddatum

    def covers(self, zaakkenmerk: str, day: date) -> bool:
        """True when this pause held `zaakkenmerk` on `day` (ended pauses included)."""
        return zaakkenmerk in self.zaakkenmerken and self.ingangsdatum <= day <= self.einddatum


@dataclass(frozen=True)
class CitizenState:
    """What the source itself recorded for a citizen: active arrangements and all pauses."""

    arrangements: dict[str, ActiveArrangement]
    pauses: tuple[PauseRecord, ...]

    def active_pause(self, zaakkenmerk: str, day: date) -> PauseRecord | None:
        return next(
            (p for p in self.pauses if p.active_on(day) and zaakkenmerk in p.zaakkenmerken), None
        )


async def load_state(database: Database, bsn: str) -> CitizenState:
    r, z, p = tables.betalingsregelingen.c, tables.regeling_zaken.c, tables.pauzes.c
    arrangements_query = (
        sa.select(z.zaakkenmerk, r.id, r.body)
        .join(tables.betalingsregelingen, r.id == z.betalingsregeling_id)
        .where(z.bsn == bsn, r.status == "actief")
    )
    pauses_query = sa.select(tables.pauzes).where(p.bsn == bsn).order_by(p.aangemaakt_at, p.id)
    async with database.autocommit() as connection:  # reads only
        arrangement_rows = (await connection.execute(arrangements_query)).all()
        pause_rows = (await connection.execute(pauses_query)).all()
    return CitizenState(
        arrangements={
            row.zaakkenmerk: ActiveArrangement(row.id, tuple(row.body["termijnen"]))
            for row in arrangement_rows
        },
        pauses=tuple(
            PauseRecord(
                id=row.id, status=row.status,
                ingangsdatum=date.fromisoformat(row.ingangsdatum),
                einddatum=date.fromisoformat(row.einddatum),
                zaakkenmerken=tuple(row.zaakkenmerken), aangemaakt_at=row.aangemaakt_at,
            )
            for row in pause_rows
        ),
    )
