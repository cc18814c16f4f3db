"""How the scheme service serves the scheme document (trust model §4.1, §4.3):
publication and caching, the pinned signature, freshness and rollback."""

from __future__ import annotations

import asyncio
import re

from conformance.checks.base import check, fail, media_type
from conformance.errors import JoseError
from conformance.stelsel.context import StelselContext
from conformance.stelsel.document import TYP, verify_document

AREA = "stelsel"
STELSEL_MAX_AGE_S = 60
SCHEME_MAX_LIFETIME_S = 86400
CLOCK_SKEW_S = 60
MAX_AGE = re.compile(r"(?:^|,)\s*max-age=(\d+)\s*(?:,|$)")
ROLLBACK_FETCHES = 3
ROLLBACK_PAUSE_S = 1.0


@check(rule="/stelsel/publicatie", area=AREA)
async def scheme_document_published(ctx: StelselContext) -> None:
    """`GET /stelsel/v2/stelseldocument` is 200 `application/jose`, a compact JWS with
    `typ: stelsel-v2+jwt`, a strong `ETag` equal for equal bytes, and `Cache-Control:
    public` with `max-age` of at most 60."""
    first = await ctx.fetch()
    resp = first.response
    problems = []
    if media_type(resp) != "application/jose":
        problems.append(f"Content-Type {media_type(resp)!r}")
    if first.header.get("typ") != TYP or first.header.get("alg") != "ES256":
        problems.append(f"header {first.header}")
    etag = resp.headers.get("etag", "")
    if not etag.startswith('"') or not etag.endswith('"'):
        problems.append(f"ETag {etag!r} is not a strong entity tag")
    cache = resp.headers.get("cache-control", "").lower()
    age = MAX_AGE.search(cache)
    if "public" not in cache or age is None or int(age.group(1)) > STELSEL_MAX_AGE_S:
        problems.append(f"Cache-Control {cache!r} is not public with max-age ≤ "
                        f"{STELSEL_MAX_AGE_S}")
    if problems:
        fail("the scheme document: " + "; ".join(problems), resp)
    second = await ctx.fetch()
    if second.token == first.token and second.response.headers.get("etag") != etag:
        fail("the same document bytes were served with two different ETags", resp,
             second.response)
    if second.token != first.token and second.response.headers.get("etag") == etag:
        fail("two different documents were served with the same ETag", resp, second.response)


@check(rule="/stelsel/publicatie", area=AREA)
async def conditional_request_answered_304(ctx: StelselContext) -> None:
    """`If-None-Match` with the current `ETag` is 304 without a body."""
    first = await ctx.fetch()
    etag = first.response.headers.get("etag", "")
    resp = await ctx.client.get(ctx.url, headers={"If-None-Match": etag})
    if resp.status_code == 200 and resp.text.strip() != first.token:
        return  # a new document was signed in between: its new ETag is the answer
    if resp.status_code != 304 or resp.content:
        fail(f"If-None-Match with the current ETag answered {resp.status_code} "
             f"({len(resp.content)} bytes), not an empty 304", resp)


@check(rule="/stelsel/handtekening-gepind", area=AREA, needs=("stelsel:sleutels",))
async def document_signed_with_a_pinned_key(ctx: StelselContext) -> None:
    """The served document verifies with one of the pinned scheme-operator keys (its `kid`
    the thumbprint of that key)."""
    fetched = await ctx.fetch()
    try:
        verify_document(fetched.token, ctx.pinned or [])
    except JoseError as exc:
        fail(f"the scheme document does not verify with the pinned keys: {exc.code}",
             fetched.response)


@check(rule="/stelsel/looptijd", area=AREA, needs=("stelsel:sleutels",))
async def served_document_is_current(ctx: StelselContext) -> None:
    """The served document is current: `iat − 60 ≤ now ≤ exp + 60` and `exp − iat` at most
    86400 s."""
    fetched = await ctx.fetch()
    claims = ctx.verified(fetched)
    iat, exp, now = claims.get("iat"), claims.get("exp"), ctx.now()
    if not isinstance(iat, int) or not isinstance(exp, int):
        fail("iat or exp is not a NumericDate", fetched.response)
    if iat - CLOCK_SKEW_S > now:
        fail(f"the document is issued {iat - now} s in the future", fetched.response)
    if now > exp + CLOCK_SKEW_S:
        fail(f"the served document expired {now - exp} s ago", fetched.response)
    if exp - iat > SCHEME_MAX_LIFETIME_S:
        fail(f"exp − iat is {exp - iat} s, more than {SCHEME_MAX_LIFETIME_S}", fetched.response)


@check(rule="/stelsel/volgnummer-oplopend", area=AREA, needs=("stelsel:sleutels",))
async def volgnummer_never_decreases(ctx: StelselContext) -> None:
    """Across repeated fetches the `volgnummer` never decreases, and a different document
    has a higher one."""
    seen: list[tuple[int, str]] = []  # (volgnummer, payload) per fetch
    for index in range(ROLLBACK_FETCHES):
        if index:
            await asyncio.sleep(ROLLBACK_PAUSE_S)
        fetched = await ctx.fetch()
        number = ctx.verified(fetched).get("volgnummer")
        if not isinstance(number, int) or number < 1:
            fail(f"volgnummer {number!r} is not an integer ≥ 1", fetched.response)
        payload = fetched.token.split(".")[1]
        if seen and number < seen[-1][0]:
            fail(f"volgnummer went down from {seen[-1][0]} to {number}", *ctx.exchanges)
        if seen and number == seen[-1][0] and payload != seen[-1][1]:
            fail(f"a different document was served with the same volgnummer {number}",
                 *ctx.exchanges)
        seen.append((number, payload))

CHECKS = (
    scheme_document_published,
    conditional_request_answered_304,
    document_signed_with_a_pinned_key,
    served_document_is_current,
    volgnummer_never_decreases,
)
