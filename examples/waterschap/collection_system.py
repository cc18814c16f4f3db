"""Read access to the cooperative's collection system: two views, one query each.

`CollectionSystem(url)` opens an async SQLAlchemy engine on the system's database (the
bundled test database is SQLite; the cooperative's own is PostgreSQL or anything with an
async SQLAlchemy driver) and reads, for one citizen:

- `vw_vorderingen`: the claims, one per tax bill and participant (creditor), each with
  the legal remedy that runs against it, if any;
- `vw_boekingen`: the ledger of those claims (levies, costs, instalments, notices,
  payments with how they came in, remissions), facts and the planned steps of the
  collection run;
- `vw_beslagen`: the garnishments in force for those claims.

Only SELECTs, with bound parameters; each read (connect and every query) has a timeout.
Dates arrive as `date` (PostgreSQL) or ISO text (SQLite) and are returned as `date`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from examples.waterschap.errors import CollectionSystemError

READ_TIMEOUT_S = 5.0
SQLITE_BUSY_TIMEOUT_S = 5.0

CLAIMS = sa.text(
    "SELECT vordering_id, biljetnummer, belastingjaar, dagtekening, aantal_termijnen, "
    "bezwaar_tot, invorderingsfase, deelnemer, deelnemer_oin, deelnemer_naam, deelnemer_soort, "
    "rm_stadium, rm_ingediend_op, rm_instantie, rm_uitstel_van_betaling "
    "FROM vw_vorderingen WHERE bsn = :bsn ORDER BY dagtekening, vordering_id"
)
BOOKINGS = sa.text(
    "SELECT vordering_id, boeking_id, boekdatum, soort, bedrag_cent, omschrijving, vervaldatum, "
    "kenmerk, tegenboeking, gepland, betaalwijze FROM vw_boekingen "
    "WHERE vordering_id IN (SELECT vordering_id FROM vw_vorderingen WHERE bsn = :bsn) "
    "ORDER BY vordering_id, boekdatum, boeking_id"
)
GARNISHMENTS = sa.text(
    "SELECT vordering_id, beslag_id, soort, gelegd_op, derde, beslagvrije_voet_cent "
    "FROM vw_beslagen "
    "WHERE vordering_id IN (SELECT vordering_id FROM vw_vorderingen WHERE bsn = :bsn) "
    "ORDER BY vordering_id, gelegd_op, beslag_id"
)


@dataclass(frozen=True)
class Remedy:
    """The legal remedy that runs against a claim (bezwaar, beroep, hoger_beroep)."""

    stadium: str
    ingediend_op: date
    instantie: str
    uitstel_van_betaling: bool


@dataclass(frozen=True)
class Claim:
    """A row of `vw_vorderingen`: one bill's part of one participant (the creditor)."""

    vordering_id: str
    biljetnummer: str
    belastingjaar: int
    dagtekening: date
    aantal_termijnen: int
    bezwaar_tot: date
    invorderingsfase: str  # regulier | bezwaar | dwanginvordering
    deelnemer: str
    deelnemer_oin: str
    deelnemer_naam: str
    deelnemer_soort: str  # waterschap | gemeente
    rechtsmiddel: Remedy | None


@dataclass(frozen=True)
class Booking:
    """A row of `vw_boekingen`; `tegenboeking` is the booking it settles or withdraws."""

    vordering_id: str
    boeking_id: str
    boekdatum: date
    soort: str
    bedrag_cent: int
    omschrijving: str
    vervaldatum: date | None
    kenmerk: str | None
    tegenboeking: str | None
    gepland: bool
    betaalwijze: str | None  # betaling: bank | incasso | verrekening | beslag


@dataclass(frozen=True)
class Garnishment:
    """A row of `vw_beslagen`: a garnishment in force for a claim."""

    vordering_id: str
    beslag_id: str
    soort: str  # loonbeslag | uitkeringsbeslag | bankbeslag | beslag_roerende_zaken
    gelegd_op: date
    derde: str | None
    beslagvrije_voet_cent: int | None  # per month


def text_or_none(value: object) -> str | None:
    """A nullable text column: None stays None (the view's NULL means "not known")."""
    return None if value is None else str(value)


def as_date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CollectionSystemError(f"{where}: {value!r} is not a date")


