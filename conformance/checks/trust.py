"""The trust-model attack matrix at ``POST /sessies``: the tokens and the certificate
(spec/trust-model.md §2, §3.2, §5; the proof and the nonce are in `checks.bewijs`).

Every check forges, expires, revokes or confuses exactly ONE thing of an otherwise valid
certificate + proof, and demands the exact status and problem code of the trust model.
Tokens come from the suite's own JOSE code (`conformance.jose`) and its actors; the forged
parts are built here. Checks that must wait minutes run only when slow checks are enabled
(`slow_checks_enabled`) and are skipped with that reason otherwise, never faked.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from conformance import jose
from conformance.checks import grenzen
from conformance.checks.base import check, expect_problem, fail, problem_code
from conformance.context import CheckContext
from conformance.errors import CheckSkipped

CLOCK_SKEW_S = 60
CERT_MAX_LIFETIME_S = 43200
PROOF_MAX_AGE_S = 60
NONCE_TTL_S = 120
NONCE_BYTES = 32
FAR_OFF_S = 600  # well beyond every tolerance: 10 minutes
SLOW_ENV = "VORDERINGEN_CONFORMANCE_SLOW"
UNKNOWN_APP_MANAGER = "onbekende-app-manager"
FOREIGN_OIN = "00000099999999999999"  # 20 digits, not the organisation under test
# BSNs an attacker swaps into a forged token: each passes the elfproef (so only the signature
# or the key can refuse it) and none is a citizen of the demo, the examples or the broken
# gallery (tests/conformance/test_forged_bsns.py), so a forged token that WERE accepted could
# never be mistaken for a working one. The preflight refuses a --test-bsn among them.
FORGED_BSNS: tuple[str, ...] = ("999980002", "999980014", "999980026")
FORGED_BSN = FORGED_BSNS[0]
ELFPROEF_FAILS = "999993654"
EXPIRED_LIFETIME_S = 600  # lifetime of the certificates the skew checks let expire
AREA = "trust"


def slow_checks_enabled(ctx: CheckContext) -> bool:
    """True when the run allows checks that wait minutes (``--slow`` or $SLOW_ENV=1)."""
    return bool(getattr(ctx.target, "slow", False)) or os.environ.get(SLOW_ENV) == "1"


# --- forging helpers ------------------------------------------------------------------------


def with_payload(token: str, **changes: Any) -> str:
    """The token with claims changed in its payload, header and signature kept as they were."""
    head, payload, sig = token.split(".")
    claims = json.loads(jose.b64d(payload))
    claims.update(changes)
    return f"{head}.{jose.b64e(json.dumps(claims, separators=(',', ':')).encode())}.{sig}"


def with_flipped_signature(token: str) -> str:
    """The token with one bit of its signature flipped."""
    head, payload, sig = token.split(".")
    raw = bytearray(jose.b64d(sig))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{jose.b64e(bytes(raw))}"


def unknown_nonce() -> str:
    """A well-formed nonce the source never issued."""
    return jose.b64e(secrets.token_bytes(NONCE_BYTES))


async def with_certificate(ctx: CheckContext, **cert_args: Any) -> httpx.Response:
    """POST /sessies with a valid proof and a certificate built with `cert_args`."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key, **cert_args)
    return await ctx.open_session(app_key=key, certificate=cert)


async def with_proof(ctx: CheckContext, **proof_args: Any) -> httpx.Response:
    """POST /sessies with a valid certificate and a proof built with `proof_args`."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    proof = ctx.actors.proof(key, await ctx.challenge(), **proof_args)
    return await ctx.open_session(app_key=key, certificate=cert, proof=proof)


def citizen(ctx: CheckContext) -> str:
    """The first test citizen's BSN."""
    return ctx.target.test_bsns[0]


NEEDS = ("test_bsn",)


# --- the request itself ---------------------------------------------------------------------


@check(rule="/sessie/certificaat-vereist", area=AREA, needs=NEEDS)
async def session_without_certificate_rejected(ctx: CheckContext) -> None:
    """A session request without a certificate is refused with 400 verzoek/ongeldig."""
    key = ctx.actors.new_app_key()
    proof = ctx.actors.proof(key, await ctx.challenge())
    resp = await ctx.post("/sessies", json={"bewijs": proof})
    expect_problem(resp, 400, "verzoek/ongeldig")


