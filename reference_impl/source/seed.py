"""Seed data: organisations and test citizens with their cases, dated relative to today.

The format of `reference_impl/demo/data.yaml` (and of any `seed_file` in a source's
configuration). Dates are written as offsets from the day the file is loaded, so the
demo always has something overdue, something due this month and something ahead:

    datumtijd: -40d      → 40 days ago at 09:00 (Europe/Amsterdam)
    vervaldatum: +14d    → the date 14 days ahead
    uiterlijk: +2m       → two months ahead (d days, m months, y years; absolute values
                           such as 2026-03-01 are kept as they are)
    vervaldatum: maandeinde  → the last day of the current month

Shape:

    organisaties: [{sleutel, oin, naam, soort, diensten, minimaal_betrouwbaarheidsniveau,
                    betalingsregeling?, pauze?, contact}]
    burgers:
      - bsn, naam, omschrijving
        zaken: {<organisatie-sleutel>: [case, ...]}          # backend.Case fields
        regelingen: {<organisatie-sleutel>: [{zaakkenmerken, aantal_termijnen}]}
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from reference_impl.common.document import elfproef
from reference_impl.common.settings import unreadable_because
from reference_impl.source.backend import Case, case_from_mapping
from reference_impl.source.clock import TIMEZONE
from reference_impl.source.errors import BackendError

OFFSET = re.compile(r"^([+-])([0-9]+)([dmy])$")
END_OF_MONTH = "maandeinde"  # the last day of the current month: always "due this month"
EVENT_TIME = time(9, 0)
DATETIME_KEYS = frozenset({"datumtijd"})
DATE_KEYS = frozenset({"vervaldatum", "uiterlijk"})
ORGANISATION_SETTINGS = (
    "naam", "soort", "diensten", "minimaal_betrouwbaarheidsniveau", "betalingsregeling",
    "pauze", "contact",
)


@dataclass(frozen=True)
class SeedOrganisation:
    """An organisation of the seed file; `settings` are its `SourceConfig` keys."""

    key: str
    oin: str
    settings: dict[str, Any]

    @property
    def naam(self) -> str:
        return self.settings["naam"]

    @property
    def soort(self) -> str:
        return self.settings["soort"]

    @property
    def diensten(self) -> tuple[str, ...]:
        return tuple(self.settings["diensten"])

    def config_mapping(self, **extra: Any) -> dict[str, Any]:
        """A mapping for `config_from_mapping`: these settings plus `extra` (keys, db, ...)."""
        return {"oin": self.oin, **self.settings, **extra}


@dataclass(frozen=True)
class SeedCitizen:
    """A test citizen: `cases` and `arrangements` per organisation OIN."""

    bsn: str
    naam: str
    omschrijving: str
    cases: dict[str, list[Case]] = field(default_factory=dict)
    arrangements: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass(frozen=True)
class SeedData:
    organisations: list[SeedOrganisation]
    citizens: list[SeedCitizen]

    def organisation(self, key_or_oin: str) -> SeedOrganisation:
        for organisation in self.organisations:
            if key_or_oin in (organisation.key, organisation.oin):
                return organisation
        raise KeyError(key_or_oin)

    def citizen(self, bsn: str) -> SeedCitizen:
        return next(c for c in self.citizens if c.bsn == bsn)


def shift(today: date, offset: str) -> date:
    """`today` moved by an offset such as `-40d`, `+2m` or `-1y` (month ends clamped)."""
    match = OFFSET.match(offset)
    if match is None:
        raise ValueError(f"not an offset: {offset!r}")
    sign = 1 if match.group(1) == "+" else -1
    amount, unit = int(match.group(2)) * sign, match.group(3)
    if unit == "d":
        return date.fromordinal(today.toordinal() + amount)
    months = amount if unit == "m" else amount * 12
    index = today.year * 12 + today.month - 1 + months
    year, month = divmod(index, 12)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def resolve_dates(value: Any, today: date, key: str | None = None) -> Any:
    """`value` with every offset under a date(-time) key replaced by its ISO form."""
    if isinstance(value, dict):
        return {k: resolve_dates(v, today, k) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_dates(v, today, key) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()  # YAML reads unquoted dates as dates
    if value == END_OF_MONTH and key in DATE_KEYS:
        return date(today.year, today.month,
                    calendar.monthrange(today.year, today.month)[1]).isoformat()
    if isinstance(value, str) and OFFSET.match(value):
        day = shift(today, value)
        if key in DATETIME_KEYS:
            return datetime.combine(day, EVENT_TIME, TIMEZONE).isoformat()
        if key in DATE_KEYS:
            return day.isoformat()
    return value


def load_seed(path: str | Path, today: date) -> SeedData:
    """Read a seed file, resolving relative dates against `today`."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise BackendError(f"kan seed_file {path} niet lezen: {unreadable_because(exc)}"
                           ) from exc
    data = resolve_dates(raw, today)
    organisations = [
        SeedOrganisation(
            key=entry["sleutel"],
            oin=entry["oin"],
            settings={k: entry[k] for k in ORGANISATION_SETTINGS if k in entry},
        )
        for entry in data.get("organisaties", [])
    ]
    oin_of = {o.key: o.oin for o in organisations}
    citizens = []
    for entry in data.get("burgers", []):
        if not elfproef(entry["bsn"]):
            raise BackendError(f"seed_file: burger {entry.get('naam')!r}: bsn voldoet niet "
                               "aan de elfproef")
        citizens.append(SeedCitizen(
            bsn=entry["bsn"],
            naam=entry["naam"],
            omschrijving=entry["omschrijving"],
            cases={oin_of[k]: [case_from_mapping(c) for c in v]
                   for k, v in (entry.get("zaken") or {}).items()},
            arrangements={oin_of[k]: list(v)
                          for k, v in (entry.get("regelingen") or {}).items()},
        ))
    return SeedData(organisations, citizens)
