"""Before the matrix: is the run set up so that its verdict can mean something?

Three steps, each ending the run with ONE line naming what to fix instead of tens of
failures the endpoint is not to blame for:

1. `validate_test_bsns` (before anything connects; UsageError, exit 2): every --test-bsn
   passes the elfproef, none is a BSN the suite forges into tampered tokens
   (`trust.FORGED_BSNS`: a forged token for the tester's own citizen would be answered as a
   working one, so a correct endpoint would fail).
2. `preflight` (after /configuratie; CouldNotRun, exit 3): one valid session opens — the
   endpoint trusts the suite's test scheme and App Manager key — and the first test citizen
   has what the selected profiles need (a case offering a betalingsregeling or a pauze).
3. `configured_oin_matches`, the check the runner puts first: the endpoint is the
   organisation the suite was told it is (a finding, not a could-not-run).
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from conformance.checks import trust
from conformance.checks.base import check, fail
from conformance.context import CheckContext
from conformance.document_rules import passes_elfproef
from conformance.errors import CheckError, CouldNotRun, UsageError

# profile → the action its checks need on the first citizen's case (`acties`)
CASE_ACTION_OF_PROFILE = {"betalingsregelingen": "betalingsregeling", "pauzes": "pauze"}
FIX_KEYS = ("pin the scheme key set and load the scheme document the `sleutels` command "
            "wrote (see its instructions), then run again")


def masked(bsn: str) -> str:
    """A BSN as reports show it: only its last two digits."""
    return "*******" + bsn[-2:]


def validate_test_bsns(bsns: Iterable[str]) -> None:
    """UsageError (one line) for a --test-bsn that fails the elfproef or is forged by the
    suite; never echoes a whole BSN."""
    forged = set(trust.FORGED_BSNS)
    for position, bsn in enumerate(bsns, start=1):
        which = f"--test-bsn #{position} ({masked(bsn)})"
        if not passes_elfproef(bsn):
            raise UsageError(f"{which} does not pass the elfproef: give a test citizen's BSN")
        if bsn in forged:
            raise UsageError(f"{which} is a BSN the suite forges into tampered tokens; give "
                             "another test citizen")


async def preflight(ctx: CheckContext) -> None:
    """CouldNotRun (one line naming what to fix) when the run cannot give a meaningful
    verdict; returns when it can. Without test citizens the session is opened for a BSN the
    suite forges (a citizen without claims, whom a source answers too)."""
    if ctx.config.get("oin") != ctx.target.oin:
        return  # `configured_oin_matches` reports it; no session can open for another OIN
    bsns = ctx.target.test_bsns
    citizen = bsns[0] if bsns else trust.FORGED_BSNS[-1]
    try:
        await ctx.session(citizen)
    except (CheckError, httpx.HTTPError) as exc:
        raise CouldNotRun(f"preflight: {exc} — the endpoint does not accept the suite's "
                          f"test scheme and App Manager: {FIX_KEYS}") from None
    if not bsns:
        return
    for profile in sorted(ctx.target.profile):
        action = CASE_ACTION_OF_PROFILE.get(profile)
        if action is None:
            continue
        try:
            case = await ctx.eligible_case(action, bsns[0])
        except (CheckError, httpx.HTTPError) as exc:
            raise CouldNotRun(f"preflight: the first --test-bsn's overview: {exc}") from None
        if case is None:
            raise CouldNotRun(
                f"preflight: the first --test-bsn ({masked(bsns[0])}) has no open case with "
                f"saldo > 0 whose acties include {action}, which profile {profile} needs: "
                "give a test citizen who has one first, or leave the profile out (--profile)")


@check(rule="/configuratie/oin", area="configuratie")
async def configured_oin_matches(ctx: CheckContext) -> None:
    """The OIN in /configuratie is the organisation's OIN as given to the suite (--oin) and as
    named in the scheme document the organisation trusts."""
    announced = ctx.config.get("oin")
    if announced != ctx.target.oin:
        resp = await ctx.get("/configuratie")
        fail(f"/configuratie announces OIN {announced!r}, expected {ctx.target.oin!r}", resp)


PREFLIGHT_CHECKS = (configured_oin_matches,)