@check(rule="/sessie/certificaat-vereist", area=AREA, needs=NEEDS)
async def session_without_proof_rejected(ctx: CheckContext) -> None:
    """A session request with a certificate but no proof of possession is refused with 400
    verzoek/ongeldig: a certificate alone proves nothing about who sends it."""
    cert = ctx.actors.certificate(citizen(ctx), ctx.actors.new_app_key())
    resp = await ctx.post("/sessies", json={"certificaat": cert})
    expect_problem(resp, 400, "verzoek/ongeldig")


# --- who issued the certificate ---------------------------------------------------------------


@check(rule="/certificaat/uitgever-in-stelsel", area=AREA, needs=NEEDS)
async def unknown_app_manager_rejected(ctx: CheckContext) -> None:
    """A certificate from an issuer that is no App Manager of the scheme is refused with 401
    certificaat/uitgever-onbekend."""
    resp = await with_certificate(
        ctx, claims={"iss": UNKNOWN_APP_MANAGER}, signing_key=ctx.actors.rogue_app_manager_key
    )
    expect_problem(resp, 401, "certificaat/uitgever-onbekend")


@check(rule="/certificaat/uitgever-in-stelsel", area=AREA, needs=NEEDS)
async def rogue_key_of_known_app_manager_rejected(ctx: CheckContext) -> None:
    """A certificate naming a listed App Manager but signed with a key (and kid) that is not in
    that App Manager's key set is refused with 401 certificaat/sleutel-onbekend."""
    resp = await with_certificate(ctx, signing_key=ctx.actors.rogue_app_manager_key)
    expect_problem(resp, 401, "certificaat/sleutel-onbekend")


@check(rule="/certificaat/uitgever-in-stelsel", area=AREA, needs=NEEDS)
async def forged_certificate_signature_rejected(ctx: CheckContext) -> None:
    """A certificate carrying the listed App Manager's kid but signed by another key is refused
    with 401 certificaat/handtekening-ongeldig."""
    resp = await with_certificate(
        ctx,
        header={"kid": ctx.actors.app_manager_key.kid},
        signing_key=ctx.actors.rogue_app_manager_key,
    )
    expect_problem(resp, 401, "certificaat/handtekening-ongeldig")


@check(rule="/token/handtekening", area=AREA, needs=NEEDS)
async def tampered_certificate_signature_rejected(ctx: CheckContext) -> None:
    """A certificate whose signature was altered by one bit is refused with 401
    certificaat/handtekening-ongeldig."""
    key = ctx.actors.new_app_key()
    cert = with_flipped_signature(ctx.actors.certificate(citizen(ctx), key))
    resp = await ctx.open_session(app_key=key, certificate=cert)
    expect_problem(resp, 401, "certificaat/handtekening-ongeldig")


@check(rule="/token/handtekening", area=AREA, needs=NEEDS)
async def tampered_certificate_payload_rejected(ctx: CheckContext) -> None:
    """A validly signed certificate whose payload was changed afterwards (another BSN swapped
    in) is refused with 401 certificaat/handtekening-ongeldig."""
    key = ctx.actors.new_app_key()
    bsn = citizen(ctx)
    swapped = ctx.other_bsn(bsn) or FORGED_BSN
    cert = with_payload(ctx.actors.certificate(bsn, key), bsn=swapped)
    resp = await ctx.open_session(app_key=key, certificate=cert)
    expect_problem(resp, 401, "certificaat/handtekening-ongeldig")


# --- algorithm, type and header of the tokens ---------------------------------------------------


@check(rule="/token/alg-es256", area=AREA, needs=NEEDS)
async def unsigned_certificate_rejected(ctx: CheckContext) -> None:
    """A certificate with ``alg: none`` and an empty signature is refused with 401
    certificaat/algoritme-niet-toegestaan."""
    resp = await with_certificate(ctx, alg="none")
    expect_problem(resp, 401, "certificaat/algoritme-niet-toegestaan")


@check(rule="/token/alg-es256", area=AREA, needs=NEEDS)
async def hmac_certificate_rejected(ctx: CheckContext) -> None:
    """A certificate with ``alg: HS256``, keyed with the App Manager's public key (algorithm
    confusion), is refused with 401 certificaat/algoritme-niet-toegestaan."""
    resp = await with_certificate(ctx, alg="HS256")
    expect_problem(resp, 401, "certificaat/algoritme-niet-toegestaan")


