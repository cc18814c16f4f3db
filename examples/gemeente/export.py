"""The tax system's nightly export: eight CSV files and a control file, read and checked.

The municipality's tax system (belastingapplicatie) writes a full export every night into
one directory:

    stuurbestand.csv             control file: every file's row count and the exportdatum
    heffingsgerechtigden.csv     the bodies a levy is raised for: the municipality itself and
                                 the water board whose taxes it collects on the same bill
    aanslagen.csv                one row per assessment (aanslag): BSN, tax year, date,
                                 payment method, number of instalments, objection deadline
    aanslagregels.csv            the tax lines of an assessment (OZB, afvalstoffenheffing,
                                 rioolheffing, watersysteemheffing, ...) with their amounts
                                 and the body each is raised for (heffingsgerechtigde)
    termijnen.csv                instalments (termijnen), including withdrawn ones
                                 (`ingetrokken_op`) and those that replaced them
    betalingen.csv               money booked, each against one instalment: payments
                                 (incasso, overboeking) and, as negative amounts, reversals
                                 of an earlier payment (`tegenboeking_van`): a direct debit
                                 the bank reversed (storno) or money paid back (terugbetaling)
    kwijtscheldingen.csv         remissions (kwijtschelding), each of one tax line
    bezwaren.csv                 objections (bezwaren), whether they are still pending and
                                 whether payment is deferred meanwhile (uitstel_van_betaling)
    invorderingsmaatregelen.csv  reminders and final notices (herinnering, aanmaning) with
                                 their costs, done (`uitgevoerd`) or planned (`gepland`)

The format is what Dutch tax systems typically write: `;`-separated, UTF-8 (a byte-order
mark is accepted), dates `dd-mm-jjjj`, amounts in euros with a decimal comma (`1.234,56`).
`read_export(directory)` checks every row count against the control file (a truncated
export is refused, never half-served), parses every value and turns money into integer
cents (never a float), and checks that every reference resolves (a line's body, a
reversal's payment). An `ExportError` names the file, line and column; never a BSN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from examples.gemeente.errors import ExportError
from examples.gemeente.export_format import (
    parse_cents,
    parse_choice,
    parse_date,
    parse_optional_date,
    parse_yes_no,
    read_rows,
    text,
)

CONTROL_FILE = "stuurbestand.csv"
PAYMENT_KINDS = ("incasso", "overboeking")
REVERSAL_KINDS = ("storno", "terugbetaling")  # negative amounts that undo a payment

T = TypeVar("T")


@dataclass(frozen=True)
class Aanslag:
    """An assessment: one tax bill with one or more lines."""

    aanslagnummer: str
    bsn: str
    soort_aanslag: str  # aanslag | naheffing_parkeren
    belastingjaar: int
    dagtekening: date
    betaalwijze: str  # automatische_incasso | overboeking
    aantal_termijnen: int
    bezwaar_tot: date  # last day an objection can be lodged


@dataclass(frozen=True)
class Heffingsgerechtigde:
    """A body a levy is raised for: the creditor (schuldeiser) of a tax line."""

    code: str
    naam: str
    oin: str


@dataclass(frozen=True)
class Regel:
    """One tax line of an assessment (OZB, afvalstoffenheffing, rioolheffing, ...)."""

    aanslagnummer: str
    regel: int
    belastingsoort: str
    omschrijving: str
    heffingsgerechtigde: str  # code in heffingsgerechtigden.csv
    bedrag: int  # cents


@dataclass(frozen=True)
class Termijn:
    """An instalment; `ingetrokken_op` is set when it was withdrawn (e.g. recalculated)."""

    termijn_id: str
    aanslagnummer: str
    termijn: int
    opgelegd_op: date
    vervaldatum: date
    bedrag: int
    betalingskenmerk: str
    ingetrokken_op: date | None
    reden_intrekking: str


@dataclass(frozen=True)
class Betaling:
    """Money booked against one instalment: a payment, or (negative) a reversal of one."""

    betaling_id: str
    aanslagnummer: str
    termijn_id: str
    boekdatum: date
    bedrag: int  # cents; negative for a reversal
    betaalwijze: str  # incasso | overboeking | storno | terugbetaling
    betalingskenmerk: str
    tegenboeking_van: str  # the payment a reversal undoes; empty for a payment

    @property
    def is_reversal(self) -> bool:
        return self.betaalwijze in REVERSAL_KINDS


@dataclass(frozen=True)
class Kwijtschelding:
    """A remission of (part of) one tax line."""

    kwijtschelding_id: str
    aanslagnummer: str
    regel: int
    besluitdatum: date
    bedrag: int
    reden: str


@dataclass(frozen=True)
class Bezwaar:
    """An objection against an assessment."""

    bezwaar_id: str
    aanslagnummer: str
    ontvangen_op: date
    onderwerp: str
    uitstel_van_betaling: bool  # payment deferred while the objection runs
    status: str  # in_behandeling | afgehandeld


@dataclass(frozen=True)
class Maatregel:
    """A collection step: a reminder or a final notice (with costs), done or planned."""

    maatregel_id: str
    aanslagnummer: str
    maatregel: str  # herinnering | aanmaning
    datum: date
    vervaldatum: date
    te_betalen: int  # the whole amount the notice asks, costs included
    kosten: int
    betalingskenmerk: str
    status: str  # uitgevoerd | gepland


@dataclass(frozen=True)
class TaxExport:
    """One complete export, indexed for the adapter."""

    exportdatum: date
    heffingsgerechtigden: dict[str, Heffingsgerechtigde]
    aanslagen: tuple[Aanslag, ...]
    regels: dict[str, tuple[Regel, ...]]
    termijnen: dict[str, tuple[Termijn, ...]]
    betalingen: dict[str, tuple[Betaling, ...]]
    kwijtscheldingen: dict[str, tuple[Kwijtschelding, ...]]
    bezwaren: dict[str, tuple[Bezwaar, ...]]
    maatregelen: dict[str, tuple[Maatregel, ...]]

    def aanslagen_of(self, bsn: str) -> list[Aanslag]:
        """The citizen's assessments, oldest first (stable order)."""
        own = [a for a in self.aanslagen if a.bsn == bsn]
        return sorted(own, key=lambda a: (a.dagtekening, a.aanslagnummer))


