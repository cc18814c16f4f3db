"""The trust-model attack matrix at ``POST /sessies``: the proof of possession and the nonce
(spec/trust-model.md §3.3, §5; tokens and certificate are in `checks.trust`).

A proof must be signed with the certificate's own key, addressed to this organisation, fresh
and well-formed; a nonce must be one the source issued, unexpired and unused, consumed only
by a request that got that far. Waiting out a nonce (NONCE_TTL_S, 120 s) happens only when
slow checks are enabled.
"""

from __future__ import annotations

import asyncio
import re

import httpx

from conformance import jose
from conformance.checks import answers, grenzen, levensduur
from conformance.checks.answers import json_body, parse_instant
from conformance.checks.base import check, expect_problem, fail, problem_code
from conformance.checks.trust import (
    CLOCK_SKEW_S,
    FAR_OFF_S,
    FOREIGN_OIN,
    FORGED_BSN,
    NONCE_TTL_S,
    PROOF_MAX_AGE_S,
    citizen,
    unknown_nonce,
    with_proof,
)
from conformance.context import CheckContext

AREA = "trust"
NEEDS = ("test_bsn",)
NONCE_MARGIN_S = 3  # how far before and after NONCE_TTL_S the expiry check uses a nonce
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 random bytes, base64url


@check(rule="/sessie/uitdaging", area=AREA)
async def challenge_issued(ctx: CheckContext) -> None:
    """``POST /sessies/uitdagingen`` without session or body answers 201 with a fresh nonce of
    32 random bytes (43 base64url characters) and ``verloopt_op`` NONCE_TTL_S (120 s) ahead —
    or the shorter nonce lifetime a test environment announces (spec/testomgeving.md §5)."""
    nonce_s = levensduur.lifetimes(ctx).nonce_s
    before = ctx.now()
    first, second = await ctx.post("/sessies/uitdagingen"), await ctx.post("/sessies/uitdagingen")
    for resp in (first, second):
        if resp.status_code != httpx.codes.CREATED:
            fail(f"expected HTTP 201, got {resp.status_code}", resp)
        body = json_body(resp)
        if not NONCE_PATTERN.match(str(body.get("nonce", ""))):
            fail("nonce is not 43 base64url characters (32 random bytes)", resp)
        expires = parse_instant(body.get("verloopt_op"))
        if expires is None or abs(expires.timestamp() - (before + nonce_s)) > CLOCK_SKEW_S:
            fail(f"verloopt_op {body.get('verloopt_op')!r} is not {nonce_s} s after issue",
                 resp)
    if json_body(first).get("nonce") == json_body(second).get("nonce"):
        fail("two challenges answered the same nonce", first, second)


@check(rule="/sessie/bewijs-sleutel", area=AREA, needs=NEEDS)
async def session_proof_by_other_key_rejected(ctx: CheckContext) -> None:
    """A session proof signed by a key other than the certificate's ``cnf.jwk`` (and saying so
    in its kid) is refused with 401 bewijs/sleutel-onbekend."""
    resp = await with_proof(ctx, signing_key=ctx.actors.new_app_key())
    expect_problem(resp, 401, "bewijs/sleutel-onbekend")


