"""Payment arrangements: quotes, acceptance, amendment, withdrawal, lifecycle
(spec/interface.md, "Arrangements"; quotes.py, schedule.py, lifecycle.py, reservations.py).

Acceptance is safe under concurrency and retries because the database decides: the
arrangement row has a unique `voorstel_id` and a unique (bsn, Idempotency-Key), and each
case held by an active arrangement or a live reservation is one row of `regeling_zaken`
keyed by (bsn, zaakkenmerk) (holds.py). Whatever loses the race gets an IntegrityError (or
a short row count), and the loser's answer is then read from what the winner stored (a
replay, `voorstel-gebruikt` or `zaak-gewijzigd`). An amendment ends the arrangement it
replaces in the same transaction that makes the new one [/betalingsregeling/wijziging].

Before every decision the citizen's arrangements are *settled*: one that lapsed or was paid
off by itself on the administrative date (lifecycle.py) is stored as `beeindigd` and lets
go of its cases, so they can be quoted again [/betalingsregeling/vervallen]. An ending dated
after real today (seen on a citizen's test clock set ahead) is shown but not stored: putting
the clock back shows the arrangement as it is at that moment again
[/testomgeving/klok-verschuift-domeintijd].
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import rfc8785
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_impl.common.db import Database
from reference_impl.common.problems import Problem
from reference_impl.source import holds, quotes, tables
from reference_impl.source.clock import Clock, add_days, local_date, rfc3339, system_clock
from reference_impl.source.lifecycle import (
    Lifecycle,
    arrangement_view,
    chronological,
    frozen_since,
    lifecycle_of,
)
from reference_impl.source.limits import ArrangementLimits
from reference_impl.source.overview import CaseView, Overview
from reference_impl.source.pause_limits import load_pauses

GEWIJZIGD = "gewijzigd"


def request_hash(body: Any) -> str:
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def as_created(row: Any) -> dict[str, Any]:
    """The arrangement as its creation answered: active, every instalment open."""
    termijnen = [t | {"status": "open", "betaald": 0} for t in row.body["termijnen"]]
    return render(row, Lifecycle("actief", termijnen, 0, None), created=True)


def render(row: Any, life: Lifecycle, *, created: bool = False) -> dict[str, Any]:
    """`Betalingsregeling`: the 2.0 members plus the 2.2 lifecycle members."""
    view = arrangement_view(row, life)
    if created:
        view = {k: v for k, v in view.items() if k != "vervangen_door"}
        view["status"] = "actief"
    rendered = {
        "id": row.id,
        "status": view["status"],
        "zaakkenmerken": row.body["zaakkenmerken"],
        "totaalbedrag": row.body["totaalbedrag"],
        "termijnbedrag": row.body["termijnbedrag"],
        "aantal_termijnen": row.body["aantal_termijnen"],
        "termijnen": view["termijnen"],
        "aangegaan_op": rfc3339(row.aangegaan_at),
        "bedenktijd_tot": rfc3339(row.bedenktijd_tot_at),
    }
    if row.ingetrokken_at is not None and not created:
        rendered["ingetrokken_op"] = rfc3339(row.ingetrokken_at)
    for member in ("rekenregel", "rente_basispunten", "rente_totaal"):
        if member in row.body:
            rendered[member] = row.body[member]
    rendered["gemiste_termijnen"] = view["gemiste_termijnen"]
    for member in ("beeindiging", "vervangt", "vervangen_door", "groep"):
        if member in view:
            rendered[member] = view[member]
    return rendered


class Arrangements:
    """The arrangement operations of one source."""

    def __init__(self, limits: ArrangementLimits, database: Database, overview: Overview,
                 real_clock: Clock = system_clock) -> None:
        self.limits = limits
        self.database = database
        self.overview = overview
        self.real_clock = real_clock  # trust time: what a test-clock shift never moves

    # --- settling and reading -------------------------------------------------------------

    async def context(self, bsn: str, now: int) -> dict[str, CaseView]:
        """The citizen's cases as the document shows them, after settling (module docstring)."""
        views = {v.zaakkenmerk: v for v in await self.overview.case_views(bsn, now)}
        await self._settle(bsn, views, now)
        return views

    async def _lives(self, connection: AsyncConnection, bsn: str, views: dict[str, CaseView],
                     now: int) -> list[tuple[Any, Lifecycle]]:
        events = {k: v.case.gebeurtenissen for k, v in views.items()}
        pauses = await load_pauses(connection, bsn)
        r = tables.betalingsregelingen.c
        rows = chronological((await connection.execute(
            sa.select(tables.betalingsregelingen).where(r.bsn == bsn))).all())
        today = local_date(now)
        frozen = frozen_since(v.case for v in views.values())
        return [(row, lifecycle_of(row, events, self.limits, pauses, today, frozen))
                for row in rows]

    async def _settle(self, bsn: str, views: dict[str, CaseView], now: int) -> None:
        r = tables.betalingsregelingen.c
        real_today = local_date(int(self.real_clock())).isoformat()
        async with self.database.engine.begin() as connection:
            for row, life in await self._lives(connection, bsn, views, now):
                if row.status != "actief" or not life.ended:
                    continue
                if life.beeindiging and life.beeindiging["datum"] > real_today:
                    continue  # only ahead of real time: derived on every read, never stored
                ended = await connection.execute(
                    sa.update(tables.betalingsregelingen).where(r.id == row.id,
                                                                r.status == "actief")
                    .values(status="beeindigd", beeindiging=life.beeindiging))
                if ended.rowcount:
                    await holds.release_arrangement(connection, row.id)

    async def list(self, bsn: str, now: int) -> list[dict[str, Any]]:
        views = await self.context(bsn, now)
        async with self.database.engine.connect() as connection:
            return [render(row, life)
                    for row, life in await self._lives(connection, bsn, views, now)]

    async def get(self, bsn: str, arrangement_id: str, now: int) -> dict[str, Any]:
        await self._row(bsn, arrangement_id)  # 404 before any other work
        return next(a for a in await self.list(bsn, now) if a["id"] == arrangement_id)

    async def _row(self, bsn: str, arrangement_id: str) -> Any:
        r = tables.betalingsregelingen.c
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(
                sa.select(tables.betalingsregelingen)
                .where(r.id == arrangement_id, r.bsn == bsn)
            )).first()
        if row is None:
            raise Problem(404, "algemeen/niet-gevonden",
                          "Er is geen betalingsregeling met deze id.")
        return row

    async def by_id(self, arrangement_id: str) -> Any:
        r = tables.betalingsregelingen.c
        async with self.database.engine.connect() as connection:
            return (await connection.execute(
                sa.select(tables.betalingsregelingen).where(r.id == arrangement_id))).first()

    # --- quote and acceptance -------------------------------------------------------------

    async def quote(self, bsn: str, body: dict[str, Any], now: int) -> dict[str, Any]:
        views = await self.context(bsn, now)
        return await quotes.make_quote(self.database, self.limits, bsn, body, views, now)

    async def accept(
        self, bsn: str, key: str, body: dict[str, Any], now: int
    ) -> tuple[dict[str, Any], bool]:
        """The arrangement and whether this answer is a replay of an earlier request."""
        digest = request_hash(body)
        earlier = await self._by_key(bsn, key, digest)
        if earlier is not None:
            return earlier, True
        try:
            quote = await quotes.quote_to_take(self.database, bsn, body["voorstel_id"],
                                               lambda: self.context(bsn, now), now)
        except quotes.QuoteTaken as taken:  # perhaps by a concurrent twin of this request
            return await self._after_conflict(bsn, key, digest, taken.quote_id, taken.changed)
        try:
            async with self.database.engine.begin() as connection:
                row = await self.create(connection, bsn, quote, now, idempotency_key=key,
                                        request_hash=digest)
        except (IntegrityError, holds.HoldLost):
            return await self._after_conflict(bsn, key, digest, quote.id)
        return as_created(row), False

    async def create(self, connection: AsyncConnection, bsn: str, quote: Any, now: int, *,
                     idempotency_key: str, request_hash: str, reservation: Any = None,
                     groep: dict[str, Any] | None = None) -> Any:
        """Make the arrangement of `quote` in the caller's transaction: end the one it
        replaces, take its cases (from the reservation, when confirmed from one)."""
        arrangement_id = str(uuid.uuid4())
        cases = list(quote.body["zaakkenmerken"])
        vervangt = quote.body.get("vervangt")
        await holds.purge(connection, bsn, now)
        await connection.execute(sa.insert(tables.betalingsregelingen).values(
            id=arrangement_id, bsn=bsn, voorstel_id=quote.id, idempotency_key=idempotency_key,
            request_hash=request_hash, status="actief", body=quote.body, aangegaan_at=now,
            bedenktijd_tot_at=add_days(now, self.limits.bedenktijd_dagen),
            ingetrokken_at=None, vervangt=vervangt,
            reservering_id=None if reservation is None else reservation.id, groep=groep,
        ))
        replaced: list[str] = []
        if vervangt:
            replaced = await self._end_replaced(connection, vervangt, arrangement_id, now)
        if reservation is not None:
            await holds.hand_over(connection, bsn, len(cases), to=arrangement_id,
                                  reservation=reservation.id, now=now)
        else:
            if replaced:
                await holds.hand_over(connection, bsn, len(replaced), to=arrangement_id,
                                      arrangement=vervangt, now=now)
            await holds.take(connection, bsn, [k for k in cases if k not in replaced],
                             arrangement=arrangement_id)
        r = tables.betalingsregelingen.c
        return (await connection.execute(sa.select(tables.betalingsregelingen)
                                         .where(r.id == arrangement_id))).one()

    async def _end_replaced(self, connection: AsyncConnection, old: str, new: str,
                            now: int) -> list[str]:
        """End `old` as amended by `new`; its cases (HoldLost when it is no longer active)."""
        r = tables.betalingsregelingen.c
        beeindiging = {"reden": GEWIJZIGD, "datum": local_date(now).isoformat(),
                       "toelichting": "Vervangen door een gewijzigde betalingsregeling."}
        ended = await connection.execute(
            sa.update(tables.betalingsregelingen).where(r.id == old, r.status == "actief")
            .values(status="beeindigd", beeindiging=beeindiging, vervangen_door=new))
        if ended.rowcount != 1:
            raise holds.HoldLost
        body = await connection.scalar(sa.select(r.body).where(r.id == old))
        return list(body["zaakkenmerken"])

    async def _after_conflict(
        self, bsn: str, key: str, digest: str, quote_id: str, otherwise: Problem | None = None
    ) -> tuple[dict[str, Any], bool]:
        return await quotes.conflict_answer(self.database, quote_id,
                                            await self._by_key(bsn, key, digest), otherwise)

    async def _by_key(self, bsn: str, key: str, digest: str) -> dict[str, Any] | None:
        row = await quotes.keyed_row(self.database, tables.betalingsregelingen, bsn, key, digest)
        return None if row is None else as_created(row)  # the same answer as the first time

    # --- withdrawal -----------------------------------------------------------------------

    async def withdraw(self, bsn: str, arrangement_id: str, now: int) -> None:
        """Withdraw within the cooling-off period, or within its group's window whatever the
        cooling-off period [/betalingsregeling/groep-intrekbaar]; again is a no-op. An
        amendment withdrawn restores the arrangement it replaced: nothing changed."""
        await self._row(bsn, arrangement_id)
        await self.context(bsn, now)  # a lapse or payoff first
        row = await self._row(bsn, arrangement_id)
        if row.status == "ingetrokken":
            return
        window = max(row.bedenktijd_tot_at,
                     row.groep["annuleerbaar_tot_at"] if row.groep else row.bedenktijd_tot_at)
        if now > window:
            raise Problem(409, "betalingsregeling/bedenktijd-verstreken",
                          f"De bedenktijd is verstreken op {rfc3339(row.bedenktijd_tot_at)}.")
        if row.status != "actief":
            raise Problem(409, "betalingsregeling/zaak-gewijzigd",
                          "Deze betalingsregeling is al beëindigd "
                          f"({(row.beeindiging or {}).get('reden', 'beeindigd')}); er valt "
                          "niets meer in te trekken.")
        r = tables.betalingsregelingen.c
        async with self.database.engine.begin() as connection:
            done = await connection.execute(
                sa.update(tables.betalingsregelingen)
                .where(r.id == arrangement_id, r.status == "actief")
                .values(status="ingetrokken", ingetrokken_at=now))
            if not done.rowcount:
                return  # a concurrent withdrawal won
            await holds.release_arrangement(connection, arrangement_id)
            if row.vervangt:
                await self._restore(connection, bsn, row.vervangt, arrangement_id)

    async def _restore(self, connection: AsyncConnection, bsn: str, old: str, new: str) -> None:
        r = tables.betalingsregelingen.c
        restored = await connection.execute(
            sa.update(tables.betalingsregelingen)
            .where(r.id == old, r.status == "beeindigd", r.vervangen_door == new)
            .values(status="actief", beeindiging=None, vervangen_door=None))
        if restored.rowcount:
            body = await connection.scalar(sa.select(r.body).where(r.id == old))
            await holds.take(connection, bsn, body["zaakkenmerken"], arrangement=old)
