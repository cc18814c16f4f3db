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
        regelingen: {<organisatie-sleutel>: [plan, ...]}
        pauzes: {<organisatie-sleutel>: [{ingangsdatum, einddatum, zaakkenmerken?}]}

A `plan` is the body of a quote request (`zaakkenmerken` and `aantal_termijnen` or
`termijnbedrag`, optionally `rekenregel`) plus, optionally, `aangegaan` (when the citizen
agreed it; default: when the source is seeded) and `wijziging` (a later amendment: another
quote body with its own `aangegaan`, replacing this arrangement). A seeded pause starts on
its `ingangsdatum`. `seed_records` replays all of these at their own moment, oldest first,
through the source's own operations — so a lapsed or amended arrangement, or pause limits
already used up, arise exactly as they would have.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Protocol

import yaml

from reference_impl.common.document import elfproef
from reference_impl.common.problems import Problem
from reference_impl.common.settings import unreadable_because
from reference_impl.source.backend import Case, case_from_mapping
from reference_impl.source.clock import TIMEZONE
from reference_impl.source.errors import BackendError

OFFSET = re.compile(r"^([+-])([0-9]+)([dmy])$")
END_OF_MONTH = "maandeinde"  # the last day of the current month: always "due this month"
EVENT_TIME = time(9, 0)
DATETIME_KEYS = frozenset({"datumtijd", "aangegaan"})
DATE_KEYS = frozenset({
    "vervaldatum", "uiterlijk", "ingangsdatum", "einddatum",
    # the 2.2 case facts
    "gelegd_op", "ingediend_op", "sinds", "tot", "datum",
})
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
    pauses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


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
    match = OFFSET.fullmatch(offset)
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
    if isinstance(value, str) and OFFSET.fullmatch(value):
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
            pauses={oin_of[k]: list(v) for k, v in (entry.get("pauzes") or {}).items()},
        ))
    return SeedData(organisations, citizens)


class Seeding(Protocol):
    """The source operations `seed_records` replays (arrangements.py, pauses.py)."""

    async def quote(self, bsn: str, body: dict[str, Any], now: int) -> dict[str, Any]: ...

    async def accept(self, bsn: str, key: str, body: dict[str, Any],
                     now: int) -> tuple[dict[str, Any], bool]: ...


class PauseSeeding(Protocol):
    async def create(self, bsn: str, body: dict[str, Any], now: int) -> dict[str, Any]: ...


@dataclass(frozen=True)
class _Step:
    at: int
    bsn: str
    kind: str  # "regeling", "wijziging" or "pauze"
    body: dict[str, Any]
    number: int


def _moment(value: Any, default: int) -> int:
    return default if value is None else int(datetime.fromisoformat(value).timestamp())


def seed_steps(seed: SeedData, oin: str, now: int) -> list[_Step]:
    """Every arrangement, amendment and pause of the organisation `oin`, oldest first."""
    steps = []
    for citizen in seed.citizens:
        for number, plan in enumerate(citizen.arrangements.get(oin, [])):
            body = {k: v for k, v in plan.items() if k not in ("aangegaan", "wijziging")}
            steps.append(_Step(_moment(plan.get("aangegaan"), now), citizen.bsn, "regeling",
                               body, number))
            change = plan.get("wijziging")
            if change is not None:
                steps.append(_Step(_moment(change.get("aangegaan"), now), citizen.bsn,
                                   "wijziging", {**body, **{k: v for k, v in change.items()
                                                            if k != "aangegaan"}}, number))
        for number, pause in enumerate(citizen.pauses.get(oin, [])):
            body = {k: v for k, v in pause.items() if k != "ingangsdatum"}
            start = datetime.combine(date.fromisoformat(pause["ingangsdatum"]), EVENT_TIME,
                                     TIMEZONE)
            steps.append(_Step(int(start.timestamp()), citizen.bsn, "pauze", body, number))
    return sorted(steps, key=lambda s: (s.at, s.bsn, s.kind, s.number))


async def seed_records(seed: SeedData, oin: str, arrangements: Seeding | None,
                       pauses: PauseSeeding | None, now: int) -> list[str]:
    """Replay the seed's arrangements, amendments and pauses for `oin` at their own moments;
    returns one line per step the source refused (e.g. another process seeded it first)."""
    refused = []
    made: dict[tuple[str, int], str] = {}
    for step in seed_steps(seed, oin, now):
        label = f"{step.kind} {step.number}"
        try:
            if step.kind == "pauze":
                if pauses is not None:
                    await pauses.create(step.bsn, step.body, step.at)
                continue
            if arrangements is None:
                continue
            body = dict(step.body)
            if step.kind == "wijziging":
                if (step.bsn, step.number) not in made:
                    continue
                body["vervangt"] = made[(step.bsn, step.number)]
            quote = await arrangements.quote(step.bsn, body, step.at)
            created, _ = await arrangements.accept(
                step.bsn, f"seed-{step.kind}-{step.number}",
                {"voorstel_id": quote["voorstel_id"]}, step.at)
            made[(step.bsn, step.number)] = created["id"]
        except Problem as exc:
            refused.append(f"seed {label} not made: {exc.code}")
    return refused
