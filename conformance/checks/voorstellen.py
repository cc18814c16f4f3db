"""Quotes for payment arrangements (spec/interface.md, "Arrangements").

A quote is recomputed with the standard's fixed schedule rule; the organisation's limits
from /configuratie are applied exactly (at the boundary a quote is given, beyond it refused
with the reason code); refusals carry every reason. Quotes bind nothing, so these checks
change no state. Accepting quotes is `checks.betalingsregelingen`.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from conformance.checks.answers import (
    calendar_dates,
    json_body,
    parse_instant,
    refused_like_an_unknown_case,
)
from conformance.checks.base import check, expect_problem, expect_status, fail
from conformance.checks.document import eligible_case, other_citizens_case
from conformance.context import CheckContext, Session
from conformance.errors import CheckError, CheckSkipped, NotApplicable

AREA = "betalingsregelingen"
NEEDS = ("test_bsn", "dienst:betalingsregelingen", "arrangement_case")
QUOTES = "/betalingsregelingen/voorstellen"
NOT_POSSIBLE = "betalingsregeling/niet-mogelijk"
CLOCK_SKEW_S = 60
QUICK_EXPIRY_MAX_S = 30  # the longest quote validity the suite waits out
UNKNOWN_CASE = "ONBEKEND-conformance-0"
PREFERRED_INSTALMENTS = (3, 2, 4, 5, 6, 7)


def limits(ctx: CheckContext) -> dict[str, int]:
    """The arrangement limits of /configuratie; CheckError when they are missing."""
    lims = ctx.config.get("betalingsregeling")
    names = ("minimum_termijnbedrag", "maximum_aantal_termijnen", "bedenktijd_dagen",
             "voorstel_geldigheid_s")
    if not isinstance(lims, dict) or not all(isinstance(lims.get(n), int) for n in names):
        raise CheckError("/configuratie has no usable `betalingsregeling` limits")
    return {n: lims[n] for n in names}


def instalments(total: int, amount: int, quote_date: date) -> list[dict[str, Any]]:
    """The schedule rule: n = ceil(total / m) instalments of m, the last the remainder; k is
    due on the first day of the k-th month after the quote date."""
    count = math.ceil(total / amount)
    out = []
    for k in range(1, count + 1):
        months = quote_date.year * 12 + quote_date.month - 1 + k
        out.append({
            "volgnummer": k,
            "vervaldatum": date(months // 12, months % 12 + 1, 1).isoformat(),
            "bedrag": amount if k < count else total - amount * (count - 1),
        })
    return out


def amount_with_remainder(total: int, lims: dict[str, int]) -> int:
    """A monthly amount within the limits whose last instalment is a real remainder (smaller
    than the others) when the total allows one, so the rule for the last one is exercised."""
    lowest = max(lims["minimum_termijnbedrag"],
                 math.ceil(total / lims["maximum_aantal_termijnen"]))
    for count in PREFERRED_INSTALMENTS:
        amount = max(lowest, math.ceil(total / count))
        if amount < total and total % amount and math.ceil(total / amount) > 1:
            return amount
    return lowest


def count_within_limits(total: int, lims: dict[str, int]) -> int:
    """A number of instalments whose resulting monthly amount meets the minimum."""
    most = max(1, total // lims["minimum_termijnbedrag"])
    return min(3, lims["maximum_aantal_termijnen"], most)


def reasons(resp: httpx.Response) -> list[dict[str, Any]]:
    """The `redenen` of a problem answer (empty when absent or malformed)."""
    found = json_body(resp).get("redenen")
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


async def quote(ctx: CheckContext, session: Session, cases: list[str], **choice: int):
    """POST /betalingsregelingen/voorstellen for `cases`, by termijnbedrag or aantal_termijnen."""
    return await ctx.post(QUOTES, session, json={"zaakkenmerken": cases, **choice})


async def arrangement_case(ctx: CheckContext, session: Session) -> dict[str, Any]:
    """The open case (largest saldo) this citizen can put in an arrangement; skip if none."""
    case = eligible_case(await ctx.overview(session), "betalingsregeling")
    if case is None:
        raise CheckSkipped("the test citizen has no open case offering `betalingsregeling`")
    return case

async def valid_quote(ctx: CheckContext, session: Session, case: dict[str, Any]) -> dict:
    """A quote for `case` within the limits; CheckError when the source refuses it."""
    amount = amount_with_remainder(case["saldo"], limits(ctx))
    resp = await quote(ctx, session, [case["zaakkenmerk"]], termijnbedrag=amount)
    body = json_body(resp)
    if resp.status_code != httpx.codes.CREATED or not isinstance(body.get("voorstel_id"), str):
        raise CheckError(f"a quote within the limits was refused ({resp.status_code}); the "
                         "schedule checks report why")
    return body

def last_exchange(ctx: CheckContext) -> list[httpx.Response]:
    """The most recent exchange of the running check, as evidence."""
    return list(ctx.exchanges)[-1:]


# --- quotes ---------------------------------------------------------------------------------


async def _check_schedule(ctx: CheckContext, *, by_count: bool) -> None:
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    total, lims = case["saldo"], limits(ctx)
    if by_count:
        count = count_within_limits(total, lims)
        amount, choice = math.ceil(total / count), {"aantal_termijnen": count}
    else:
        amount = amount_with_remainder(total, lims)
        choice = {"termijnbedrag": amount}
    before = datetime.now(UTC)
    resp = await quote(ctx, session, [case["zaakkenmerk"]], **choice)
    expect_status(resp, 201)
    body = json_body(resp)
    expected = {"zaakkenmerken": [case["zaakkenmerk"]], "totaalbedrag": total,
                "termijnbedrag": amount, "aantal_termijnen": math.ceil(total / amount)}
    for name, value in expected.items():
        if body.get(name) != value:
            fail(f"quote for {choice}: {name} is {body.get(name)!r}, the schedule rule gives "
                 f"{value!r} (saldo {total})", resp)
    schedules = [instalments(total, amount, d) for d in calendar_dates(before)]
    if body.get("termijnen") not in schedules:
        fail(f"quote for {choice}: termijnen {body.get('termijnen')!r} differ from the schedule "
             f"rule's {schedules[0]!r}", resp)


@check(rule="/betalingsregeling/schema-regel", area=AREA, needs=NEEDS)
async def quote_by_amount_follows_schedule(ctx: CheckContext) -> None:
    """A quote by monthly amount m has n = ceil(total / m) instalments of m, the last one the
    remainder, due on the first of each following month; total = Σ saldo of the cases."""
    await _check_schedule(ctx, by_count=False)


@check(rule="/betalingsregeling/schema-regel", area=AREA, needs=NEEDS)
async def quote_by_count_follows_schedule(ctx: CheckContext) -> None:
    """A quote by number of instalments n has monthly amount m = ceil(total / n) and then
    follows the same schedule rule (stating the real number of instalments)."""
    await _check_schedule(ctx, by_count=True)


@check(rule="/betalingsregeling/voorstel-verloopt", area=AREA, needs=NEEDS)
async def quote_validity_announced(ctx: CheckContext) -> None:
    """A quote's ``verloopt_op`` is the moment of quoting plus voorstel_geldigheid_s."""
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    before = ctx.now()
    body = await valid_quote(ctx, session, case)
    after = ctx.now()
    moment = parse_instant(body.get("verloopt_op"))
    validity = limits(ctx)["voorstel_geldigheid_s"]
    low, high = before + validity - CLOCK_SKEW_S, after + validity + CLOCK_SKEW_S
    if moment is None or not low <= moment.timestamp() <= high:
        fail(f"verloopt_op {body.get('verloopt_op')!r} is not now + voorstel_geldigheid_s "
             f"({validity} s)", *last_exchange(ctx))

