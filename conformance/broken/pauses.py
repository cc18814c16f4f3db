"""Pauses (the pause button): start with limits, list, end.

A pause covers the chosen cases, or every case that can be paused when none are named. While
active the covered cases show `status: gepauzeerd` with `pauze: {id, einddatum}` in the
claims document (documents.py). Ending a pause sets its einddatum to today.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from conformance.broken import pause_limits
from conformance.broken.arrangements import holder
from conformance.broken.errors import Problem
from conformance.broken.source import PAUZE_MAXIMUM_DUUR_DAGEN, Source
from conformance.broken.store import Pause, Session
from conformance.broken.testklok import citizen_clock

REASON_TEXT = {
    "einddatum-ongeldig": (f"De einddatum ligt na vandaag en ten hoogste "
                           f"{PAUZE_MAXIMUM_DUUR_DAGEN} dagen vooruit."),
    "zaak-onbekend": "Deze zaak is bij ons niet bekend.",
    "zaak-afgelost": "Deze zaak is al afgelost.",
    "zaak-al-gepauzeerd": "Voor deze zaak loopt al een pauze.",
}


def _reason(code: str, zaakkenmerk: str | None = None) -> dict[str, str]:
    reason = {"code": code, "toelichting": REASON_TEXT[code]}
    if zaakkenmerk is not None:
        reason["zaakkenmerk"] = zaakkenmerk
    return reason


def _end_date_refused(source: Source, today: date, end: date) -> bool:
    if end <= today:
        return True
    too_far = (end - today).days > PAUZE_MAXIMUM_DUUR_DAGEN
    return too_far and not source.flaws.on("pauze-limiet-genegeerd")


def _bars(source: Source, bsn: str, zaakkenmerk: str, today: date) -> list[dict[str, Any]]:
    """Why the named case may not be paused: its own bar, else every bar of the citizen's
    pauses (the flaw `pauze-in-schuldregeling`: the per-case bounds are looked at only by
    "pause everything")."""
    own = None if source.flaws.on("pauze-in-schuldregeling") else \
        pause_limits.case_bar(source, bsn, zaakkenmerk, today)
    if own is not None and own["reden"] not in ("maximum-bereikt", "wachttijd"):
        return [own]
    return pause_limits.citizen_bars(source, bsn, today)


def start(source: Source, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /pauzes`: a new `Pauze`, or 422 `pauze/niet-mogelijk` with every reason."""
    bsn = session.bsn
    today = citizen_clock(source, bsn).today()
    end = date.fromisoformat(body["einddatum"])
    reasons = [_reason("einddatum-ongeldig")] if _end_date_refused(source, today, end) else []
    bars: list[dict[str, Any]] = []
    if "zaakkenmerken" in body and not source.flaws.on("pauze-dekt-alles"):
        chosen = list(body["zaakkenmerken"])
        owner = {zk: holder(source, bsn, zk, "andermans-zaak-gepauzeerd") for zk in chosen}
        reasons += [_reason(code, zk) for zk in chosen
                    if (code := source.pause_refusal(owner[zk], zk, today)) is not None]
        bars = [pause_limits.refusal(bar, zk) for zk in chosen
                for bar in _bars(source, owner[zk], zk, today)]
    else:
        every = [case["zaakkenmerk"] for case in source.cases_of(bsn)]
        chosen = [zk for zk in every if source.pause_refusal(bsn, zk, today) is None
                  and (source.flaws.on("alles-pauzeren-negeert-acties")
                       or pause_limits.case_bar(source, bsn, zk, today) is None)]
        if not chosen and (own := pause_limits.citizen_bars(source, bsn, today)):
            bars = [pause_limits.refusal(bar) for bar in own]
        elif not chosen:
            reasons += [_reason(source.pause_refusal(bsn, zk, today) or "zaak-onbekend", zk)
                        for zk in every] or [_reason("zaak-onbekend")]
    if reasons:  # the checks of 2.0 first
        raise Problem(422, "pauze/niet-mogelijk", "No pause is possible on these terms.",
                      redenen=reasons)
    if bars:
        unique = [b for i, b in enumerate(bars) if b not in bars[:i]]
        raise Problem(422, "pauze/niet-toegestaan", "The source's bounds forbid this pause.",
                      weigeringen=unique)
    pause = Pause(id=str(uuid.uuid4()), bsn=bsn, zaakkenmerken=chosen, ingangsdatum=today,
                  einddatum=end, created_at=citizen_clock(source, bsn).now())
    source.store.pauses[pause.id] = pause
    return view(source, pause)


def view(source: Source, pause: Pause) -> dict[str, Any]:
    return {
        "id": pause.id,
        "status": "actief" if pause.active(citizen_clock(source, pause.bsn).today())
        else "beeindigd",
        "ingangsdatum": pause.ingangsdatum.isoformat(),
        "einddatum": pause.einddatum.isoformat(),
        "zaakkenmerken": list(pause.zaakkenmerken),
        "aangemaakt_op": source.clock.iso(pause.created_at),
    }


def listing(source: Source, session: Session) -> dict[str, Any]:
    """`GET /pauzes`: the citizen's pauses, oldest first."""
    mine = sorted((p for p in source.store.pauses.values() if p.bsn == session.bsn),
                  key=lambda p: p.created_at)
    return {"pauzes": [view(source, p) for p in mine]}


def read(source: Source, session: Session, pause_id: str) -> dict[str, Any]:
    """`GET /pauzes/{id}`: the citizen's own pause; another's or an unknown one is 404."""
    pause = source.store.pauses.get(pause_id)
    if pause is None or pause.bsn != session.bsn:
        raise Problem(404, "algemeen/niet-gevonden", "No such pause.")
    return view(source, pause)


def end(source: Source, session: Session, pause_id: str) -> None:
    """`DELETE /pauzes/{id}`: ends the pause today (again 204 when already ended)."""
    pause = source.store.pauses.get(pause_id)
    if pause is not None and pause.bsn != session.bsn and source.flaws.on("andermans-pauze-403"):
        raise Problem(403, "algemeen/geen-toegang", "This pause belongs to someone else.")
    if pause is None or pause.bsn != session.bsn:
        raise Problem(404, "algemeen/niet-gevonden", "No such pause.")
    today = citizen_clock(source, pause.bsn).today()
    if not pause.active(today) and source.flaws.on("pauze-beeindigen-niet-herhaalbaar"):
        raise Problem(404, "algemeen/niet-gevonden", "No active pause with this id.")
    if pause.active(today):
        pause.ended = True
        pause.einddatum = today
