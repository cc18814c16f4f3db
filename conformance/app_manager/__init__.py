"""Profile `app-manager`: certify an App Manager in a test environment.

The suite plays the app (its own key, a loopback `redirect_uri`, PKCE, the certificate
request and revocation tokens) and the citizen (a browser on the consent page, the App
Manager's test identity provider of spec/testomgeving.md, and the pages for people),
against the App Manager's base URL (…/app-manager/v2). With the scheme document
(`stelsel_url`) and the pinned scheme-operator keys (`stelsel_keys`) it also proves that
what the App Manager signs verifies with the keys the scheme lists for it; without them
those checks are not tested (the run is incomplete).

Every certificate the run obtains is for a fresh random BSN of its own, so nothing the
run does touches a real or demo citizen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from conformance.app_manager import burger, certificaat, inloggen, intrekking, registratie
from conformance.app_manager.context import AppManagerContext
from conformance.errors import CouldNotRun, JoseError
from conformance.http_limits import LimitedTransport
from conformance.runner import (
    Reporter,
    RunOptions,
    end_without_checks,
    narrow,
    new_report,
    run_checks,
)
from conformance.stelsel.document import MEDIA_TYPE, pinned_keys, verify_document

PROFILE = "app-manager"
ACTOR = "app-manager"

PROFILES: dict[str, tuple[Any, ...]] = {
    PROFILE: (
        *registratie.CHECKS,
        *inloggen.CHECKS,
        *certificaat.CHECKS,
        *intrekking.CHECKS,
        *burger.CHECKS,
    ),
}


async def load_scheme(options: RunOptions) -> tuple[dict[str, Any] | None, str]:
    """The verified scheme claims, or None with the reason (a need's unmet reason)."""
    url, keys_file = options.stelsel_url, options.stelsel_keys
    if not url:
        return None, "needs the scheme document (--stelsel-url) listing this App Manager"
    if keys_file is None:
        return None, "needs the pinned scheme-operator keys (--stelsel-sleutels)"
    pinned = pinned_keys(Path(keys_file))
    transport = options.transport or options.network.httpx_transport(url)
    async with httpx.AsyncClient(transport=LimitedTransport(transport,
                                                            deadline_s=options.timeout_s),
                                 timeout=options.timeout_s) as client:
        try:
            resp = await client.get(url, headers={"Accept": MEDIA_TYPE})
        except httpx.HTTPError as exc:
            raise CouldNotRun(f"the scheme document {url} cannot be fetched: {exc}") from None
    if resp.status_code != 200:
        raise CouldNotRun(f"the scheme document {url} answered {resp.status_code}")
    try:
        return verify_document(resp.text.strip(), pinned), ""
    except JoseError as exc:
        raise CouldNotRun(f"the scheme document {url} does not verify with the pinned keys "
                          f"({exc.code}): fix --stelsel-sleutels") from None


async def connect(options: RunOptions) -> AppManagerContext:
    """The context of a run; CouldNotRun when the App Manager does not answer as one."""
    scheme, problem = await load_scheme(options)
    ctx = AppManagerContext(
        options.base_url, timeout_s=options.timeout_s, slow=options.slow,
        transport=options.transport or options.network.httpx_transport(options.base_url),
        headers=dict(options.network.headers), scheme=scheme, scheme_problem=problem)
    try:
        resp = await ctx.client.get("/intrekkingen")
    except httpx.HTTPError as exc:
        await ctx.client.aclose()
        raise CouldNotRun(f"App Manager unreachable: {options.base_url} "
                          f"({type(exc).__name__}: {exc})") from None
    if resp.status_code != 200:
        await ctx.client.aclose()
        raise CouldNotRun(f"GET {options.base_url}/intrekkingen answered {resp.status_code}: "
                          "is this an App Manager's base URL (…/app-manager/v2)?")
    if scheme is not None and ctx.manager_entry() is None:
        await ctx.client.aclose()
        raise CouldNotRun(f"the scheme document lists no App Manager with api_url "
                          f"{options.base_url}")
    return ctx


async def run(options: RunOptions, reporters: Sequence[Reporter] = ()) -> Any:
    """Certify the App Manager at `options.base_url`; the RunReport (actor app-manager)."""
    report = new_report(options, actor=ACTOR, target=options.base_url, profiles=[PROFILE])
    try:
        ctx = await connect(options)
    except CouldNotRun as exc:
        return end_without_checks(report, reporters, str(exc))
    async with ctx:
        entry = ctx.manager_entry()
        report.oin = str(entry.get("id", "")) if entry else ""
        checks = options.checks if options.checks is not None else PROFILES[PROFILE]
        await run_checks(ctx, narrow(checks, options.check_names), report=report,
                         reporters=reporters, options=options)
    return report