# --- refusals -------------------------------------------------------------------------------


@check(rule="/sessie/andermans-resource-404", area=AREA, needs=(*NEEDS, "second_bsn"))
async def other_citizens_case_not_quoted(ctx: CheckContext) -> None:
    """Another citizen's case in a quote request is an unknown case: 422
    betalingsregeling/niet-mogelijk with reason zaak-onbekend naming it, answered exactly as
    for a zaakkenmerk that does not exist (never a quote revealing their saldo)."""
    owner = await ctx.session()
    _other, theirs = await other_citizens_case(ctx, owner, "betalingsregeling")
    unknown = f"ONBEKEND-{uuid.uuid4().hex[:12]}"
    amount = limits(ctx)["minimum_termijnbedrag"]
    answers = [await quote(ctx, owner, [zk], termijnbedrag=amount) for zk in (theirs, unknown)]
    if answers[0].status_code == httpx.codes.CREATED:
        fail(f"a quote for another citizen's case {theirs!r} was given, with their totaalbedrag "
             f"{json_body(answers[0]).get('totaalbedrag')!r}", answers[0])
    refused_like_an_unknown_case(answers, theirs, unknown, NOT_POSSIBLE)


async def _refused_with(ctx: CheckContext, resp: httpx.Response, *wanted: str) -> None:
    expect_problem(resp, 422, NOT_POSSIBLE)
    given = {r.get("code") for r in reasons(resp)}
    missing = [code for code in wanted if code not in given]
    if missing:
        fail(f"redenen {sorted(map(str, given))} lack {missing}", resp)


