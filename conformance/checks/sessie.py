"""Using a session (spec/trust-model.md §3.3 last paragraph and §4).

A valid certificate + proof opens a short-lived session; the token (``Authorization:
Sessie``, with a fresh request proof on every request) is required, refused once ended,
bound to one citizen (another citizen's resources are answered exactly as unknown ones) and
to the certificate's DigiD level. The lifetime itself (SESSION_TTL_S,
900 s) can only be observed by waiting it out: that check runs only when slow checks are
enabled.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from conformance import jose
from conformance.checks import answers, levensduur
from conformance.checks.answers import json_body, parse_instant
from conformance.checks.base import check, expect_problem, expect_status, fail, problem_code
from conformance.checks.betalingsregelingen import (
    accept,
    cleanup,
    created_id,
    require_cooling_off,
)
from conformance.checks.hulpvragen import bundle
from conformance.checks.pauzes import pause_case, paused
from conformance.checks.trust import CLOCK_SKEW_S
from conformance.checks.voorstellen import arrangement_case, valid_quote
from conformance.context import CheckContext, Session
from conformance.errors import NotApplicable

AREA = "sessie"
NEEDS = ("test_bsn",)
SESSION_TTL_S = levensduur.SESSION_TTL_S
EXPIRY_MARGIN_S = 3  # how far before and after SESSION_TTL_S the expiry check uses a session
LONG_CERT_S = 3600  # a certificate outliving SESSION_TTL_S, so the session's own TTL shows
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 random bytes, base64url
# Two random 43-character tokens share about one character in place (1/64 each); more than
# this many is a structured, not a random, token (false alarm odds far below 1 in 10^9).
SHARED_CHARACTERS_MAX = 12
LEVELS = ("basis", "midden", "substantieel", "hoog")
CHALLENGE = 'Sessie realm="vorderingen"'
OVERVIEW = "/vorderingenoverzicht"
NEVER_ISSUED = "Zm9yZ2VkLXRva2VuLXRoYXQtd2FzLW5ldmVyLWlzc3VlZC0x"
NOT_FOUND = "algemeen/niet-gevonden"
# A made-up BSN (passing the elfproef) offered in the query and headers; it is no test
# citizen's, so the evidence in a report never shows a real test citizen's number in a URL.
PROBE_BSN = "100000022"
# Per service, a read-only operation that needs a session (hulpvragen: a valid help request).
LEVEL_PROBES = {
    "vorderingenoverzicht": OVERVIEW,
    "betalingsregelingen": "/betalingsregelingen",
    "pauzes": "/pauzes",
}


async def session_token(ctx: CheckContext, **cert_args: Any) -> tuple[Session, httpx.Response]:
    """Open a session with a certificate built with `cert_args`; fail unless 201 + token."""
    key = ctx.actors.new_app_key()
    bsn = ctx.target.test_bsns[0]
    cert = ctx.actors.certificate(bsn, key, **cert_args)
    resp = await ctx.open_session(app_key=key, certificate=cert)
    body = json_body(resp)
    token = body.get("sessietoken")
    if resp.status_code != httpx.codes.CREATED or not isinstance(token, str):
        fail("/sessie/certificaat-vereist",
             f"a valid certificate and proof did not open a session ({resp.status_code})", resp)
    session = Session(token=token, bsn=bsn, app_key=key, certificate=cert,
                      niveau=str(body.get("betrouwbaarheidsniveau", "")),
                      verloopt_op=str(body.get("verloopt_op", "")))
    return session, resp


def same_as_unknown(theirs: httpx.Response, their_id: str, unknown: httpx.Response,
                    unknown_id: str) -> None:
    """Fail unless another citizen's resource is answered exactly as an unknown one: 404
    algemeen/niet-gevonden, the same body apart from the id itself."""
    expect_problem(theirs, 404, NOT_FOUND)
    if answers.without_id(theirs, their_id) != answers.without_id(unknown, unknown_id):
        fail("the answer for another citizen's resource differs from the answer for an "
             "unknown id, revealing that it exists", theirs, unknown)


# --- opening and ending ---------------------------------------------------------------------


@check(rule="/sessie/certificaat-vereist", area=AREA, needs=NEEDS)
async def valid_session_opened(ctx: CheckContext) -> None:
    """A valid certificate with a valid proof over a fresh nonce opens a session: 201 with a
    ``sessietoken``, ``verloopt_op`` and the certificate's ``betrouwbaarheidsniveau``."""
    _token, resp = await session_token(ctx)
    body = json_body(resp)
    if body.get("betrouwbaarheidsniveau") != ctx.actors.niveau:
        fail(f"betrouwbaarheidsniveau is {body.get('betrouwbaarheidsniveau')!r}, the "
             f"certificate's is {ctx.actors.niveau!r}", resp)
    if parse_instant(body.get("verloopt_op")) is None:
        fail("verloopt_op is not an RFC 3339 date-time with offset", resp)