@check(rule="/sessie/bewijs-sleutel", area=AREA, needs=NEEDS)
async def proof_with_forged_kid_rejected(ctx: CheckContext) -> None:
    """A session proof carrying the thumbprint of the certificate's ``cnf.jwk`` as kid but
    signed by another key is refused with 401 bewijs/handtekening-ongeldig."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    proof = ctx.actors.proof(
        key, await ctx.challenge(), header={"kid": key.thumbprint},
        signing_key=ctx.actors.new_app_key(),
    )
    resp = await ctx.open_session(app_key=key, certificate=cert, proof=proof)
    expect_problem(resp, 401, "bewijs/handtekening-ongeldig")


@check(rule="/sessie/bewijs-sleutel", area=AREA, needs=NEEDS)
async def proof_kid_mismatch_rejected(ctx: CheckContext) -> None:
    """A session proof signed by the certificate's key but naming another kid is refused with
    401 bewijs/sleutel-onbekend: the kid must be the thumbprint of ``cnf.jwk``."""
    resp = await with_proof(ctx, header={"kid": ctx.actors.new_app_key().thumbprint})
    expect_problem(resp, 401, "bewijs/sleutel-onbekend")


@check(rule="/sessie/bewijs-ontvanger", area=AREA, needs=NEEDS)
async def proof_for_other_organisation_rejected(ctx: CheckContext) -> None:
    """A session proof addressed (``aud``) to another organisation is refused with 401
    bewijs/verkeerde-ontvanger."""
    other = FOREIGN_OIN if ctx.target.oin != FOREIGN_OIN else FOREIGN_OIN[::-1]
    resp = await with_proof(ctx, aud=other)
    expect_problem(resp, 401, "bewijs/verkeerde-ontvanger")


def _proof_probe(ctx: CheckContext, label: str, expect: str | None,
                 offset: int) -> grenzen.Probe:
    """A session request whose proof is dated `offset` s from the aligned second."""
    async def send(now: int, nonce: str) -> httpx.Response:
        key = ctx.actors.new_app_key()
        cert = ctx.actors.certificate(citizen(ctx), key)
        proof = ctx.actors.proof(key, nonce, iat=now + offset)
        return await ctx.open_session(app_key=key, certificate=cert, proof=proof)
    return grenzen.Probe(label, expect, send, prepare=ctx.challenge)


@check(rule="/sessie/bewijs-vers", area=AREA, needs=NEEDS)
async def stale_proof_rejected(ctx: CheckContext) -> None:
    """A session proof is valid until PROOF_MAX_AGE_S + CLOCK_SKEW_S (120 s) after its
    ``iat``, exactly: one made 120 s ago opens a session, one made 121 s ago is refused with
    401 bewijs/verlopen, even with a fresh nonce."""
    limit = PROOF_MAX_AGE_S + CLOCK_SKEW_S
    await grenzen.at_the_second(ctx, [
        _proof_probe(ctx, f"a session proof made exactly {limit} s ago", None, -limit),
        _proof_probe(ctx, f"a session proof made {limit + 1} s ago", "bewijs/verlopen",
                     -limit - 1),
    ])


@check(rule="/sessie/bewijs-vers", area=AREA, needs=NEEDS)
async def future_proof_rejected(ctx: CheckContext) -> None:
    """A session proof dated exactly CLOCK_SKEW_S (60 s) ahead opens a session; one dated
    61 s ahead is refused with 401 bewijs/nog-niet-geldig."""
    await grenzen.at_the_second(ctx, [
        _proof_probe(ctx, f"a session proof dated exactly {CLOCK_SKEW_S} s ahead", None,
                     CLOCK_SKEW_S),
        _proof_probe(ctx, f"a session proof dated {CLOCK_SKEW_S + 1} s ahead",
                     "bewijs/nog-niet-geldig", CLOCK_SKEW_S + 1),
    ])


@check(rule="/sessie/nonce-eenmalig", area=AREA, needs=NEEDS)
async def replayed_nonce_rejected(ctx: CheckContext) -> None:
    """A nonce opens one session only: a second, otherwise valid proof over the same nonce is
    refused with 401 bewijs/nonce-gebruikt."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    nonce = await ctx.challenge()
    first = await ctx.open_session(app_key=key, certificate=cert, nonce=nonce)
    if first.status_code != httpx.codes.CREATED:
        fail("/sessie/certificaat-vereist",
             f"a valid session request was refused ({first.status_code}); cannot test replay",
             first)
    second = await ctx.open_session(app_key=key, certificate=cert, nonce=nonce)
    expect_problem(second, 401, "bewijs/nonce-gebruikt")