class CollectionSystem:
    """The collection system's database, read through its two views."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            # SQLite: a connection per read (cheap), so no pooled connection outlives the
            # event loop that opened it. Other databases: a pool, checked before use.
            options = ({"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}, "poolclass": NullPool}
                       if self.url.startswith("sqlite") else {"pool_pre_ping": True})
            self._engine = create_async_engine(self.url, **options)
        return self._engine

    async def claims_and_bookings(
        self, bsn: str
    ) -> tuple[list[Claim], dict[str, list[Booking]], dict[str, list[Garnishment]]]:
        """The citizen's claims (oldest first), each claim's bookings (by date) and its
        garnishments in force."""
        try:
            async with asyncio.timeout(READ_TIMEOUT_S), self.engine.connect() as connection:
                claim_rows = (await connection.execute(CLAIMS, {"bsn": bsn})).all()
                booking_rows = (await connection.execute(BOOKINGS, {"bsn": bsn})).all()
                garnishment_rows = (await connection.execute(GARNISHMENTS, {"bsn": bsn})).all()
        except TimeoutError:
            raise CollectionSystemError(
                f"the collection system did not answer within {READ_TIMEOUT_S:g} s") from None
        except SQLAlchemyError as exc:
            # The driver's message may quote parameters: name only the kind of failure.
            raise CollectionSystemError(
                f"the collection system cannot be read ({type(exc).__name__})") from None
        claims = [_claim(row) for row in claim_rows]
        bookings: dict[str, list[Booking]] = {c.vordering_id: [] for c in claims}
        for row in booking_rows:
            booking = _booking(row)
            bookings.setdefault(booking.vordering_id, []).append(booking)
        garnishments: dict[str, list[Garnishment]] = {}
        for row in garnishment_rows:
            garnishment = _garnishment(row)
            garnishments.setdefault(garnishment.vordering_id, []).append(garnishment)
        return claims, bookings, garnishments

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None


def _claim(row: sa.Row[Any]) -> Claim:
    data = dict(row._mapping)
    where = f"vw_vorderingen {data['vordering_id']}"
    return Claim(
        vordering_id=str(data["vordering_id"]),
        biljetnummer=str(data["biljetnummer"]),
        belastingjaar=int(data["belastingjaar"]),
        dagtekening=as_date(data["dagtekening"], f"{where} dagtekening"),
        aantal_termijnen=int(data["aantal_termijnen"]),
        bezwaar_tot=as_date(data["bezwaar_tot"], f"{where} bezwaar_tot"),
        invorderingsfase=str(data["invorderingsfase"]),
        deelnemer=str(data["deelnemer"]),
        deelnemer_oin=str(data["deelnemer_oin"]),
        deelnemer_naam=str(data["deelnemer_naam"]),
        deelnemer_soort=str(data["deelnemer_soort"]),
        rechtsmiddel=None if data["rm_stadium"] is None else Remedy(
            stadium=str(data["rm_stadium"]),
            ingediend_op=as_date(data["rm_ingediend_op"], f"{where} rm_ingediend_op"),
            instantie=str(data["rm_instantie"]),
            uitstel_van_betaling=bool(data["rm_uitstel_van_betaling"]),
        ),
    )


def _booking(row: sa.Row[Any]) -> Booking:
    data = dict(row._mapping)
    where = f"vw_boekingen {data['vordering_id']}/{data['boeking_id']}"
    due = data["vervaldatum"]
    return Booking(
        vordering_id=str(data["vordering_id"]),
        boeking_id=str(data["boeking_id"]),
        boekdatum=as_date(data["boekdatum"], f"{where} boekdatum"),
        soort=str(data["soort"]),
        bedrag_cent=int(data["bedrag_cent"]),
        omschrijving=str(data["omschrijving"] or ""),
        vervaldatum=None if due is None else as_date(due, f"{where} vervaldatum"),
        kenmerk=text_or_none(data["kenmerk"]),
        tegenboeking=text_or_none(data["tegenboeking"]),
        gepland=bool(data["gepland"]),
        betaalwijze=text_or_none(data["betaalwijze"]),
    )


def _garnishment(row: sa.Row[Any]) -> Garnishment:
    data = dict(row._mapping)
    where = f"vw_beslagen {data['vordering_id']}/{data['beslag_id']}"
    protected = data["beslagvrije_voet_cent"]
    return Garnishment(
        vordering_id=str(data["vordering_id"]),
        beslag_id=str(data["beslag_id"]),
        soort=str(data["soort"]),
        gelegd_op=as_date(data["gelegd_op"], f"{where} gelegd_op"),
        derde=text_or_none(data["derde"]),
        beslagvrije_voet_cent=None if protected is None else int(protected),
    )
