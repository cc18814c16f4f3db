"""The claims overview: from the backend's cases and the source's own records to a signed
envelope (spec/interface.md, "The claims document").

What the source works out itself, so every document meets the invariants by construction:

- **events**: the backend's facts plus each planned surcharge or reminder whose moment has
  come, unless a pause of that case covered that day (then it is never imposed);
- **totals**: verplicht = Σ imposed, vereffend = Σ paid + Σ remitted, saldo = the difference;
- **achterstand** (unless the backend gives it): what fell due before today and is unpaid —
  the open amount of every overdue demand that was not withdrawn (its `bedrag` minus the
  payments that refer to it by `betalingsverplichting`, net of counter-entries against
  those payments), where a later aanschrijving, herinnering or aanmaning supersedes the
  earlier ones (each restates the whole amount due) and `termijn` demands add up; bounded
  by 0 and max(saldo, 0);
- **volgende_vervaldatum**: under an active arrangement its next instalment; else the
  earliest due date from today of a demand not withdrawn and not (net) paid against; null
  when settled;
- **status**, **acties**, **regelbaar_bedrag** and the 2.2 case facts: case_state.py;
- **betalingsregeling** (the most recent arrangement, with its lifecycle) and
  **pauze_mogelijkheid**: lifecycle.case_members, merged per case.

The signed envelope is cached per citizen for a few seconds (signed_cache.py), keyed by
the citizen's version (kept by database triggers, read with the request proof) and the
backend's own version when it has one, else by all of the above inputs compared in full: a
repeated request with nothing changed is neither read nor signed again.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey

from reference_impl.common import document as claims_document
from reference_impl.common.db import Database
from reference_impl.common.envelope import sign_envelope
from reference_impl.common.problems import Problem
from reference_impl.common.versions import WIRE_VERSION, is_same_major
from reference_impl.source import case_state
from reference_impl.source.backend import Case, ClaimsBackend, VersionedBackend, check_case
from reference_impl.source.clock import TIMEZONE, local_date, rfc3339
from reference_impl.source.config import SourceConfig
from reference_impl.source.errors import BackendError
from reference_impl.source.ledger import arrears, next_due_date
from reference_impl.source.lifecycle import case_members
from reference_impl.source.records import (  # re-exported: pauses.py reads them here
    ActiveArrangement,
    CitizenState,
    PauseRecord,
    load_state,
)
from reference_impl.source.signed_cache import SignedCache, response_body, valid_until

DOCUMENT_VERSION = WIRE_VERSION

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inputs:
    """What one citizen's document is built from; compared in full by the signed-envelope
    cache when the backend has no version of its own, so a change to any of it (an
    instalment paid, a pause ended) builds anew."""

    cases: tuple[Case, ...]
    state: CitizenState
    members: dict[str, dict[str, Any]]


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


def ledger_totals(case: Case, events: list[dict[str, Any]]) -> tuple[int, int]:
    """`(totaal_financieel_verplicht, totaal_financieel_vereffend)`: the sums of the
    events, or the organisation's own ledger totals when its backend gives them."""
    if case.totalen is not None:
        return (case.totalen["totaal_financieel_verplicht"],
                case.totalen["totaal_financieel_vereffend"])
    return claims_document.totals(events)


def _open_instalments(regeling: dict[str, Any] | None,
                      arrangement: ActiveArrangement | None) -> list[dict[str, Any]] | None:
    """The instalments of an arrangement in force that are not paid yet (all of them when
    the lifecycle is not known); None when none is in force."""
    if arrangement is None:
        return None
    if regeling is None or "termijnen" not in regeling:
        return list(arrangement.termijnen)
    return [t for t in regeling["termijnen"] if t.get("status") != "betaald"]


