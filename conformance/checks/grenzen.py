"""Exact time bounds: probes on both sides of a bound, one second apart.

The standard fixes every time bound to the second (`/token/klokafwijking`: ``exp = now − 60``
is valid, ``exp = now − 61`` is expired). A check that probes 20 s inside and outside lets an
off-by-one or a skew counted twice pass, so the boundary checks send a token exactly AT the
bound (accepted) and one second beyond it (refused).

Verifiers compare whole seconds. The probes are therefore sent together in the middle of a
second of the suite's clock, so a verifier whose clock is within a few tenths of a second of
the suite's (NTP) judges them in that same second. A probe that comes out wrong is tried once
more at the next mid-second before it is reported, so a request that straddled a second
boundary on a slow network is not taken for an off-by-one (which is wrong both times).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.checks.base import fail, problem_code
from conformance.context import CheckContext

ALIGN_FROM_S, ALIGN_TO_S = 0.3, 0.5  # where in a second the probes leave
ATTEMPTS = 2


@dataclass(frozen=True)
class Probe:
    """One request at a bound.

    `label` says what is sent ("a certificate expired exactly 60 s ago"); `expect` is the
    code it must be refused with (status `refused_status`; `code_of` reads the code from the
    answer, by default the problem document's), or None when it must be accepted (status
    `accepted_status`). `prepare` does what must happen before the aligned
    moment (a challenge, a session) and its result goes to `send(now, prepared)`, which builds
    the token for the whole second `now` and sends it."""

    label: str
    expect: str | None
    send: Callable[[int, Any], Awaitable[httpx.Response]]
    prepare: Callable[[], Awaitable[Any]] | None = None
    accepted_status: int = httpx.codes.CREATED
    refused_status: int = httpx.codes.UNAUTHORIZED
    code_of: Callable[[httpx.Response], str | None] = problem_code

    def wrong(self, resp: httpx.Response) -> str | None:
        """Why `resp` is not this probe's answer (None when it is)."""
        got = f"{resp.status_code} {self.code_of(resp)!r}"
        if self.expect is None:
            if resp.status_code != self.accepted_status:
                return f"{self.label} is within the bound but was refused ({got})"
            return None
        if resp.status_code != self.refused_status or self.code_of(resp) != self.expect:
            return (f"{self.label} is beyond the bound but got {got} (expected "
                    f"{self.refused_status} {self.expect!r})")
        return None


async def mid_second(ctx: CheckContext) -> int:
    """Wait until the suite's clock is ALIGN_FROM_S..ALIGN_TO_S into a second; that second."""
    fraction = time.time() % 1
    if not ALIGN_FROM_S <= fraction < ALIGN_TO_S:
        await asyncio.sleep((ALIGN_FROM_S - fraction) % 1 + 0.01)
    return ctx.now()


async def at_the_second(ctx: CheckContext, probes: list[Probe]) -> None:
    """Send all `probes` at one mid-second, concurrently; fail with the first wrong answer
    when it is wrong in both attempts (the evidence is that answer)."""
    wrong: list[tuple[str, httpx.Response]] = []
    for _attempt in range(ATTEMPTS):
        prepared = [await p.prepare() if p.prepare else None for p in probes]
        now = await mid_second(ctx)
        answers = await asyncio.gather(*(p.send(now, prep) for p, prep in zip(probes, prepared,
                                                                               strict=True)))
        wrong = [(why, resp) for p, resp in zip(probes, answers, strict=True)
                 if (why := p.wrong(resp)) is not None]
        if not wrong:
            return
        probes = [p for p, resp in zip(probes, answers, strict=True) if p.wrong(resp)]
    why, resp = wrong[0]
    fail(f"{why}; bounds are exact to the second", resp)
