"""The test clock of a source in a test environment (spec/testomgeving.md, "Test clock").

A source MAY offer ``/testklok`` in a test environment (never in `productie`): a
per-citizen shift of its *administrative* time — dates, due moments, surcharges, pauses,
quote validity, the document's ``opgesteld_op`` — ahead of real time. Trust time (tokens,
certificates, nonces, sessions, request proofs) is not moved: those are judged against
tokens other parties made with real clocks.

``GET`` answers ``{"verschuiving_s": N, "nu": <RFC 3339>}`` for the session's citizen;
``PUT`` with ``{"verschuiving_s": N}`` (0 ≤ N ≤ `MAX_SHIFT_S`) sets the shift. A source
without the clock answers 404 (``testomgeving/klok-niet-beschikbaar`` before it looks at
the session). Checks that move the clock put it back (`moved`), so runs are repeatable.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import httpx

from conformance.context import CheckContext, Session
from conformance.errors import CheckError, CheckSkipped

PATH = "/testklok"
NOT_OFFERED = "testomgeving/klok-niet-beschikbaar"
MAX_SHIFT_S = 366 * 86_400
_NOT_OFFERED_STATUSES = frozenset({404, 405, 501})
_offered: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


async def offered(ctx: CheckContext) -> bool:
    """True when the endpoint offers the test clock (asked once per run, unauthenticated:
    a clock that is offered asks for a session, 401; one that is not answers 404)."""
    known = _offered.get(ctx)
    if known is not None:
        return known
    resp = await ctx.get(PATH)
    if resp.status_code in _NOT_OFFERED_STATUSES:
        answer = False
    elif resp.status_code in (httpx.codes.OK, httpx.codes.UNAUTHORIZED):
        answer = True
    else:
        raise CheckError(f"GET {PATH} without a session answered {resp.status_code}; expected "
                         "401 (test clock offered) or 404 (not offered)")
    _offered[ctx] = answer
    return answer


async def _require(ctx: CheckContext) -> None:
    if not await offered(ctx):
        raise CheckSkipped("the endpoint offers no test clock (spec/testomgeving.md); run the "
                           "suite against a test environment that enables it, or use --slow "
                           "where the check offers a waiting variant")


def _shift_of(resp: httpx.Response, what: str) -> int:
    try:
        body = resp.json()
    except ValueError:
        body = None
    shift = body.get("verschuiving_s") if isinstance(body, dict) else None
    if resp.status_code != httpx.codes.OK or type(shift) is not int:
        raise CheckError(f"{what} answered {resp.status_code} without an integer verschuiving_s")
    return shift


async def shift(ctx: CheckContext, session: Session | None = None) -> int:
    """The current shift in seconds of the session's citizen (default: the first citizen)."""
    await _require(ctx)
    session = session or await ctx.session()
    return _shift_of(await ctx.get(PATH, session), f"GET {PATH}")


async def set_shift(ctx: CheckContext, seconds: int, session: Session | None = None) -> None:
    """Set the citizen's shift to `seconds` ahead of real time (0 = real time)."""
    await _require(ctx)
    if not 0 <= seconds <= MAX_SHIFT_S:
        raise CheckError(f"a test-clock shift of {seconds} s is outside 0..{MAX_SHIFT_S}")
    session = session or await ctx.session()
    resp = await ctx.put(PATH, session, json={"verschuiving_s": seconds})
    if _shift_of(resp, f"PUT {PATH}") != seconds:
        raise CheckError(f"PUT {PATH} with verschuiving_s {seconds} did not take it")


async def advance(ctx: CheckContext, seconds: int, session: Session | None = None) -> None:
    """Move the citizen's administrative clock `seconds` further ahead; CheckSkipped when the
    endpoint offers no test clock. Put it back with `reset` (or use `moved`)."""
    session = session or await ctx.session()
    await set_shift(ctx, await shift(ctx, session) + seconds, session)


async def reset(ctx: CheckContext, session: Session | None = None) -> None:
    """Back to real time."""
    await set_shift(ctx, 0, session)


@asynccontextmanager
async def moved(ctx: CheckContext, seconds: int,
                session: Session | None = None) -> AsyncIterator[None]:
    """The citizen's clock `seconds` ahead for the block; back to real time afterwards, also
    when the block fails."""
    session = session or await ctx.session()
    await advance(ctx, seconds, session)
    try:
        yield
    except BaseException:
        with suppress(httpx.HTTPError, CheckError):
            await reset(ctx, session)
        raise
    await reset(ctx, session)
