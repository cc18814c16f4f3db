"""Two-phase agreement across organisations (standard 2.2): reserve, confirm, cancel.

A reservation takes a quote as acceptance would (and uses it up), holds its cases for
`RESERVERING_GELDIGHEID_S` of the citizen's administrative time, and lapses by itself when
not confirmed by then (`Reservation.status` computes it: no job has to run). Confirming
makes the arrangement, which carries the group and can be withdrawn until the group's
`annuleerbaar_tot` whatever its cooling-off period. Writes run under the store's lock, so two
concurrent confirmations make one arrangement.
"""

from __future__ import annotations

import uuid
from typing import Any

from conformance.broken.acceptance import open_arrangement, take_quote
from conformance.broken.arrangements import view
from conformance.broken.errors import Problem
from conformance.broken.source import RESERVERING_GELDIGHEID_S, Source
from conformance.broken.store import (
    CANCELLED,
    CONFIRMED,
    LAPSED,
    RESERVED,
    IdempotentResult,
    Reservation,
    Session,
)


def _offered(source: Source) -> None:
    if "betalingsregelingen" not in source.diensten or not source.reserveringen:
        raise Problem(404, "algemeen/dienst-niet-aangeboden", "Reservations are not offered.")


def reservation_view(source: Source, reservation: Reservation) -> dict[str, Any]:
    state = reservation.status(source.admin_now(reservation.bsn),
                               lapses=source.reservations_lapse())
    body = {
        "id": reservation.id,
        "voorstel_id": reservation.quote_id,
        "groep_id": reservation.group_id,
        "groep_omvang": reservation.group_size,
        "zaakkenmerken": list(reservation.cases),
        "status": state,
        "gereserveerd_op": source.clock.iso(reservation.reserved_at),
        "vervalt_op": source.clock.iso(reservation.expires_at),
    }
    if state == CONFIRMED and reservation.arrangement_id is not None:
        body["betalingsregeling_id"] = reservation.arrangement_id
    return body


async def reserve(source: Source, session: Session, body: dict[str, Any],
                  key: str) -> tuple[dict[str, Any], bool]:
    """`POST /betalingsregelingen/reserveringen`: the `Reservering` and whether replayed."""
    _offered(source)
    store, bsn = source.store, session.bsn
    # One key space with acceptances, unless the flaw gives reservations one of their own.
    stored_as = f"reservering:{key}" if source.flaws.on("sleutels-per-operatie") else key
    async with store.lock:
        prior = store.idempotency.get((bsn, stored_as))
        if prior is not None:
            if prior.request != body or prior.operation != "reservering":
                raise Problem(422, "idempotentie/sleutel-hergebruikt",
                              "This Idempotency-Key was used with another body.")
            return prior.response, True
        now = source.admin_now(bsn)
        found = take_quote(source, bsn, body["voorstel_id"], now)
        reservation = Reservation(
            id=str(uuid.uuid4()), bsn=bsn, quote_id=found.id, group_id=body["groep_id"],
            group_size=body["groep_omvang"], cases=list(found.body["zaakkenmerken"]),
            reserved_at=now, expires_at=now + RESERVERING_GELDIGHEID_S,
        )
        store.reservations[reservation.id] = reservation
        found.reservation_id = reservation.id
        response = reservation_view(source, reservation)
        store.idempotency[(bsn, stored_as)] = IdempotentResult(body, response, "reservering")
        return response, False


def find(source: Source, session: Session, reservation_id: str) -> Reservation:
    """The citizen's reservation; another citizen's is answered exactly like an unknown one."""
    _offered(source)
    found = source.store.reservations.get(reservation_id)
    if found is None or found.bsn != session.bsn:
        raise Problem(404, "algemeen/niet-gevonden", "No such reservation.")
    return found


async def confirm(source: Source, session: Session,
                  reservation_id: str) -> tuple[dict[str, Any], bool]:
    """`POST …/{id}/bevestiging`: the arrangement, and whether it was made now (201) or
    earlier (200)."""
    async with source.store.lock:
        reservation = find(source, session, reservation_id)
        now = source.admin_now(reservation.bsn)
        state = reservation.status(now, lapses=source.reservations_lapse())
        if state == CONFIRMED and reservation.arrangement_id is not None:
            if source.flaws.on("bevestiging-niet-herhaalbaar"):  # a state machine without a loop
                raise Problem(409, "betalingsregeling/reservering-bevestigd",
                              "This reservation is already confirmed.")
            arrangement = source.store.arrangements[reservation.arrangement_id]
            return view(source, arrangement), False
        if state == LAPSED:
            raise Problem(409, "betalingsregeling/reservering-vervallen",
                          "The reservation lapsed before it was confirmed.")
        if state == CANCELLED and not source.flaws.on("geannuleerde-reservering-bevestigd"):
            raise Problem(409, "betalingsregeling/reservering-geannuleerd",
                          "The reservation was cancelled.")
        quote = source.store.quotes[reservation.quote_id]
        group = {"id": reservation.group_id, "omvang": reservation.group_size}
        arrangement = open_arrangement(source, quote, now, group)
        reservation.state, reservation.arrangement_id = CONFIRMED, arrangement.id
        return view(source, arrangement), True


def cancel(source: Source, session: Session, reservation_id: str) -> None:
    """`DELETE …/{id}`: a held reservation is cancelled (again: 204); a confirmed one is 409."""
    reservation = find(source, session, reservation_id)
    state = reservation.status(source.admin_now(reservation.bsn),
                               lapses=source.reservations_lapse())
    if state == CONFIRMED and not source.flaws.on("annuleren-na-bevestiging"):
        raise Problem(409, "betalingsregeling/reservering-bevestigd",
                      "The reservation is confirmed: withdraw the arrangement instead.")
    if state == RESERVED:
        reservation.state = CANCELLED