def _by_assessment(records: list[Any]) -> dict[str, tuple[Any, ...]]:
    grouped: dict[str, list[Any]] = {}
    for record in records:
        grouped.setdefault(record.aanslagnummer, []).append(record)
    return {key: tuple(value) for key, value in grouped.items()}


def _control(directory: Path) -> tuple[date, dict[str, int]]:
    """The exportdatum and the row count of every file, from the control file."""
    entries = read_rows(directory / CONTROL_FILE, dict, {
        "bestand": text, "aantal_regels": int, "exportdatum": parse_date,
    })
    dates = {e["exportdatum"] for e in entries}
    if len(dates) != 1:
        raise ExportError(f"{CONTROL_FILE}: expected one exportdatum, found {len(dates)}")
    return dates.pop(), {e["bestand"]: e["aantal_regels"] for e in entries}


def read_export(directory: str | Path) -> TaxExport:
    """Read and check one complete export (blocking: call it in a worker thread)."""
    directory = Path(directory)
    exportdatum, counts = _control(directory)

    def read(name: str, kind: Callable[..., T], columns: dict[str, Any]) -> list[T]:
        records = read_rows(directory / name, kind, columns)
        if counts.get(name) != len(records):
            raise ExportError(f"{name}: {len(records)} rows, {CONTROL_FILE} announces "
                              f"{counts.get(name)} (an incomplete export is never served)")
        return records

    bodies = read("heffingsgerechtigden.csv", Heffingsgerechtigde, {
        "code": text, "naam": text, "oin": text,
    })
    aanslagen = read("aanslagen.csv", Aanslag, {
        "aanslagnummer": text, "bsn": text, "soort_aanslag": text, "belastingjaar": int,
        "dagtekening": parse_date,
        "betaalwijze": parse_choice("automatische_incasso", "overboeking"),
        "aantal_termijnen": int, "bezwaar_tot": parse_date,
    })
    regels = read("aanslagregels.csv", Regel, {
        "aanslagnummer": text, "regel": int, "belastingsoort": text, "omschrijving": text,
        "heffingsgerechtigde": text, "bedrag": parse_cents,
    })
    termijnen = read("termijnen.csv", Termijn, {
        "termijn_id": text, "aanslagnummer": text, "termijn": int, "opgelegd_op": parse_date,
        "vervaldatum": parse_date, "bedrag": parse_cents, "betalingskenmerk": text,
        "ingetrokken_op": parse_optional_date, "reden_intrekking": text,
    })
    betalingen = read("betalingen.csv", Betaling, {
        "betaling_id": text, "aanslagnummer": text, "termijn_id": text, "boekdatum": parse_date,
        "bedrag": parse_cents, "betaalwijze": parse_choice(*PAYMENT_KINDS, *REVERSAL_KINDS),
        "betalingskenmerk": text, "tegenboeking_van": text,
    })
    kwijtscheldingen = read("kwijtscheldingen.csv", Kwijtschelding, {
        "kwijtschelding_id": text, "aanslagnummer": text, "regel": int,
        "besluitdatum": parse_date, "bedrag": parse_cents, "reden": text,
    })
    bezwaren = read("bezwaren.csv", Bezwaar, {
        "bezwaar_id": text, "aanslagnummer": text, "ontvangen_op": parse_date,
        "onderwerp": text, "uitstel_van_betaling": parse_yes_no,
        "status": parse_choice("in_behandeling", "afgehandeld"),
    })
    maatregelen = read("invorderingsmaatregelen.csv", Maatregel, {
        "maatregel_id": text, "aanslagnummer": text,
        "maatregel": parse_choice("herinnering", "aanmaning"), "datum": parse_date,
        "vervaldatum": parse_date, "te_betalen": parse_cents, "kosten": parse_cents,
        "betalingskenmerk": text, "status": parse_choice("uitgevoerd", "gepland"),
    })
    by_code = {body.code: body for body in bodies}
    _check_lines(regels, by_code)
    _check_payments(betalingen)
    return TaxExport(
        exportdatum=exportdatum,
        heffingsgerechtigden=by_code,
        aanslagen=tuple(aanslagen),
        regels=_by_assessment(regels),
        termijnen=_by_assessment(termijnen),
        betalingen=_by_assessment(betalingen),
        kwijtscheldingen=_by_assessment(kwijtscheldingen),
        bezwaren=_by_assessment(bezwaren),
        maatregelen=_by_assessment(maatregelen),
    )