@check(rule="/sessie/token-willekeurig", area=AREA, needs=NEEDS)
async def session_token_is_random(ctx: CheckContext) -> None:
    """A session token is 32 random bytes as 43 base64url characters that carry nothing about
    the citizen: two sessions of one citizen get unrelated tokens, neither holding the BSN."""
    (first_session, resp_1), (second_session, resp_2) = (
        await session_token(ctx), await session_token(ctx))
    first, second = first_session.token, second_session.token
    bsn = ctx.target.test_bsns[0]
    for token, resp in ((first, resp_1), (second, resp_2)):
        if not TOKEN_PATTERN.match(token):
            fail("sessietoken is not 43 base64url characters (32 random bytes)", resp)
        decoded = jose.b64d(token)
        if bsn in token or bsn.encode() in decoded:
            fail("sessietoken carries the citizen's BSN", resp)
    shared = sum(a == b for a, b in zip(first, second, strict=True))
    if first == second or shared > SHARED_CHARACTERS_MAX:
        fail(f"two sessions of one citizen got tokens sharing {shared} of 43 characters in "
             "place: not random", resp_1, resp_2)


@check(rule="/sessie/token-verloopt", area=AREA, needs=NEEDS)
async def session_lifetime_bounded(ctx: CheckContext) -> None:
    """A session's ``verloopt_op`` is at most SESSION_TTL_S (900 s) after it was opened (with
    a certificate valid for longer), or the shorter session lifetime a test environment
    announces."""
    session_s = levensduur.lifetimes(ctx).session_s
    before = ctx.now()
    _session, resp = await session_token(ctx, lifetime_s=LONG_CERT_S)
    moment = parse_instant(json_body(resp).get("verloopt_op"))
    if moment is None or moment.timestamp() > before + session_s + CLOCK_SKEW_S:
        fail(f"verloopt_op {json_body(resp).get('verloopt_op')!r} is more than "
             f"{session_s} s away", resp)


@check(rule="/testomgeving/korte-levensduur", area="testomgeving", needs=NEEDS)
async def announced_lifetimes_kept(ctx: CheckContext) -> None:
    """A source announcing shorter test lifetimes keeps to them exactly: a challenge's and a
    session's ``verloopt_op`` are the announced nonce and session lifetime after issue."""
    found = levensduur.lifetimes(ctx)
    if not found.announced:
        raise NotApplicable("the source announces no shorter test lifetimes")
    before = ctx.now()
    resp = await ctx.post("/sessies/uitdagingen")
    if resp.status_code != httpx.codes.CREATED:
        fail(f"expected HTTP 201 for a challenge, got {resp.status_code}", resp)
    levensduur.expect_after(resp, before, found.nonce_s, "nonce_geldigheid_s")
    before = ctx.now()
    _session, resp = await session_token(ctx, lifetime_s=LONG_CERT_S)
    levensduur.expect_after(resp, before, found.session_s, "sessie_geldigheid_s")


