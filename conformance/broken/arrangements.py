"""Payment arrangements: quotes with the fixed schedule rule, acceptance, withdrawal.

Schedule rule (spec/interface.md): instalment k is due on the first day of the k-th month
after the quote date; by monthly amount m: n = ceil(total / m), instalments 1…n−1 are m and
the last is the remainder; by number n: m = ceil(total / n), then the same. Accepting runs
under the store's lock, so one Idempotency-Key can never create two arrangements.
"""

from __future__ import annotations

import asyncio
import math
import re
import uuid
from contextlib import nullcontext
from datetime import date
from typing import Any

from conformance.broken import acceptance, rekenregel
from conformance.broken.errors import Problem
from conformance.broken.source import (
    MAXIMUM_AANTAL_TERMIJNEN,
    MINIMUM_TERMIJNBEDRAG_CENTS,
    VOORSTEL_GELDIGHEID_S,
    Source,
)
from conformance.broken.store import Arrangement, IdempotentResult, Quote, Session
from conformance.broken.testklok import citizen_clock

IDEMPOTENCY_KEY_MAX = 255
# printable ASCII without leading or trailing space (spec/openapi/bron.yaml, IdempotencyKey)
IDEMPOTENCY_KEY = re.compile(r"[!-~]([ -~]*[!-~])?")
REASON_TEXT = {
    "zaak-onbekend": "Deze zaak is bij ons niet bekend.",
    "zaak-afgelost": "Deze zaak is al afgelost.",
    "zaak-in-bezwaar": "Over deze zaak loopt een bezwaar.",
    "zaak-overgedragen": "Deze zaak is overgedragen aan de deurwaarder.",
    "zaak-al-in-regeling": "Deze zaak valt al onder een betalingsregeling.",
    "termijnbedrag-te-laag": f"Het termijnbedrag is minimaal {MINIMUM_TERMIJNBEDRAG_CENTS} cent.",
    "te-veel-termijnen": f"Er zijn ten hoogste {MAXIMUM_AANTAL_TERMIJNEN} termijnen mogelijk.",
}


def _reason(code: str, zaakkenmerk: str | None = None, *, rule_2_2: bool = False,
            case: dict[str, Any] | None = None) -> dict[str, str]:
    reason = {"code": code, "toelichting": REASON_TEXT[code]}
    if zaakkenmerk is not None:
        reason["zaakkenmerk"] = zaakkenmerk
    if rule_2_2 and code == "zaak-afgelost" and case is not None and case["saldo"] > 0:
        reason["detail"] = "niets-regelbaar"  # a balance, but nothing arrangeable
        reason["toelichting"] = "Deze zaak heeft geen achterstand die in een regeling kan."
    return reason


