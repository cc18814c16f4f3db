"""The trust lifetimes an endpoint keeps to: the standard's `NONCE_TTL_S` and `SESSION_TTL_S`,
or the shorter ones a source in a test environment announces in /configuratie
(`testomgeving: {nonce_geldigheid_s, sessie_geldigheid_s}`, spec/testomgeving.md §5).

Short announced lifetimes let the expiry checks wait seconds instead of fifteen minutes; with
the constants those checks wait only when slow checks are enabled, and are otherwise not
tested (the run is then incomplete, never conformant).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from conformance.checks.answers import json_body, parse_instant
from conformance.checks.base import fail
from conformance.checks.trust import CLOCK_SKEW_S, NONCE_TTL_S, SLOW_ENV, slow_checks_enabled
from conformance.context import CheckContext
from conformance.errors import CheckSkipped

SESSION_TTL_S = 900
ANNOUNCED = "testomgeving"


@dataclass(frozen=True)
class Lifetimes:
    nonce_s: int
    session_s: int
    announced: bool  # True: the endpoint's own shorter lifetimes (test environment)

    def describe(self) -> str:
        return ("the lifetimes /configuratie announces" if self.announced
                else "NONCE_TTL_S and SESSION_TTL_S")


def lifetimes(ctx: CheckContext) -> Lifetimes:
    """The lifetimes to hold the endpoint to (its /configuratie is schema-checked already)."""
    announced = ctx.config.get(ANNOUNCED)
    if isinstance(announced, dict):
        nonce, session = announced.get("nonce_geldigheid_s"), announced.get("sessie_geldigheid_s")
        if isinstance(nonce, int) and isinstance(session, int):
            return Lifetimes(nonce, session, announced=True)
    return Lifetimes(NONCE_TTL_S, SESSION_TTL_S, announced=False)


def require_wait(ctx: CheckContext, what: str, seconds: int) -> Lifetimes:
    """The lifetimes, or CheckSkipped (not tested) when waiting them out needs --slow."""
    found = lifetimes(ctx)
    if not found.announced and not slow_checks_enabled(ctx):
        raise CheckSkipped(f"waits {seconds} s for {what} to expire; run with --slow (or "
                           f"{SLOW_ENV}=1), or announce shorter test lifetimes "
                           "(spec/testomgeving.md §5)")
    return found


def expect_after(resp: httpx.Response, before: int, lifetime: int, name: str) -> None:
    """Fail unless the answer's ``verloopt_op`` is `lifetime` seconds after `before`."""
    moment = parse_instant(json_body(resp).get("verloopt_op"))
    if moment is None or abs(moment.timestamp() - (before + lifetime)) > CLOCK_SKEW_S:
        fail(f"verloopt_op {json_body(resp).get('verloopt_op')!r} is not the announced "
             f"{name} ({lifetime} s) after issue", resp)
