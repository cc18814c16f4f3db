"""What the served scheme document holds: key entries with windows, valid claims, and
the App Managers' revocations carried into it within the bound (trust model §4.1–§4.2,
spec/rules/app-manager.md `/app-manager/intrekking-naar-stelsel`)."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance import jose, specfiles
from conformance.checks.base import check, fail
from conformance.errors import CheckSkipped, JoseError
from conformance.network import LOOPBACK_HOSTS, is_private_host
from conformance.stelsel.context import StelselContext
from conformance.stelsel.document import entry_keys

AREA = "stelsel"
LIST_TYP = "intrekkingenlijst+jwt"
# INTREKKINGEN_OPHAAL_INTERVAL_S + STELSEL_PUBLICATIE_TERMIJN_S + STELSEL_MAX_AGE_S
CARRY_BOUND_S = 120 + 120 + 60
CARRY_POLL_S = 2.0
ENTRY_MEMBERS = {"jwk", "geldig_vanaf", "geldig_tot", "ingetrokken_op"}


def _participants(claims: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    orgs = [(f"organisatie {o.get('oin')}", o) for o in claims.get("organisaties") or []]
    managers = [(f"App Manager {m.get('id')}", m) for m in claims.get("app_managers") or []]
    return [(name, p) for name, p in orgs + managers if isinstance(p, dict)]


def key_entry_problems(name: str, entry: Any) -> list[str]:
    if not isinstance(entry, dict) or "jwk" not in entry or "geldig_vanaf" not in entry:
        return [f"{name}: a key that is not a key entry {{jwk, geldig_vanaf, …}}"]
    problems = []
    if entry.keys() - ENTRY_MEMBERS:
        problems.append(f"{name}: unknown key entry members {sorted(entry.keys() - ENTRY_MEMBERS)}")
    times = {m: entry[m] for m in ("geldig_vanaf", "geldig_tot", "ingetrokken_op") if m in entry}
    if any(not isinstance(v, int) or isinstance(v, bool) for v in times.values()):
        problems.append(f"{name}: a key window time that is not a NumericDate")
    elif "geldig_tot" in times and times["geldig_tot"] <= times["geldig_vanaf"]:
        problems.append(f"{name}: geldig_tot is not after geldig_vanaf")
    jwk = entry["jwk"]
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" \
            or "d" in jwk:
        problems.append(f"{name}: a jwk that is not a public EC P-256 key")
    elif "kid" in jwk and jwk["kid"] != jose.thumbprint(jwk):
        problems.append(f"{name}: a jwk whose kid is not its thumbprint")
    return problems


@check(rule="/stelsel/sleutelvensters", area=AREA, needs=("stelsel:sleutels",))
async def keys_are_entries_with_windows(ctx: StelselContext) -> None:
    """Every key of every organisation and App Manager is a closed key entry `{jwk,
    geldig_vanaf, geldig_tot?, ingetrokken_op?}` with NumericDate times, a public P-256
    `jwk` whose `kid` (if any) is its thumbprint, and `geldig_tot` after `geldig_vanaf`."""
    fetched = await ctx.fetch()
    claims = ctx.verified(fetched)
    problems = [problem for name, participant in _participants(claims)
                for entry in participant.get("sleutels") or [None]
                for problem in key_entry_problems(name, entry)]
    if problems:
        fail("; ".join(problems[:5]), fetched.response)


@check(rule="/stelsel/claims", area=AREA, needs=("stelsel:sleutels",))
async def claims_valid_against_the_schema(ctx: StelselContext) -> None:
    """The served document's claims are valid against `stelseldocument.schema.json` and
    every `api_url` occurs once."""
    fetched = await ctx.fetch()
    claims = ctx.verified(fetched)
    errors = sorted(specfiles.validator("stelseldocument").iter_errors(claims),
                    key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        fail(f"the claims break the schema at /{'/'.join(map(str, first.absolute_path))}: "
             f"{first.message[:200]} ({len(errors)} error(s))", fetched.response)
    urls = [e.get("api_url") for o in claims.get("organisaties") or []
            for e in o.get("eindpunten") or []]
    urls += [m["api_url"] for m in claims.get("app_managers") or [] if m.get("api_url")]
    repeated = sorted({u for u in urls if urls.count(u) > 1})
    if repeated:
        fail(f"api_url listed more than once: {repeated}", fetched.response)


TEST_OMGEVINGEN = ("test", "ontwikkeling")


@check(rule="/testomgeving/prive-netwerk", area="testomgeving", needs=("stelsel:sleutels",))
async def plain_http_only_on_private_test_networks(ctx: StelselContext) -> None:
    """A plain-http `api_url` off loopback appears only in a `test` or `ontwikkeling`
    scheme, and only on a private-network host (RFC 1918, fc00::/7, a single-label name)."""
    fetched = await ctx.fetch()
    claims = ctx.verified(fetched)
    urls = [e.get("api_url") for o in claims.get("organisaties") or []
            for e in o.get("eindpunten") or []]
    urls += [m.get("api_url") for m in claims.get("app_managers") or []]
    problems = []
    for url in (u for u in urls if isinstance(u, str) and u.startswith("http://")):
        host = (urlsplit(url).hostname or "").lower()
        if host in LOOPBACK_HOSTS:
            continue
        if not is_private_host(host):
            problems.append(f"{url}: plain http on a public host")
        elif claims.get("omgeving") not in TEST_OMGEVINGEN:
            problems.append(f"{url}: plain http on a private network in a scheme of "
                            f"omgeving {claims.get('omgeving')!r}")
    if problems:
        fail("; ".join(problems[:5]), fetched.response)


async def _revoked_at(ctx: StelselContext, manager: dict[str, Any]) -> list[str] | None:
    """The verified revocation list of an App Manager (None when it cannot be had)."""
    try:
        resp = await ctx.client.get(str(manager["api_url"]).rstrip("/") + "/intrekkingen")
    except httpx.HTTPError:
        return None
    if resp.status_code != 200:
        return None
    try:
        _h, claims = jose.verify(resp.text.strip(), entry_keys(manager), typ=LIST_TYP,
                                 prefix="intrekkingenlijst")
    except JoseError:
        return None
    now = int(time.time())
    if claims.get("iss") != manager.get("id") or not isinstance(claims.get("exp"), int) \
            or claims["exp"] < now:
        return None
    return [j for j in claims.get("ingetrokken") or [] if isinstance(j, str)]


@check(rule="/app-manager/intrekking-naar-stelsel", area="app-manager",
       needs=("stelsel:sleutels",))
async def revocations_reach_the_scheme_document(ctx: StelselContext) -> None:
    """Every `jti` on the verified revocation list of an active App Manager the document
    lists with an `api_url` appears in `ingetrokken_certificaten` within 300 s (fetch
    interval + publication bound + max-age)."""
    claims = ctx.verified(await ctx.fetch())
    wanted: set[str] = set()
    reachable = 0
    for manager in claims.get("app_managers") or []:
        if manager.get("status") != "actief" or not manager.get("api_url"):
            continue
        listed = await _revoked_at(ctx, manager)
        if listed is not None:
            reachable += 1
            wanted |= set(listed)
    if not reachable:
        raise CheckSkipped("no active App Manager in the document has an api_url serving a "
                           "verifiable revocation list")
    if not wanted:
        raise CheckSkipped("no App Manager lists a revoked certificate; revoke a test "
                           "certificate (e.g. run the app-manager profile) first")
    deadline = time.monotonic() + (CARRY_BOUND_S if ctx.slow else CARRY_POLL_S * 10)
    while True:
        fetched = await ctx.fetch()
        missing = wanted - set(ctx.verified(fetched).get("ingetrokken_certificaten") or [])
        if not missing:
            return
        if time.monotonic() >= deadline:
            break
        await asyncio.sleep(CARRY_POLL_S)
    if not ctx.slow:
        raise CheckSkipped(f"{len(missing)} revoked certificate(s) not yet in the document "
                           f"after {CARRY_POLL_S * 10:g} s; the bound is {CARRY_BOUND_S} s: "
                           "run with --slow to wait it out")
    fail(f"{len(missing)} revoked certificate(s) of the App Managers' lists are not in "
         f"ingetrokken_certificaten after {CARRY_BOUND_S} s", fetched.response)


CHECKS = (
    keys_are_entries_with_windows,
    claims_valid_against_the_schema,
    plain_http_only_on_private_test_networks,
    revocations_reach_the_scheme_document,
)
