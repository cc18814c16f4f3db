"""The claims overview: from the backend's cases and the source's own records to a signed
envelope (spec/interface.md, "The claims document").

What the source works out itself, so every document meets the invariants by construction:

- **events**: the backend's facts plus each planned surcharge or reminder whose moment has
  come, unless a pause of that case covered that day (then it is never imposed);
- **totals**: verplicht = Σ imposed, vereffend = Σ paid + Σ remitted, saldo = the difference;
- **achterstand** (unless the backend gives it): what fell due before today and is unpaid —
  the open amount of every overdue demand that was not withdrawn (its `bedrag` minus the
  payments that refer to it by `betalingsverplichting`), where a later aanschrijving,
  herinnering or aanmaning supersedes the earlier ones (each restates the whole amount
  due) and `termijn` demands add up; bounded by 0 and max(saldo, 0);
- **volgende_vervaldatum**: under an arrangement its next instalment; else the earliest
  due date from today of a demand not withdrawn and not paid against; null when settled;
- **status**: `afgelost` when saldo ≤ 0, else `gepauzeerd` under an active pause, else
  `in_regeling` under an active arrangement, else the backend's own status;
- **acties**: the backend's, minus what the state rules out (no `betalen` when settled,
  no `betalingsregeling`/`pauze` when not offered or already in place).

The signed envelope is cached per citizen for a few seconds, keyed by all of the above
inputs (signed_cache.py): a repeated request with nothing changed is not signed again.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from joserfc.jwk import ECKey

from reference_impl.common import document as claims_document
from reference_impl.common.db import Database
from reference_impl.common.envelope import sign_envelope
from reference_impl.common.problems import Problem
from reference_impl.common.versions import WIRE_VERSION, is_same_major
from reference_impl.source import tables
from reference_impl.source.backend import Case, ClaimsBackend, check_case
from reference_impl.source.clock import TIMEZONE, local_date, rfc3339
from reference_impl.source.config import SourceConfig
from reference_impl.source.errors import BackendError
from reference_impl.source.signed_cache import SignedCache, valid_until

DOCUMENT_VERSION = WIRE_VERSION
DEMAND = "BetalingsverplichtingOpgelegd"
DEMAND_WITHDRAWN = "BetalingsverplichtingIngetrokken"
PAID = "BetalingVerwerkt"
RESTATING_DEMANDS = ("aanschrijving", "herinnering", "aanmaning")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActiveArrangement:
    id: str
    termijnen: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class PauseRecord:
    """A pause as stored; `einddatum` is the last day it holds (moved up when ended early)."""

    id: str
    status: str
    ingangsdatum: date
    einddatum: date
    zaakkenmerken: tuple[str, ...]
    aangemaakt_at: int

    def active_on(self, day: date) -> bool:
        return self.status == "actief" and self.ingangsdatum <= day <= self.einddatum

    def covers(self, zaakkenmerk: str, day: date) -> bool:
        """True when this pause held `zaakkenmerk` on `day` (ended pauses included)."""
        return zaakkenmerk in self.zaakkenmerken and self.ingangsdatum <= day <= self.einddatum


@dataclass(frozen=True)
class CitizenState:
    """What the source itself recorded for a citizen: active arrangements and all pauses."""

    arrangements: dict[str, ActiveArrangement]
    pauses: tuple[PauseRecord, ...]

    def active_pause(self, zaakkenmerk: str, day: date) -> PauseRecord | None:
        return next(
            (p for p in self.pauses if p.active_on(day) and zaakkenmerk in p.zaakkenmerken), None
        )


@dataclass(frozen=True)
class CaseView:
    """A case as the document shows it, with what arrangement and pause rules need."""

    case: Case
    wire: dict[str, Any]

    @property
    def zaakkenmerk(self) -> str:
        return self.case.zaakkenmerk

    @property
    def saldo(self) -> int:
        return self.wire["saldo"]


async def load_state(database: Database, bsn: str) -> CitizenState:
    r, z, p = tables.betalingsregelingen.c, tables.regeling_zaken.c, tables.pauzes.c
    arrangements_query = (
        sa.select(z.zaakkenmerk, r.id, r.body)
        .join(tables.betalingsregelingen, r.id == z.betalingsregeling_id)
        .where(z.bsn == bsn, r.status == "actief")
    )
    pauses_query = sa.select(tables.pauzes).where(p.bsn == bsn).order_by(p.aangemaakt_at, p.id)
    async with database.engine.connect() as connection:
        arrangement_rows = (await connection.execute(arrangements_query)).all()
        pause_rows = (await connection.execute(pauses_query)).all()
    return CitizenState(
        arrangements={
            row.zaakkenmerk: ActiveArrangement(row.id, tuple(row.body["termijnen"]))
            for row in arrangement_rows
        },
        pauses=tuple(
            PauseRecord(
                id=row.id, status=row.status,
                ingangsdatum=date.fromisoformat(row.ingangsdatum),
                einddatum=date.fromisoformat(row.einddatum),
                zaakkenmerken=tuple(row.zaakkenmerken), aangemaakt_at=row.aangemaakt_at,
            )
            for row in pause_rows
        ),
    )


def imposed_events(case: Case, pauses: tuple[PauseRecord, ...], now: float) -> list[dict[str, Any]]:
    """Facts plus the planned events whose moment has come and that no pause held back."""
    events = list(case.gebeurtenissen)
    for planned in case.gepland:
        moment = claims_document.parse_datetime(planned["datumtijd"])
        if moment.timestamp() > now:
            continue
        day = moment.astimezone(TIMEZONE).date()
        if any(p.covers(case.zaakkenmerk, day) for p in pauses):
            continue  # suppressed: the pause stopped this surcharge or reminder
        events.append(planned)
    return sorted(events, key=lambda e: claims_document.parse_datetime(e["datumtijd"]))


def arrears(events: list[dict[str, Any]], saldo: int, today: date) -> int:
    """The achterstand rule of the module docstring."""
    withdrawn = {
        e["betalingsverplichting"] for e in events if e["gebeurtenistype"] == DEMAND_WITHDRAWN
    }
    paid_against: dict[str, int] = {}
    for e in events:
        if e["gebeurtenistype"] == PAID and "betalingsverplichting" in e:
            reference = e["betalingsverplichting"]
            paid_against[reference] = paid_against.get(reference, 0) + e["bedrag"]
    overdue = [
        e for e in events
        if e["gebeurtenistype"] == DEMAND
        and e["gebeurtenis_id"] not in withdrawn
        and date.fromisoformat(e["vervaldatum"]) < today
    ]
    restating = [e for e in overdue if e["soort"] in RESTATING_DEMANDS]
    counted = [e for e in overdue if e["soort"] == "termijn"] + restating[-1:]
    unpaid = sum(max(e["bedrag"] - paid_against.get(e["gebeurtenis_id"], 0), 0) for e in counted)
    return min(unpaid, max(saldo, 0))


def next_due_date(
    events: list[dict[str, Any]], today: date, arrangement: ActiveArrangement | None
) -> str | None:
    if arrangement is not None:
        return next((t["vervaldatum"] for t in arrangement.termijnen
                     if date.fromisoformat(t["vervaldatum"]) >= today), None)
    closed = {e.get("betalingsverplichting") for e in events
              if e["gebeurtenistype"] in (DEMAND_WITHDRAWN, PAID)}
    due = [
        date.fromisoformat(e["vervaldatum"]) for e in events
        if e["gebeurtenistype"] == DEMAND and e["gebeurtenis_id"] not in closed
        and date.fromisoformat(e["vervaldatum"]) >= today
    ]
    return min(due).isoformat() if due else None


def case_view(case: Case, state: CitizenState, config: SourceConfig, now: float) -> CaseView:
    """The wire form of one case under the source's own records."""
    today = local_date(now)
    events = imposed_events(case, state.pauses, now)
    verplicht, vereffend = claims_document.totals(events)
    if case.totalen is not None:  # the organisation's ledger speaks for itself
        verplicht = case.totalen["totaal_financieel_verplicht"]
        vereffend = case.totalen["totaal_financieel_vereffend"]
    saldo = verplicht - vereffend
    arrangement = state.arrangements.get(case.zaakkenmerk)
    pause = state.active_pause(case.zaakkenmerk, today)
    latest = max((claims_document.parse_datetime(e["datumtijd"]).timestamp() for e in events),
                 default=now)
    wire: dict[str, Any] = {
        "zaakkenmerk": case.zaakkenmerk,
        "omschrijving": case.omschrijving,
        "vorderingtype": case.vorderingtype,
    }
    if case.schuldeiser is not None:
        wire["schuldeiser"] = case.schuldeiser
    achterstand = (
        case.achterstand if case.achterstand is not None else arrears(events, saldo, today)
    )
    wire |= {
        "looptijd": case.looptijd,
        "totaal_financieel_verplicht": verplicht,
        "totaal_financieel_vereffend": vereffend,
        "saldo": saldo,
        "saldo_datumtijd": rfc3339(math.ceil(max(now, latest))),
        "achterstand": achterstand,
        "volgende_vervaldatum": None if saldo <= 0 else next_due_date(events, today, arrangement),
        "status": _status(case, saldo, arrangement, pause),
    }
    if arrangement is not None:
        wire["betalingsregeling"] = {"id": arrangement.id}
    if pause is not None and saldo > 0:
        wire["pauze"] = {"id": pause.id, "einddatum": pause.einddatum.isoformat()}
    wire |= {
        "grondslag": case.grondslag,
        "bezwaar": case.bezwaar,
        "contact": case.contact,
        "acties": _actions(case, saldo, config, arrangement, pause),
        "gebeurtenissen": events,
    }
    return CaseView(case, wire)


