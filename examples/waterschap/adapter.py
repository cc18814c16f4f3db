"""The cooperative's adapter: collection-system bookings, mapped onto the claims document.

Belastingsamenwerking Polderland (fictional) collects taxes for several participants: the
water board Waterschap Polderdelta (watersysteemheffing, zuiveringsheffing) and the
municipality Gemeente Oostervaart (afvalstoffenheffing, rioolheffing). The cooperative is
the source (`bron`: its OIN signs the document); each case names its creditor
(`schuldeiser`), because one tax bill carries the lines of both participants.

`CollectionBackend` implements the reference source's `ClaimsBackend`. One claim of the
collection system (a bill's part of one participant) → one case, `zaakkenmerk` = the
claim id (`2026-770012-WPD`). Booking → event:

| booking (`vw_boekingen.soort`) | event                                                  |
|--------------------------------|--------------------------------------------------------|
| heffing / kosten               | `FinancieleVerplichtingOpgelegd` hoofdsom / kosten     |
| termijn                        | `BetalingsverplichtingOpgelegd` termijn (aanschrijving |
|                                | when the bill has one payment term)                    |
| herinnering / aanmaning        | `BetalingsverplichtingOpgelegd` herinnering / aanmaning |
| termijn_vervallen              | `BetalingsverplichtingIngetrokken` of its termijn      |
| betaling                       | `BetalingVerwerkt` (booked on the claim, not on a term) |
|                                | with `betaalwijze`; a `verrekening` names what it was   |
|                                | offset against (`verrekend_met`)                        |
| kwijtschelding                 | `FinancieleVerplichtingKwijtgescholden` of its heffing |
| `gepland = 1`                  | the same event, as `gepland` (held back by a pause)     |

Beside the ledger, per claim: the running legal remedy (`vw_vorderingen.rm_*`) becomes
`rechtsmiddel` with status `in_bezwaar` (in major 2 every stage is `in_bezwaar`; `stadium`
says bezwaar, beroep or hoger_beroep), and each garnishment in force (`vw_beslagen`)
becomes an item of `beslag`, with the protected income (`beslagvrije_voet`) the citizen
may ask the cooperative to check.

**Arrears.** This system books payments and remissions on the claim as a whole, not on
an instalment, so the reference source's rule (demand by demand) cannot see what was paid
against what. The adapter therefore passes the system's own view as `Case.achterstand`:
what fell due (overdue instalments and imposed costs) minus everything settled (payments
**and remissions**), bounded by 0 and the balance. Notices restate amounts already due
and add nothing.

**Arrangeable amount.** The cooperative arranges what is overdue, never the instalments
still to come, and only for a claim in the regular phase: `regelbaar_bedrag` is the
arrears there and 0 elsewhere (a remedy runs, or the bailiff collects). A claim with
nothing arrangeable does not offer `betalingsregeling` (`/document/acties-betekenis`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from examples.waterschap.collection_system import (
    Booking,
    Claim,
    CollectionSystem,
    Garnishment,
    Remedy,
)
from examples.waterschap.errors import CollectionSystemError
from reference_impl.common.db import Database
from reference_impl.source.backend import Case
from reference_impl.source.config import SourceConfig

T = TypeVar("T")
DATABASE_URL_ENV = "INVORDERING_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/polderland-invordering.db"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
EVENT_TIME = time(9, 0)  # bookings have dates only; events are dated 09:00 local time
LEVIES = ("heffing", "kosten")
PHASE_STATUS = {
    "regulier": "open",
    "bezwaar": "in_bezwaar",
    "dwanginvordering": "overgedragen_aan_deurwaarder",
}
PAYMENT_METHOD = {
    "bank": "overboeking", "incasso": "automatische_incasso",
    "verrekening": "verrekening", "beslag": "beslag",
}
REMEDY_STAGE = {"bezwaar": "bezwaar", "beroep": "beroep", "hoger_beroep": "hoger beroep"}
GARNISHMENT_CHECK = (
    "Is uw inkomen of uw woonsituatie veranderd? Vraag ons dan de beslagvrije voet opnieuw "
    "te berekenen."
)
PARTICIPANT = {
    "waterschap": ("ws_aanslag_belastingen", "Waterschapsbelastingen", "Waterschapswet"),
    "gemeente": ("gem_aanslag_belastingen", "Gemeentelijke belastingen", "Gemeentewet"),
}


def local_today() -> date:
    return datetime.now(TIMEZONE).date()


def at(day: date) -> str:
    return datetime.combine(day, EVENT_TIME, TIMEZONE).isoformat()


class CollectionBackend:
    """`ClaimsBackend` over the collection system's views."""

    def __init__(
        self, system: CollectionSystem, *, contact: dict[str, str],
        today: Callable[[], date] = local_today,
    ) -> None:
        self.system = system
        self.contact = dict(contact)
        self.today = today

    async def cases_for(self, bsn: str) -> list[Case]:
        claims, bookings, garnishments = await self.system.claims_and_bookings(bsn)
        today = self.today()
        return [self.case_of(claim, bookings[claim.vordering_id], today,
                             garnishments.get(claim.vordering_id, ()))
                for claim in claims]

    def case_of(
        self, claim: Claim, bookings: Sequence[Booking], today: date,
        garnishments: Sequence[Garnishment] = (),
    ) -> Case:
        vorderingtype, label, law = PARTICIPANT[claim.deelnemer_soort]
        facts = [b for b in bookings if not b.gepland]
        remedy = claim.rechtsmiddel
        # Major 2: a case against which any remedy runs is in_bezwaar, whatever the phase.
        status = "in_bezwaar" if remedy else PHASE_STATUS[claim.invorderingsfase]
        objection_open = today <= claim.bezwaar_tot and status != "in_bezwaar"
        arrears = self.arrears(facts, today)
        arrangeable = arrears if status == "open" else 0
        acties = ["betalen"]
        if arrangeable > 0:
            acties.append("betalingsregeling")
        if status == "open":
            acties.append("pauze")
        if objection_open:
            acties.append("bezwaar")
        return Case(
            zaakkenmerk=claim.vordering_id,
            omschrijving=f"{label} {claim.belastingjaar} (aanslagbiljet {claim.biljetnummer})",
            vorderingtype=vorderingtype,
            schuldeiser={"oin": claim.deelnemer_oin, "naam": claim.deelnemer_naam},
            looptijd="termijnen" if claim.aantal_termijnen > 1 else "eenmalig",
            grondslag={"omschrijving": f"{law}; belastingverordeningen {claim.belastingjaar} "
                                       f"van {claim.deelnemer_naam}"},
            contact=self.contact,
            gebeurtenissen=tuple(self.event(claim, b) for b in facts),
            gepland=tuple(self.event(claim, b) for b in bookings if b.gepland),
            bezwaar=self.objection(claim, remedy, objection_open),
            acties=tuple(acties),
            status=status,
            achterstand=arrears,
            regelbaar_bedrag=arrangeable,
            rechtsmiddel=None if remedy is None else self.remedy(remedy),
            beslag=tuple(self.garnishment(g) for g in garnishments),
        )

    @staticmethod
    def objection(claim: Claim, remedy: Remedy | None, objection_open: bool) -> dict[str, Any]:
        if objection_open:
            return {"mogelijk": True, "uiterlijk": claim.bezwaar_tot.isoformat()}
        if remedy is not None:
            return {"mogelijk": False,
                    "toelichting": f"Uw {REMEDY_STAGE[remedy.stadium]} loopt bij "
                                   f"{remedy.instantie}."}
        return {"mogelijk": False}

    @staticmethod
    def remedy(remedy: Remedy) -> dict[str, Any]:
        return {
            "stadium": remedy.stadium,
            "ingediend_op": remedy.ingediend_op.isoformat(),
            "uitstel_van_betaling": remedy.uitstel_van_betaling,
            "toelichting": f"Ingediend bij {remedy.instantie}",
        }

    @staticmethod
    def garnishment(garnishment: Garnishment) -> dict[str, Any]:
        item: dict[str, Any] = {"soort": garnishment.soort,
                                "gelegd_op": garnishment.gelegd_op.isoformat()}
        if garnishment.derde:
            item["derde"] = garnishment.derde
        if garnishment.beslagvrije_voet_cent is not None:
            item["beslagvrije_voet"] = garnishment.beslagvrije_voet_cent
            item["toelichting"] = GARNISHMENT_CHECK
        return item

    def arrears(self, facts: Sequence[Booking], today: date) -> int:
        """Fallen due minus settled (payments and remissions), within 0..saldo."""
        due = sum(b.bedrag_cent for b in facts if b.soort == "termijn"
                  and b.vervaldatum is not None and b.vervaldatum < today
                  and not self._withdrawn(b, facts))
        due += sum(b.bedrag_cent for b in facts if b.soort == "kosten")
        settled = sum(b.bedrag_cent for b in facts if b.soort in ("betaling", "kwijtschelding"))
        imposed = sum(b.bedrag_cent for b in facts if b.soort in LEVIES)
        return max(0, min(due - settled, imposed - settled))

    @staticmethod
    def _withdrawn(instalment: Booking, facts: Sequence[Booking]) -> bool:
        return any(b.soort == "termijn_vervallen" and b.tegenboeking == instalment.boeking_id
                   for b in facts)

    def event(self, claim: Claim, booking: Booking) -> dict[str, Any]:
        """One booking as a claims-document event (ids stable: claim id + booking id)."""
        def ref(boeking_id: str | None) -> str:
            return f"{claim.vordering_id}:{boeking_id}"

        common = {"gebeurtenis_id": ref(booking.boeking_id), "datumtijd": at(booking.boekdatum)}
        soort, amount = booking.soort, booking.bedrag_cent
        if soort in LEVIES:
            return {**common, "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
                    "bedrag": amount, "categorie": "hoofdsom" if soort == "heffing" else "kosten",
                    "omschrijving": booking.omschrijving}
        if soort in ("termijn", "herinnering", "aanmaning"):
            kind = soort
            if soort == "termijn" and claim.aantal_termijnen == 1:
                kind = "aanschrijving"
            return {**common, "gebeurtenistype": "BetalingsverplichtingOpgelegd",
                    "bedrag": amount,
                    "vervaldatum": _required(booking.vervaldatum, "vervaldatum").isoformat(),
                    "soort": kind, "betalingskenmerk": booking.kenmerk or claim.biljetnummer}
        if soort == "termijn_vervallen":
            return {**common, "gebeurtenistype": "BetalingsverplichtingIngetrokken",
                    "betalingsverplichting": ref(booking.tegenboeking),
                    "reden": booking.omschrijving or "Termijn vervallen"}
        if soort == "betaling":
            method = PAYMENT_METHOD[_required(booking.betaalwijze, "betaalwijze")]
            event = {**common, "gebeurtenistype": "BetalingVerwerkt", "bedrag": amount,
                     "betaalwijze": method}
            if method == "verrekening":  # what it was offset against (/document/verrekening)
                event["verrekend_met"] = booking.omschrijving or "Een teruggaaf aan u"
            return event | ({"betalingskenmerk": booking.kenmerk} if booking.kenmerk else {})
        if soort == "kwijtschelding":
            return {**common, "gebeurtenistype": "FinancieleVerplichtingKwijtgescholden",
                    "bedrag": amount, "financiele_verplichting": ref(booking.tegenboeking),
                    "reden": booking.omschrijving}
        raise CollectionSystemError(f"booking {ref(booking.boeking_id)}: unknown kind {soort!r}")


def _required(value: T | None, column: str) -> T:
    if value is None:
        raise CollectionSystemError(f"a booking without the {column} its kind needs")
    return value


def create_backend(config: SourceConfig, database: Database) -> CollectionBackend:
    """Factory for the source configuration:
    `backend: examples.waterschap.adapter:create_backend`.

    The collection system's database URL comes from `$INVORDERING_DATABASE_URL` (default:
    the test database `var/polderland-invordering.db` that `python -m examples.waterschap
    testdata` creates). `database` is the source's own database; not needed here.
    """
    del database
    url = os.environ.get(DATABASE_URL_ENV, DEFAULT_DATABASE_URL)
    return CollectionBackend(CollectionSystem(url), contact=config.contact)
