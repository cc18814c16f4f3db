"""Payment arrangements: quotes, acceptance, withdrawal (spec/interface.md, "Arrangements").

Schedule rule (fixed, so anyone can recompute it): instalment k is due on the first day of
the k-th month after the quote date. By monthly amount m: n = ceil(total / m), instalments
1…n−1 are m, the last is total − m·(n−1). By number n: m = ceil(total / n), then as before.

Acceptance is safe under concurrency and retries because the database decides: the
arrangement row has a unique `voorstel_id` and a unique (bsn, Idempotency-Key), and each
case of an active arrangement holds a row in `regeling_zaken` keyed by (bsn, zaakkenmerk).
Whatever loses the race gets an IntegrityError, and the loser's answer is then read from
what the winner stored (a replay, `voorstel-gebruikt` or `zaak-gewijzigd`).
"""

from __future__ import annotations

import hashlib
import math
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import rfc8785
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from reference_impl.common.db import Database
from reference_impl.common.problems import Problem
from reference_impl.source import tables
from reference_impl.source.clock import add_days, first_of_month_after, local_date, rfc3339
from reference_impl.source.config import ArrangementLimits
from reference_impl.source.overview import CaseView, Overview

NOT_POSSIBLE = "betalingsregeling/niet-mogelijk"
CASE_REASONS = {
    "in_bezwaar": ("zaak-in-bezwaar", "Over deze zaak loopt een bezwaar."),
    "overgedragen_aan_deurwaarder": (
        "zaak-overgedragen", "Deze zaak is overgedragen aan een gerechtsdeurwaarder."),
}


@dataclass(frozen=True)
class Schedule:
    totaalbedrag: int
    termijnbedrag: int
    aantal_termijnen: int
    termijnen: list[dict[str, Any]]


def schedule(
    total: int, quote_day: date, *, termijnbedrag: int | None = None, aantal: int | None = None
) -> Schedule:
    """The instalments of `total` by monthly amount or by number (exactly one given)."""
    if (termijnbedrag is None) == (aantal is None) or total <= 0:
        raise ValueError("give total > 0 and exactly one of termijnbedrag and aantal")
    m = termijnbedrag if termijnbedrag is not None else math.ceil(total / aantal)  # type: ignore[operator]
    n = math.ceil(total / m)
    amounts = [m] * (n - 1) + [total - m * (n - 1)]
    termijnen = [
        {"volgnummer": k, "vervaldatum": first_of_month_after(quote_day, k).isoformat(),
         "bedrag": amount}
        for k, amount in enumerate(amounts, start=1)
    ]
    return Schedule(total, m, n, termijnen)


def case_reasons(requested: list[str], views: dict[str, CaseView], active: set[str]) -> list[dict]:
    """Every reason a chosen case cannot be in a new arrangement (all, not just the first)."""
    reasons = []
    for zaakkenmerk in requested:
        view = views.get(zaakkenmerk)
        if view is None:
            reasons.append(_reason("zaak-onbekend", "Deze zaak is niet bekend.", zaakkenmerk))
        elif view.saldo <= 0:
            reasons.append(_reason("zaak-afgelost", "Deze zaak is al betaald.", zaakkenmerk))
        elif zaakkenmerk in active:
            reasons.append(_reason(
                "zaak-al-in-regeling", "Voor deze zaak loopt al een betalingsregeling.",
                zaakkenmerk))
        elif view.case.status in CASE_REASONS:
            code, text = CASE_REASONS[view.case.status]
            reasons.append(_reason(code, text, zaakkenmerk))
    return reasons


def _reason(code: str, toelichting: str, zaakkenmerk: str | None = None) -> dict[str, str]:
    reason = {"code": code, "toelichting": toelichting}
    if zaakkenmerk is not None:
        reason["zaakkenmerk"] = zaakkenmerk
    return reason


def amount_reasons(
    total: int, limits: ArrangementLimits, *, termijnbedrag: int | None, aantal: int | None
) -> list[dict[str, str]]:
    reasons = []
    if aantal is not None and aantal > limits.maximum_aantal_termijnen:
        reasons.append(_reason("te-veel-termijnen",
                               f"Het maximum is {limits.maximum_aantal_termijnen} termijnen."))
    if total > 0:
        m = termijnbedrag if termijnbedrag is not None else math.ceil(total / aantal)  # type: ignore[operator]
        n = math.ceil(total / m)
        if n > 1 and m < limits.minimum_termijnbedrag:
            reasons.append(_reason(
                "termijnbedrag-te-laag",
                f"Het termijnbedrag is minimaal {limits.minimum_termijnbedrag} eurocent."))
        if aantal is None and n > limits.maximum_aantal_termijnen:
            reasons.append(_reason("te-veel-termijnen",
                                   f"Het maximum is {limits.maximum_aantal_termijnen} termijnen."))
    return reasons


