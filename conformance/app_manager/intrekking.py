"""Revocation by the key holder and the signed revocation list (trust model §7,
spec/rules/app-manager.md and intrekking.md)."""

from __future__ import annotations

import re
import uuid

from conformance import jose
from conformance.app_manager.context import AppManagerContext
from conformance.checks.base import check, expect_problem, fail, media_type
from conformance.errors import JoseError

AREA = "app-manager"
LIST_TYP = "intrekkingenlijst+jwt"
SCHEME_MAX_LIFETIME_S = 86400
INTREKKINGENLIJST_MAX_AGE_S = 60
MAX_AGE = re.compile(r"(?:^|,)\s*max-age=(\d+)\s*(?:,|$)")


@check(rule="/app-manager/intrekking", area=AREA)
async def revocation_needs_the_certificate_key(ctx: AppManagerContext) -> None:
    """A revocation request signed by another key, for another App Manager, too old, or
    naming another `certificaat_jti` is 401 with its `intrekking/…` code; a certificate of
    another issuer is 401 `certificaat/uitgever-onbekend`."""
    issued = await ctx.certificate()
    other = jose.SigningKey.generate()
    for label, verzoek, code in (
        ("signed by another key", ctx.revocation_request(issued, key=other),
         "intrekking/sleutel-onbekend"),
        ("for another App Manager", ctx.revocation_request(issued, aud="een-andere"),
         "intrekking/verkeerde-ontvanger"),
        ("dated 10 minutes ago", ctx.revocation_request(issued, iat=ctx.now() - 600),
         "intrekking/verlopen"),
        ("naming another certificate", ctx.revocation_request(
            issued, certificaat_jti=str(uuid.uuid4())), "intrekking/certificaat-onjuist"),
    ):
        resp = await ctx.revoke(issued, verzoek)
        if resp.status_code == 201:
            fail(f"a revocation request {label} revoked the certificate", resp)
        expect_problem(resp, 401, code)
    forged = jose.encode({**issued.claims, "iss": "een-andere-app-manager"}, other,
                         typ=issued.header.get("typ", ""))
    resp = await ctx.client.post("/intrekkingen", json={
        "certificaat": forged, "verzoek": ctx.revocation_request(issued)})
    expect_problem(resp, 401, "certificaat/uitgever-onbekend")


@check(rule="/app-manager/intrekking", area=AREA)
async def revocation_by_the_key_holder(ctx: AppManagerContext) -> None:
    """A correct revocation is 201 with the `certificaat_jti` and `ingetrokken_op`;
    revoking again is 201 with the same `ingetrokken_op`."""
    issued = await ctx.certificate()
    first = await ctx.revoke(issued)
    if first.status_code != 201:
        fail(f"a correct revocation answered {first.status_code}, not 201", first)
    body = first.json()
    if body.get("certificaat_jti") != issued.claims.get("jti") or \
            not isinstance(body.get("ingetrokken_op"), str):
        fail("the revocation answer lacks the certificaat_jti or ingetrokken_op", first)
    again = await ctx.revoke(issued)
    if again.status_code != 201 or again.json().get("ingetrokken_op") != body["ingetrokken_op"]:
        fail("revoking again did not answer 201 with the original ingetrokken_op", again)


@check(rule="/app-manager/intrekkingenlijst", area=AREA)
async def revocation_list_served(ctx: AppManagerContext) -> None:
    """`GET /intrekkingen` is an `intrekkingenlijst+jwt` (`application/jose`) with `iss` the
    App Manager's id, `exp − iat` ≤ 86400 and `ingetrokken` a list, a strong `ETag` and 304
    for `If-None-Match` with it."""
    await ctx.certificate()  # learns the App Manager's id
    resp, header, claims = await ctx.revocation_list()
    problems = []
    if media_type(resp) != "application/jose":
        problems.append(f"Content-Type {media_type(resp)!r}")
    if header.get("typ") != LIST_TYP or header.get("alg") != "ES256":
        problems.append(f"header {header}")
    if claims.get("iss") != ctx.manager_id:
        problems.append(f"iss {claims.get('iss')!r} is not {ctx.manager_id!r}")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or \
            not 0 < exp - iat <= SCHEME_MAX_LIFETIME_S:
        problems.append("exp − iat is not within 1..86400 s")
    if not isinstance(claims.get("ingetrokken"), list):
        problems.append("ingetrokken is not a list")
    etag = resp.headers.get("etag", "")
    if not etag.startswith('"') or etag.startswith("W/"):
        problems.append(f"ETag {etag!r} is not a strong entity tag")
    if problems:
        fail("the revocation list: " + "; ".join(problems), resp)
    cached = await ctx.client.get("/intrekkingen", headers={"If-None-Match": etag})
    if cached.status_code != 304 or cached.content:
        fail(f"If-None-Match with the current ETag answered {cached.status_code}, not an "
             "empty 304", cached)


@check(rule="/app-manager/intrekkingenlijst", area=AREA, needs=("am:stelsel",))
async def revocation_list_signed_with_a_published_key(ctx: AppManagerContext) -> None:
    """The revocation list verifies with a key the scheme document lists for this App
    Manager."""
    resp, _header, _claims = await ctx.revocation_list()
    try:
        jose.verify(resp.text.strip(), ctx.manager_keys(), typ=LIST_TYP,
                    prefix="intrekkingenlijst")
    except JoseError as exc:
        fail(f"the revocation list does not verify with the App Manager's keys in the "
             f"scheme document: {exc.code}", resp)


@check(rule="/intrekking/lijst-direct", area="intrekking")
async def revocation_listed_at_once(ctx: AppManagerContext) -> None:
    """A revoked certificate's `jti` is on `GET /intrekkingen` as soon as the revocation is
    answered, and the list's `Cache-Control` `max-age` is at most 60."""
    issued = await ctx.certificate()
    revoked = await ctx.revoke(issued)
    if revoked.status_code != 201:
        fail(f"a correct revocation answered {revoked.status_code}, not 201", revoked)
    resp, _header, claims = await ctx.revocation_list()
    if issued.claims.get("jti") not in (claims.get("ingetrokken") or []):
        fail("the certificate just revoked is not on the revocation list", revoked, resp)
    age = MAX_AGE.search(resp.headers.get("cache-control", "").lower())
    if age is None or int(age.group(1)) > INTREKKINGENLIJST_MAX_AGE_S:
        fail(f"Cache-Control {resp.headers.get('cache-control')!r} has no max-age of at most "
             f"{INTREKKINGENLIJST_MAX_AGE_S}", resp)


CHECKS = (
    revocation_needs_the_certificate_key,
    revocation_by_the_key_holder,
    revocation_list_served,
    revocation_list_signed_with_a_published_key,
    revocation_listed_at_once,
)
