"""One payment arrangement across organisations, coordinated by the app (no broker).

`plan_arrangement(...)`: choose the cases (every case in a verified overview whose
organisation offers `betalingsregelingen`, that lists the action `betalingsregeling`, has
`saldo > 0` and is not already in an arrangement, in objection or with a bailiff — or the
cases the citizen names), read each organisation's limits from `/configuratie`, split the
one monthly amount with the allocation rule (`allocation.py`, ALLOCATION.md), and ask
every organisation for a quote at its share, concurrently. Quotes bind nothing: if one
cannot be given, the plan says which organisation refused and why, and nothing happened.

`conclude(plan)`: accept the quotes one after another, in the plan's order. If an
acceptance fails, every arrangement accepted before it is withdrawn (within the
cooling-off period), and the result says per organisation what happened: `aangegaan`,
`mislukt` (with the code), `ingetrokken`, `intrekken_mislukt` (still active: the citizen
must contact that organisation), `onzeker` (no answer: it may or may not exist) or
`niet_geprobeerd`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reference_impl.app.allocation import Claim, allocate
from reference_impl.app.errors import AllocationError, AppError, Unreachable
from reference_impl.app.overview import Overview
from reference_impl.app.sources import SOURCE_TIMEOUT_S, SourceClient, fan_out

SERVICE = "betalingsregelingen"
ACTION = "betalingsregeling"
EXCLUDED_STATUSES = ("in_regeling", "in_bezwaar", "overgedragen_aan_deurwaarder", "afgelost")


@dataclass
class Part:
    """One organisation's part of the arrangement."""

    source: SourceClient
    zaakkenmerken: list[str]
    totaal: int
    termijnbedrag: int = 0
    voorstel: dict[str, Any] | None = None
    regeling: dict[str, Any] | None = None
    status: str = "voorgesteld"
    code: str | None = None
    detail: str = ""
    redenen: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "organisatie": {"oin": self.source.oin, "naam": self.source.naam},
            "zaakkenmerken": self.zaakkenmerken, "totaal": self.totaal,
            "termijnbedrag": self.termijnbedrag, "status": self.status,
        }
        if self.voorstel is not None:
            data["aantal_termijnen"] = self.voorstel["aantal_termijnen"]
            data["voorstel_id"] = self.voorstel["voorstel_id"]
        if self.regeling is not None:
            data["betalingsregeling_id"] = self.regeling["id"]
        if self.code:
            data["code"] = self.code
        if self.detail:
            data["detail"] = self.detail
        if self.redenen:
            data["redenen"] = self.redenen
        contact = self.source.contact
        if contact:
            data["contact"] = contact
        return data

    def failed(self, status: str, error: AppError) -> None:
        self.status = status
        self.code = getattr(error, "code", None) or "app/fout"
        self.detail = getattr(error, "detail", "") or str(error)
        self.redenen = list(getattr(error, "redenen", []) or [])


@dataclass
class Plan:
    """The proposed arrangement: one monthly amount, its split and each quote."""

    maandbedrag: int
    parts: list[Part]
    # voorgesteld | niet_mogelijk | afgesloten | teruggedraaid | deels_actief
    status: str = "voorgesteld"
    melding: str = ""
    minimum: int | None = None  # the lowest possible monthly amount, when too low

    @property
    def totaal(self) -> int:
        return sum(p.totaal for p in self.parts)

    def schedule(self) -> list[dict[str, Any]]:
        """Per due date the sum of every organisation's instalment."""
        months: dict[str, int] = defaultdict(int)
        for part in self.parts:
            for termijn in (part.voorstel or {}).get("termijnen", []):
                months[termijn["vervaldatum"]] += termijn["bedrag"]
        return [{"vervaldatum": d, "bedrag": months[d]} for d in sorted(months)]

    def to_json(self) -> dict[str, Any]:
        schedule = self.schedule()
        return {
            "status": self.status, "melding": self.melding, "maandbedrag": self.maandbedrag,
            "totaal": self.totaal, "aantal_maanden": len(schedule),
            **({"minimaal_maandbedrag": self.minimum} if self.minimum else {}),
            "organisaties": [p.to_json() for p in self.parts], "schema": schedule,
        }


def eligible(case: dict[str, Any]) -> bool:
    return (ACTION in (case.get("acties") or []) and case["saldo"] > 0
            and case["status"] not in EXCLUDED_STATUSES)


def choose_cases(
    overview: Overview, clients: Sequence[SourceClient], chosen: Sequence[str] | None = None
) -> list[Part]:
    """Per organisation offering arrangements, the cases to include (scheme order)."""
    parts = []
    for client in clients:
        if not client.offers(SERVICE):
            continue
        cases = [c for c in overview.cases if c["organisatie"]["oin"] == client.oin]
        if chosen is not None:
            picked = [c for c in cases if c["zaakkenmerk"] in chosen]
        else:
            picked = [c for c in cases if eligible(c)]
        if picked:
            parts.append(Part(client, [c["zaakkenmerk"] for c in picked],
                              sum(c["saldo"] for c in picked)))
    return parts


