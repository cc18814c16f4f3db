"""The pluggable data side of a source: where an organisation's claims come from.

An organisation implements one small protocol over its own system:

    class ClaimsBackend(Protocol):
        async def cases_for(self, bsn: str) -> Sequence[Case]: ...

`cases_for` returns the citizen's cases (financiële zaken) as the organisation's system
knows them: the facts (`gebeurtenissen`, in the wire form of the claims document), the
texts, the legal basis, the objection route, the actions, and the *dunning schedule*
(`gepland`): surcharges and reminders the system would impose automatically at their
`datumtijd`. Everything else the source works out itself and records in its own
database: totals, saldo and arrears (from the events, by the rules of overview.py),
arrangements, pauses, help requests, and the status those imply. The schedule is how a
pause works: a planned surcharge or reminder whose moment falls inside a pause of its case
is never imposed. An organisation whose own system runs its dunning instead must hold it
for the cases listed in the source's `pauzes` table.

A backend that holds resources of its own (a connection pool to the organisation's
system) may also define `async aclose()`; the source awaits it when it shuts down.

A backend may also tell the source cheaply whether a citizen's cases changed, so a repeated
overview skips reading them (`VersionedBackend`): `async cases_version(bsn)` returns a
value that differs whenever `cases_for(bsn)` may answer differently (a change counter or
a last-modified stamp of the organisation's system — never a clock reading), or None when
it cannot tell. A backend without it has its cases read and compared in full on every
overview, which is always correct.

`DatabaseBackend` is the reference implementation: cases stored as JSON in the source's
own database (table `zaken`), seeded from the demo data file or by `store`.
`load_backend(name, ...)` picks a backend from the configuration: `database`, or
`package.module:factory` where `factory(config, database)` returns a `ClaimsBackend`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

import sqlalchemy as sa

from reference_impl.common.db import Database
from reference_impl.source import tables
from reference_impl.source.config import SourceConfig
from reference_impl.source.errors import BackendError

BASE_STATUSES = ("open", "in_bezwaar", "overgedragen_aan_deurwaarder")
LOOPTIJDEN = ("eenmalig", "termijnen", "doorlopend")
ACTIES = ("betalen", "betalingsregeling", "pauze", "bezwaar", "hulp")
# Planned events a pause suppresses: surcharges, and reminders/final notices.
SURCHARGE_CATEGORIES = ("verhoging", "rente", "kosten", "administratiekosten")
REMINDER_KINDS = ("herinnering", "aanmaning")
ZAAKKENMERK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Case:
    """One financial case as the organisation's system knows it.

    `gebeurtenissen` are facts already imposed, each a claims-document event
    (`gebeurtenis_id`, `gebeurtenistype`, `datumtijd`, own fields). `gepland` holds
    planned surcharges (`FinancieleVerplichtingOpgelegd` with a surcharge `categorie`) and
    reminders (`BetalingsverplichtingOpgelegd` with `soort` herinnering/aanmaning) that
    become facts at their `datumtijd` unless a pause covers that moment; nothing may refer
    to a planned event. `status` is the organisation's own view (open, in_bezwaar,
    overgedragen_aan_deurwaarder); `afgelost`, `in_regeling` and `gepauzeerd` are derived
    by the source. `achterstand` overrides the source's arrears rule when the system knows
    better. `totalen` (`totaal_financieel_verplicht`, `totaal_financieel_vereffend`) passes
    the system's own ledger totals instead of the sums of the events — then `saldo` is
    their difference, and the source's safety net (`validate_documents`) refuses to sign a
    document whose ledger disagrees with its events.
    """

    zaakkenmerk: str
    omschrijving: str
    vorderingtype: str
    looptijd: str
    grondslag: dict[str, str]
    contact: dict[str, str]
    gebeurtenissen: tuple[dict[str, Any], ...]
    bezwaar: dict[str, Any] = field(default_factory=lambda: {"mogelijk": False})
    acties: tuple[str, ...] = ("betalen",)
    status: str = "open"
    schuldeiser: dict[str, str] | None = None
    gepland: tuple[dict[str, Any], ...] = ()
    achterstand: int | None = None
    totalen: dict[str, int] | None = None
    regelbaar_bedrag: int | None = None
    rechtsmiddel: dict[str, Any] | None = None
    schuldregeling: dict[str, Any] | None = None
    beslag: tuple[dict[str, Any], ...] = ()
    overgenomen_van: dict[str, Any] | None = None
    pauze_mogelijkheid: dict[str, Any] | None = None

    def to_mapping(self) -> dict[str, Any]:
        """Plain JSON-able form (for storage)."""
        data = asdict(self)
        data["gebeurtenissen"] = list(self.gebeurtenissen)
        data["gepland"] = list(self.gepland)
        data["acties"] = list(self.acties)
        data["beslag"] = list(self.beslag)
        return data


def case_from_mapping(data: Any) -> Case:
    """A `Case` from its mapping form; `BackendError` naming the field when invalid."""
    if not isinstance(data, dict):
        raise BackendError(f"a case must be a mapping, not {type(data).__name__}")
    try:
        case = Case(
            **{
                **data,
                "gebeurtenissen": tuple(data.get("gebeurtenissen", ())),
                "gepland": tuple(data.get("gepland", ())),
                "acties": tuple(data.get("acties", ("betalen",))),
                "beslag": tuple(data.get("beslag") or ()),
            }
        )
    except TypeError as exc:
        raise BackendError(f"case {data.get('zaakkenmerk')!r}: {exc}") from exc
    check_case(case)
    return case


TOTALEN_KEYS = ("totaal_financieel_verplicht", "totaal_financieel_vereffend")
# The reasons a backend may give for "no pause for this case"; the others of the
# pauze_mogelijkheid enum (afgelost, in-schuldregeling, maximum-bereikt, wachttijd) the
# source decides itself.
BACKEND_PAUSE_REASONS = ("wettelijke-rente", "bij-deurwaarder", "niet-voor-deze-zaak")
MAX_BESLAG = 10  # the schema's bound on a case's garnishments
CASE_FACTS = ("rechtsmiddel", "schuldregeling", "overgenomen_van", "pauze_mogelijkheid")


def check_case(case: Case) -> None:
    """Refuse a case the source could not turn into a valid document."""
    label = f"case {case.zaakkenmerk!r}"
    if not isinstance(case.zaakkenmerk, str) or not ZAAKKENMERK.fullmatch(case.zaakkenmerk):
        raise BackendError(f"{label}: zaakkenmerk does not match {ZAAKKENMERK.pattern}")
    if case.looptijd not in LOOPTIJDEN:
        raise BackendError(f"{label}: looptijd {case.looptijd!r} not in {LOOPTIJDEN}")
    if case.status not in BASE_STATUSES:
        raise BackendError(f"{label}: status {case.status!r} not in {BASE_STATUSES}")
    if any(a not in ACTIES for a in case.acties):
        raise BackendError(f"{label}: acties {case.acties!r} not all in {ACTIES}")
    if case.totalen is not None and (
        set(case.totalen) != set(TOTALEN_KEYS)
        or not all(type(case.totalen[k]) is int for k in TOTALEN_KEYS)
    ):
        raise BackendError(f"{label}: totalen must hold exactly the integer cents "
                           f"{', '.join(TOTALEN_KEYS)}")
    _check_facts(case, label)
    for event in case.gepland:
        if not is_suppressible(event):
            raise BackendError(
                f"{label}: planned event {event.get('gebeurtenis_id')!r} is not a surcharge "
                "or reminder"
            )


def _check_facts(case: Case, label: str) -> None:
    """The 2.2 case facts: their shape is the schema's job (the source checks every document
    it signs); here what the schema cannot see, named per case and field."""
    amount = case.regelbaar_bedrag
    if amount is not None and (type(amount) is not int or amount < 0):
        raise BackendError(f"{label}: regelbaar_bedrag must be integer cents >= 0")
    for name in CASE_FACTS:
        value = getattr(case, name)
        if value is not None and not isinstance(value, dict):
            raise BackendError(f"{label}: {name} must be a mapping")
    if len(case.beslag) > MAX_BESLAG or not all(isinstance(b, dict) for b in case.beslag):
        raise BackendError(f"{label}: beslag must be a list of at most {MAX_BESLAG} mappings")
    if case.rechtsmiddel is not None and case.status != "in_bezwaar":
        # rule /document/rechtsmiddel-status: in major 2 every remedy stage is in_bezwaar
        raise BackendError(f"{label}: rechtsmiddel requires status in_bezwaar")
    excluded = case.pauze_mogelijkheid
    if excluded is not None and (excluded.get("mogelijk") is not False
                                 or excluded.get("reden") not in BACKEND_PAUSE_REASONS):
        raise BackendError(f"{label}: pauze_mogelijkheid must be mogelijk: false with a reden "
                           f"in {BACKEND_PAUSE_REASONS}")
    if excluded is not None and "pauze" in case.acties:
        raise BackendError(f"{label}: pauze_mogelijkheid says no pause, but pauze in acties")


def is_suppressible(event: dict[str, Any]) -> bool:
    """True for the events a pause holds back: surcharges, reminders and final notices."""
    kind = event.get("gebeurtenistype")
    if kind == "FinancieleVerplichtingOpgelegd":
        return event.get("categorie") in SURCHARGE_CATEGORIES and "correctie_van" not in event
    if kind == "BetalingsverplichtingOpgelegd":
        return event.get("soort") in REMINDER_KINDS
    return False


@runtime_checkable
class ClaimsBackend(Protocol):
    """What an organisation implements over its own system."""

    async def cases_for(self, bsn: str) -> Sequence[Case]:
        """The citizen's cases, in a stable order (empty when there are none)."""
        ...


