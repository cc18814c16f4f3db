"""The municipality's adapter: its tax system's export, mapped onto the claims document.

`TaxExportBackend` implements the reference source's `ClaimsBackend` protocol
(`async def cases_for(bsn) -> list[Case]`). It is the only code a municipality writes: the
reference source does sessions, signing, totals, arrears, arrangements and pauses.

The mapping, one assessment (aanslag) → one case (financiële zaak), `zaakkenmerk` = the
assessment number:

| export row                             | event(s) in the claims document                      |
|----------------------------------------|------------------------------------------------------|
| aanslagregel (OZB, afval, riool, ...)  | `FinancieleVerplichtingOpgelegd`, categorie          |
|                                        | `hoofdsom` (`kosten` for a `*_KOSTEN` line)          |
| termijn                                | `BetalingsverplichtingOpgelegd`, soort `termijn`     |
|                                        | (`aanschrijving` when paid in one go)                |
| termijn with `ingetrokken_op`          | ... plus `BetalingsverplichtingIngetrokken`          |
| betaling                               | `BetalingVerwerkt`, referring to its termijn         |
| kwijtschelding (of one line)           | `FinancieleVerplichtingKwijtgescholden`, referring   |
|                                        | to that line                                         |
| invorderingsmaatregel `uitgevoerd`     | costs (`kosten`) + `BetalingsverplichtingOpgelegd`   |
|                                        | soort `herinnering`/`aanmaning`                      |
| invorderingsmaatregel `gepland`        | the same, as `gepland`: the source imposes it on its |
|                                        | date unless a pause covers that day                  |
| bezwaar `in_behandeling`               | status `in_bezwaar`, no arrangement or pause offered |

Event ids are built from the export's own keys (`2026.0012345:betaling:B-26-004411`), so
they are stable across fetches, as the standard requires. Amounts are integer cents.

The bundled export is fictional and was taken on its `exportdatum`; so that the example
always plays "today", `move_to_today=True` moves every date by the days since then. A real
export is never moved.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from examples.gemeente.export import Aanslag, Bezwaar, Kwijtschelding, TaxExport, read_export
from reference_impl.common.db import Database
from reference_impl.source.backend import Case
from reference_impl.source.config import SourceConfig

BUNDLED_EXPORT = Path(__file__).resolve().parent / "export"
EXPORT_DIR_ENV = "BELASTING_EXPORT_DIR"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
EVENT_TIME = time(9, 0)  # the export has dates only; events are dated 09:00 local time
VERORDENINGEN_URL = "https://lokaleregelgeving.overheid.nl/lindeoord"  # fictional
COST_LINE_SUFFIX = "_KOSTEN"
KIND_OF_ASSESSMENT = {
    "aanslag": ("gem_aanslag_belastingen", "Aanslag gemeentelijke belastingen {jaar}"),
    "naheffing_parkeren": ("gem_parkeerbelasting", "Naheffingsaanslag parkeerbelasting {jaar}"),
}


def local_today() -> date:
    return datetime.now(TIMEZONE).date()


class TaxExportBackend:
    """`ClaimsBackend` over the tax system's export directory.

    The export is read once and again whenever a new one lands (the control file
    `stuurbestand.csv` changes: the export job writes it last).
    """

    def __init__(
        self,
        export_dir: str | Path,
        *,
        naam: str,
        contact: dict[str, str],
        move_to_today: bool = False,
        today: Callable[[], date] = local_today,
    ) -> None:
        self.export_dir = Path(export_dir)
        self.naam = naam
        self.contact = dict(contact)
        self.move_to_today = move_to_today
        self.today = today
        self._export: TaxExport | None = None
        self._stamp: int | None = None
        self._lock = asyncio.Lock()

    async def cases_for(self, bsn: str) -> list[Case]:
        export = await self._current_export()
        today = self.today()
        shift = today - export.exportdatum if self.move_to_today else timedelta(0)
        return [self.case_of(a, export, today, shift) for a in export.aanslagen_of(bsn)]

    async def _current_export(self) -> TaxExport:
        stamp = await asyncio.to_thread(_control_stamp, self.export_dir)
        if self._export is None or stamp != self._stamp:
            async with self._lock:
                if self._export is None or stamp != self._stamp:
                    self._export = await asyncio.to_thread(read_export, self.export_dir)
                    self._stamp = stamp
        return self._export

    # --- the mapping ---------------------------------------------------------------------------

    def case_of(self, aanslag: Aanslag, export: TaxExport, today: date, shift: timedelta) -> Case:
        """One assessment as a case (the source adds totals, arrears and status)."""
        nummer = aanslag.aanslagnummer
        pending = [b for b in export.bezwaren.get(nummer, ()) if b.status == "in_behandeling"]
        vorderingtype, title = KIND_OF_ASSESSMENT[aanslag.soort_aanslag]
        events, planned = self.events_of(aanslag, export, shift)
        bezwaar = self.objection(aanslag, pending, today, shift)
        acties = ["betalen"]
        if not pending:
            acties += ["betalingsregeling", "pauze"]
        if bezwaar["mogelijk"]:
            acties.append("bezwaar")
        acties.append("hulp")  # the municipality offers debt help (schuldhulpverlening)
        return Case(
            zaakkenmerk=nummer,
            omschrijving=title.format(jaar=aanslag.belastingjaar),
            vorderingtype=vorderingtype,
            looptijd="termijnen" if aanslag.aantal_termijnen > 1 else "eenmalig",
            grondslag={
                "omschrijving": f"Belastingverordeningen {aanslag.belastingjaar} van de "
                                f"{self.naam}",
                "url": VERORDENINGEN_URL,
            },
            contact=self.contact,
            gebeurtenissen=tuple(events),
            gepland=tuple(planned),
            bezwaar=bezwaar,
            acties=tuple(acties),
            status="in_bezwaar" if pending else "open",
        )

    def events_of(
        self, aanslag: Aanslag, export: TaxExport, shift: timedelta
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(facts, planned) of one assessment, as claims-document events."""
        nummer = aanslag.aanslagnummer

        def at(day: date) -> str:
            return datetime.combine(day + shift, EVENT_TIME, TIMEZONE).isoformat()

        def line_id(regel: int) -> str:
            return f"{nummer}:regel:{regel}"

        def instalment_id(termijn_id: str) -> str:
            return f"{nummer}:termijn:{termijn_id}"

        events: list[dict[str, Any]] = []
        for line in export.regels.get(nummer, ()):
            is_cost = line.belastingsoort.endswith(COST_LINE_SUFFIX)
            events.append({
                "gebeurtenis_id": line_id(line.regel),
                "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
                "datumtijd": at(aanslag.dagtekening),
                "bedrag": line.bedrag,
                "categorie": "kosten" if is_cost else "hoofdsom",
                "omschrijving": line.omschrijving,
            })
        for termijn in export.termijnen.get(nummer, ()):
            events.append({
                "gebeurtenis_id": instalment_id(termijn.termijn_id),
                "gebeurtenistype": "BetalingsverplichtingOpgelegd",
                "datumtijd": at(termijn.opgelegd_op),
                "bedrag": termijn.bedrag,
                "vervaldatum": (termijn.vervaldatum + shift).isoformat(),
                "soort": "termijn" if aanslag.aantal_termijnen > 1 else "aanschrijving",
                "betalingskenmerk": termijn.betalingskenmerk,
            })
            if termijn.ingetrokken_op is not None:
                events.append({
                    "gebeurtenis_id": f"{instalment_id(termijn.termijn_id)}:ingetrokken",
                    "gebeurtenistype": "BetalingsverplichtingIngetrokken",
                    "datumtijd": at(termijn.ingetrokken_op),
                    "betalingsverplichting": instalment_id(termijn.termijn_id),
                    "reden": termijn.reden_intrekking,
                })
        for betaling in export.betalingen.get(nummer, ()):
            events.append({
                "gebeurtenis_id": f"{nummer}:betaling:{betaling.betaling_id}",
                "gebeurtenistype": "BetalingVerwerkt",
                "datumtijd": at(betaling.boekdatum),
                "bedrag": betaling.bedrag,
                "betalingskenmerk": betaling.betalingskenmerk,
                "betalingsverplichting": instalment_id(betaling.termijn_id),
            })
        for remission in export.kwijtscheldingen.get(nummer, ()):
            events.append(self.remission_event(nummer, remission, at(remission.besluitdatum)))
        planned: list[dict[str, Any]] = []
        for step in export.maatregelen.get(nummer, ()):
            target = planned if step.status == "gepland" else events
            step_id = f"{nummer}:{step.maatregel}:{step.maatregel_id}"
            if step.kosten:
                target.append({
                    "gebeurtenis_id": f"{step_id}:kosten",
                    "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
                    "datumtijd": at(step.datum),
                    "bedrag": step.kosten,
                    "categorie": "kosten",
                    "omschrijving": f"Kosten {step.maatregel}",
                })
            target.append({
                "gebeurtenis_id": step_id,
                "gebeurtenistype": "BetalingsverplichtingOpgelegd",
                "datumtijd": at(step.datum),
                "bedrag": step.te_betalen,
                "vervaldatum": (step.vervaldatum + shift).isoformat(),
                "soort": step.maatregel,
                "betalingskenmerk": step.betalingskenmerk,
            })
        return events, planned

    def remission_event(
        self, nummer: str, remission: Kwijtschelding, datumtijd: str
    ) -> dict[str, Any]:
        """A kwijtschelding of one tax line: it settles (vereffent) that much of the case."""
        return {
            "gebeurtenis_id": f"{nummer}:kwijtschelding:{remission.kwijtschelding_id}",
            "gebeurtenistype": "FinancieleVerplichtingKwijtgescholden",
            "datumtijd": datumtijd,
            "bedrag": remission.bedrag,
            "financiele_verplichting": f"{nummer}:regel:{remission.regel}",
            "reden": remission.reden,
        }

    def objection(
        self, aanslag: Aanslag, pending: list[Bezwaar], today: date, shift: timedelta
    ) -> dict[str, Any]:
        """The objection route: pending, still open until its deadline, or closed."""
        if pending:
            received = (pending[0].ontvangen_op + shift).strftime("%d-%m-%Y")
            return {"mogelijk": False,
                    "toelichting": f"Uw bezwaar over de {pending[0].onderwerp} (ontvangen op "
                                   f"{received}) is in behandeling."}
        deadline = aanslag.bezwaar_tot + shift
        if today <= deadline:
            return {"mogelijk": True, "uiterlijk": deadline.isoformat()}
        return {"mogelijk": False,
                "toelichting": "De bezwaartermijn van zes weken na de dagtekening is verstreken."}


def _control_stamp(export_dir: Path) -> int | None:
    try:
        return (export_dir / "stuurbestand.csv").stat().st_mtime_ns
    except OSError:
        return None  # read_export names the missing file


def create_backend(config: SourceConfig, database: Database) -> TaxExportBackend:
    """Factory for the source configuration: `backend: examples.gemeente.adapter:create_backend`.

    The export directory comes from `$BELASTING_EXPORT_DIR` (default: the bundled fictional
    export, which alone is moved to today). `database` is the source's own database; this
    adapter does not need it.
    """
    del database
    configured = os.environ.get(EXPORT_DIR_ENV)
    export_dir = Path(configured) if configured else BUNDLED_EXPORT
    return TaxExportBackend(
        export_dir,
        naam=config.naam,
        contact=config.contact,
        move_to_today=export_dir.resolve() == BUNDLED_EXPORT,
    )
