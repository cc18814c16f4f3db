"""Rate limits (standard 2.0.0): a source may limit unauthenticated state creation, and when
it does, it says so with 429 `algemeen/te-veel-verzoeken` and `Retry-After` in seconds.

The suite cannot know a source's limit; it sends a short burst of challenge requests (the
intended use of a limit) and checks every answer: a new challenge, or a well-formed 429.
A source without a limit passes; one that limits with another status or code does not.
"""

from __future__ import annotations

import asyncio

import httpx

from conformance.checks.base import check, expect_problem, fail
from conformance.context import CheckContext

AREA = "http"
BURST = 20  # requests sent at once; a small fraction of what an attacker would send
TOO_MANY = "algemeen/te-veel-verzoeken"


def _seconds(value: str | None) -> bool:
    return value is not None and value.strip().isdigit()


@check(rule="/http/te-veel-verzoeken", area=AREA)
async def rate_limit_answered_with_429(ctx: CheckContext) -> None:
    """A burst of ``POST /sessies/uitdagingen`` gets, for each request, either a challenge
    (201) or 429 algemeen/te-veel-verzoeken with a ``Retry-After`` of whole seconds — never
    another refusal."""
    answers = await asyncio.gather(*(ctx.post("/sessies/uitdagingen") for _ in range(BURST)))
    for resp in answers:
        if resp.status_code == httpx.codes.CREATED:
            continue
        if resp.status_code != httpx.codes.TOO_MANY_REQUESTS:
            fail(f"a challenge request in a burst of {BURST} answered {resp.status_code}; "
                 "expected 201, or 429 when the source limits the rate", resp)
        expect_problem(resp, 429, TOO_MANY)
        if not _seconds(resp.headers.get("retry-after")):
            fail(f"429 carries Retry-After {resp.headers.get('retry-after')!r}; expected whole "
                 "seconds", resp)