@check(rule="/token/alg-es256", area=AREA, needs=NEEDS)
async def unsigned_proof_rejected(ctx: CheckContext) -> None:
    """A session proof with ``alg: none`` and an empty signature is refused with 401
    bewijs/algoritme-niet-toegestaan."""
    resp = await with_proof(ctx, alg="none")
    expect_problem(resp, 401, "bewijs/algoritme-niet-toegestaan")


@check(rule="/token/typ-per-type", area=AREA, needs=NEEDS)
async def proof_as_certificate_rejected(ctx: CheckContext) -> None:
    """A session proof sent in the place of the certificate is refused with 401
    certificaat/verkeerd-type: a token of one type is never accepted as another."""
    key = ctx.actors.new_app_key()
    proof = ctx.actors.proof(key, await ctx.challenge())
    resp = await ctx.post("/sessies", json={"certificaat": proof, "bewijs": proof})
    expect_problem(resp, 401, "certificaat/verkeerd-type")


@check(rule="/token/typ-per-type", area=AREA, needs=NEEDS)
async def certificate_typ_on_proof_rejected(ctx: CheckContext) -> None:
    """A session proof whose header says ``typ: app-certificaat+jwt`` is refused with 401
    bewijs/verkeerd-type."""
    resp = await with_proof(ctx, header={"typ": jose.TYP_CERTIFICATE})
    expect_problem(resp, 401, "bewijs/verkeerd-type")


async def _forbidden_header(ctx: CheckContext, member: str, value: Any) -> None:
    resp = await with_certificate(ctx, header={member: value})
    expect_problem(resp, 401, "certificaat/verboden-header")


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def certificate_with_jku_rejected(ctx: CheckContext) -> None:
    """A validly signed certificate whose header carries ``jku`` (fetch my keys from here) is
    refused with 401 certificaat/verboden-header."""
    await _forbidden_header(ctx, "jku", "https://keys.example/jwks.json")


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def certificate_with_jwk_rejected(ctx: CheckContext) -> None:
    """A validly signed certificate whose header embeds a ``jwk`` is refused with 401
    certificaat/verboden-header."""
    await _forbidden_header(ctx, "jwk", ctx.actors.app_manager_key.public_jwk)


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def certificate_with_x5u_rejected(ctx: CheckContext) -> None:
    """A validly signed certificate whose header carries ``x5u`` is refused with 401
    certificaat/verboden-header."""
    await _forbidden_header(ctx, "x5u", "https://keys.example/chain.pem")


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def certificate_with_crit_rejected(ctx: CheckContext) -> None:
    """A validly signed certificate whose header carries ``crit`` is refused with 401
    certificaat/verboden-header."""
    await _forbidden_header(ctx, "crit", ["exp"])


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def proof_with_embedded_jwk_rejected(ctx: CheckContext) -> None:
    """A validly signed session proof whose header embeds its own ``jwk`` is refused with 401
    bewijs/verboden-header."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    proof = ctx.actors.proof(key, await ctx.challenge(), header={"jwk": key.public_jwk})
    resp = await ctx.open_session(app_key=key, certificate=cert, proof=proof)
    expect_problem(resp, 401, "bewijs/verboden-header")


# --- validity of the certificate ----------------------------------------------------------------


@check(rule="/certificaat/geldigheid", area=AREA, needs=NEEDS)
async def expired_certificate_rejected(ctx: CheckContext) -> None:
    """A certificate past its ``exp`` (beyond the clock skew) is refused with 401
    certificaat/verlopen."""
    now = ctx.now()
    resp = await with_certificate(ctx, iat=now - 2 * FAR_OFF_S, lifetime_s=FAR_OFF_S)
    expect_problem(resp, 401, "certificaat/verlopen")


@check(rule="/certificaat/geldigheid", area=AREA, needs=NEEDS)
async def not_yet_valid_certificate_rejected(ctx: CheckContext) -> None:
    """A certificate whose ``iat`` and ``nbf`` lie in the future (beyond the clock skew) is
    refused with 401 certificaat/nog-niet-geldig."""
    resp = await with_certificate(ctx, iat=ctx.now() + FAR_OFF_S)
    expect_problem(resp, 401, "certificaat/nog-niet-geldig")


@check(rule="/certificaat/looptijd", area=AREA, needs=NEEDS)
async def long_lived_certificate_rejected(ctx: CheckContext) -> None:
    """``exp − iat`` is bounded by CERT_MAX_LIFETIME_S (43200 s) exactly, without skew: a
    current certificate of exactly 43200 s opens a session, one of 43201 s is refused with
    401 certificaat/looptijd-te-lang."""
    resp = await with_certificate(ctx, lifetime_s=CERT_MAX_LIFETIME_S)
    if resp.status_code != httpx.codes.CREATED:
        fail(f"a certificate of exactly {CERT_MAX_LIFETIME_S} s (the bound) was refused "
             f"({resp.status_code} {problem_code(resp)!r})", resp)
    resp = await with_certificate(ctx, lifetime_s=CERT_MAX_LIFETIME_S + 1)
    expect_problem(resp, 401, "certificaat/looptijd-te-lang")


@check(rule="/certificaat/niet-ingetrokken", area=AREA, needs=NEEDS)
async def revoked_certificate_rejected(ctx: CheckContext) -> None:
    """A certificate whose ``jti`` is in the scheme's ``ingetrokken_certificaten`` is refused
    with 401 certificaat/ingetrokken."""
    resp = await with_certificate(ctx, claims={"jti": ctx.actors.revoked_jti})
    expect_problem(resp, 401, "certificaat/ingetrokken")


# --- form, key selection, signature encoding, claims -------------------------------------------


@check(rule="/token/compact-serialisatie", area=AREA, needs=NEEDS)
async def malformed_certificate_rejected(ctx: CheckContext) -> None:
    """A certificate that is not a compact JWS (two parts; padded base64url) is refused with
    401 certificaat/ongeldig-formaat."""
    key = ctx.actors.new_app_key()
    head, payload, sig = ctx.actors.certificate(citizen(ctx), key).split(".")
    for broken in (f"{head}.{payload}", f"{head}=.{payload}.{sig}"):
        resp = await ctx.open_session(app_key=key, certificate=broken)
        expect_problem(resp, 401, "certificaat/ongeldig-formaat")


@check(rule="/token/compact-serialisatie", area=AREA, needs=NEEDS)
async def malformed_proof_rejected(ctx: CheckContext) -> None:
    """A session proof that is not a compact JWS (four parts) is refused with 401
    bewijs/ongeldig-formaat."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    proof = ctx.actors.proof(key, await ctx.challenge()) + ".extra"
    resp = await ctx.open_session(app_key=key, certificate=cert, proof=proof)
    expect_problem(resp, 401, "bewijs/ongeldig-formaat")


