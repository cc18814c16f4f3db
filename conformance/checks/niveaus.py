"""The DigiD level (betrouwbaarheidsniveau) on WRITES (spec/rules/sessie.md,
`/sessie/niveau-minimum`).

`sessie.session_level_enforced` reads each service once with a session one level below its
minimum. A source that checks the level in its read handlers only would pass that and still
let a citizen who logged in at a lower level quote, accept or withdraw an arrangement, or start
or end a pause. These checks make every write of those services with a session one level below
the service's minimum (from /configuratie) and demand 403 sessie/niveau-te-laag; whatever a
wrongly accepted write created is undone with a session at the right level.
"""

from __future__ import annotations

import uuid
from contextlib import suppress
from typing import Any

import httpx

from conformance.checks import betalingsregelingen as br
from conformance.checks import pauzes
from conformance.checks.base import check, fail, problem_code
from conformance.checks.sessie import LEVELS, session_token
from conformance.checks.voorstellen import (
    amount_with_remainder,
    arrangement_case,
    limits,
    quote,
    valid_quote,
)
from conformance.context import CheckContext, Session
from conformance.errors import NotApplicable

AREA = "sessie"
RULE = "/sessie/niveau-minimum"
TOO_LOW = "sessie/niveau-te-laag"
ARRANGEMENTS = ("test_bsn", "dienst:betalingsregelingen", "arrangement_case")
PAUSES = ("test_bsn", "dienst:pauzes", "pause_case")


async def low_session(ctx: CheckContext, dienst: str) -> tuple[Session, str, str]:
    """A session of the first citizen one level below `dienst`'s minimum, with the minimum
    and that level; NotApplicable when the minimum is basis (there is no lower level)."""
    minimum = (ctx.config.get("minimaal_betrouwbaarheidsniveau") or {}).get(dienst, "basis")
    if minimum not in LEVELS[1:]:
        raise NotApplicable(f"{dienst} demands DigiD level {minimum!r}: no lower level exists")
    below = LEVELS[LEVELS.index(minimum) - 1]
    session, _resp = await session_token(ctx, claims={"betrouwbaarheidsniveau": below})
    return session, minimum, below


def expect_too_low(resp: httpx.Response, what: str, minimum: str, below: str) -> None:
    if resp.status_code != httpx.codes.FORBIDDEN or problem_code(resp) != TOO_LOW:
        fail(f"{what} (minimum {minimum}) with a {below} session answered {resp.status_code} "
             f"{problem_code(resp)!r}, expected 403 {TOO_LOW}", resp)


def _created_id(resp: httpx.Response) -> Any:
    with suppress(ValueError):
        body = resp.json()
        return body.get("id") if isinstance(body, dict) else None
    return None


@check(rule=RULE, area=AREA, needs=ARRANGEMENTS)
async def arrangement_writes_need_level(ctx: CheckContext) -> None:
    """Asking a quote and accepting one (with a valid quote and Idempotency-Key) with a
    session one level below the betalingsregelingen minimum are refused with 403
    sessie/niveau-te-laag."""
    low, minimum, below = await low_session(ctx, "betalingsregelingen")
    owner = await ctx.session()
    case = await arrangement_case(ctx, owner)
    amount = amount_with_remainder(case["saldo"], limits(ctx))
    resp = await quote(ctx, low, [case["zaakkenmerk"]], termijnbedrag=amount)
    expect_too_low(resp, "asking a quote", minimum, below)
    offer = await valid_quote(ctx, owner, case)
    async with br.cleanup(ctx, owner) as created:
        resp = await br.accept(ctx, low, offer["voorstel_id"], str(uuid.uuid4()))
        if (regeling_id := br.created_id(resp)) is not None:
            created.add(regeling_id)
        expect_too_low(resp, "accepting a quote", minimum, below)


@check(rule=RULE, area=AREA, needs=ARRANGEMENTS)
async def arrangement_withdrawal_needs_level(ctx: CheckContext) -> None:
    """Withdrawing an arrangement (accepted moments ago, within its cooling-off period) with a
    session one level below the betalingsregelingen minimum is refused with 403
    sessie/niveau-te-laag; the arrangement is then withdrawn at the right level."""
    br.require_cooling_off(ctx)
    low, minimum, below = await low_session(ctx, "betalingsregelingen")
    owner = await ctx.session()
    offer = await valid_quote(ctx, owner, await arrangement_case(ctx, owner))
    async with br.cleanup(ctx, owner) as created:
        accepted = await br.accept(ctx, owner, offer["voorstel_id"], str(uuid.uuid4()))
        regeling_id = br.created_id(accepted)
        if regeling_id is None:
            fail("/betalingsregeling/idempotent", f"accepting a valid quote answered "
                 f"{accepted.status_code} without an arrangement id", accepted)
        resp = await br.withdraw(ctx, low, regeling_id)
        if resp.status_code != httpx.codes.NO_CONTENT:
            created.add(regeling_id)  # still there: withdraw it at the right level
        expect_too_low(resp, "withdrawing an arrangement", minimum, below)


@check(rule=RULE, area=AREA, needs=PAUSES)
async def pause_writes_need_level(ctx: CheckContext) -> None:
    """Starting a pause and ending one (started moments ago at the right level) with a
    session one level below the pauzes minimum are refused with 403 sessie/niveau-te-laag."""
    low, minimum, below = await low_session(ctx, "pauzes")
    owner = await ctx.session()
    case = await pauzes.pause_case(ctx, owner)
    resp = await pauzes.create(ctx, low, pauzes.valid_end_date(ctx), [case["zaakkenmerk"]])
    if resp.status_code == httpx.codes.CREATED and isinstance(_created_id(resp), str):
        await pauzes.end(ctx, owner, _created_id(resp))
    expect_too_low(resp, "starting a pause", minimum, below)
    async with pauzes.paused(ctx, owner, [case["zaakkenmerk"]]) as pauze:
        resp = await pauzes.end(ctx, low, pauze["id"])
        expect_too_low(resp, "ending a pause", minimum, below)


PROFILE_CHECKS = {
    "betalingsregelingen": (arrangement_writes_need_level, arrangement_withdrawal_needs_level),
    "pauzes": (pause_writes_need_level,),
}
