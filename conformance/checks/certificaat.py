"""Certificates of standard 2.0.0: the evidence of the login they carry, and their issuer's
status in the scheme.

A certificate names when the identity provider authenticated the citizen (`inlogmoment`) and
which one (`identiteitsdienst`); a source refuses one issued more than REGISTRATION_TTL_S
after the login, or "before" it. Only an App Manager with status `actief` issues: the test
scheme also lists a suspended and an ended App Manager whose keys the suite holds, so their
certificates are correctly signed but must still be refused.
"""

from __future__ import annotations

from conformance import jose, keys
from conformance.checks.base import check, expect_problem, expect_status, fail, problem_code
from conformance.checks.trust import CLOCK_SKEW_S, FAR_OFF_S, NEEDS, with_certificate
from conformance.context import CheckContext
from conformance.errors import CheckError

AREA = "trust"
REGISTRATION_TTL_S = 600
CLAIMS_INVALID = "certificaat/claims-ongeldig"


@check(rule="/certificaat/inlogbewijs", area=AREA, needs=NEEDS)
async def login_evidence_checked(ctx: CheckContext) -> None:
    """A certificate issued REGISTRATION_TTL_S (600 s) after the login opens a session; one
    issued 601 s after it, one whose ``inlogmoment`` is after its ``iat`` (by 120 s, beyond
    any clock skew), one without ``identiteitsdienst`` and one with an ``identiteitsdienst``
    outside its pattern are refused with 401 certificaat/claims-ongeldig."""
    now = ctx.now()
    resp = await with_certificate(ctx, iat=now, claims={"inlogmoment": now - REGISTRATION_TTL_S})
    expect_status(resp, 201)
    for what, claims in (
        ("issued 601 s after the login", {"inlogmoment": now - REGISTRATION_TTL_S - 1}),
        ("issued before the login", {"inlogmoment": now + 2 * CLOCK_SKEW_S}),
        ("without identiteitsdienst", {"identiteitsdienst": jose.OMIT}),
        ("with identiteitsdienst 'DigiD'", {"identiteitsdienst": "DigiD"}),
    ):
        resp = await with_certificate(ctx, iat=now, claims=claims)
        if problem_code(resp) != CLAIMS_INVALID:
            fail(f"a certificate {what} got {resp.status_code} {problem_code(resp)!r}; "
                 f"expected 401 {CLAIMS_INVALID}", resp)
        expect_problem(resp, 401, CLAIMS_INVALID)


@check(rule="/certificaat/uitgever-in-stelsel", area=AREA, needs=NEEDS)
async def inactive_app_manager_rejected(ctx: CheckContext) -> None:
    """A certificate correctly signed by an App Manager the scheme lists as suspended or
    ended is refused with 401 certificaat/uitgever-onbekend: only an active App Manager
    issues."""
    listed = {m.get("id"): m.get("status") for m in ctx.scheme.get("app_managers", [])}
    for manager_id, key_name in ((keys.SUSPENDED_APP_MANAGER_ID, "suspended_app_manager_key"),
                                 (keys.ENDED_APP_MANAGER_ID, "ended_app_manager_key")):
        key = getattr(ctx.keys, key_name, None)
        if key is None or listed.get(manager_id) in (None, "actief"):
            raise CheckError("the test scheme lists no inactive App Manager: re-run "
                             "`vorderingen-conformance sleutels` with this suite version")
        resp = await with_certificate(ctx, claims={"iss": manager_id}, signing_key=key)
        expect_problem(resp, 401, "certificaat/uitgever-onbekend")


@check(rule="/certificaat/geldigheid", area=AREA, needs=NEEDS)
async def not_before_checked_apart(ctx: CheckContext) -> None:
    """``nbf`` and ``iat`` are each compared with the clock: a certificate issued now but
    valid only from 10 minutes ahead (``nbf``), and one valid from now but issued 10 minutes
    ahead (``iat``), are both refused with 401 certificaat/nog-niet-geldig."""
    now = ctx.now()
    for what, claims in (("valid from 10 minutes ahead (nbf)", {"nbf": now + FAR_OFF_S}),
                         ("issued 10 minutes ahead (iat)",
                          {"iat": now + FAR_OFF_S, "nbf": now, "exp": now + 2 * FAR_OFF_S,
                           "inlogmoment": now + FAR_OFF_S - 30})):
        resp = await with_certificate(ctx, iat=now, claims=claims)
        if problem_code(resp) != "certificaat/nog-niet-geldig":
            fail(f"a certificate {what} got {resp.status_code} {problem_code(resp)!r}; "
                 "expected 401 certificaat/nog-niet-geldig", resp)
        expect_problem(resp, 401, "certificaat/nog-niet-geldig")


CHECKS = (login_evidence_checked, inactive_app_manager_rejected, not_before_checked_apart)