def request_hash(body: Any) -> str:
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


class Arrangements:
    """The arrangement operations of one source."""

    def __init__(self, limits: ArrangementLimits, database: Database, overview: Overview) -> None:
        self.limits = limits
        self.database = database
        self.overview = overview

    async def _views(self, bsn: str, now: float) -> tuple[dict[str, CaseView], set[str]]:
        views = {v.zaakkenmerk: v for v in await self.overview.case_views(bsn, now)}
        active = {k for k, v in views.items() if "betalingsregeling" in v.wire}
        return views, active

    async def quote(self, bsn: str, body: dict[str, Any], now: int) -> dict[str, Any]:
        requested = list(body["zaakkenmerken"])
        termijnbedrag, aantal = body.get("termijnbedrag"), body.get("aantal_termijnen")
        views, active = await self._views(bsn, now)
        reasons = case_reasons(requested, views, active)
        eligible = {r.get("zaakkenmerk") for r in reasons}
        total = sum(views[k].saldo for k in requested if k not in eligible)
        reasons += amount_reasons(total, self.limits, termijnbedrag=termijnbedrag, aantal=aantal)
        if reasons:
            raise Problem(422, NOT_POSSIBLE, "Voor deze zaken kan geen betalingsregeling "
                          "worden voorgesteld.", extensions={"redenen": reasons})
        plan = schedule(total, local_date(now), termijnbedrag=termijnbedrag, aantal=aantal)
        quote = {
            "voorstel_id": str(uuid.uuid4()),
            "verloopt_op": rfc3339(now + self.limits.voorstel_geldigheid_s),
            "zaakkenmerken": requested,
            "totaalbedrag": plan.totaalbedrag,
            "termijnbedrag": plan.termijnbedrag,
            "aantal_termijnen": plan.aantal_termijnen,
            "termijnen": plan.termijnen,
        }
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.insert(tables.voorstellen).values(
                id=quote["voorstel_id"], bsn=bsn, created_at=now,
                expires_at=now + self.limits.voorstel_geldigheid_s, body=quote,
                saldi={k: views[k].saldo for k in requested},
            ))
        return quote

    async def accept(
        self, bsn: str, key: str, body: dict[str, Any], now: int
    ) -> tuple[dict[str, Any], bool]:
        """The arrangement and whether this answer is a replay of an earlier request."""
        digest = request_hash(body)
        earlier = await self._by_key(bsn, key, digest)
        if earlier is not None:
            return earlier, True
        quote = await self._quote(bsn, body["voorstel_id"])
        if await self._quote_used(quote.id):  # perhaps by a concurrent twin of this request
            return await self._after_conflict(bsn, key, digest, quote.id)
        if quote.expires_at < now:
            raise Problem(409, "betalingsregeling/voorstel-verlopen",
                          "Dit voorstel is verlopen. Vraag een nieuw voorstel aan.")
        try:
            await self._check_unchanged(bsn, quote.body["zaakkenmerken"], quote.saldi, now)
        except Problem as changed:
            # A concurrent request may have just accepted this very quote.
            return await self._after_conflict(bsn, key, digest, quote.id, changed)
        arrangement_id = str(uuid.uuid4())
        bedenktijd_tot = add_days(now, self.limits.bedenktijd_dagen)
        created = _render(arrangement_id, "actief", quote.body, now, bedenktijd_tot, None)
        try:
            async with self.database.engine.begin() as connection:
                await connection.execute(sa.insert(tables.betalingsregelingen).values(
                    id=arrangement_id, bsn=bsn, voorstel_id=quote.id, idempotency_key=key,
                    request_hash=digest, status="actief", body=quote.body, aangegaan_at=now,
                    bedenktijd_tot_at=bedenktijd_tot, ingetrokken_at=None,
                ))
                await connection.execute(sa.insert(tables.regeling_zaken), [
                    {"bsn": bsn, "zaakkenmerk": k, "betalingsregeling_id": arrangement_id}
                    for k in quote.body["zaakkenmerken"]
                ])
        except IntegrityError:
            return await self._after_conflict(bsn, key, digest, quote.id)
        return created, False

    async def _after_conflict(
        self, bsn: str, key: str, digest: str, quote_id: str, otherwise: Problem | None = None
    ) -> tuple[dict[str, Any], bool]:
        """The answer once another request got there first: a replay of it when it had this
        key and body, else `voorstel-gebruikt` when it took this quote, else `otherwise`."""
        earlier = await self._by_key(bsn, key, digest)
        if earlier is not None:
            return earlier, True
        if await self._quote_used(quote_id):
            raise Problem(409, "betalingsregeling/voorstel-gebruikt",
                          "Dit voorstel is al geaccepteerd.")
        raise otherwise or Problem(
            409, "betalingsregeling/zaak-gewijzigd",
            "Een zaak is gewijzigd sinds het voorstel. Vraag een nieuw voorstel aan.")

    async def _by_key(self, bsn: str, key: str, digest: str) -> dict[str, Any] | None:
        r = tables.betalingsregelingen.c
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(
                sa.select(tables.betalingsregelingen).where(r.bsn == bsn, r.idempotency_key == key)
            )).first()
        if row is None:
            return None
        if row.request_hash != digest:
            raise Problem(422, "idempotentie/sleutel-hergebruikt",
                          "Deze Idempotency-Key is al gebruikt voor een ander verzoek.")
        # The same answer as the first time: the arrangement as it was created.
        return _render(row.id, "actief", row.body, row.aangegaan_at, row.bedenktijd_tot_at, None)

    async def _quote(self, bsn: str, quote_id: str) -> Any:
        v = tables.voorstellen.c
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(
                sa.select(tables.voorstellen).where(v.id == quote_id, v.bsn == bsn)
            )).first()
        if row is None:
            raise Problem(422, "betalingsregeling/voorstel-onbekend",
                          "Er is geen voorstel met dit voorstel_id.")
        return row

    async def _quote_used(self, quote_id: str) -> bool:
        r = tables.betalingsregelingen.c
        async with self.database.engine.connect() as connection:
            found = await connection.scalar(sa.select(r.id).where(r.voorstel_id == quote_id))
        return found is not None

    async def _check_unchanged(
        self, bsn: str, requested: list[str], saldi: dict[str, int], now: int
    ) -> None:
        views, active = await self._views(bsn, now)
        for reason in case_reasons(requested, views, active):
            raise Problem(409, "betalingsregeling/zaak-gewijzigd",
                          f"Zaak {reason['zaakkenmerk']} is gewijzigd sinds het voorstel. "
                          "Vraag een nieuw voorstel aan.")
        for zaakkenmerk in requested:
            if views[zaakkenmerk].saldo != saldi[zaakkenmerk]:
                raise Problem(409, "betalingsregeling/zaak-gewijzigd",
                              f"Het saldo van zaak {zaakkenmerk} is gewijzigd sinds het "
                              "voorstel. Vraag een nieuw voorstel aan.")

    async def list(self, bsn: str) -> list[dict[str, Any]]:
        r = tables.betalingsregelingen.c
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(
                sa.select(tables.betalingsregelingen).where(r.bsn == bsn)
                .order_by(r.aangegaan_at, r.id)
            )).all()
        return [_render_row(row) for row in rows]

    async def get(self, bsn: str, arrangement_id: str) -> dict[str, Any]:
        return _render_row(await self._row(bsn, arrangement_id))

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

    async def withdraw(self, bsn: str, arrangement_id: str, now: int) -> None:
        """Withdraw within the cooling-off period; a second withdrawal is a no-op."""
        row = await self._row(bsn, arrangement_id)
        if row.status == "ingetrokken":
            return
        if now > row.bedenktijd_tot_at:
            raise Problem(409, "betalingsregeling/bedenktijd-verstreken",
                          f"De bedenktijd is verstreken op {rfc3339(row.bedenktijd_tot_at)}.")
        r = tables.betalingsregelingen.c
        async with self.database.engine.begin() as connection:
            await connection.execute(
                sa.update(tables.betalingsregelingen)
                .where(r.id == arrangement_id, r.status == "actief")
                .values(status="ingetrokken", ingetrokken_at=now)
            )
            await connection.execute(sa.delete(tables.regeling_zaken).where(
                tables.regeling_zaken.c.betalingsregeling_id == arrangement_id))


def _render_row(row: Any) -> dict[str, Any]:
    return _render(row.id, row.status, row.body, row.aangegaan_at, row.bedenktijd_tot_at,
                   row.ingetrokken_at)


def _render(
    arrangement_id: str, status: str, quote: dict[str, Any], aangegaan_at: int,
    bedenktijd_tot_at: int, ingetrokken_at: int | None,
) -> dict[str, Any]:
    rendered = {
        "id": arrangement_id,
        "status": status,
        "zaakkenmerken": quote["zaakkenmerken"],
        "totaalbedrag": quote["totaalbedrag"],
        "termijnbedrag": quote["termijnbedrag"],
        "aantal_termijnen": quote["aantal_termijnen"],
        "termijnen": quote["termijnen"],
        "aangegaan_op": rfc3339(aangegaan_at),
        "bedenktijd_tot": rfc3339(bedenktijd_tot_at),
    }
    if ingetrokken_at is not None:
        rendered["ingetrokken_op"] = rfc3339(ingetrokken_at)
    return rendered
