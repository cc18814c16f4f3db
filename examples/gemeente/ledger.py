"""One assessment of the export as the events of its case (its ledger), and what of it a
payment arrangement can take.

| export row                             | event(s) in the claims document                      |
|----------------------------------------|------------------------------------------------------|
| aanslagregel (OZB, afval, riool, ...)  | `FinancieleVerplichtingOpgelegd`, categorie          |
|                                        | `hoofdsom` (`kosten` for a `*_KOSTEN` line); on a    |
|                                        | combined assessment with its `schuldeiser`           |
| termijn                                | `BetalingsverplichtingOpgelegd`, soort `termijn`     |
|                                        | (`aanschrijving` when paid in one go)                |
| termijn with `ingetrokken_op`          | ... plus `BetalingsverplichtingIngetrokken`          |
| betaling (incasso, overboeking)        | `BetalingVerwerkt` with `betaalwijze`, referring to  |
|                                        | its termijn unless it was reversed in full           |
| betaling storno / terugbetaling        | a counter-entry: `FinancieleVerplichtingOpgelegd`    |
| (negative, `tegenboeking_van`)         | hoofdsom with `tegenboeking_van` + `_soort`          |
| kwijtschelding (of one line)           | `FinancieleVerplichtingKwijtgescholden` of that line |
|                                        | (with the line's `schuldeiser`)                      |
| invorderingsmaatregel `uitgevoerd`     | costs (`kosten`) + `BetalingsverplichtingOpgelegd`   |
|                                        | soort `herinnering`/`aanmaning`                      |
| invorderingsmaatregel `gepland`        | the same, as `gepland`: the source imposes it on its |
|                                        | date unless a pause covers that day                  |

**Reversals.** Major 2 has no negative payment: a direct debit the bank reversed (storno)
or money paid back (terugbetaling) is a counter-entry, a debit that makes the amount owed
again (spec/rules/document.md, `/document/tegenboeking`). A payment reversed in full pays
no instalment any more, so it no longer refers to one (`betalingsverplichting`): then every
reader, one of 2.0 included, counts that instalment as unpaid — the arrears are right. Its
`betalingskenmerk` still tells a person which instalment it was for.

**Creditors.** Lindeoord collects the water board's taxes on its own assessment. On such a
combined assessment every imposed line names its creditor (`schuldeiser`): the lines of
the body the export names, the costs of a reminder or final notice the municipality's; a
remission names the creditor of the line it remits (`/document/schuldeiser-per-regel`).
An assessment of the municipality alone names none: the source is the creditor.

Event ids are built from the export's own keys (`2026.0012345:betaling:B-26-004411`), so
they are stable across fetches, as the standard requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from examples.gemeente.export import Aanslag, Betaling, Kwijtschelding, TaxExport

TIMEZONE = ZoneInfo("Europe/Amsterdam")
EVENT_TIME = time(9, 0)  # the export has dates only; events are dated 09:00 local time
COST_LINE_SUFFIX = "_KOSTEN"
PAYMENT_METHOD = {"incasso": "automatische_incasso", "overboeking": "overboeking"}
REVERSAL_TEXT = {
    "storno": "Storno: de bank boekte de automatische incasso van {datum} terug; het bedrag "
              "is weer verschuldigd",
    "terugbetaling": "Terugbetaald: de betaling van {datum} was te veel en is teruggestort",
}


@dataclass(frozen=True)
class Ledger:
    """The events of one assessment, every date moved by `shift`.

    `collector` is the municipality as a creditor ({naam, oin}): named on the costs of its
    own notices when the assessment is a combined one.
    """

    aanslag: Aanslag
    export: TaxExport
    shift: timedelta
    collector: dict[str, str]

    @property
    def nummer(self) -> str:
        return self.aanslag.aanslagnummer

    def at(self, day: date) -> str:
        return datetime.combine(day + self.shift, EVENT_TIME, TIMEZONE).isoformat()

    def creditors(self) -> dict[int, dict[str, str]] | None:
        """Per line number its creditor, or None when every line is the municipality's."""
        lines = self.export.regels.get(self.nummer, ())
        bodies = self.export.heffingsgerechtigden
        creditor = {
            line.regel: {"naam": bodies[line.heffingsgerechtigde].naam,
                         "oin": bodies[line.heffingsgerechtigde].oin}
            for line in lines
        }
        if all(c["oin"] == self.collector.get("oin") for c in creditor.values()):
            return None
        return creditor

    # --- the events ----------------------------------------------------------------------------

    def events(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(facts, planned) of the assessment, as claims-document events."""
        nummer, creditors = self.nummer, self.creditors()
        events: list[dict[str, Any]] = []
        for line in self.export.regels.get(nummer, ()):
            event = {
                "gebeurtenis_id": f"{nummer}:regel:{line.regel}",
                "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
                "datumtijd": self.at(self.aanslag.dagtekening),
                "bedrag": line.bedrag,
                "categorie": "kosten" if line.belastingsoort.endswith(COST_LINE_SUFFIX)
                             else "hoofdsom",
                "omschrijving": line.omschrijving,
            }
            events.append(event | _creditor(creditors and creditors[line.regel]))
        events += self.instalment_events()
        events += self.payment_events()
        for remission in self.export.kwijtscheldingen.get(nummer, ()):
            events.append(self.remission_event(remission, creditors))
        planned: list[dict[str, Any]] = []
        for step in self.export.maatregelen.get(nummer, ()):
            target = planned if step.status == "gepland" else events
            step_id = f"{nummer}:{step.maatregel}:{step.maatregel_id}"
            if step.kosten:
                target.append({
                    "gebeurtenis_id": f"{step_id}:kosten",
                    "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
                    "datumtijd": self.at(step.datum),
                    "bedrag": step.kosten,
                    "categorie": "kosten",
                    "omschrijving": f"Kosten {step.maatregel}",
                } | _creditor(creditors and self.collector))
            target.append({
                "gebeurtenis_id": step_id,
                "gebeurtenistype": "BetalingsverplichtingOpgelegd",
                "datumtijd": self.at(step.datum),
                "bedrag": step.te_betalen,
                "vervaldatum": (step.vervaldatum + self.shift).isoformat(),
                "soort": step.maatregel,
                "betalingskenmerk": step.betalingskenmerk,
            })
        return events, planned

    def instalment_id(self, termijn_id: str) -> str:
        return f"{self.nummer}:termijn:{termijn_id}"

    def instalment_events(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for termijn in self.export.termijnen.get(self.nummer, ()):
            events.append({
                "gebeurtenis_id": self.instalment_id(termijn.termijn_id),
                "gebeurtenistype": "BetalingsverplichtingOpgelegd",
                "datumtijd": self.at(termijn.opgelegd_op),
                "bedrag": termijn.bedrag,
                "vervaldatum": (termijn.vervaldatum + self.shift).isoformat(),
                "soort": "termijn" if self.aanslag.aantal_termijnen > 1 else "aanschrijving",
                "betalingskenmerk": termijn.betalingskenmerk,
            })
            if termijn.ingetrokken_op is not None:
                events.append({
                    "gebeurtenis_id": f"{self.instalment_id(termijn.termijn_id)}:ingetrokken",
                    "gebeurtenistype": "BetalingsverplichtingIngetrokken",
                    "datumtijd": self.at(termijn.ingetrokken_op),
                    "betalingsverplichting": self.instalment_id(termijn.termijn_id),
                    "reden": termijn.reden_intrekking,
                })
        return events

    def payment_events(self) -> list[dict[str, Any]]:
        """Payments, and each reversal as a counter-entry of the payment it undoes."""
        bookings = self.export.betalingen.get(self.nummer, ())
        reversed_amount: dict[str, int] = {}
        for booking in bookings:
            if booking.is_reversal:
                reversed_amount[booking.tegenboeking_van] = (
                    reversed_amount.get(booking.tegenboeking_van, 0) - booking.bedrag)
        paid_on = {b.betaling_id: b.boekdatum for b in bookings}
        events: list[dict[str, Any]] = []
        for booking in bookings:
            if booking.is_reversal:
                events.append(self.reversal_event(booking, paid_on[booking.tegenboeking_van]))
                continue
            event = {
                "gebeurtenis_id": self.payment_id(booking.betaling_id),
                "gebeurtenistype": "BetalingVerwerkt",
                "datumtijd": self.at(booking.boekdatum),
                "bedrag": booking.bedrag,
                "betalingskenmerk": booking.betalingskenmerk,
                "betaalwijze": PAYMENT_METHOD[booking.betaalwijze],
            }
            if reversed_amount.get(booking.betaling_id, 0) < booking.bedrag:
                event["betalingsverplichting"] = self.instalment_id(booking.termijn_id)
            events.append(event)
        return events

    def payment_id(self, betaling_id: str) -> str:
        return f"{self.nummer}:betaling:{betaling_id}"

    def reversal_event(self, booking: Betaling, paid_on: date) -> dict[str, Any]:
        return {
            "gebeurtenis_id": f"{self.nummer}:{booking.betaalwijze}:{booking.betaling_id}",
            "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
            "datumtijd": self.at(booking.boekdatum),
            "bedrag": -booking.bedrag,
            "categorie": "hoofdsom",
            "omschrijving": REVERSAL_TEXT[booking.betaalwijze].format(
                datum=(paid_on + self.shift).strftime("%d-%m-%Y")),
            "tegenboeking_van": self.payment_id(booking.tegenboeking_van),
            "tegenboeking_soort": booking.betaalwijze,
        }

    def remission_event(
        self, remission: Kwijtschelding, creditors: dict[int, dict[str, str]] | None
    ) -> dict[str, Any]:
        """A kwijtschelding of one tax line: it settles (vereffent) that much of the case."""
        return {
            "gebeurtenis_id": f"{self.nummer}:kwijtschelding:{remission.kwijtschelding_id}",
            "gebeurtenistype": "FinancieleVerplichtingKwijtgescholden",
            "datumtijd": self.at(remission.besluitdatum),
            "bedrag": remission.bedrag,
            "financiele_verplichting": f"{self.nummer}:regel:{remission.regel}",
            "reden": remission.reden,
        } | _creditor(creditors and creditors[remission.regel])

    # --- what an arrangement can take -----------------------------------------------------------

    def arrangeable(self, today: date) -> int:
        """The balance minus what the running instalments will still collect.

        An assessment paid in instalments already is a payment plan: an instalment not yet
        due is no arrears, the tax system collects it on its date (by direct debit), so an
        arrangement may take only what is overdue. A one-off assessment can be arranged
        whole. Computed from the facts alone; planned costs only raise the source's saldo,
        so the amount stays within 0..saldo (`/document/regelbaar-bedrag-begrensd`).
        """
        nummer = self.nummer
        bookings = self.export.betalingen.get(nummer, ())
        saldo = sum(line.bedrag for line in self.export.regels.get(nummer, ()))
        saldo += sum(step.kosten for step in self.export.maatregelen.get(nummer, ())
                     if step.status == "uitgevoerd")
        saldo -= sum(b.bedrag for b in bookings)  # a reversal is negative: owed again
        saldo -= sum(r.bedrag for r in self.export.kwijtscheldingen.get(nummer, ()))
        net_paid: dict[str, int] = {}
        for booking in bookings:
            net_paid[booking.termijn_id] = net_paid.get(booking.termijn_id, 0) + booking.bedrag
        still_running = sum(
            max(t.bedrag - net_paid.get(t.termijn_id, 0), 0)
            for t in self.export.termijnen.get(nummer, ())
            if self.aanslag.aantal_termijnen > 1 and t.ingetrokken_op is None
            and t.vervaldatum + self.shift >= today
        )
        return max(0, saldo - still_running)


def _creditor(creditor: dict[str, str] | None) -> dict[str, Any]:
    return {"schuldeiser": dict(creditor)} if creditor else {}
