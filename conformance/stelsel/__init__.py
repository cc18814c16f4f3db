"""Profile `stelsel`: certify a scheme service from outside.

The run's URL is the scheme document's own (…/stelsel/v2/stelseldocument). Without the
pinned scheme-operator keys (`--stelsel-sleutels`) only the publication and caching checks
run; every check that reads the claims needs them (a document is never trusted unverified),
so the run is then incomplete. The revocation check fetches the revocation list of every
active App Manager the document names with an `api_url` and waits (with `--slow`, up to
the standard's bound) for its `jti`s to appear in the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from conformance.errors import CheckError
from conformance.runner import (
    Reporter,
    RunOptions,
    end_without_checks,
    narrow,
    new_report,
    run_checks,
)
from conformance.stelsel import contact, inhoud, publicatie
from conformance.stelsel.context import StelselContext
from conformance.stelsel.document import pinned_keys

PROFILE = "stelsel"
ACTOR = "stelsel"

PROFILES: dict[str, tuple[Any, ...]] = {
    PROFILE: (*publicatie.CHECKS, *inhoud.CHECKS, *contact.CHECKS)}


async def run(options: RunOptions, reporters: Sequence[Reporter] = ()) -> Any:
    """Certify the scheme service whose document is at `options.base_url`."""
    report = new_report(options, actor=ACTOR, target=options.base_url, profiles=[PROFILE])
    pinned = pinned_keys(Path(options.stelsel_keys)) if options.stelsel_keys else None
    ctx = StelselContext(
        options.base_url, timeout_s=options.timeout_s, pinned=pinned, slow=options.slow,
        transport=options.transport or options.network.httpx_transport(options.base_url),
        headers=dict(options.network.headers))
    async with ctx:
        try:
            first = await ctx.fetch()
        except (CheckError, httpx.HTTPError) as exc:  # nothing to test
            return end_without_checks(report, reporters, f"the scheme document "
                                      f"{options.base_url} cannot be fetched: {exc}")
        report.oin = str(first.claims.get("iss") or "")  # the operator's id, unverified
        checks = options.checks if options.checks is not None else PROFILES[PROFILE]
        await run_checks(ctx, narrow(checks, options.check_names), report=report,
                         reporters=reporters, options=options)
    return report