@check(rule="/token/kid-thumbprint", area=AREA, needs=NEEDS)
async def certificate_without_kid_rejected(ctx: CheckContext) -> None:
    """A certificate, validly signed by the App Manager, whose header has no ``kid`` is refused
    with 401 certificaat/sleutel-onbekend: keys are selected by thumbprint only."""
    resp = await with_certificate(ctx, header={"kid": jose.OMIT})
    expect_problem(resp, 401, "certificaat/sleutel-onbekend")


@check(rule="/token/handtekening", area=AREA, needs=NEEDS)
async def der_encoded_signature_rejected(ctx: CheckContext) -> None:
    """A certificate whose (correct) ECDSA signature is DER-encoded instead of the 64-byte raw
    ``r‖s`` of RFC 7518 §3.4 is refused with 401 certificaat/handtekening-ongeldig."""
    key = ctx.actors.new_app_key()
    head, payload, _sig = ctx.actors.certificate(citizen(ctx), key).split(".")
    der = ctx.actors.app_manager_key.private.sign(
        f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    resp = await ctx.open_session(app_key=key, certificate=f"{head}.{payload}.{jose.b64e(der)}")
    expect_problem(resp, 401, "certificaat/handtekening-ongeldig")


@check(rule="/certificaat/claims", area=AREA, needs=NEEDS)
async def certificate_with_invalid_claims_rejected(ctx: CheckContext) -> None:
    """A validly signed certificate whose claims break the schema (a BSN failing the elfproef;
    an unknown claim) is refused with 401 certificaat/claims-ongeldig."""
    for claims in ({"bsn": ELFPROEF_FAILS}, {"rol": "beheerder"}):
        resp = await with_certificate(ctx, claims=claims)
        expect_problem(resp, 401, "certificaat/claims-ongeldig")


# --- time ---------------------------------------------------------------------------------------


@check(rule="/token/klokafwijking", area=AREA, needs=NEEDS)
async def clock_skew_exactly_tolerated(ctx: CheckContext) -> None:
    """Time claims are compared allowing exactly CLOCK_SKEW_S (60 s): a certificate expired
    exactly 60 s ago, or valid from exactly 60 s ahead, opens a session; one expired 61 s ago
    is refused with certificaat/verlopen, one valid from 61 s ahead with
    certificaat/nog-niet-geldig (the probes are sent together, mid-second)."""
    def certificate_probe(label: str, expect: str | None, offset: int, *,
                          expired: bool) -> grenzen.Probe:
        async def send(now: int, nonce: Any) -> httpx.Response:
            key = ctx.actors.new_app_key()
            args = ({"iat": now - offset - EXPIRED_LIFETIME_S, "lifetime_s": EXPIRED_LIFETIME_S}
                    if expired else {"iat": now + offset})
            cert = ctx.actors.certificate(citizen(ctx), key, **args)
            return await ctx.open_session(app_key=key, certificate=cert,
                                          proof=ctx.actors.proof(key, nonce))
        return grenzen.Probe(label, expect, send, prepare=ctx.challenge)

    skew = CLOCK_SKEW_S
    probes = [certificate_probe(f"a certificate expired exactly {skew} s ago", None, skew,
                                expired=True),
              certificate_probe(f"a certificate valid from exactly {skew} s ahead", None, skew,
                                expired=False)]
    # beyond the bound only where the defect alone gets its own code (else that check reports)
    now = ctx.now()
    if await _refused_as(ctx, "certificaat/verlopen", iat=now - 2 * FAR_OFF_S,
                         lifetime_s=FAR_OFF_S):
        probes.append(certificate_probe(f"a certificate expired {skew + 1} s ago",
                                        "certificaat/verlopen", skew + 1, expired=True))
    if await _refused_as(ctx, "certificaat/nog-niet-geldig", iat=now + FAR_OFF_S):
        probes.append(certificate_probe(f"a certificate valid from {skew + 1} s ahead",
                                        "certificaat/nog-niet-geldig", skew + 1, expired=False))
    await grenzen.at_the_second(ctx, probes)


async def _refused_as(ctx: CheckContext, code: str, **cert_args: Any) -> bool:
    """Whether a certificate with one defect alone gets its own code. When it does not, that
    defect's own check reports it; a combination with it cannot then show the order."""
    resp = await with_certificate(ctx, **cert_args)
    return resp.status_code == httpx.codes.UNAUTHORIZED and problem_code(resp) == code


@check(rule="/token/verificatievolgorde", area=AREA, needs=NEEDS)
async def first_failing_step_reported(ctx: CheckContext) -> None:
    """Checks run in the trust model's order and the first failing one is reported: a token
    with alg none from an unknown issuer is an algorithm failure, an expired and revoked
    certificate is expired, a misaddressed proof over an unknown nonce is misaddressed.

    A pair is judged only when its first defect alone is refused with its own code (else
    that defect's own check has the finding)."""
    judged = 0
    if await _refused_as(ctx, "certificaat/algoritme-niet-toegestaan", alg="none"):
        judged += 1
        resp = await with_certificate(ctx, alg="none", claims={"iss": UNKNOWN_APP_MANAGER})
        expect_problem(resp, 401, "certificaat/algoritme-niet-toegestaan")
    expired = {"iat": ctx.now() - 2 * FAR_OFF_S, "lifetime_s": FAR_OFF_S}
    if await _refused_as(ctx, "certificaat/verlopen", **expired):
        judged += 1
        resp = await with_certificate(ctx, claims={"jti": ctx.actors.revoked_jti}, **expired)
        expect_problem(resp, 401, "certificaat/verlopen")
    if problem_code(await with_proof(ctx, aud=FOREIGN_OIN)) == "bewijs/verkeerde-ontvanger":
        judged += 1
        key = ctx.actors.new_app_key()
        cert = ctx.actors.certificate(citizen(ctx), key)
        proof = ctx.actors.proof(key, unknown_nonce(), aud=FOREIGN_OIN)
        resp = await ctx.open_session(app_key=key, certificate=cert, proof=proof)
        expect_problem(resp, 401, "bewijs/verkeerde-ontvanger")
    if not judged:
        raise CheckSkipped("no single defect was refused with its own code; the order of the "
                           "checks cannot be observed (see the other trust findings)")