@check(rule="/sessie/nonce-eenmalig", area=AREA, needs=NEEDS)
async def concurrent_nonce_use_opens_one_session(ctx: CheckContext) -> None:
    """The nonce is consumed atomically: of two simultaneous valid requests over one nonce,
    exactly one opens a session and the other gets 401 bewijs/nonce-gebruikt."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    nonce = await ctx.challenge()
    results = await asyncio.gather(
        ctx.open_session(app_key=key, certificate=cert, nonce=nonce),
        ctx.open_session(app_key=key, certificate=cert, nonce=nonce),
    )
    created = [r for r in results if r.status_code == httpx.codes.CREATED]
    if len(created) != 1:
        fail(f"{len(created)} of two concurrent requests with one nonce opened a session "
             "(expected exactly 1)", *results)
    expect_problem(next(r for r in results if r is not created[0]), 401, "bewijs/nonce-gebruikt")


@check(rule="/sessie/nonce-bekend", area=AREA, needs=NEEDS)
async def unknown_nonce_rejected(ctx: CheckContext) -> None:
    """A proof over a nonce the source never issued is refused with 401 bewijs/nonce-onbekend."""
    resp = await ctx.open_session(nonce=unknown_nonce())
    expect_problem(resp, 401, "bewijs/nonce-onbekend")


@check(rule="/sessie/nonce-geldigheid", area=AREA, needs=NEEDS)
async def failed_attempt_keeps_nonce(ctx: CheckContext) -> None:
    """A session request refused for its certificate or proof does not consume the nonce: a
    valid proof over the same nonce then opens the session."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    nonce = await ctx.challenge()
    expired = ctx.actors.certificate(citizen(ctx), key, iat=ctx.now() - 2 * FAR_OFF_S,
                                     lifetime_s=FAR_OFF_S)
    bad_cert = await ctx.open_session(app_key=key, certificate=expired, nonce=nonce)
    expect_problem(bad_cert, 401, "certificaat/verlopen", rule="/certificaat/geldigheid")
    misaddressed = ctx.actors.proof(key, nonce, aud=FOREIGN_OIN)
    bad_proof = await ctx.open_session(app_key=key, certificate=cert, proof=misaddressed)
    expect_problem(bad_proof, 401, "bewijs/verkeerde-ontvanger", rule="/sessie/bewijs-ontvanger")
    good = await ctx.open_session(app_key=key, certificate=cert, nonce=nonce)
    if good.status_code != httpx.codes.CREATED:
        fail(f"after two refused attempts, a valid proof over the same nonce got "
             f"{good.status_code} instead of 201: the refused attempts consumed the nonce",
             bad_cert, bad_proof, good)


@check(rule="/sessie/nonce-geldigheid", area=AREA, needs=NEEDS)
async def expired_nonce_rejected(ctx: CheckContext) -> None:
    """A nonce is usable NONCE_TTL_S (120 s) after its issue and no longer (the source's own
    clock decides; no skew): of two nonces issued together, one used 117 s later opens a
    session, the other used 123 s later is refused with 401 bewijs/nonce-verlopen. Against
    a test environment announcing a shorter nonce lifetime, the same around that lifetime.

    Waiting NONCE_TTL_S needs slow checks enabled. (The standard's test clock moves
    administrative time only, never the time of tokens and nonces.)"""
    ttl = levensduur.require_wait(ctx, "a nonce", NONCE_TTL_S + NONCE_MARGIN_S).nonce_s
    margin = min(NONCE_MARGIN_S, max(1, ttl // 3))  # a 5-s test nonce: used at 4 s and 6 s
    before = ctx.now()
    early, late = await ctx.challenge(), await ctx.challenge()
    after = ctx.now()
    await answers.wait(max(0, before + ttl - margin - ctx.now()), others_may_run=True)
    resp = await ctx.open_session(nonce=early)  # every other part is fresh
    if resp.status_code != httpx.codes.CREATED:
        fail(f"a nonce used {ttl - margin} s after its issue (within its lifetime of {ttl} s)"
             f" was refused ({resp.status_code} {problem_code(resp)!r})", resp)
    await answers.wait(max(0, after + ttl + margin - ctx.now()), others_may_run=True)
    resp = await ctx.open_session(nonce=late)
    expect_problem(resp, 401, "bewijs/nonce-verlopen")


@check(rule="/sessie/bewijs-claims", area=AREA, needs=NEEDS)
async def session_proof_with_invalid_claims_rejected(ctx: CheckContext) -> None:
    """A correctly signed session proof whose claims are not exactly nonce, aud, api_url, iat
    and jti (an extra ``bsn``; any one of the five missing) is refused with 401
    bewijs/claims-ongeldig: a source that checks ``aud`` or ``api_url`` only when present
    would accept a proof meant for any source."""
    for claims in ({"bsn": FORGED_BSN}, *({name: jose.OMIT} for name in
                                          ("jti", "aud", "api_url", "iat", "nonce"))):
        resp = await with_proof(ctx, claims=claims)
        expect_problem(resp, 401, "bewijs/claims-ongeldig")
