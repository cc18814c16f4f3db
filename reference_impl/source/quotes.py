"""Quotes for a payment arrangement (`POST /betalingsregelingen/voorstellen`).

A quote names every reason a chosen case cannot be arranged (all, not just the first),
then the schedule by the asked calculation rule (schedule.py). Under rule 2.2 a case
brings its `regelbaar_bedrag` (else its saldo); a case with nothing arrangeable is refused
`zaak-afgelost` with `detail: niets-regelbaar` (the 2.0 reason enum stays closed). A quote
with `vervangt` (an amendment, [/betalingsregeling/wijziging]) may and must include every
case of that active arrangement.

The quote row keeps what it was based on (`saldi`: per case its saldo and arrangeable
amount), so acceptance and reservation can refuse it once a case changed.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa

from reference_impl.common.db import Database
from reference_impl.common.problems import Problem
from reference_impl.source import holds, tables
from reference_impl.source.clock import local_date, rfc3339
from reference_impl.source.limits import ArrangementLimits
from reference_impl.source.overview import CaseView
from reference_impl.source.schedule import RULE_2_2, schedule, schedule_2_2

NOT_POSSIBLE = "betalingsregeling/niet-mogelijk"
UNKNOWN_ARRANGEMENT = "betalingsregeling/regeling-onbekend"
CASE_REASONS = {
    "in_bezwaar": ("zaak-in-bezwaar", "Over deze zaak loopt een bezwaar."),
    "overgedragen_aan_deurwaarder": (
        "zaak-overgedragen", "Deze zaak is overgedragen aan een gerechtsdeurwaarder."),
}


def regelbaar(view: CaseView) -> int:
    """The arrangeable part of the case's saldo (the whole saldo when not given)."""
    given = view.wire.get("regelbaar_bedrag")
    if given is None:
        given = getattr(view.case, "regelbaar_bedrag", None)
    saldo = max(view.saldo, 0)
    return saldo if given is None else min(max(given, 0), saldo)


def amounts(view: CaseView) -> dict[str, int]:
    return {"saldo": view.saldo, "regelbaar": regelbaar(view)}


def stored_amounts(value: Any) -> dict[str, Any]:
    """`saldi` of a quote row: `{saldo, regelbaar}` per case (a 2.0 row: the saldo only)."""
    return value if isinstance(value, dict) else {"saldo": value, "regelbaar": None}


def case_reasons(requested: list[str], views: dict[str, CaseView], held: set[str],
                 rule: str = "2.0") -> list[dict[str, str]]:
    """Every reason a chosen case cannot be in a new arrangement (all, not just the first)."""
    reasons = []
    for zaakkenmerk in requested:
        view = views.get(zaakkenmerk)
        if view is None:
            reasons.append(_reason("zaak-onbekend", "Deze zaak is niet bekend.", zaakkenmerk))
        elif view.saldo <= 0:
            reasons.append(_reason("zaak-afgelost", "Deze zaak is al betaald.", zaakkenmerk))
        elif rule == RULE_2_2 and regelbaar(view) <= 0:
            reasons.append(_reason(
                "zaak-afgelost", "Van deze zaak kan niets in een betalingsregeling: wat openstaat "
                "wordt al in termijnen of als lopende lening betaald.", zaakkenmerk)
                | {"detail": "niets-regelbaar"})
        elif zaakkenmerk in held:
            reasons.append(_reason(
                "zaak-al-in-regeling", "Voor deze zaak loopt al een betalingsregeling.",
                zaakkenmerk))
        elif getattr(view.case, "schuldregeling", None):
            # The closed 2.0 reasons have none for a debt scheme: its administrator now
            # handles the case, which is what `zaak-overgedragen` tells the app.
            reasons.append(_reason(
                "zaak-overgedragen", "Deze zaak valt onder een schuldregeling; de "
                "schuldhulpverlener of bewindvoerder regelt de betaling.", zaakkenmerk))
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


def unknown_arrangement() -> Problem:
    return Problem(422, UNKNOWN_ARRANGEMENT, "Er is geen lopende betalingsregeling van u met "
                   "deze id om te wijzigen.")


async def replaced_cases(database: Database, bsn: str, arrangement_id: str) -> list[str]:
    """The cases of the citizen's active arrangement `arrangement_id` (422 when none)."""
    r = tables.betalingsregelingen.c
    async with database.engine.connect() as connection:
        body = await connection.scalar(sa.select(r.body).where(
            r.id == arrangement_id, r.bsn == bsn, r.status == "actief"))
    if body is None:
        raise unknown_arrangement()
    return list(body["zaakkenmerken"])