@check(rule="/betalingsregeling/limieten", area=AREA, needs=NEEDS)
async def low_instalment_refused(ctx: CheckContext) -> None:
    """A quote with a monthly amount below minimum_termijnbedrag is refused with 422
    betalingsregeling/niet-mogelijk, reason termijnbedrag-te-laag."""
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    low = limits(ctx)["minimum_termijnbedrag"] - 1
    if low < 1:
        raise NotApplicable("minimum_termijnbedrag is 1 cent: no lower amount exists")
    resp = await quote(ctx, session, [case["zaakkenmerk"]], termijnbedrag=low)
    await _refused_with(ctx, resp, "termijnbedrag-te-laag")


@check(rule="/betalingsregeling/limieten", area=AREA, needs=NEEDS)
async def too_many_instalments_refused(ctx: CheckContext) -> None:
    """A quote asking for more than maximum_aantal_termijnen instalments is refused with 422
    betalingsregeling/niet-mogelijk, reason te-veel-termijnen."""
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    lims = limits(ctx)
    count = lims["maximum_aantal_termijnen"] + 1
    resp = await quote(ctx, session, [case["zaakkenmerk"]], aantal_termijnen=count)
    expect_problem(resp, 422, NOT_POSSIBLE)
    if "te-veel-termijnen" not in {r.get("code") for r in reasons(resp)}:
        also = ""
        if math.ceil(case["saldo"] / count) < lims["minimum_termijnbedrag"]:
            also = (" (the amount is also too low here, so a source reporting only its first "
                    "reason fails this check too)")
        fail(f"{count} instalments: redenen lack 'te-veel-termijnen'{also}", resp)


@check(rule="/betalingsregeling/redenen", area=AREA, needs=NEEDS)
async def unknown_case_refused(ctx: CheckContext) -> None:
    """A quote for a case the citizen does not have is refused with 422
    betalingsregeling/niet-mogelijk, reason zaak-onbekend naming that zaakkenmerk."""
    session = await ctx.session()
    lims = limits(ctx)
    resp = await quote(ctx, session, [UNKNOWN_CASE], termijnbedrag=lims["minimum_termijnbedrag"])
    await _refused_with(ctx, resp, "zaak-onbekend")
    if not any(r.get("zaakkenmerk") == UNKNOWN_CASE for r in reasons(resp)):
        fail(f"reason zaak-onbekend does not name zaakkenmerk {UNKNOWN_CASE!r}", resp)


@check(rule="/betalingsregeling/redenen", area=AREA, needs=NEEDS)
async def all_reasons_reported(ctx: CheckContext) -> None:
    """A quote that fails for several reasons reports all of them, not just the first."""
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    low = limits(ctx)["minimum_termijnbedrag"] - 1
    if low < 1:
        raise NotApplicable("minimum_termijnbedrag is 1 cent: no amount can be too low")
    alone = await quote(ctx, session, [case["zaakkenmerk"]], termijnbedrag=low)
    if "termijnbedrag-te-laag" not in {r.get("code") for r in reasons(alone)}:
        fail("/betalingsregeling/limieten", "a monthly amount below minimum_termijnbedrag is "
             "not refused with termijnbedrag-te-laag, so reporting all reasons cannot be "
             "tested", alone)
    resp = await quote(ctx, session, [case["zaakkenmerk"], UNKNOWN_CASE], termijnbedrag=low)
    await _refused_with(ctx, resp, "zaak-onbekend", "termijnbedrag-te-laag")


@check(rule="/configuratie/limieten", area=AREA, needs=NEEDS)
async def arrangement_limits_applied(ctx: CheckContext) -> None:
    """The limits of /configuratie are applied exactly: a monthly amount of exactly
    minimum_termijnbedrag, and exactly maximum_aantal_termijnen instalments, are quoted (where
    the case's saldo allows them)."""
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    total, lims = case["saldo"], limits(ctx)
    probes = []
    if math.ceil(total / lims["minimum_termijnbedrag"]) <= lims["maximum_aantal_termijnen"]:
        probes.append({"termijnbedrag": lims["minimum_termijnbedrag"]})
    if math.ceil(total / lims["maximum_aantal_termijnen"]) >= lims["minimum_termijnbedrag"]:
        probes.append({"aantal_termijnen": lims["maximum_aantal_termijnen"]})
    if not probes:
        raise CheckSkipped(f"the case's saldo ({total}) reaches neither limit exactly")
    for choice in probes:
        resp = await quote(ctx, session, [case["zaakkenmerk"]], **choice)
        if resp.status_code != httpx.codes.CREATED:
            fail(f"a quote at the configured limit ({choice}) was refused: "
                 f"{resp.status_code} {[r.get('code') for r in reasons(resp)]}", resp)