def _first_of_month_after(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def schedule(source: Source, total: int, amount: int, today: date) -> list[dict[str, Any]]:
    """The instalments of `total` paid by `amount` a month, from the quote date `today`."""
    count = math.ceil(total / amount)
    last = total - amount * (count - 1)
    if source.flaws.on("schema-regel-fout"):
        last = amount
    return [
        {
            "volgnummer": k,
            "vervaldatum": _first_of_month_after(today, k).isoformat(),
            "bedrag": amount if k < count else last,
        }
        for k in range(1, count + 1)
    ]


def _amount_refusals(source: Source, total: int, body: dict[str, Any]) -> tuple[list, int]:
    """Reasons why the amount or term cannot be granted, and the monthly amount."""
    by_amount = "termijnbedrag" in body
    amount = body["termijnbedrag"] if by_amount else math.ceil(total / body["aantal_termijnen"])
    count = math.ceil(total / amount)  # by number this may be fewer than asked
    asked = count if by_amount else body["aantal_termijnen"]
    reasons = []
    if asked > MAXIMUM_AANTAL_TERMIJNEN:
        reasons.append(_reason("te-veel-termijnen"))
    too_low = amount < MINIMUM_TERMIJNBEDRAG_CENTS
    if source.flaws.on("minimum-termijnbedrag-exclusief"):
        too_low = amount <= MINIMUM_TERMIJNBEDRAG_CENTS
    if too_low and count > 1 and not source.flaws.on("limiet-niet-gehandhaafd"):
        reasons.append(_reason("termijnbedrag-te-laag"))
    return reasons, amount


def holder(source: Source, bsn: str, zaakkenmerk: str, flaw: str) -> str:
    """Whose case `zaakkenmerk` is taken to be: the citizen's own, or — the flaw `flaw`, a
    case looked up by its number alone — whoever's it is."""
    if source.case(bsn, zaakkenmerk) is not None or not source.flaws.on(flaw):
        return bsn
    return next((b for b, cases in source.cases.items() if zaakkenmerk in cases), bsn)


def _replaced(source: Source, bsn: str, body: dict[str, Any]) -> Arrangement | None:
    """The active arrangement of the citizen an amendment (`vervangt`) replaces; 422
    betalingsregeling/regeling-onbekend for any other id."""
    if "vervangt" not in body:
        return None
    found = source.store.arrangements.get(body["vervangt"])
    if found is None or found.bsn != bsn or not source.store.is_active(found):
        raise Problem(422, "betalingsregeling/regeling-onbekend",
                      "You have no active arrangement with this id.")
    return found


def quote(source: Source, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /betalingsregelingen/voorstellen`: a `Voorstel`, or 422 with every reason."""
    bsn, cases = session.bsn, body["zaakkenmerken"]
    replaced = _replaced(source, bsn, body)
    replacing = replaced.id if replaced is not None else None
    rule_2_2 = body.get("rekenregel") == rekenregel.RULE
    owner = {zk: holder(source, bsn, zk, "andermans-zaak-in-voorstel") for zk in cases}
    refusals = {zk: source.quote_refusal(owner[zk], zk, replacing) for zk in cases}
    # the flaw: the 2.0 refusal text reused, the 2.2 detail forgotten
    detailed = rule_2_2 and not source.flaws.on("niets-regelbaar-zonder-detail")
    reasons = [_reason(code, zk, rule_2_2=detailed, case=source.case(owner[zk], zk))
               for zk, code in refusals.items() if code is not None]
    if replaced is not None:  # an amendment ends the old arrangement: it takes all its cases
        reasons += [_reason("zaak-al-in-regeling", zk) for zk in
                    replaced.body["zaakkenmerken"] if zk not in cases]
    eligible = [zk for zk, code in refusals.items() if code is None]
    saldi = {zk: source.case(owner[zk], zk)["saldo"] for zk in eligible}
    total = sum(source.arrangeable(owner[zk], zk) if rule_2_2 else saldi[zk] for zk in eligible)
    amount = 0
    if eligible:
        amount_reasons, amount = _amount_refusals(source, total, body)
        reasons += amount_reasons
    if source.flaws.on("alleen-eerste-reden"):
        reasons = reasons[:1]
    if reasons:
        raise Problem(422, "betalingsregeling/niet-mogelijk",
                      "No arrangement is possible on these terms.", redenen=reasons)
    now = citizen_clock(source, session.bsn).now()
    today = citizen_clock(source, session.bsn).today()
    computed = rekenregel.schedule(total, amount, today, source.flaws) if rule_2_2 else {
        "termijnen": schedule(source, total, amount, today)}
    voorstel = {
        "voorstel_id": str(uuid.uuid4()),
        "verloopt_op": citizen_clock(source, session.bsn).iso(now + VOORSTEL_GELDIGHEID_S),
        "zaakkenmerken": list(cases),
        "totaalbedrag": total,
        "termijnbedrag": amount,
        "aantal_termijnen": len(computed["termijnen"]),
        **computed,
    }
    if replacing is not None:
        voorstel["vervangt"] = replacing
    # the flaw: the back office keeps quotes half as long as the answer announces
    kept = VOORSTEL_GELDIGHEID_S / (2 if source.flaws.on("voorstel-verloopt-te-vroeg") else 1)
    source.store.quotes[voorstel["voorstel_id"]] = Quote(
        id=voorstel["voorstel_id"], bsn=bsn, expires=now + kept,
        saldi=saldi, body=voorstel, replaces=replacing,
    )
    return voorstel


def check_idempotency_key(key: str | None) -> str:
    if key is None:
        raise Problem(400, "idempotentie/sleutel-ontbreekt", "Send an Idempotency-Key header.")
    if len(key) > IDEMPOTENCY_KEY_MAX or not IDEMPOTENCY_KEY.fullmatch(key):
        reason = "1–255 printable ASCII characters without leading or trailing space"
        raise Problem(400, "verzoek/ongeldig", f"Idempotency-Key: {reason}.",
                      invalid_params=[{"name": "Idempotency-Key", "reason": reason}])
    return key


async def accept(source: Source, session: Session, body: dict[str, Any],
                 key: str) -> tuple[dict[str, Any], bool]:
    """`POST /betalingsregelingen`: the arrangement and whether this was a replay."""
    store, bsn = source.store, session.bsn
    ignore_key = source.flaws.on("niet-idempotent")
    lock = nullcontext() if source.flaws.on("geen-vergrendeling") else store.lock
    if source.flaws.on("vergrendeling-per-voorstel"):  # guards a quote, not its cases
        lock = store.quote_locks.setdefault(body["voorstel_id"], asyncio.Lock())
    async with lock:
        scope = "" if source.flaws.on("sleutels-voor-alle-burgers") else bsn
        prior = None if ignore_key else store.idempotency.get((scope, key))
        if prior is not None:
            if prior.request != body or prior.operation != "acceptatie":
                raise Problem(422, "idempotentie/sleutel-hergebruikt",
                              "This Idempotency-Key was used with another body.")
            return prior.response, True
        now = citizen_clock(source, session.bsn).now()
        found = acceptance.take_quote(source, bsn, body["voorstel_id"], now,
                                      checked=not ignore_key)
        await store.round_trip()  # writing to the back office: other requests run meanwhile
        arrangement = acceptance.open_arrangement(source, found, now)
        response = view(source, arrangement)
        store.idempotency[(scope, key)] = IdempotentResult(request=body, response=response)
        return response, False


def status(source: Source, arrangement: Arrangement) -> str:
    if arrangement.withdrawn_at is not None:
        return "ingetrokken"
    return "beeindigd" if source.store.ending_of(arrangement) is not None else "actief"


def view(source: Source, arrangement: Arrangement) -> dict[str, Any]:
    """The `Betalingsregeling` as it stands."""
    body = {
        "id": arrangement.id,
        "status": status(source, arrangement),
        **arrangement.body,
        "aangegaan_op": source.clock.iso(arrangement.accepted_at),
        "bedenktijd_tot": source.clock.iso(arrangement.cooling_off_until),
    }
    if arrangement.withdrawn_at is not None:
        body["ingetrokken_op"] = source.clock.iso(arrangement.withdrawn_at)
    if (ending := source.store.ending_of(arrangement)) is not None:
        body["beeindiging"] = dict(ending)
    if arrangement.withdrawn_at is None:
        items, missed = source.instalment_states(arrangement)
        body["termijnen"], body["gemiste_termijnen"] = items, len(missed)
    if arrangement.replaced_by is not None:
        body["vervangen_door"] = arrangement.replaced_by
    if arrangement.group is not None:
        body["groep"] = dict(arrangement.group)
    return body


def find(source: Source, session: Session, arrangement_id: str) -> Arrangement:
    """The citizen's arrangement; another citizen's is answered exactly like an unknown one."""
    arrangement = source.store.arrangements.get(arrangement_id)
    if arrangement is None or arrangement.bsn != session.bsn:
        raise Problem(404, "algemeen/niet-gevonden", "No such arrangement.")
    return arrangement


def read(source: Source, session: Session, arrangement_id: str) -> dict[str, Any]:
    """`GET /betalingsregelingen/{id}`."""
    arrangement = source.store.arrangements.get(arrangement_id)
    if arrangement is not None and source.flaws.on("lekt-andermans-regeling"):
        return view(source, arrangement)
    return view(source, find(source, session, arrangement_id))


def listing(source: Source, session: Session) -> dict[str, Any]:
    """`GET /betalingsregelingen`: the citizen's arrangements, oldest first."""
    mine = [a for a in source.store.arrangements.values() if a.bsn == session.bsn]
    mine.sort(key=lambda a: a.accepted_at)
    return {"betalingsregelingen": [view(source, a) for a in mine]}


def withdraw(source: Source, session: Session, arrangement_id: str) -> None:
    """`DELETE /betalingsregelingen/{id}`: within the cooling-off period only."""
    arrangement = find(source, session, arrangement_id)
    if arrangement.withdrawn_at is not None:
        return
    if not source.store.is_active(arrangement):
        raise Problem(409, "betalingsregeling/bedenktijd-verstreken",
                      "This arrangement has ended.")
    now = citizen_clock(source, session.bsn).now()
    # an arrangement made by confirming a reservation can be withdrawn until the group's
    # annuleerbaar_tot, whatever its cooling-off period (all-or-nothing across sources)
    until = max(arrangement.cooling_off_until, arrangement.withdrawable_until or 0)
    inside = now <= until
    if source.flaws.on("bedenktijd-onbegrensd"):  # withdrawal forgotten to close
        inside = True
    if source.flaws.on("intrekken-onmogelijk"):
        inside = now > arrangement.cooling_off_until
    if not inside:
        raise Problem(409, "betalingsregeling/bedenktijd-verstreken",
                      "The cooling-off period has passed.")
    arrangement.withdrawn_at = now
    # withdrawing an amendment undoes it: the arrangement it replaced runs on
    replaced = source.store.arrangements.get(arrangement.body.get("vervangt") or "")
    if replaced is not None and replaced.replaced_by == arrangement.id:
        replaced.ending, replaced.replaced_by = None, None