async def make_quote(database: Database, limits: ArrangementLimits, bsn: str,
                     body: dict[str, Any], views: dict[str, CaseView], now: int
                     ) -> dict[str, Any]:
    """Check, compute and store a quote (`views` settled: see Arrangements.context)."""
    requested = list(body["zaakkenmerken"])
    termijnbedrag, aantal = body.get("termijnbedrag"), body.get("aantal_termijnen")
    rule, vervangt = body.get("rekenregel", "2.0"), body.get("vervangt")
    replaced = await replaced_cases(database, bsn, vervangt) if vervangt else []
    async with database.engine.connect() as connection:
        taken = await holds.held(connection, bsn, now, except_arrangement=vervangt)
    reasons = case_reasons(requested, views, taken, rule)
    reasons += [_reason("zaak-al-in-regeling", "Een wijziging van een betalingsregeling bevat "
                        "al haar zaken; voeg deze zaak toe.", k)
                for k in replaced if k not in requested]
    refused = {r.get("zaakkenmerk") for r in reasons}
    chosen = [k for k in requested if k not in refused]
    total = sum(regelbaar(views[k]) if rule == RULE_2_2 else views[k].saldo for k in chosen)
    reasons += amount_reasons(total, limits, termijnbedrag=termijnbedrag, aantal=aantal)
    if reasons:
        raise Problem(422, NOT_POSSIBLE, "Voor deze zaken kan geen betalingsregeling "
                      "worden voorgesteld.", extensions={"redenen": reasons})
    today = local_date(now)
    plan = (schedule_2_2(total, today, vervaldag=limits.vervaldag,
                         lead_days=limits.minimale_aanlooptijd_dagen,
                         basispunten=limits.rente_basispunten,
                         termijnbedrag=termijnbedrag, aantal=aantal)
            if rule == RULE_2_2 else
            schedule(total, today, termijnbedrag=termijnbedrag, aantal=aantal))
    quote = {
        "voorstel_id": str(uuid.uuid4()),
        "verloopt_op": rfc3339(now + limits.voorstel_geldigheid_s),
        "zaakkenmerken": requested,
        **plan.members(),
    }
    if vervangt:
        quote["vervangt"] = vervangt
    async with database.engine.begin() as connection:
        await connection.execute(sa.insert(tables.voorstellen).values(
            id=quote["voorstel_id"], bsn=bsn, created_at=now,
            expires_at=now + limits.voorstel_geldigheid_s, body=quote,
            saldi={k: amounts(views[k]) for k in requested},
        ))
    return quote


async def quote_row(database: Database, bsn: str, quote_id: str) -> Any:
    """The citizen's stored quote (another citizen's or unknown: 422 voorstel-onbekend)."""
    v = tables.voorstellen.c
    async with database.engine.connect() as connection:
        row = (await connection.execute(
            sa.select(tables.voorstellen).where(v.id == quote_id, v.bsn == bsn))).first()
    if row is None:
        raise Problem(422, "betalingsregeling/voorstel-onbekend",
                      "Er is geen voorstel met dit voorstel_id.")
    return row


async def quote_used(database: Database, quote_id: str) -> bool:
    """True once an arrangement or a reservation was made from the quote."""
    r, s = tables.betalingsregelingen.c, tables.reserveringen.c
    async with database.engine.connect() as connection:
        found = (await connection.scalar(sa.select(r.id).where(r.voorstel_id == quote_id))
                 or await connection.scalar(sa.select(s.id).where(s.voorstel_id == quote_id)))
    return found is not None


class QuoteTaken(Exception):
    """The quote was taken, or a case of it changed, perhaps by a concurrent twin of this
    very request: the caller answers as after a conflict (`conflict_answer`), with
    `changed` as the answer when no earlier request explains it."""

    def __init__(self, quote_id: str, changed: Problem | None = None) -> None:
        super().__init__(quote_id)
        self.quote_id = quote_id
        self.changed = changed