def _status(
    case: Case, saldo: int, arrangement: ActiveArrangement | None, pause: PauseRecord | None
) -> str:
    if saldo <= 0:
        return "afgelost"
    if pause is not None:
        return "gepauzeerd"
    if arrangement is not None:
        return "in_regeling"
    return case.status


def _actions(
    case: Case, saldo: int, config: SourceConfig,
    arrangement: ActiveArrangement | None, pause: PauseRecord | None,
) -> list[str]:
    blocked: set[str] = set()
    if saldo <= 0:
        blocked |= {"betalen", "betalingsregeling", "pauze"}
    if not config.offers("betalingsregelingen") or arrangement is not None:
        blocked.add("betalingsregeling")
    if not config.offers("pauzes") or pause is not None:
        blocked.add("pauze")
    return [a for a in case.acties if a not in blocked]


def internal_error() -> Problem:
    """The answer when the source cannot build a valid document: 500, logged by the caller
    in one line, so no traceback per request."""
    return Problem(500, "algemeen/interne-fout",
                   "De bron kan het overzicht nu niet opstellen; probeer het later opnieuw.")


class Overview:
    """Builds and signs the claims document of one citizen."""

    def __init__(
        self, config: SourceConfig, backend: ClaimsBackend, database: Database, key: ECKey
    ) -> None:
        self.config = config
        self.backend = backend
        self.database = database
        self.key = key
        self.cache = SignedCache()

    async def cases(self, bsn: str) -> list[Case]:
        """The backend's cases of `bsn`, checked; a 500 problem when the backend erred."""
        try:
            cases = list(await self.backend.cases_for(bsn))
            for case in cases:
                check_case(case)
            if len({c.zaakkenmerk for c in cases}) != len(cases):
                raise BackendError("the backend returned two cases with one zaakkenmerk")
        except BackendError as exc:
            # One line naming the case and field (never the BSN); the caller gets a problem.
            log.error("the claims backend returned an invalid case: %s", exc)
            raise internal_error() from None
        return cases

    async def case_views(self, bsn: str, now: float) -> list[CaseView]:
        cases = await self.cases(bsn)
        state = await load_state(self.database, bsn)
        return [case_view(case, state, self.config, now) for case in cases]

    async def document(self, bsn: str, now: float, *,
                       documentversie: str = DOCUMENT_VERSION) -> dict[str, Any]:
        cases = await self.cases(bsn)
        state = await load_state(self.database, bsn)
        return self._build(bsn, cases, state, now, documentversie)

    def _build(self, bsn: str, cases: list[Case], state: CitizenState, now: float,
               documentversie: str) -> dict[str, Any]:
        document = {
            "documentversie": documentversie,
            "bron": {"oin": self.config.oin, "naam": self.config.naam},
            "bsn": bsn,
            "opgesteld_op": rfc3339(now),
            "financiele_zaken": [case_view(case, state, self.config, now).wire
                                 for case in cases],
        }
        if self.config.validate_documents:
            # A next major played by the rollout test keeps this major's shape: check that.
            checked = document if is_same_major(documentversie) else (
                document | {"documentversie": DOCUMENT_VERSION})
            found = claims_document.problems(checked)
            if found:
                # The rule and pointer only: never the document (it holds the BSN).
                log.error("refusing to sign an invalid claims document: %s", "; ".join(found[:5]))
                raise internal_error() from None
        return document

    async def envelope(self, bsn: str, now: float, *,
                       documentversie: str = DOCUMENT_VERSION) -> dict[str, Any]:
        """The signed overview: the cached one while nothing it was built from changed (see
        `SignedCache`), else built, checked and signed now. Callers must not modify it."""
        cases = await self.cases(bsn)
        state = await load_state(self.database, bsn)
        inputs = (tuple(cases), state, documentversie, self.config)
        cached = self.cache.get(bsn, inputs, now)
        if cached is not None:
            return cached
        envelope = sign_envelope(self._build(bsn, cases, state, now, documentversie), self.key)
        self.cache.put(bsn, inputs, now, valid_until(cases, now), envelope)
        return envelope
