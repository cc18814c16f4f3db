"""Taking a quote up: the checks acceptance and a reservation share, and making the
arrangement (an amendment ends the one it replaces in the same step).

Callers hold the store's lock, so a check-then-act here is atomic.
"""

from __future__ import annotations

import uuid
from typing import Any

from conformance.broken.errors import Problem
from conformance.broken.source import RESERVERING_GELDIGHEID_S, Source
from conformance.broken.store import Arrangement, Quote
from conformance.broken.testklok import citizen_clock

SECONDS_PER_DAY = 86400


def take_quote(source: Source, bsn: str, voorstel_id: str, now: float, *,
               checked: bool = True) -> Quote:
    """The citizen's quote, still valid at `now` (for acceptance or a reservation); the
    problem of acceptance otherwise."""
    found = source.store.quotes.get(voorstel_id)
    owner_checked = not source.flaws.on("andermans-voorstel-geaccepteerd")
    if found is None or (found.bsn != bsn and owner_checked):
        raise Problem(422, "betalingsregeling/voorstel-onbekend", "No such quote.")
    if now > found.expires and not source.flaws.on("voorstel-verloopt-niet"):
        raise Problem(409, "betalingsregeling/voorstel-verlopen", "The quote has expired.")
    if checked:
        _check_still_valid(source, found)
    return found


def open_arrangement(source: Source, found: Quote, now: float,
                     group: dict[str, Any] | None = None) -> Arrangement:
    """Make the quote an active arrangement; an amendment ends the one it replaces in the
    same step (`beeindigd`, reden gewijzigd, `vervangen_door`)."""
    arrangement = Arrangement(
        id=str(uuid.uuid4()), bsn=found.bsn, quote_id=found.id,
        body={k: v for k, v in found.body.items() if k not in ("voorstel_id", "verloopt_op")},
        accepted_at=now, cooling_off_until=now + source.bedenktijd_dagen * SECONDS_PER_DAY,
    )
    if group is not None:
        arrangement.group = {**group, "bevestigd_op": source.clock.iso(now),
                             "annuleerbaar_tot": source.clock.iso(now + RESERVERING_GELDIGHEID_S)}
        arrangement.withdrawable_until = now + RESERVERING_GELDIGHEID_S
        if source.flaws.on("groep-zonder-annuleerbaar-tot"):  # the group window forgotten
            arrangement.group["annuleerbaar_tot"] = arrangement.group["bevestigd_op"]
            arrangement.withdrawable_until = now
    old = source.store.arrangements.get(found.replaces or "")
    if old is not None and source.store.is_active(old) \
            and not source.flaws.on("oude-regeling-blijft-actief"):
        old.ending = {"reden": "gewijzigd", "datum": citizen_clock(source, old.bsn).today()
                      .isoformat()}
        old.replaced_by = arrangement.id
    source.store.arrangements[arrangement.id] = arrangement
    found.arrangement_id = arrangement.id
    return arrangement


def _check_still_valid(source: Source, found: Quote) -> None:
    if found.used:
        raise Problem(409, "betalingsregeling/voorstel-gebruikt", "The quote was accepted.")
    for zaakkenmerk, saldo in found.saldi.items():
        case = source.case(found.bsn, zaakkenmerk)
        if (source.quote_refusal(found.bsn, zaakkenmerk, found.replaces) is not None
                or case is None or case["saldo"] != saldo):
            raise Problem(409, "betalingsregeling/zaak-gewijzigd",
                          f"Case {zaakkenmerk} changed since the quote.")