async def plan_arrangement(
    overview: Overview,
    clients: Sequence[SourceClient],
    maandbedrag: int,
    *,
    chosen: Sequence[str] | None = None,
    timeout_s: float = SOURCE_TIMEOUT_S,
) -> Plan:
    """Split `maandbedrag` (cents) and collect a quote from every organisation involved."""
    parts = choose_cases(overview, clients, chosen)
    plan = Plan(maandbedrag, parts)
    if not parts:
        plan.status, plan.melding = "niet_mogelijk", "Er zijn geen zaken voor een regeling."
        return plan
    limits = await fan_out([p.source for p in parts], lambda s: s.configuratie(),
                           timeout_s=timeout_s)
    for part, outcome in zip(parts, limits, strict=True):
        if outcome.error is not None:
            part.failed("mislukt", outcome.error)
    if any(p.status == "mislukt" for p in parts):
        return _not_possible(plan, "Niet elke organisatie kon haar voorwaarden geven.")
    claims = [Claim(p.source.oin, p.totaal, o.value["betalingsregeling"]["minimum_termijnbedrag"],
                    o.value["betalingsregeling"]["maximum_aantal_termijnen"])
              for p, o in zip(parts, limits, strict=True)]
    try:
        shares = allocate(maandbedrag, claims)
    except AllocationError as refused:
        plan.minimum = refused.minimum
        return _not_possible(plan, f"Het maandbedrag is te laag: minimaal {_euro(refused.minimum)}."
                             if refused.minimum else str(refused))
    for part in parts:
        part.termijnbedrag = shares[part.source.oin]
    quotes = await fan_out(parts_sources(parts),
                           lambda s: s.quote(_part(parts, s).zaakkenmerken,
                                             _part(parts, s).termijnbedrag),
                           timeout_s=timeout_s)
    for part, outcome in zip(parts, quotes, strict=True):
        if outcome.error is not None:
            part.failed("mislukt", outcome.error)
        else:
            part.voorstel = outcome.value
    if any(p.status == "mislukt" for p in parts):
        return _not_possible(plan, "Niet elke organisatie kon een voorstel doen; "
                                   "er is niets afgesproken.")
    return plan


def parts_sources(parts: Sequence[Part]) -> list[SourceClient]:
    return [p.source for p in parts]


def _part(parts: Sequence[Part], source: SourceClient) -> Part:
    return next(p for p in parts if p.source is source)


def _euro(cents: int | None) -> str:
    whole, rest = divmod(cents or 0, 100)
    return f"€ {whole:,}".replace(",", ".") + f",{rest:02d}"


def _not_possible(plan: Plan, message: str) -> Plan:
    plan.status, plan.melding = "niet_mogelijk", message
    for part in plan.parts:
        if part.status == "voorgesteld":
            part.status = "niet_geprobeerd"
    return plan


async def conclude(plan: Plan) -> Plan:
    """Accept every quote in order; on a failure withdraw what was accepted before it."""
    if plan.status != "voorgesteld":
        raise AppError("alleen een plan met een voorstel van elke organisatie kan worden "
                       "afgesloten")
    accepted: list[Part] = []
    failure: Part | None = None
    for part in plan.parts:
        if failure is not None:
            part.status = "niet_geprobeerd"
            continue
        try:
            part.regeling = await part.source.accept(part.voorstel["voorstel_id"],
                                                     str(uuid.uuid4()))
            part.status = "aangegaan"
            accepted.append(part)
        except Unreachable as lost:
            part.failed("onzeker", lost)
            failure = part
        except AppError as refused:
            part.failed("mislukt", refused)
            failure = part
    if failure is None:
        plan.status = "afgesloten"
        plan.melding = "De betalingsregeling is bij elke organisatie afgesloten."
        return plan
    await _withdraw(accepted)
    stuck = [p for p in accepted if p.status == "intrekken_mislukt"]
    naam = failure.source.naam
    if stuck:
        plan.status = "deels_actief"
        plan.melding = (f"{naam} kon de regeling niet aangaan. Intrekken lukte niet bij "
                        + ", ".join(p.source.naam for p in stuck)
                        + ": neem contact op met die organisatie(s).")
    else:
        plan.status = "teruggedraaid"
        plan.melding = (f"{naam} kon de regeling niet aangaan; de regelingen die al waren "
                        "afgesloten zijn ingetrokken. Er loopt nu geen nieuwe regeling.")
    if failure.status == "onzeker":
        plan.melding += (f" Van {naam} kwam geen antwoord: vraag daar na of er toch een "
                         "regeling is ontstaan.")
    return plan


async def _withdraw(accepted: Sequence[Part]) -> None:
    async def withdraw(source: SourceClient) -> None:
        part = _part(accepted, source)
        await source.withdraw(part.regeling["id"])

    outcomes = await fan_out(parts_sources(accepted), withdraw)
    for part, outcome in zip(accepted, outcomes, strict=True):
        if outcome.error is None:
            part.status = "ingetrokken"
        else:
            part.failed("intrekken_mislukt", outcome.error)