async def quote_to_take(database: Database, bsn: str, quote_id: str,
                        views_for: Callable[[], Awaitable[dict[str, CaseView]]],
                        now: int) -> Any:
    """The citizen's quote, still to be taken (by an arrangement or a reservation): 422 when
    unknown, 409 `voorstel-verlopen` when expired, `QuoteTaken` when used or changed.
    `views_for` gives the cases as they are now; it runs only once the quote is unused."""
    quote = await quote_row(database, bsn, quote_id)
    if await quote_used(database, quote.id):
        raise QuoteTaken(quote.id)
    try:
        await check_quote(database, bsn, quote, await views_for(), now)
    except Problem as changed:
        if changed.code == "betalingsregeling/voorstel-verlopen":
            raise
        raise QuoteTaken(quote.id, changed) from None
    return quote


async def keyed_row(database: Database, table: sa.Table, bsn: str, key: str,
                    digest: str) -> Any:
    """The row (of an arrangement or a reservation) the citizen's Idempotency-Key made, or
    None; 422 `idempotentie/sleutel-hergebruikt` when the key came with another body, or
    was used for the other operation: one key space for acceptances and reservations
    [/betalingsregeling/reservering]."""
    c = table.c
    other = (tables.reserveringen if table is tables.betalingsregelingen
             else tables.betalingsregelingen)
    o = other.c
    used_elsewhere = sa.select(o.id).where(o.bsn == bsn, o.idempotency_key == key)
    if other is tables.betalingsregelingen:
        # a confirmed reservation's arrangement carries a key of the source's own making
        used_elsewhere = used_elsewhere.where(o.reservering_id.is_(None))
    async with database.engine.connect() as connection:
        row = (await connection.execute(sa.select(table).where(
            c.bsn == bsn, c.idempotency_key == key))).first()
        reused = row is None and (await connection.execute(used_elsewhere)).first() is not None
    if reused or (row is not None and row.request_hash != digest):
        raise Problem(422, "idempotentie/sleutel-hergebruikt",
                      "Deze Idempotency-Key is al gebruikt voor een ander verzoek.")
    return row


async def conflict_answer(database: Database, quote_id: str, earlier: dict[str, Any] | None,
                          otherwise: Problem | None = None) -> tuple[dict[str, Any], bool]:
    """The answer once another request got there first: a replay of it when it had this key
    and body (`earlier`), else `voorstel-gebruikt` when it took this quote, else
    `otherwise` (by default `zaak-gewijzigd`)."""
    if earlier is not None:
        return earlier, True
    if await quote_used(database, quote_id):
        raise Problem(409, "betalingsregeling/voorstel-gebruikt", "Dit voorstel is al gebruikt.")
    raise otherwise or Problem(
        409, "betalingsregeling/zaak-gewijzigd",
        "Een zaak is gewijzigd sinds het voorstel. Vraag een nieuw voorstel aan.")


async def check_quote(database: Database, bsn: str, quote: Any, views: dict[str, CaseView],
                      now: int) -> None:
    """409 `voorstel-verlopen` or `zaak-gewijzigd` when the quote can no longer be taken."""
    if quote.expires_at < now:
        raise Problem(409, "betalingsregeling/voorstel-verlopen",
                      "Dit voorstel is verlopen. Vraag een nieuw voorstel aan.")
    changed = Problem(409, "betalingsregeling/zaak-gewijzigd",
                      "Een zaak is gewijzigd sinds het voorstel. Vraag een nieuw voorstel aan.")
    vervangt = quote.body.get("vervangt")
    if vervangt:
        try:
            await replaced_cases(database, bsn, vervangt)
        except Problem:
            raise changed from None
    requested = quote.body["zaakkenmerken"]
    async with database.engine.connect() as connection:
        taken = await holds.held(connection, bsn, now, except_arrangement=vervangt)
    for reason in case_reasons(requested, views, taken, quote.body.get("rekenregel", "2.0")):
        raise Problem(409, changed.code, f"Zaak {reason['zaakkenmerk']} is gewijzigd sinds het "
                      "voorstel. Vraag een nieuw voorstel aan.")
    for zaakkenmerk in requested:
        then = stored_amounts(quote.saldi[zaakkenmerk])
        now_amounts = amounts(views[zaakkenmerk])
        if then["saldo"] != now_amounts["saldo"] or then["regelbaar"] not in (
                None, now_amounts["regelbaar"]):
            raise Problem(409, changed.code, f"Het saldo van zaak {zaakkenmerk} is gewijzigd "
                          "sinds het voorstel. Vraag een nieuw voorstel aan.")
