"""One payment arrangement across organisations, coordinated by the app (no broker).

`plan_arrangement(...)`: choose the cases (every case in a verified overview whose
organisation offers `betalingsregelingen`, that lists the action `betalingsregeling`, has
something to arrange and is not already in an arrangement, in objection or with a bailiff —
or the cases the citizen names), read each organisation's limits from `/configuratie`,
split the one monthly amount with the allocation rule (`allocation.py`, ALLOCATION.md) and
ask every organisation for a quote at its share, concurrently. What is arranged per case is
its `regelbaar_bedrag` when the document gives one (2.2), else its `saldo`; a source that
announces 2.2 is asked for a quote by computation rule 2.2 (its due day, lead time and
interest), and the interest of its first month is kept free in the split so that the first
month costs exactly the monthly amount. Quotes bind nothing: if one cannot be given, the
plan says which organisation refused and why, and nothing happened.

Concluding the plan is agreement.py: all or nothing, in two phases where sources offer it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reference_impl.app import reservations
from reference_impl.app.allocation import Claim, allocate, interest_reserve
from reference_impl.app.errors import AllocationError, AppError
from reference_impl.app.notes import euro
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
    totaal: int  # what is arranged: Σ regelbaar_bedrag (else saldo) of the cases
    termijnbedrag: int = 0  # the principal per month asked for
    voorstel: dict[str, Any] | None = None
    regeling: dict[str, Any] | None = None
    status: str = "voorgesteld"
    rekenregel: str | None = None  # "2.2" for a source announcing 2.2
    rente_basispunten: int = 0
    in_groep: bool = False  # the source offers the two-phase agreement (design §B.3)
    sleutel: str = field(default_factory=lambda: str(uuid.uuid4()))  # Idempotency-Key
    reservering: dict[str, Any] | None = None
    code: str | None = None
    detail: str = ""
    redenen: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "organisatie": {"oin": self.source.oin, "naam": self.source.naam},
            "zaakkenmerken": self.zaakkenmerken, "totaal": self.totaal,
            "termijnbedrag": self.termijnbedrag, "status": self.status,
        }
        data["in_groep"] = self.in_groep
        if self.rekenregel:
            data["rekenregel"] = self.rekenregel
        if self.voorstel is not None:
            data["aantal_termijnen"] = self.voorstel["aantal_termijnen"]
            data["voorstel_id"] = self.voorstel["voorstel_id"]
            if "rente_totaal" in self.voorstel:
                data["rente_totaal"] = self.voorstel["rente_totaal"]
            if self.voorstel.get("termijnen"):
                data["eerste_vervaldatum"] = self.voorstel["termijnen"][0]["vervaldatum"]
        if self.reservering is not None:
            data["reservering_id"] = self.reservering["id"]
            data["vervalt_op"] = self.reservering["vervalt_op"]
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
    groep_id: str | None = None  # set when the plan is concluded as a group

    @property
    def group(self) -> list[Part]:
        """The parts agreed in two phases under one group id."""
        return [p for p in self.parts if p.in_groep]

    @property
    def separate(self) -> list[Part]:
        """The parts at sources without reservations: each a separate arrangement."""
        return [p for p in self.parts if not p.in_groep]

    @property
    def totaal(self) -> int:
        return sum(p.totaal for p in self.parts)

    def schedule(self) -> list[dict[str, Any]]:
        """Per month of the arrangement (the k-th instalment of every organisation) the sum
        of those instalments, principal and interest, and the dates they fall due between
        (each source has its own due day, design §B.2, so one month may span two)."""
        months: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for part in self.parts:
            for k, termijn in enumerate((part.voorstel or {}).get("termijnen", []), start=1):
                months[k].append(termijn)
        return [{"maand": k, "bedrag": sum(t["bedrag"] for t in months[k]),
                 "van": min(t["vervaldatum"] for t in months[k]),
                 "tot": max(t["vervaldatum"] for t in months[k])} for k in sorted(months)]

    def to_json(self) -> dict[str, Any]:
        schedule = self.schedule()
        interest = sum((p.voorstel or {}).get("rente_totaal", 0) for p in self.parts)
        return {
            "status": self.status, "melding": self.melding, "maandbedrag": self.maandbedrag,
            "totaal": self.totaal, "aantal_maanden": len(schedule),
            **({"rente_totaal": interest} if interest else {}),
            **({"minimaal_maandbedrag": self.minimum} if self.minimum else {}),
            **({"groep": {"id": self.groep_id, "omvang": len(self.group)}}
               if self.groep_id else {}),
            "organisaties": [p.to_json() for p in self.parts], "schema": schedule,
        }


def arrangeable(case: dict[str, Any]) -> int:
    """What can go into an arrangement: `regelbaar_bedrag` (2.2), else the balance."""
    return int(case.get("regelbaar_bedrag", case["saldo"]))


def eligible(case: dict[str, Any]) -> bool:
    return (ACTION in (case.get("acties") or []) and case["saldo"] > 0
            and arrangeable(case) > 0 and case["status"] not in EXCLUDED_STATUSES)


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
                              sum(arrangeable(c) for c in picked)))
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
    for part, outcome in zip(parts, limits, strict=True):
        configuratie = outcome.value
        if reservations.speaks(configuratie):
            part.rekenregel = reservations.RULE_2_2
            part.rente_basispunten = configuratie["betalingsregeling"].get("rente_basispunten", 0)
        part.in_groep = reservations.offers_reservations(configuratie)
    claims = [Claim(p.source.oin, p.totaal, o.value["betalingsregeling"]["minimum_termijnbedrag"],
                    o.value["betalingsregeling"]["maximum_aantal_termijnen"])
              for p, o in zip(parts, limits, strict=True)]
    # The first month's interest is paid on top of the principal: keep it free in the split.
    reserved = sum(interest_reserve(p.totaal, p.rente_basispunten) for p in parts)
    try:
        shares = allocate(max(maandbedrag - reserved, 0), claims)
    except AllocationError as refused:
        plan.minimum = refused.minimum + reserved if refused.minimum is not None else None
        return _not_possible(plan, f"Het maandbedrag is te laag: minimaal {euro(plan.minimum)}."
                             if plan.minimum else str(refused))
    for part in parts:
        part.termijnbedrag = shares[part.source.oin]

    async def ask(source: SourceClient) -> dict[str, Any]:
        part = _part(parts, source)
        return await reservations.quote(source, part.zaakkenmerken, part.termijnbedrag,
                                        rekenregel=part.rekenregel)

    quotes = await fan_out(parts_sources(parts), ask, timeout_s=timeout_s)
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


def _not_possible(plan: Plan, message: str) -> Plan:
    plan.status, plan.melding = "niet_mogelijk", message
    for part in plan.parts:
        if part.status == "voorgesteld":
            part.status = "niet_geprobeerd"
    return plan
