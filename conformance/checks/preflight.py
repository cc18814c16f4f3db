"""Checks the runner adds to every run, before the profile's checks: is the endpoint the
organisation the suite was told it is?"""

from __future__ import annotations

from conformance.checks.base import check, fail
from conformance.context import CheckContext


@check(rule="/configuratie/oin", area="configuratie")
async def configured_oin_matches(ctx: CheckContext) -> None:
    """The OIN in /configuratie is the organisation's OIN as given to the suite (--oin) and as
    named in the scheme document the organisation trusts."""
    announced = ctx.config.get("oin")
    if announced != ctx.target.oin:
        resp = await ctx.get("/configuratie")
        fail(f"/configuratie announces OIN {announced!r}, expected {ctx.target.oin!r}", resp)


PREFLIGHT_CHECKS = (configured_oin_matches,)
