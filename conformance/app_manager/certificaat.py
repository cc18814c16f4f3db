"""Exchanging the login code for a certificate (trust model §5.4): proof of possession,
the one-time code, the PKCE verifier, no polling, and what the certificate states."""

from __future__ import annotations

import asyncio
import re
import secrets
import uuid
from typing import Any

from conformance import jose
from conformance.app_manager.context import CERT_TYP, AppManagerContext
from conformance.checks.base import check, expect_problem, fail
from conformance.errors import JoseError

AREA = "app-manager"
CERT_MAX_LIFETIME_S = 43200
CLOCK_SKEW_S = 60
LOGIN_CODE_TTL_S = 60
CODE_REFUSED = "inloggen/code-ongeldig"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _same_key(a: Any, b: dict[str, Any]) -> bool:
    return isinstance(a, dict) and all(a.get(m) == b[m] for m in ("kty", "crv", "x", "y"))


@check(rule="/app-manager/certificaat-inhoud", area=AREA)
async def certificate_states_the_login(ctx: AppManagerContext) -> None:
    """The certificate of a test login states the App Manager (`iss` = the redirect's
    `iss`), a fresh UUID `jti`, `cnf.jwk` = the registered key, the BSN and level chosen at
    the test identity provider, the login time, and lives at most CERT_MAX_LIFETIME_S."""
    issued = await ctx.certificate()
    second = await ctx.certificate()
    c, h = issued.claims, issued.header
    problems = []
    if h.get("typ") != CERT_TYP or h.get("alg") != "ES256" or not h.get("kid"):
        problems.append(f"header {h} (expected typ {CERT_TYP}, alg ES256, a kid)")
    if c.get("iss") != ctx.manager_id:
        problems.append(f"iss {c.get('iss')!r} is not the login's iss {ctx.manager_id!r}")
    if not UUID.match(str(c.get("jti"))) or c.get("jti") == second.claims.get("jti"):
        problems.append("jti is not a fresh lowercase UUID")
    if not _same_key((c.get("cnf") or {}).get("jwk"), issued.registration.key.public_jwk):
        problems.append("cnf.jwk is not the registered public key")
    if c.get("bsn") != ctx.bsn:
        problems.append("bsn is not the BSN chosen at the test identity provider")
    if c.get("betrouwbaarheidsniveau") != issued.niveau:
        problems.append(f"betrouwbaarheidsniveau {c.get('betrouwbaarheidsniveau')!r} is not "
                        f"the level chosen ({issued.niveau})")
    moment = c.get("inlogmoment")
    if not isinstance(moment, int) or not (
            issued.logged_in_at - CLOCK_SKEW_S <= moment <= ctx.now() + CLOCK_SKEW_S):
        problems.append(f"inlogmoment {moment!r} is not the time of the login")
    if not isinstance(c.get("identiteitsdienst"), str) or not c.get("identiteitsdienst"):
        problems.append("identiteitsdienst is missing")
    iat, exp = c.get("iat"), c.get("exp")
    if not isinstance(iat, int) or not isinstance(exp, int) or \
            not 0 < exp - iat <= CERT_MAX_LIFETIME_S:
        problems.append(f"exp − iat is not within 1..{CERT_MAX_LIFETIME_S} s")
    if problems:
        fail("the certificate " + "; ".join(problems), *ctx.exchanges)


@check(rule="/app-manager/certificaat-inhoud", area=AREA, needs=("am:stelsel",))
async def certificate_signed_with_a_published_key(ctx: AppManagerContext) -> None:
    """The certificate verifies with a key the scheme document lists for this App Manager,
    whose id there is the certificate's `iss`."""
    issued = await ctx.certificate()
    entry = ctx.manager_entry() or {}
    try:
        _h, claims = jose.verify(issued.token, ctx.manager_keys(), typ=CERT_TYP,
                                 prefix="certificaat")
    except JoseError as exc:
        fail(f"the certificate does not verify with the App Manager's keys in the scheme "
             f"document: {exc.code}", *ctx.exchanges)
    if claims.get("iss") != entry.get("id"):
        fail(f"iss {claims.get('iss')!r} is not the scheme's id {entry.get('id')!r}",
             *ctx.exchanges)


