"""The municipality's adapter: its tax system's export, mapped onto the claims document.

`TaxExportBackend` implements the reference source's `ClaimsBackend` protocol
(`async def cases_for(bsn) -> list[Case]`). It is the only code a municipality writes: the
reference source does sessions, signing, totals, arrears, arrangements and pauses.

One assessment (aanslag) → one case (financiële zaak), `zaakkenmerk` = the assessment
number. Its rows become events as [`ledger.py`](ledger.py) tabulates (payments, reversals
as counter-entries, remissions per line, creditors per line on a combined assessment).
Here, per case:

| export                                 | case member                                          |
|----------------------------------------|------------------------------------------------------|
| bezwaar `in_behandeling`               | status `in_bezwaar`, `rechtsmiddel` (stadium bezwaar,|
|                                        | `uitstel_van_betaling`); no arrangement or pause     |
| instalments not yet due                | kept out of `regelbaar_bedrag`: the tax system still |
|                                        | collects them (Ledger.arrangeable)                   |
| —                                      | `acties`: `betalingsregeling` only when something is |
|                                        | arrangeable (`/document/acties-betekenis`)           |

The bundled export is fictional and was taken on its `exportdatum`; so that the example
always plays "today", `move_to_today=True` moves every date by the days since then. A real
export is never moved.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from examples.gemeente.export import Aanslag, Bezwaar, TaxExport, read_export
from examples.gemeente.ledger import TIMEZONE, Ledger
from reference_impl.common.db import Database
from reference_impl.source.backend import Case
from reference_impl.source.config import SourceConfig

BUNDLED_EXPORT = Path(__file__).resolve().parent / "export"
EXPORT_DIR_ENV = "BELASTING_EXPORT_DIR"
VERORDENINGEN_URL = "https://lokaleregelgeving.overheid.nl/lindeoord"  # fictional
KIND_OF_ASSESSMENT = {
    "aanslag": ("gem_aanslag_belastingen", "Aanslag gemeentelijke belastingen {jaar}"),
    "naheffing_parkeren": ("gem_parkeerbelasting", "Naheffingsaanslag parkeerbelasting {jaar}"),
}


def local_today() -> date:
    return datetime.now(TIMEZONE).date()


class TaxExportBackend:
    """`ClaimsBackend` over the tax system's export directory.

    The export is read once and again whenever a new one lands (the control file
    `stuurbestand.csv` changes: the export job writes it last). `oin` is the municipality's
    own: a line raised for another body (the water board) names that body as its creditor.
    """

    def __init__(
        self,
        export_dir: str | Path,
        *,
        naam: str,
        oin: str,
        contact: dict[str, str],
        move_to_today: bool = False,
        today: Callable[[], date] = local_today,
    ) -> None:
        self.export_dir = Path(export_dir)
        self.naam = naam
        self.oin = oin
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

    def ledger(self, aanslag: Aanslag, export: TaxExport, shift: timedelta) -> Ledger:
        return Ledger(aanslag, export, shift, collector={"naam": self.naam, "oin": self.oin})

    def case_of(self, aanslag: Aanslag, export: TaxExport, today: date, shift: timedelta) -> Case:
        """One assessment as a case (the source adds totals, arrears and status)."""
        nummer = aanslag.aanslagnummer
        pending = [b for b in export.bezwaren.get(nummer, ()) if b.status == "in_behandeling"]
        vorderingtype, title = KIND_OF_ASSESSMENT[aanslag.soort_aanslag]
        ledger = self.ledger(aanslag, export, shift)
        events, planned = ledger.events()
        # While an objection runs nothing is arranged; with payment deferred nothing is due.
        arrangeable = 0 if pending else ledger.arrangeable(today)
        bezwaar = self.objection(aanslag, pending, today, shift)
        acties = ["betalen"]
        if arrangeable > 0:
            acties.append("betalingsregeling")
        if not pending:
            acties.append("pauze")
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
            regelbaar_bedrag=arrangeable,
            rechtsmiddel=self.remedy(pending[0], shift) if pending else None,
        )

    def remedy(self, objection: Bezwaar, shift: timedelta) -> dict[str, Any]:
        """The pending objection as the case's remedy stage."""
        return {
            "stadium": "bezwaar",
            "ingediend_op": (objection.ontvangen_op + shift).isoformat(),
            "uitstel_van_betaling": objection.uitstel_van_betaling,
            "toelichting": f"Bezwaar over de {objection.onderwerp}",
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
        oin=config.oin,
        contact=config.contact,
        move_to_today=export_dir.resolve() == BUNDLED_EXPORT,
    )
