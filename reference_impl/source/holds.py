"""Which cases are taken, decided by one primary key (table `regeling_zaken`).

A case is held by an active arrangement, by a live reservation (until its `vervalt_at`,
on the citizen's administrative clock), or by both: a reservation of an amendment marks
the rows of the arrangement it replaces. Every write goes through these functions inside
the caller's transaction; a case two requests try to take gives one of them an
IntegrityError (or a short row count), which the caller turns into the answer a
sequential request would have had.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_impl.source import tables

z = tables.regeling_zaken.c


class HoldLost(Exception):
    """A case this request needed was taken (or released) by another one meanwhile."""


def _live_mark(now: int) -> sa.ColumnElement[bool]:
    return sa.and_(z.reservering_id.is_not(None), z.vervalt_at > now)


async def held(conn: AsyncConnection, bsn: str, now: int,
               except_arrangement: str | None = None) -> set[str]:
    """The citizen's cases held now (those held only by `except_arrangement` excluded)."""
    rows = (await conn.execute(sa.select(z.zaakkenmerk, z.betalingsregeling_id)
                               .where(z.bsn == bsn, sa.or_(z.betalingsregeling_id.is_not(None),
                                                           _live_mark(now))))).all()
    free_of = (await conn.execute(sa.select(z.zaakkenmerk).where(
        z.bsn == bsn, z.betalingsregeling_id == except_arrangement,
        sa.not_(_live_mark(now))))).scalars().all() if except_arrangement else []
    return {row.zaakkenmerk for row in rows} - set(free_of)


async def purge(conn: AsyncConnection, bsn: str, now: int) -> None:
    """Forget the citizen's reservation marks that lapsed: rows they alone held go."""
    stale = sa.and_(z.bsn == bsn, z.reservering_id.is_not(None), z.vervalt_at <= now)
    await conn.execute(sa.delete(tables.regeling_zaken).where(
        stale, z.betalingsregeling_id.is_(None)))
    await conn.execute(sa.update(tables.regeling_zaken).where(stale)
                       .values(reservering_id=None, vervalt_at=None))


async def take(conn: AsyncConnection, bsn: str, cases: Sequence[str], *,
               arrangement: str | None = None, reservation: str | None = None,
               vervalt_at: int | None = None) -> None:
    """Hold free `cases` (IntegrityError when one is held)."""
    if cases:
        await conn.execute(sa.insert(tables.regeling_zaken), [
            {"bsn": bsn, "zaakkenmerk": k, "betalingsregeling_id": arrangement,
             "reservering_id": reservation, "vervalt_at": vervalt_at} for k in cases])


async def mark(conn: AsyncConnection, bsn: str, arrangement: str, cases: Sequence[str],
               reservation: str, vervalt_at: int, now: int) -> None:
    """Mark the rows of `arrangement` for a reservation amending it (HoldLost when another
    live reservation marks one, or the arrangement no longer holds them all)."""
    result = await conn.execute(
        sa.update(tables.regeling_zaken)
        .where(z.bsn == bsn, z.betalingsregeling_id == arrangement, z.zaakkenmerk.in_(cases),
               sa.not_(_live_mark(now)))
        .values(reservering_id=reservation, vervalt_at=vervalt_at))
    if result.rowcount != len(cases):
        raise HoldLost


async def hand_over(conn: AsyncConnection, bsn: str, expected: int, *, to: str,
                    arrangement: str | None = None, reservation: str | None = None,
                    now: int) -> None:
    """Give the rows held by `arrangement` (not under a live reservation) or by
    `reservation` (still live) to arrangement `to`; HoldLost unless `expected` rows moved."""
    if reservation is not None:
        where = sa.and_(z.bsn == bsn, z.reservering_id == reservation, z.vervalt_at > now)
    else:
        where = sa.and_(z.bsn == bsn, z.betalingsregeling_id == arrangement,
                        sa.not_(_live_mark(now)))
    result = await conn.execute(sa.update(tables.regeling_zaken).where(where).values(
        betalingsregeling_id=to, reservering_id=None, vervalt_at=None))
    if result.rowcount != expected:
        raise HoldLost


async def release_arrangement(conn: AsyncConnection, arrangement: str) -> None:
    await conn.execute(sa.delete(tables.regeling_zaken).where(
        z.betalingsregeling_id == arrangement))


async def release_reservation(conn: AsyncConnection, reservation: str) -> None:
    """Drop a reservation's rows; rows it only marked go back to their arrangement."""
    mine = z.reservering_id == reservation
    await conn.execute(sa.delete(tables.regeling_zaken).where(
        mine, z.betalingsregeling_id.is_(None)))
    await conn.execute(sa.update(tables.regeling_zaken).where(mine)
                       .values(reservering_id=None, vervalt_at=None))