@runtime_checkable
class VersionedBackend(Protocol):
    """A backend that can say whether a citizen's cases changed (module docstring)."""

    async def cases_version(self, bsn: str) -> Hashable | None:
        """A value that differs whenever `cases_for(bsn)` may answer differently; None when
        the backend cannot tell (then the cases are read and compared in full)."""
        ...


class DatabaseBackend:
    """Cases kept as JSON in the source's own database (table `zaken`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def cases_version(self, bsn: str) -> Hashable | None:
        """Always the same: every write to `zaken` — by the source, another process or plain
        SQL — raises the citizen's `burger_versies` count (triggers, migration 0005), which
        the overview's cache key holds beside this."""
        return "zaken"

    async def cases_for(self, bsn: str) -> Sequence[Case]:
        query = (
            sa.select(tables.zaken.c.data)
            .where(tables.zaken.c.bsn == bsn)
            .order_by(tables.zaken.c.volgorde, tables.zaken.c.zaakkenmerk)
        )
        async with self.database.autocommit() as connection:  # reads only
            rows = (await connection.execute(query)).all()
        return [case_from_mapping(row.data) for row in rows]

    async def store(self, bsn: str, cases: Sequence[Case]) -> None:
        """Replace the citizen's cases by `cases` (checked first)."""
        for case in cases:
            check_case(case)
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.delete(tables.zaken).where(tables.zaken.c.bsn == bsn))
            if cases:
                await connection.execute(
                    sa.insert(tables.zaken),
                    [
                        {"bsn": bsn, "zaakkenmerk": c.zaakkenmerk, "volgorde": i,
                         "data": c.to_mapping()}
                        for i, c in enumerate(cases)
                    ],
                )

    async def is_empty(self) -> bool:
        async with self.database.autocommit() as connection:  # reads only
            count = await connection.scalar(sa.select(sa.func.count()).select_from(tables.zaken))
        return not count


def backend_factory(name: str) -> Any:
    """The factory `package.module:factory` names (`DatabaseBackend` for `database`);
    `BackendError` naming the setting when it cannot be imported — checked at start-up
    before the database is touched."""
    if name == "database":
        return lambda _config, database: DatabaseBackend(database)
    module_name, _, attribute = name.partition(":")
    if not attribute:
        raise BackendError(f"backend {name!r}: gebruik 'database' of 'pakket.module:factory'")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise BackendError(f"backend {name!r} is niet te laden: {exc}") from exc
    if not callable(factory):
        raise BackendError(f"backend {name!r} is geen factory(config, database)")
    return factory


def load_backend(name: str, config: SourceConfig, database: Database) -> ClaimsBackend:
    """`database`, or `package.module:factory` called as `factory(config, database)`."""
    if name == "database":
        return DatabaseBackend(database)
    backend = backend_factory(name)(config, database)
    if not isinstance(backend, ClaimsBackend):
        raise BackendError(f"backend {name!r} heeft geen cases_for(bsn)")
    return backend