def case_view(case: Case, state: CitizenState, config: SourceConfig, now: float,
              members: dict[str, Any] | None = None) -> CaseView:
    """The wire form of one case under the source's own records; `members` are the 2.2
    members lifecycle.case_members gives this case (its arrangement's full view and the
    pause limits' verdict)."""
    members = members or {}
    today = local_date(now)
    events = imposed_events(case, state.pauses, now)
    verplicht, vereffend = ledger_totals(case, events)
    saldo = verplicht - vereffend
    regeling = members.get("betalingsregeling")
    arrangement = state.arrangements.get(case.zaakkenmerk)
    if regeling is not None and regeling.get("status", "actief") != "actief":
        arrangement = None  # lapsed, amended or ended: shown, but no longer in force
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
    arranged, paused = arrangement is not None, pause is not None
    regelbaar = case_state.arrangeable(case, saldo)
    possibility = members.get("pauze_mogelijkheid")
    wire |= {
        "looptijd": case.looptijd,
        "totaal_financieel_verplicht": verplicht,
        "totaal_financieel_vereffend": vereffend,
        "saldo": saldo,
        "saldo_datumtijd": rfc3339(math.ceil(max(now, latest))),
        "achterstand": achterstand,
        "volgende_vervaldatum": None if saldo <= 0 else next_due_date(
            events, today, _open_instalments(regeling, arrangement)),
        "status": case_state.status(case, saldo, arranged=arranged, paused=paused),
        "regelbaar_bedrag": regelbaar,
    }
    if regeling is not None:
        wire["betalingsregeling"] = regeling
    elif arrangement is not None:
        wire["betalingsregeling"] = {"id": arrangement.id}
    if pause is not None and saldo > 0:
        wire["pauze"] = {"id": pause.id, "einddatum": pause.einddatum.isoformat()}
    if possibility is not None:
        wire["pauze_mogelijkheid"] = possibility
    wire |= case_state.facts(case)
    wire |= {
        "grondslag": case.grondslag,
        "bezwaar": case.bezwaar,
        "contact": case.contact,
        "acties": case_state.actions(case, saldo, config, arranged=arranged, paused=paused,
                                     possibility=possibility, regelbaar=regelbaar),
        "gebeurtenissen": events,
    }
    return CaseView(case, wire)


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
        # checked once: a runtime Protocol check costs microseconds per request
        self._versioned = isinstance(backend, VersionedBackend)

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

    async def inputs(self, bsn: str, now: float) -> Inputs:
        """Everything a citizen's document is built from, read anew: the backend's cases,
        the source's own arrangements and pauses, and the 2.2 members derived from them."""
        cases = await self.cases(bsn)
        state = await load_state(self.database, bsn)
        # lifecycle judges "settled" on the balance the document will show: with the
        # planned surcharges and reminders whose moment has come
        balances = []
        for case in cases:
            verplicht, vereffend = ledger_totals(case, imposed_events(case, state.pauses, now))
            balances.append(CaseView(case, {"saldo": verplicht - vereffend}))
        async with self.database.autocommit() as connection:  # reads only
            members = await case_members(connection, self.config, bsn, balances,
                                         local_date(now))
        return Inputs(tuple(cases), state, members)

    async def case_views(self, bsn: str, now: float) -> list[CaseView]:
        inputs = await self.inputs(bsn, now)
        return [case_view(case, inputs.state, self.config, now, inputs.members.get(
            case.zaakkenmerk)) for case in inputs.cases]

    async def document(self, bsn: str, now: float, *,
                       documentversie: str = DOCUMENT_VERSION) -> dict[str, Any]:
        return self._build(bsn, await self.inputs(bsn, now), now, documentversie)

    def _build(self, bsn: str, inputs: Inputs, now: float,
               documentversie: str) -> dict[str, Any]:
        document = {
            "documentversie": documentversie,
            "bron": {"oin": self.config.oin, "naam": self.config.naam},
            "bsn": bsn,
            "opgesteld_op": rfc3339(now),
            "financiele_zaken": [
                case_view(case, inputs.state, self.config, now,
                          inputs.members.get(case.zaakkenmerk)).wire
                for case in inputs.cases],
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

    async def envelope(self, bsn: str, now: float, *, documentversie: str = DOCUMENT_VERSION,
                       citizen_version: int | None = None) -> dict[str, Any]:
        """The signed overview: the cached one while nothing it was built from changed (see
        `SignedCache`), else built, checked and signed now. Callers must not modify it."""
        key, inputs = await self._cache_key(bsn, now, documentversie, citizen_version)
        return self.cache.get(bsn, key, now) or await self._sign(bsn, key, inputs, now,
                                                                 documentversie)

    async def envelope_body(self, bsn: str, now: float, *,
                            documentversie: str = DOCUMENT_VERSION,
                            citizen_version: int | None = None) -> bytes:
        """`envelope` as the answer's bytes: a cached envelope is not encoded again.

        `citizen_version` is the citizen's `burger_versies` count, read before this call (the
        request proof's statement reads it): with a backend that has a version of its own
        (`VersionedBackend`) the cache is keyed by both and a hit reads nothing more."""
        key, inputs = await self._cache_key(bsn, now, documentversie, citizen_version)
        cached = self.cache.get_body(bsn, key, now)
        if cached is not None:
            return cached
        if await self.cache.joined_build(bsn, key):
            cached = self.cache.get_body(bsn, key, now)
            if cached is not None:
                return cached
        with self.cache.building(bsn, key):
            return response_body(await self._sign(bsn, key, inputs, now, documentversie))

    async def _cache_key(self, bsn: str, now: float, documentversie: str,
                         citizen_version: int | None) -> tuple[tuple[Any, ...], Inputs | None]:
        """The cache key and, when the key needed them, the inputs read for it: the
        citizen's version with the backend's own (`cases_version`) when both are known —
        the source's records are counted by the first, the backend's cases by the second —
        else every input, compared in full."""
        if citizen_version is not None and self._versioned:
            cases_version = await self.backend.cases_version(bsn)  # type: ignore[attr-defined]
            if cases_version is not None:
                return ("versie", citizen_version, cases_version, documentversie,
                        self.config), None
        inputs = await self.inputs(bsn, now)
        return (inputs, documentversie, self.config), inputs

    async def _sign(self, bsn: str, key: tuple[Any, ...], inputs: Inputs | None, now: float,
                    documentversie: str) -> dict[str, Any]:
        # Inputs for a version key are read only now, after the version: data at least as
        # new as the version it is kept under, so an entry is never older than its key says.
        if inputs is None:
            inputs = await self.inputs(bsn, now)
        envelope = sign_envelope(self._build(bsn, inputs, now, documentversie), self.key)
        self.cache.put(bsn, key, now, valid_until(list(inputs.cases), now), envelope)
        return envelope
