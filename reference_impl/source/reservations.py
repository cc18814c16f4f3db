"""Two-phase agreement across organisations (design §B.3, spec/rules/betalingsregeling.md).

A reservation takes a valid quote provisionally under the app's group id: the quote counts
as used and its cases are held (holds.py) until `vervalt_at`, after which the reservation
is `vervallen` by itself — no call and no background job: the status is derived from the
citizen's administrative clock (the test clock included) and the hold stops counting at
that moment [/betalingsregeling/reservering-vervalt]. Confirming it makes the arrangement
with its `groep`, withdrawable until `groep.annuleerbaar_tot` whatever the cooling-off
period [/betalingsregeling/groep-intrekbaar]. Nothing here changes the claims document
until a confirmation.

Races are decided by the database: one reservation per quote (`voorstel_id` unique), one
per (bsn, Idempotency-Key), one holder per case, and a confirmation or cancellation is a
conditional UPDATE of `status = 'gereserveerd'` that exactly one request wins; one
arrangement per reservation (`betalingsregelingen.reservering_id` unique).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from reference_impl.common.db import Database
from reference_impl.common.problems import Problem
from reference_impl.source import holds, quotes, tables
from reference_impl.source.arrangements import Arrangements, as_created, request_hash
from reference_impl.source.clock import rfc3339

RESERVED, CONFIRMED, CANCELLED, LAPSED = "gereserveerd", "bevestigd", "geannuleerd", "vervallen"
s = tables.reserveringen.c


def status_of(row: Any, now: int) -> str:
    """The stored status, `vervallen` from `vervalt_at` on for one never confirmed."""
    return LAPSED if row.status == RESERVED and now >= row.vervalt_at else row.status


def render(row: Any, body: dict[str, Any], now: int) -> dict[str, Any]:
    rendered = {
        "id": row.id, "voorstel_id": row.voorstel_id, "groep_id": row.groep_id,
        "groep_omvang": row.groep_omvang, "zaakkenmerken": body["zaakkenmerken"],
        "status": status_of(row, now), "gereserveerd_op": rfc3339(row.gereserveerd_at),
        "vervalt_op": rfc3339(row.vervalt_at),
    }
    if row.betalingsregeling_id is not None:
        rendered["betalingsregeling_id"] = row.betalingsregeling_id
    return rendered


class Reservations:
    """The reservation operations of one source (offered when `reservering_geldigheid_s`)."""

    def __init__(self, arrangements: Arrangements, validity_s: int) -> None:
        self.arrangements = arrangements
        self.database: Database = arrangements.database
        self.validity_s = validity_s

    async def reserve(self, bsn: str, key: str, body: dict[str, Any], now: int
                      ) -> tuple[dict[str, Any], bool]:
        """The reservation and whether this answer replays an earlier request."""
        digest = request_hash(body)
        earlier = await self._by_key(bsn, key, digest)
        if earlier is not None:
            return earlier, True
        try:
            quote = await quotes.quote_to_take(self.database, bsn, body["voorstel_id"],
                                               lambda: self.arrangements.context(bsn, now), now)
        except quotes.QuoteTaken as taken:  # perhaps by a concurrent twin of this request
            return await self._after_conflict(bsn, key, digest, taken.quote_id, taken.changed)
        reservation_id, vervalt_at = str(uuid.uuid4()), now + self.validity_s
        cases = list(quote.body["zaakkenmerken"])
        vervangt = quote.body.get("vervangt")
        try:
            async with self.database.engine.begin() as connection:
                await holds.purge(connection, bsn, now)
                await connection.execute(sa.insert(tables.reserveringen).values(
                    id=reservation_id, bsn=bsn, voorstel_id=quote.id, idempotency_key=key,
                    request_hash=digest, groep_id=body["groep_id"],
                    groep_omvang=body["groep_omvang"], status=RESERVED, gereserveerd_at=now,
                    vervalt_at=vervalt_at, betalingsregeling_id=None))
                replaced: list[str] = []
                if vervangt:
                    r = tables.betalingsregelingen.c
                    old = await connection.scalar(sa.select(r.body).where(
                        r.id == vervangt, r.bsn == bsn, r.status == "actief"))
                    if old is None:
                        raise holds.HoldLost
                    replaced = list(old["zaakkenmerken"])
                    await holds.mark(connection, bsn, vervangt, replaced, reservation_id,
                                     vervalt_at, now)
                await holds.take(connection, bsn, [k for k in cases if k not in replaced],
                                 reservation=reservation_id, vervalt_at=vervalt_at)
        except (IntegrityError, holds.HoldLost):
            return await self._after_conflict(bsn, key, digest, quote.id)
        return render(await self._row(bsn, reservation_id), quote.body, now), False

    async def _after_conflict(self, bsn: str, key: str, digest: str, quote_id: str,
                              otherwise: Problem | None = None) -> tuple[dict[str, Any], bool]:
        return await quotes.conflict_answer(self.database, quote_id,
                                            await self._by_key(bsn, key, digest), otherwise)

    async def _by_key(self, bsn: str, key: str, digest: str) -> dict[str, Any] | None:
        row = await quotes.keyed_row(self.database, tables.reserveringen, bsn, key, digest)
        if row is None:
            return None
        body = await self._quote_body(row)
        # The same answer as the first time: the reservation as it was made.
        made = render(row, body, row.gereserveerd_at) | {"status": RESERVED}
        made.pop("betalingsregeling_id", None)
        return made

    async def _quote_body(self, row: Any) -> dict[str, Any]:
        v = tables.voorstellen.c
        async with self.database.engine.connect() as connection:
            return await connection.scalar(sa.select(v.body).where(v.id == row.voorstel_id))

    async def _row(self, bsn: str, reservation_id: str) -> Any:
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(sa.select(tables.reserveringen).where(
                s.id == reservation_id, s.bsn == bsn))).first()
        if row is None:
            raise Problem(404, "algemeen/niet-gevonden", "Er is geen reservering met deze id.")
        return row

    async def get(self, bsn: str, reservation_id: str, now: int) -> dict[str, Any]:
        row = await self._row(bsn, reservation_id)
        return render(row, await self._quote_body(row), now)

    async def confirm(self, bsn: str, reservation_id: str, now: int
                      ) -> tuple[dict[str, Any], bool]:
        """The arrangement and whether it was made now (False: confirmed before)."""
        row = await self._row(bsn, reservation_id)
        if status_of(row, now) == RESERVED:
            v = tables.voorstellen.c
            try:
                async with self.database.engine.begin() as connection:
                    won = await connection.execute(
                        sa.update(tables.reserveringen)
                        .where(s.id == row.id, s.status == RESERVED, s.vervalt_at > now)
                        .values(status=CONFIRMED))
                    if won.rowcount == 1:
                        quote = (await connection.execute(sa.select(tables.voorstellen)
                                                          .where(v.id == row.voorstel_id))).one()
                        groep = {"id": row.groep_id, "omvang": row.groep_omvang,
                                 "bevestigd_at": now, "annuleerbaar_tot_at": now + self.validity_s}
                        made = await self.arrangements.create(
                            connection, bsn, quote, now,
                            idempotency_key=f"reservering/{row.id}",
                            request_hash=row.request_hash, reservation=row, groep=groep)
                        await connection.execute(sa.update(tables.reserveringen)
                                                 .where(s.id == row.id)
                                                 .values(betalingsregeling_id=made.id))
                        return as_created(made), True
            except (IntegrityError, holds.HoldLost):
                # The arrangement the quote replaced is no longer active: the reservation
                # cannot be honoured and is cancelled, its cases freed.
                await self._cancel(row.id)
                raise Problem(409, "betalingsregeling/zaak-gewijzigd",
                              "De betalingsregeling die dit voorstel zou vervangen loopt niet "
                              "meer; de reservering is geannuleerd.") from None
            row = await self._row(bsn, reservation_id)  # a concurrent request decided
        status = status_of(row, now)
        if status == CONFIRMED:
            made = await self.arrangements.by_id(row.betalingsregeling_id)
            return as_created(made), False
        if status == CANCELLED:
            raise Problem(409, "betalingsregeling/reservering-geannuleerd",
                          "Deze reservering is geannuleerd en kan niet meer worden bevestigd.")
        raise Problem(409, "betalingsregeling/reservering-vervallen",
                      f"Deze reservering is vervallen op {rfc3339(row.vervalt_at)}.")

    async def _cancel(self, reservation_id: str) -> Any:
        """Cancel if still reserved (a conditional UPDATE: a confirmation may win); the row."""
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.update(tables.reserveringen)
                                     .where(s.id == reservation_id, s.status == RESERVED)
                                     .values(status=CANCELLED))
            row = (await connection.execute(sa.select(tables.reserveringen)
                                            .where(s.id == reservation_id))).one()
            if row.status == CANCELLED:
                await holds.release_reservation(connection, row.id)
        return row

    async def cancel(self, bsn: str, reservation_id: str, now: int) -> None:
        """Cancel a reserved one (again, or a lapsed one: nothing to do); 409 once confirmed."""
        row = await self._row(bsn, reservation_id)
        if status_of(row, now) == RESERVED:
            row = await self._cancel(row.id)
        if row.status == CONFIRMED:
            raise Problem(409, "betalingsregeling/reservering-bevestigd",
                          "Deze reservering is al bevestigd; trek de betalingsregeling in "
                          "(DELETE /betalingsregelingen/{id}).")