def _check_lines(regels: list[Regel], bodies: dict[str, Heffingsgerechtigde]) -> None:
    for line in regels:
        if line.heffingsgerechtigde not in bodies:
            raise ExportError(f"aanslagregels.csv: line {line.aanslagnummer}/{line.regel} is "
                              f"raised for {line.heffingsgerechtigde!r}, which "
                              "heffingsgerechtigden.csv does not list")


def _check_payments(betalingen: list[Betaling]) -> None:
    """A payment is positive and undoes nothing; a reversal is negative, undoes an earlier
    payment of the same assessment, and the reversals of one payment never exceed it."""
    payments = {(b.aanslagnummer, b.betaling_id): b for b in betalingen if not b.is_reversal}
    reversed_so_far: dict[tuple[str, str], int] = {}
    for booking in betalingen:
        label = f"betalingen.csv: {booking.betaling_id}"
        if not booking.is_reversal:
            if booking.bedrag <= 0 or booking.tegenboeking_van:
                raise ExportError(f"{label}: a payment ({booking.betaalwijze}) must be positive "
                                  "and reverse nothing")
            continue
        key = (booking.aanslagnummer, booking.tegenboeking_van)
        original = payments.get(key)
        if booking.bedrag >= 0 or original is None or original.boekdatum > booking.boekdatum:
            raise ExportError(f"{label}: a {booking.betaalwijze} must be negative and reverse "
                              "an earlier payment of the same assessment")
        reversed_so_far[key] = reversed_so_far.get(key, 0) - booking.bedrag
        if reversed_so_far[key] > original.bedrag:
            raise ExportError(f"{label}: reverses more than payment "
                              f"{booking.tegenboeking_van} was")
