"""Concluding one arrangement across organisations: all or nothing (`/app/groep-alles-of-niets`).

`conclude(plan, journal)` takes a plan with a quote from every organisation (arrangement.py):

1. **Reserve** (sources offering the two-phase agreement, design §B.3): every quote is
   reserved concurrently under one `groep_id` with `groep_omvang` = the number of such
   sources. A reservation binds the cases but activates nothing; unconfirmed, it lapses by
   itself at `vervalt_op`. If any reservation fails, the others are cancelled: nothing
   was agreed anywhere.
2. **Confirm**: only when every reservation is `gereserveerd`, all are confirmed
   (concurrently; a confirmation without an answer is tried once more, then the
   reservation is read back to learn whether it was confirmed).
3. **Separate arrangements** (sources without reservations, e.g. 2.0 sources) are accepted
   one after another, after the group is confirmed.

If a confirmation or a separate acceptance fails, everything already active is withdrawn —
a confirmed group arrangement can be withdrawn until `groep.annuleerbaar_tot` whatever the
cooling-off period (`/betalingsregeling/groep-intrekbaar`), a separate one within its
cooling-off period — and the reservations still open are cancelled. So no arrangement is
active anywhere unless all are; the one gap left is a separate arrangement of a source
without reservations and without cooling-off, which the result names (`intrekken_mislukt`).

The journal (journal.py) is written before each step; `resume(journal, clients)` finishes
an agreement interrupted by a crash: undecided (`reserveren`) → cancel everything;
decided (`bevestigen`) → confirm and accept the rest; rolling back → finish the rollback.

Per organisation the result says: `aangegaan`, `mislukt` (code and reasons), `geannuleerd`
(its reservation was cancelled), `vervalt_vanzelf` (a reservation that could not be
cancelled: it lapses by itself), `ingetrokken`, `intrekken_mislukt` (still active: contact
the organisation), `onzeker` (no answer: ask whether it exists) or `niet_geprobeerd`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from typing import Any

from reference_impl.app import reservations
from reference_impl.app.arrangement import Part, Plan
from reference_impl.app.errors import AnswerError, AppError, Unreachable
from reference_impl.app.journal import CONFIRMING, RESERVING, UNDOING, Journal
from reference_impl.app.sources import SourceClient, fan_out

RESERVED, ACTIVE, CONFIRMED = "gereserveerd", "aangegaan", "bevestigd"
UNRESOLVED = ("onzeker", "intrekken_mislukt")  # what a later `resume` may still settle
HOLDING = (RESERVED, ACTIVE, *UNRESOLVED)  # a part in these may hold something to undo
PART_FIELDS = ("zaakkenmerken", "totaal", "termijnbedrag", "voorstel", "regeling", "status",
               "code", "rekenregel", "rente_basispunten", "in_groep", "sleutel", "reservering")


class PendingAgreement(AppError):
    """A new agreement while an interrupted one is still on the device."""


def _record(plan: Plan, phase: str) -> dict[str, Any]:
    return {"fase": phase, "groep_id": plan.groep_id, "maandbedrag": plan.maandbedrag,
            "organisaties": [{"oin": p.source.oin, **{f: getattr(p, f) for f in PART_FIELDS}}
                             for p in plan.parts]}


def _restore(record: dict[str, Any], clients: Sequence[SourceClient]) -> Plan:
    by_oin = {c.oin: c for c in clients}
    parts = []
    for entry in record["organisaties"]:
        source = by_oin.get(entry.get("oin"))
        if source is None:
            raise AppError(f"organisatie {entry.get('oin')} van de lopende regeling staat niet "
                           "meer in het stelsel: neem contact met haar op")
        parts.append(Part(source, **{f: entry[f] for f in PART_FIELDS if f in entry}))
    plan = Plan(int(record["maandbedrag"]), parts, status="voorgesteld")
    plan.groep_id = record.get("groep_id")
    return plan


async def conclude(plan: Plan, journal: Journal | None = None) -> Plan:
    """Agree the plan everywhere or nowhere (module docstring)."""
    if plan.status != "voorgesteld":
        raise AppError("alleen een plan met een voorstel van elke organisatie kan worden "
                       "afgesloten")
    journal = journal or Journal(None)
    if journal.load() is not None:
        raise PendingAgreement("er is nog een onderbroken regeling: maak die eerst af met "
                               "`vorderingen app regeling hervatten`")
    if plan.group:
        plan.groep_id = plan.groep_id or str(uuid.uuid4())
        journal.save(_record(plan, RESERVING))
        await _reserve(plan)
        failure = next((p for p in plan.group if p.status != RESERVED), None)
        if failure is not None:
            return await _undo(plan, journal, failure)
    journal.save(_record(plan, CONFIRMING))
    return await _forward(plan, journal)


async def resume(journal: Journal, clients: Sequence[SourceClient]) -> Plan | None:
    """Finish an interrupted agreement; None when there is none."""
    record = journal.load()
    if record is None:
        return None
    plan = _restore(record, clients)
    if record["fase"] == CONFIRMING:
        return await _forward(plan, journal)
    # A reservation whose answer the crash swallowed may exist: ask again with the same
    # Idempotency-Key (the same reservation, or a new one) and cancel what comes back.
    unknown = [p for p in plan.group if p.status == "voorgesteld"]
    outcomes = await fan_out([p.source for p in unknown],
                             lambda s: _replay_reservation(plan, _of(unknown, s)))
    for part, outcome in zip(unknown, outcomes, strict=True):
        if isinstance(outcome.error, Unreachable):
            part.failed("vervalt_vanzelf", outcome.error)
    return await _undo(plan, journal, None)


async def _replay_reservation(plan: Plan, part: Part) -> None:
    try:
        part.reservering = await reservations.reserve(
            part.source, part.voorstel["voorstel_id"], plan.groep_id, len(plan.group),
            part.sleutel)
    except AnswerError:
        return  # refused now (e.g. the quote expired): nothing was reserved
    part.status = RESERVED


async def _reserve(plan: Plan) -> None:
    size = len(plan.group)

    async def one(source: SourceClient) -> dict[str, Any]:
        part = _of(plan.group, source)
        return await reservations.reserve(source, part.voorstel["voorstel_id"], plan.groep_id,
                                          size, part.sleutel)

    outcomes = await fan_out([p.source for p in plan.group], one)
    for part, outcome in zip(plan.group, outcomes, strict=True):
        if outcome.error is None and outcome.value["status"] == RESERVED:
            part.reservering, part.status = outcome.value, RESERVED
        elif outcome.error is None:  # a replay of a reservation that lapsed meanwhile
            part.reservering = outcome.value
            part.status = "mislukt"
            part.code = f"betalingsregeling/reservering-{outcome.value['status']}"
        else:
            # No answer: a reservation may exist, but unconfirmed it lapses by itself.
            part.failed("vervalt_vanzelf" if isinstance(outcome.error, Unreachable)
                        else "mislukt", outcome.error)


async def _forward(plan: Plan, journal: Journal) -> Plan:
    waiting = [p for p in plan.group if p.status != ACTIVE]
    outcomes = await fan_out([p.source for p in waiting],
                             lambda s: _confirm(_of(waiting, s)))
    for part, outcome in zip(waiting, outcomes, strict=True):
        if outcome.error is not None:
            part.failed("onzeker" if isinstance(outcome.error, Unreachable) else "mislukt",
                        outcome.error)
    journal.save(_record(plan, CONFIRMING))
    failure = next((p for p in plan.group if p.status != ACTIVE), None)
    if failure is not None:
        return await _undo(plan, journal, failure)
    for part in plan.separate:
        if part.status == ACTIVE:
            continue
        try:
            part.regeling = await part.source.accept(part.voorstel["voorstel_id"], part.sleutel)
        except AppError as refused:
            part.failed("onzeker" if isinstance(refused, Unreachable) else "mislukt", refused)
            return await _undo(plan, journal, part)
        part.status = ACTIVE
        journal.save(_record(plan, CONFIRMING))
    plan.status = "afgesloten"
    plan.melding = "De betalingsregeling is bij elke organisatie afgesloten."
    journal.clear()
    return plan


async def _confirm(part: Part) -> None:
    """Confirm one reservation; without an answer, read it back to learn the outcome."""
    reservering_id = part.reservering["id"]
    try:
        part.regeling = await reservations.confirm(part.source, reservering_id)
    except Unreachable as lost:
        seen = await reservations.reservation(part.source, reservering_id)
        if seen["status"] != CONFIRMED:  # certainly not confirmed: a failure, not a doubt
            raise AnswerError(0, lost.code, f"niet bevestigd ({seen['status']}): "
                              f"{lost.detail}") from None
        part.regeling = {"id": seen["betalingsregeling_id"]}
    part.status = ACTIVE


async def _undo(plan: Plan, journal: Journal, failure: Part | None) -> Plan:
    """Withdraw what is active, cancel what is reserved; say what happened."""
    journal.save(_record(plan, UNDOING))
    # The failing part too, when it may exist after all (a group part can be read back).
    touched = [p for p in plan.parts if p.status in HOLDING]
    outcomes = await fan_out([p.source for p in touched], lambda s: _undo_part(_of(touched, s)))
    retry = False  # an undo that got no answer may still succeed later (`resume`)
    for part, outcome in zip(touched, outcomes, strict=True):
        if outcome.error is None:
            continue
        retry = retry or isinstance(outcome.error, Unreachable)
        if part.regeling is not None:
            part.failed("intrekken_mislukt", outcome.error)
        elif part.status == RESERVED:  # unconfirmed: it lapses by itself at vervalt_op
            part.failed("vervalt_vanzelf", outcome.error)
        else:
            part.failed("onzeker", outcome.error)
    if failure is not None and failure.status == "mislukt" and failure.reservering is not None:
        # Refused to confirm: free its cases now rather than at `vervalt_op` (best effort).
        with contextlib.suppress(AppError):
            await reservations.cancel(failure.source, failure.reservering["id"])
    for part in plan.parts:
        if part.status == "voorgesteld":
            part.status = "niet_geprobeerd"
    _say_undone(plan, failure)
    if retry and any(p.status in UNRESOLVED for p in plan.parts):
        journal.save(_record(plan, UNDOING))
        plan.melding += (" De app probeert het terugdraaien opnieuw met "
                         "`vorderingen app regeling hervatten`.")
    else:
        journal.clear()
    return plan


async def _undo_part(part: Part) -> None:
    source = part.source
    if part.in_groep and part.reservering is not None and part.status != ACTIVE:
        seen = await reservations.reservation(source, part.reservering["id"])
        if seen["status"] == CONFIRMED:
            part.regeling = {"id": seen["betalingsregeling_id"]}
        elif seen["status"] == RESERVED:
            await reservations.cancel(source, part.reservering["id"])
            part.status = "geannuleerd"
            return
        else:
            part.status = "geannuleerd"  # lapsed or cancelled already: nothing is held
            return
    # A separate acceptance without an answer stays `onzeker`: repeating it could create
    # an arrangement that a source without cooling-off cannot take back.
    if part.regeling is not None:
        await source.withdraw(part.regeling["id"])
        part.status = "ingetrokken"


def _say_undone(plan: Plan, failure: Part | None) -> None:
    stuck = [p for p in plan.parts if p.status == "intrekken_mislukt"]
    unsure = [p for p in plan.parts if p.status == "onzeker"]
    plan.status = "deels_actief" if stuck else "teruggedraaid"
    cause = (f"{failure.source.naam} kon de regeling niet aangaan"
             if failure is not None else "De regeling was onderbroken voordat alles vastlag")
    if stuck:
        plan.melding = (f"{cause}. Intrekken lukte niet bij "
                        + ", ".join(p.source.naam for p in stuck)
                        + ": neem contact op met die organisatie(s).")
    else:
        plan.melding = (f"{cause}; wat al was vastgelegd is teruggedraaid. Er loopt nu geen "
                        "nieuwe regeling.")
    if unsure:
        plan.melding += (" Van " + ", ".join(p.source.naam for p in unsure)
                         + " kwam geen antwoord: vraag daar na of er toch een regeling is "
                           "ontstaan.")


def _of(parts: Sequence[Part], source: SourceClient) -> Part:
    return next(p for p in parts if p.source is source)
