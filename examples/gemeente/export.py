"""The tax system's nightly export: seven CSV files and a control file, read and checked.

The municipality's tax system (belastingapplicatie) writes a full export every night into
one directory:

    stuurbestand.csv             control file: every file's row count and the exportdatum
    aanslagen.csv                one row per assessment (aanslag): BSN, tax year, date,
                                 payment method, number of instalments, objection deadline
    aanslagregels.csv            the tax lines of an assessment (OZB, afvalstoffenheffing,
                                 rioolheffing, ...) with their amounts
    termijnen.csv                instalments (termijnen), including withdrawn ones
                                 (`ingetrokken_op`) and those that replaced them
    betalingen.csv               payments booked, each against one instalment
    kwijtscheldingen.csv         remissions (kwijtschelding), each of one tax line
    bezwaren.csv                 objections (bezwaren) and whether they are still pending
    invorderingsmaatregelen.csv  reminders and final notices (herinnering, aanmaning) with
                                 their costs, done (`uitgevoerd`) or planned (`gepland`)

The format is what Dutch tax systems typically write: `;`-separated, UTF-8 (a byte-order
mark is accepted), dates `dd-mm-jjjj`, amounts in euros with a decimal comma (`1.234,56`).
`read_export(directory)` checks every row count against the control file (a truncated
export is refused, never half-served), parses every value and turns money into integer
cents (never a float). An `ExportError` names the file, line and column; never a BSN.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from examples.gemeente.errors import ExportError

CONTROL_FILE = "stuurbestand.csv"
DELIMITER = ";"
ENCODING = "utf-8-sig"  # UTF-8; a byte-order mark (as some exports write it) is skipped
DATE_FORMAT = "%d-%m-%Y"
AMOUNT = re.compile(r"^(-?)(\d{1,3}(?:\.\d{3})+|\d+),(\d{2})$")  # 1.234,56 or 1234,56
CENTS_PER_EURO = 100

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
class Regel:
    """One tax line of an assessment (OZB, afvalstoffenheffing, rioolheffing, ...)."""

    aanslagnummer: str
    regel: int
    belastingsoort: str
    omschrijving: str
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
    """A payment booked against one instalment."""

    betaling_id: str
    aanslagnummer: str
    termijn_id: str
    boekdatum: date
    bedrag: int
    betaalwijze: str  # incasso | overboeking
    betalingskenmerk: str


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


# --- parsing of single values ----------------------------------------------------------------


def parse_date(text: str) -> date:
    return datetime.strptime(text, DATE_FORMAT).date()


def parse_optional_date(text: str) -> date | None:
    return parse_date(text) if text else None


def parse_cents(text: str) -> int:
    """`1.234,56` → 123456; refuses anything without exactly two decimals."""
    match = AMOUNT.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an amount like 1.234,56")
    sign, euros, cents = match.groups()
    value = int(euros.replace(".", "")) * CENTS_PER_EURO + int(cents)
    return -value if sign else value


def parse_choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return text

    return parse


def text(value: str) -> str:
    return value


# --- reading files ---------------------------------------------------------------------------


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding=ENCODING, newline="") as handle:
            yield from enumerate(csv.DictReader(handle, delimiter=DELIMITER), start=2)
    except FileNotFoundError as exc:
        raise ExportError(f"{path.name}: missing from the export") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExportError(f"{path.name}: cannot be read: {exc}") from exc


def _read(path: Path, kind: Callable[..., T], columns: dict[str, Callable[[str], Any]]) -> list[T]:
    """Every row of `path` as `kind(**parsed columns)`; ExportError naming line and column."""
    records = []
    for number, row in _rows(path):
        values = {}
        for column, parse in columns.items():
            raw = row.get(column)
            if raw is None:
                raise ExportError(f"{path.name}: column {column!r} is missing")
            try:
                values[column] = parse(raw.strip())
            except ValueError as exc:
                raise ExportError(f"{path.name} line {number}, column {column}: {exc}") from None
        records.append(kind(**values))
    return records


def _by_assessment(records: list[Any]) -> dict[str, tuple[Any, ...]]:
    grouped: dict[str, list[Any]] = {}
    for record in records:
        grouped.setdefault(record.aanslagnummer, []).append(record)
    return {key: tuple(value) for key, value in grouped.items()}


def _control(directory: Path) -> tuple[date, dict[str, int]]:
    """The exportdatum and the row count of every file, from the control file."""
    entries = _read(directory / CONTROL_FILE, dict, {
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
        records = _read(directory / name, kind, columns)
        if counts.get(name) != len(records):
            raise ExportError(f"{name}: {len(records)} rows, {CONTROL_FILE} announces "
                              f"{counts.get(name)} (an incomplete export is never served)")
        return records

    aanslagen = read("aanslagen.csv", Aanslag, {
        "aanslagnummer": text, "bsn": text, "soort_aanslag": text, "belastingjaar": int,
        "dagtekening": parse_date,
        "betaalwijze": parse_choice("automatische_incasso", "overboeking"),
        "aantal_termijnen": int, "bezwaar_tot": parse_date,
    })
    regels = read("aanslagregels.csv", Regel, {
        "aanslagnummer": text, "regel": int, "belastingsoort": text, "omschrijving": text,
        "bedrag": parse_cents,
    })
    termijnen = read("termijnen.csv", Termijn, {
        "termijn_id": text, "aanslagnummer": text, "termijn": int, "opgelegd_op": parse_date,
        "vervaldatum": parse_date, "bedrag": parse_cents, "betalingskenmerk": text,
        "ingetrokken_op": parse_optional_date, "reden_intrekking": text,
    })
    betalingen = read("betalingen.csv", Betaling, {
        "betaling_id": text, "aanslagnummer": text, "termijn_id": text, "boekdatum": parse_date,
        "bedrag": parse_cents, "betaalwijze": parse_choice("incasso", "overboeking"),
        "betalingskenmerk": text,
    })
    kwijtscheldingen = read("kwijtscheldingen.csv", Kwijtschelding, {
        "kwijtschelding_id": text, "aanslagnummer": text, "regel": int,
        "besluitdatum": parse_date, "bedrag": parse_cents, "reden": text,
    })
    bezwaren = read("bezwaren.csv", Bezwaar, {
        "bezwaar_id": text, "aanslagnummer": text, "ontvangen_op": parse_date,
        "onderwerp": text, "status": parse_choice("in_behandeling", "afgehandeld"),
    })
    maatregelen = read("invorderingsmaatregelen.csv", Maatregel, {
        "maatregel_id": text, "aanslagnummer": text,
        "maatregel": parse_choice("herinnering", "aanmaning"), "datum": parse_date,
        "vervaldatum": parse_date, "te_betalen": parse_cents, "kosten": parse_cents,
        "betalingskenmerk": text, "status": parse_choice("uitgevoerd", "gepland"),
    })
    return TaxExport(
        exportdatum=exportdatum,
        aanslagen=tuple(aanslagen),
        regels=_by_assessment(regels),
        termijnen=_by_assessment(termijnen),
        betalingen=_by_assessment(betalingen),
        kwijtscheldingen=_by_assessment(kwijtscheldingen),
        bezwaren=_by_assessment(bezwaren),
        maatregelen=_by_assessment(maatregelen),
    )
