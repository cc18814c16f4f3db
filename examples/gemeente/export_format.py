"""How the tax system writes its export: `;`-separated UTF-8 CSV, `dd-mm-jjjj` dates,
euro amounts with a decimal comma (`1.234,56`) — parsed into exact values, never floats.

`read_rows(path, kind, columns)` reads one file into records, parsing each column with
its parser; an `ExportError` names the file, line and column, never the value's owner.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from examples.gemeente.errors import ExportError

DELIMITER = ";"
ENCODING = "utf-8-sig"  # UTF-8; a byte-order mark (as some exports write it) is skipped
DATE_FORMAT = "%d-%m-%Y"
AMOUNT = re.compile(r"^(-?)(\d{1,3}(?:\.\d{3})+|\d+),(\d{2})$")  # 1.234,56 or 1234,56
CENTS_PER_EURO = 100

T = TypeVar("T")


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


def parse_yes_no(value: str) -> bool:
    if value not in ("ja", "nee"):
        raise ValueError(f"{value!r} is not ja or nee")
    return value == "ja"


# --- reading files ---------------------------------------------------------------------------


def rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding=ENCODING, newline="") as handle:
            yield from enumerate(csv.DictReader(handle, delimiter=DELIMITER), start=2)
    except FileNotFoundError as exc:
        raise ExportError(f"{path.name}: missing from the export") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExportError(f"{path.name}: cannot be read: {exc}") from exc


def read_rows(
    path: Path, kind: Callable[..., T], columns: dict[str, Callable[[str], Any]]
) -> list[T]:
    """Every row of `path` as `kind(**parsed columns)`; ExportError naming line and column."""
    records = []
    for number, row in rows(path):
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