@check(rule="/app-manager/aanvraag-bezit", area=AREA)
async def certificate_request_proves_possession(ctx: AppManagerContext) -> None:
    """A certificate request signed by another key (with its own or the registered key's
    `kid`), for another `aud` or `nonce`, or too old, is 401 with its `aanvraag/…` code and
    issues nothing; an unknown registration is 422 `registratie/onbekend`."""
    other = jose.SigningKey.generate()
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("signed by another key", {"key": other}, "aanvraag/sleutel-onbekend"),
        ("signed by another key under the registered key's kid", {"key": other, "kid": True},
         "aanvraag/handtekening-ongeldig"),
        ("for another App Manager", {"aud": "een-andere-app-manager"},
         "aanvraag/verkeerde-ontvanger"),
        ("over another nonce", {"nonce": jose.b64e(secrets.token_bytes(32))},
         "aanvraag/nonce-onbekend"),
        ("dated 10 minutes ago", {"iat": -600}, "aanvraag/verlopen"),
    ]
    for label, how, code in cases:
        reg, login_code = await ctx.logged_in()
        claims: dict[str, Any] = {}
        if "aud" in how:
            claims["aud"] = how["aud"]
        if "nonce" in how:
            claims["nonce"] = how["nonce"]
        if "iat" in how:
            claims["iat"] = ctx.now() + how["iat"]
        header = {"kid": reg.key.kid} if how.get("kid") else None
        aanvraag = ctx.aanvraag(reg, key=how.get("key"), header=header, **claims)
        resp = await ctx.exchange(reg, login_code, aanvraag=aanvraag)
        if resp.status_code == 201:
            fail(f"a certificate was issued on a request {label}", resp)
        expect_problem(resp, 401, code)
    reg, login_code = await ctx.logged_in()
    resp = await ctx.exchange(reg, login_code, registratie_id=str(uuid.uuid4()))
    expect_problem(resp, 422, "registratie/onbekend")


@check(rule="/app-manager/code-verifier", area=AREA)
async def wrong_code_verifier_refused(ctx: AppManagerContext) -> None:
    """A valid code with a verifier of the right form but the wrong value is 400
    `inloggen/verifier-onjuist`."""
    reg, code = await ctx.logged_in()
    resp = await ctx.exchange(reg, code, code_verifier=jose.b64e(secrets.token_bytes(32)))
    if resp.status_code == 201:
        fail("a certificate was issued with a code_verifier that is not the registration's",
             resp)
    expect_problem(resp, 400, "inloggen/verifier-onjuist")


@check(rule="/app-manager/inlogcode-eenmalig", area=AREA)
async def login_code_is_spent_once(ctx: AppManagerContext) -> None:
    """A login code works once: exchanged again it is refused (422 `registratie/onbekend`,
    the registration is spent and is checked first), and a code first presented with a
    wrong verifier is spent too: 400 `inloggen/code-ongeldig`."""
    reg, code = await ctx.logged_in()
    first = await ctx.exchange(reg, code)
    if first.status_code != 201:
        fail(f"a correct exchange answered {first.status_code}, not 201", first)
    again = await ctx.exchange(reg, code)
    if again.status_code == 201:
        fail("the same login code was exchanged twice", again)
    expect_problem(again, 422, "registratie/onbekend")
    reg, code = await ctx.logged_in()
    await ctx.exchange(reg, code, code_verifier=jose.b64e(secrets.token_bytes(32)))
    resp = await ctx.exchange(reg, code)
    if resp.status_code == 201:
        fail("a login code first presented with a wrong verifier was still exchanged", resp)
    expect_problem(resp, 400, CODE_REFUSED)


@check(rule="/app-manager/inlogcode-eenmalig", area=AREA)
async def login_code_bound_to_its_registration(ctx: AppManagerContext) -> None:
    """A login code presented for another registration (another app instance or device,
    with its own verifier and key) is 400 `inloggen/code-ongeldig`: a forwarded login
    yields nothing."""
    _reg, code = await ctx.logged_in()
    other = await ctx.registration()
    resp = await ctx.exchange(other, code)
    if resp.status_code == 201:
        fail("a login code was exchanged for another registration than its own", resp)
    expect_problem(resp, 400, CODE_REFUSED)


@check(rule="/app-manager/inlogcode-eenmalig", area=AREA, needs=("am:slow",))
async def expired_login_code_refused(ctx: AppManagerContext) -> None:
    """A login code is valid LOGIN_CODE_TTL_S: exchanged 61 s after the login it is 400
    `inloggen/code-ongeldig`."""
    reg, code = await ctx.logged_in()
    await asyncio.sleep(LOGIN_CODE_TTL_S + 1)
    resp = await ctx.exchange(reg, code, aanvraag=ctx.aanvraag(reg))
    if resp.status_code == 201:
        fail(f"a login code was exchanged {LOGIN_CODE_TTL_S + 1} s after the login", resp)
    expect_problem(resp, 400, CODE_REFUSED)


@check(rule="/app-manager/geen-polling", area=AREA)
async def no_certificate_before_login(ctx: AppManagerContext) -> None:
    """`POST /certificaten` for a registration whose login has not completed, with a made-up
    code of the right form, is 400 `inloggen/code-ongeldig` — never a status that asks the
    app to try again."""
    reg = await ctx.registration()
    resp = await ctx.exchange(reg, jose.b64e(secrets.token_bytes(32)))
    if "retry-after" in resp.headers or resp.status_code in (202, 409, 425, 429, 503):
        fail(f"a request before login answered {resp.status_code} (asking the app to poll)",
             resp)
    expect_problem(resp, 400, CODE_REFUSED)


CHECKS = (
    certificate_states_the_login,
    certificate_signed_with_a_published_key,
    certificate_request_proves_possession,
    wrong_code_verifier_refused,
    login_code_is_spent_once,
    login_code_bound_to_its_registration,
    expired_login_code_refused,
    no_certificate_before_login,
)