@check(rule="/sessie/token-verloopt", area=AREA, needs=NEEDS)
async def expired_session_token_rejected(ctx: CheckContext) -> None:
    """A session token works SESSION_TTL_S (900 s) after the session was opened and no
    longer (the source's own clock decides; no skew): used 897 s after opening it is served,
    903 s after opening it is refused with 401 sessie/token-ongeldig. Against a test
    environment announcing a shorter session lifetime, the same around that lifetime.

    Waiting SESSION_TTL_S needs slow checks enabled. (The standard's test clock moves
    administrative time only, never the time of sessions.)"""
    ttl = levensduur.require_wait(ctx, "a session", SESSION_TTL_S + EXPIRY_MARGIN_S).session_s
    margin = min(EXPIRY_MARGIN_S, max(1, ttl // 3))
    before = ctx.now()
    session, _resp = await session_token(ctx, lifetime_s=LONG_CERT_S)
    after = ctx.now()
    await answers.wait(max(0, before + ttl - margin - ctx.now()), others_may_run=True)
    resp = await ctx.get(OVERVIEW, session)
    if resp.status_code != httpx.codes.OK:
        fail(f"a session used {ttl - margin} s after it was opened (within its lifetime of "
             f"{ttl} s) was refused ({resp.status_code} {problem_code(resp)!r})", resp)
    await answers.wait(max(0, after + ttl + margin - ctx.now()), others_may_run=True)
    expect_problem(await ctx.get(OVERVIEW, session), 401, "sessie/token-ongeldig")


@check(rule="/sessie/token-schema-sessie", area=AREA)
async def missing_token_rejected(ctx: CheckContext) -> None:
    """An authenticated operation without a session token (none, or another scheme) is refused
    with 401 sessie/token-ontbreekt and ``WWW-Authenticate: Sessie realm="vorderingen"``."""
    for headers in ({}, {"Authorization": "Basic Y29uZm9ybWFuY2U6dGVzdA=="}):
        resp = await ctx.get(OVERVIEW, headers=headers)
        expect_problem(resp, 401, "sessie/token-ontbreekt")
        if resp.headers.get("www-authenticate") != CHALLENGE:
            fail(f"WWW-Authenticate is {resp.headers.get('www-authenticate')!r}, expected "
                 f"{CHALLENGE!r}", resp)


@check(rule="/sessie/token-schema-sessie", area=AREA)
async def unknown_token_rejected(ctx: CheckContext) -> None:
    """A session token the source never issued (with a well-formed request proof for it) is
    refused with 401 sessie/token-ongeldig and
    ``WWW-Authenticate: Sessie realm="vorderingen"``."""
    proof = ctx.actors.request_proof(ctx.actors.new_app_key(), method="GET",
                                     url=ctx.url(OVERVIEW), token=NEVER_ISSUED)
    resp = await ctx.get(OVERVIEW, NEVER_ISSUED, proof=proof)
    expect_problem(resp, 401, "sessie/token-ongeldig")
    if resp.headers.get("www-authenticate") != CHALLENGE:
        fail(f"WWW-Authenticate is {resp.headers.get('www-authenticate')!r}", resp)


@check(rule="/sessie/token-beeindigd", area=AREA, needs=NEEDS)
async def ended_session_token_rejected(ctx: CheckContext) -> None:
    """After ``DELETE /sessies/huidige`` (204) the session's token is refused with 401
    sessie/token-ongeldig."""
    session = await ctx.session()
    expect_status(await ctx.get(OVERVIEW, session), 200)
    expect_status(await ctx.delete("/sessies/huidige", session), 204)
    expect_problem(await ctx.get(OVERVIEW, session), 401, "sessie/token-ongeldig")


# --- what a session may do ----------------------------------------------------------------------


async def _use_service(ctx: CheckContext, dienst: str, session: Session) -> httpx.Response:
    if dienst == "hulpvragen":
        envelope = await ctx.overview(await ctx.session())
        return await ctx.post("/hulpvragen", session, json=bundle(envelope))
    return await ctx.get(LEVEL_PROBES[dienst], session)


@check(rule="/sessie/niveau-minimum", area=AREA, needs=NEEDS)
async def session_level_enforced(ctx: CheckContext) -> None:
    """A session whose DigiD level is one below a service's minimum (from /configuratie) is
    refused that service with 403 sessie/niveau-te-laag."""
    minimums = ctx.config.get("minimaal_betrouwbaarheidsniveau") or {}
    offered = ctx.config.get("diensten") or []
    probes = [(d, minimums.get(d)) for d in (*LEVEL_PROBES, "hulpvragen")
              if d in offered and minimums.get(d) in LEVELS[1:]]
    if not probes:
        raise NotApplicable("no service demands more than DigiD level basis: no lower level "
                            "exists")
    for dienst, minimum in probes:
        below = LEVELS[LEVELS.index(minimum) - 1]
        session, _resp = await session_token(ctx, claims={"betrouwbaarheidsniveau": below})
        resp = await _use_service(ctx, dienst, session)
        if resp.status_code != httpx.codes.FORBIDDEN or \
                problem_code(resp) != "sessie/niveau-te-laag":
            fail(f"{dienst} (minimum {minimum}) with a {below} session answered "
                 f"{resp.status_code} {problem_code(resp)!r}, expected 403 "
                 "sessie/niveau-te-laag", resp)


@check(rule="/sessie/bsn-alleen-uit-certificaat", area=AREA, needs=NEEDS)
async def bsn_parameters_ignored(ctx: CheckContext) -> None:
    """The BSN comes only from the certificate: a BSN offered in a query parameter or
    header — another test citizen's, whom the source knows, and one it does not — is
    ignored: the answer is the certificate holder's own document (200), never another's,
    and no Location names a BSN."""
    session = await ctx.session()
    offered = [b for b in (ctx.other_bsn(session.bsn), PROBE_BSN) if b is not None]
    for bsn in offered:
        resp = await ctx.get(OVERVIEW, session, params={"bsn": bsn},
                             headers={"X-BSN": bsn, "BSN": bsn})
        document = json_body(resp).get("document")
        if resp.status_code != httpx.codes.OK:
            fail(f"with a BSN in the query and headers the overview answered "
                 f"{resp.status_code}, not the certificate holder's document: an unknown "
                 "parameter carrying a BSN is ignored", resp)
        if not isinstance(document, dict) or document.get("bsn") != session.bsn:
            fail("with a BSN in the query and headers the document is not the certificate "
                 "holder's", resp)
        if any(b in resp.headers.get("location", "") for b in (bsn, session.bsn)):
            fail("a Location header names a BSN", resp)


@check(rule="/sessie/andermans-resource-404", area=AREA,
       needs=("second_bsn", "dienst:betalingsregelingen", "arrangement_case"))
async def other_citizens_arrangement_not_found(ctx: CheckContext) -> None:
    """Another citizen's arrangement is answered exactly as an unknown one (404
    algemeen/niet-gevonden, same body) on GET and DELETE, is not listed, and stays active."""
    require_cooling_off(ctx)
    owner = await ctx.session()
    other = await ctx.session(ctx.other_bsn(owner.bsn))
    quote = await valid_quote(ctx, owner, await arrangement_case(ctx, owner))
    async with cleanup(ctx, owner) as created:
        resp = await accept(ctx, owner, quote["voorstel_id"], str(uuid.uuid4()))
        regeling_id = created_id(resp)
        if regeling_id is None:
            fail("/betalingsregeling/idempotent", "accepting a valid quote failed", resp)
        created.add(regeling_id)
        unknown = str(uuid.uuid4())
        path = "/betalingsregelingen/{}"
        same_as_unknown(await ctx.get(path.format(regeling_id), other), regeling_id,
                        await ctx.get(path.format(unknown), other), unknown)
        same_as_unknown(await ctx.delete(path.format(regeling_id), other), regeling_id,
                        await ctx.delete(path.format(unknown), other), unknown)
        listing = await ctx.get("/betalingsregelingen", other)
        if regeling_id in listing.text:
            fail("another citizen's arrangement is listed", listing)
        mine = await ctx.get(path.format(regeling_id), owner)
        if json_body(mine).get("status") != "actief":
            fail("another citizen's DELETE withdrew the arrangement", mine)


@check(rule="/sessie/andermans-resource-404", area=AREA,
       needs=("second_bsn", "dienst:pauzes", "pause_case"))
async def other_citizens_pause_not_found(ctx: CheckContext) -> None:
    """Reading or ending another citizen's pause is answered exactly as an unknown one (404
    algemeen/niet-gevonden, same body); it is not listed and stays active."""
    owner = await ctx.session()
    other = await ctx.session(ctx.other_bsn(owner.bsn))
    case = await pause_case(ctx, owner)
    async with paused(ctx, owner, [case["zaakkenmerk"]]) as pauze:
        unknown = str(uuid.uuid4())
        same_as_unknown(await ctx.get(f"/pauzes/{pauze['id']}", other), pauze["id"],
                        await ctx.get(f"/pauzes/{unknown}", other), unknown)
        same_as_unknown(await ctx.delete(f"/pauzes/{pauze['id']}", other), pauze["id"],
                        await ctx.delete(f"/pauzes/{unknown}", other), unknown)
        listing = await ctx.get("/pauzes", other)
        if pauze["id"] in listing.text:
            fail("another citizen's pause is listed", listing)
        mine = await ctx.get("/pauzes", owner)
        status = {p.get("id"): p.get("status") for p in json_body(mine).get("pauzes") or []
                  if isinstance(p, dict)}
        if status.get(pauze["id"]) != "actief":
            fail("another citizen's DELETE ended the pause", mine)
