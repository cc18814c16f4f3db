"""Certificates of standard 2.0.0: the evidence of the login they carry, and their issuer's
status in the scheme.

A certificate names when the identity provider authenticated the citizen (`inlogmoment`) and
which one (`identiteitsdienst`); a source refuses one issued more than REGISTRATION_TTL_S
after the login, or "before" it. Only an App Manager with status `actief` issues: the test
scheme also lists a suspended and an ended App Manager whose keys the suite holds, so their
certificates are correctly signed but must still be refused. Only a key that may sign at the
certificate's `iat` counts: the suite's App Manager also lists a revoked and a retired key,
whose certificates signed now must be refused as signed by an unknown key.
"""

from __future__ import annotations

from typing import Any

from conformance import jose, keys
from conformance.checks.base import check, expect_problem, expect_status, fail, problem_code
from conformance.checks.trust import CLOCK_SKEW_S, FAR_OFF_S, NEEDS, with_certificate
from conformance.context import CheckContext
from conformance.errors import CheckError
from conformance.jose import SigningKey

AREA = "trust"
REGISTRATION_TTL_S = 600
CLAIMS_INVALID = "certificaat/claims-ongeldig"
KEY_UNKNOWN = "certificaat/sleutel-onbekend"


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


def _app_manager_entry(ctx: CheckContext, role: str, window: str
                       ) -> tuple[SigningKey, dict[str, Any]]:
    """The suite's App Manager key `role` and its key entry in the test scheme, which must
    carry `window` (``ingetrokken_op`` or ``geldig_tot``)."""
    key = getattr(ctx.keys, role, None)
    manager = next((m for m in ctx.scheme.get("app_managers", [])
                    if m.get("id") == ctx.keys.app_manager_id), {})
    entry = next((e for e in manager.get("sleutels", [])
                  if key is not None and e.get("jwk", {}).get("kid") == key.kid), None)
    if key is None or entry is None or not isinstance(entry.get(window), int):
        raise CheckError(f"the test scheme lists no {role.replace('_', ' ')} with {window} for "
                         "the suite's App Manager: re-run `vorderingen-conformance sleutels` "
                         "with this suite version")
    return key, entry


@check(rule="/certificaat/uitgever-in-stelsel", area=AREA, needs=NEEDS)
async def app_manager_key_window_checked(ctx: CheckContext) -> None:
    """A certificate of the suite's (active) App Manager signed now by one of its listed keys
    that may no longer sign is refused with 401 certificaat/sleutel-onbekend: the key revoked
    a day ago (``ingetrokken_op``) and the key whose window ended two days ago
    (``geldig_tot``). The key set holds only the entries that may have signed at ``iat``."""
    now = ctx.now()
    for role, window, what in (
            ("revoked_app_manager_key", "ingetrokken_op", "revoked"),
            ("retired_app_manager_key", "geldig_tot", "retired")):
        key, entry = _app_manager_entry(ctx, role, window)
        resp = await with_certificate(ctx, iat=now, signing_key=key)
        if problem_code(resp) != KEY_UNKNOWN:
            fail(f"a certificate signed now by the App Manager's key {what} at "
                 f"{entry[window]} ({window}) got {resp.status_code} "
                 f"{problem_code(resp)!r}; expected 401 {KEY_UNKNOWN}", resp)
        expect_problem(resp, 401, KEY_UNKNOWN)


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


CHECKS = (login_evidence_checked, inactive_app_manager_rejected, app_manager_key_window_checked,
          not_before_checked_apart)
