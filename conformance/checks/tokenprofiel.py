"""The JWS profile for every token the source verifies at ``POST /sessies``, completely
(spec/trust-model.md §2; rules `/token/...`): every algorithm other than ES256, every forbidden
header member, and key lookup scoped to the expected issuer.

`checks.trust` tries the classic attacks one by one (``alg: none``, HS256 with the public key,
``jku``, ``jwk``, ``x5u``, ``crit``). An implementation can pass those with a deny-list of
exactly them; these checks try the rest of the list the standard gives, so only an allow-list
(``alg == "ES256"``; header members ⊆ {alg, typ, kid}) passes. The request proof's matrix is in
`checks.verzoekbewijs`, which uses the lists defined here.
"""

from __future__ import annotations

from typing import Any

from conformance import jose
from conformance.checks.answers import json_body
from conformance.checks.base import check, expect_problem, fail, problem_code
from conformance.checks.hulpvraag_enveloppen import suite_signed
from conformance.checks.hulpvragen import bundle, own_envelope, send
from conformance.checks.trust import NEEDS, citizen, with_certificate
from conformance.context import CheckContext
from conformance.errors import CheckError
from conformance.jose import SigningKey

AREA = "trust"
# Every alg value a verifier must refuse: the families the standard names, one of another
# case, and (as None) no alg at all.
OTHER_ALGORITHMS = ("none", "HS256", "HS384", "HS512", "RS256", "PS256", "ES384", "ES512",
                    "EdDSA", "es256")
# The members spec/trust-model.md §2 forbids by name, and one it does not define (``zip``).
FORBIDDEN_MEMBERS = ("jwk", "jku", "x5c", "x5t", "x5t#S256", "x5u", "crit", "b64", "cty", "zip")


def forbidden_header_values(key: SigningKey) -> dict[str, Any]:
    """A plausible value for each forbidden member (an embedded key is `key`'s own)."""
    return {
        "jwk": key.public_jwk, "jku": "https://keys.example/jwks.json", "x5c": ["MIIB"],
        "x5t": "AAAA", "x5t#S256": "AAAA", "x5u": "https://keys.example/chain.pem",
        "crit": ["exp"], "b64": False, "cty": "JWT", "zip": "DEF",
    }


def _removed(alg: str | None) -> Any:
    return jose.OMIT if alg is None else alg


def _expect(resp: Any, code: str, what: str) -> None:
    if problem_code(resp) != code:
        fail(f"{what} got {resp.status_code} {problem_code(resp)!r}; expected 401 {code!r}",
             resp)
    expect_problem(resp, 401, code)


@check(rule="/token/alg-es256", area=AREA, needs=NEEDS)
async def certificate_algorithms_restricted(ctx: CheckContext) -> None:
    """A certificate whose ``alg`` is anything but ES256 — HS384, HS512, RS256, PS256, ES384,
    ES512, EdDSA, ``es256`` or missing — is refused with 401
    certificaat/algoritme-niet-toegestaan (the signature is a valid ES256 one where the alg
    is not HS*, so only the header is wrong)."""
    for alg in (*OTHER_ALGORITHMS[2:], None):
        resp = await with_certificate(ctx, header={"alg": _removed(alg)})
        _expect(resp, "certificaat/algoritme-niet-toegestaan",
                f"a certificate with alg {alg!r}")


@check(rule="/token/alg-es256", area=AREA, needs=NEEDS)
async def session_proof_algorithms_restricted(ctx: CheckContext) -> None:
    """A session proof whose ``alg`` is anything but ES256 (every value of the list, or
    missing) is refused with 401 bewijs/algoritme-niet-toegestaan."""
    for alg in (*OTHER_ALGORITHMS[1:], None):
        key = ctx.actors.new_app_key()
        cert = ctx.actors.certificate(citizen(ctx), key)
        proof = ctx.actors.proof(key, await ctx.challenge(), header={"alg": _removed(alg)})
        resp = await ctx.open_session(app_key=key, certificate=cert, proof=proof)
        _expect(resp, "bewijs/algoritme-niet-toegestaan", f"a session proof with alg {alg!r}")


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def certificate_forbidden_headers_rejected(ctx: CheckContext) -> None:
    """A validly signed certificate whose header carries any of x5c, x5t, x5t#S256, b64, cty,
    or a member the profile does not define (``zip``), is refused with 401
    certificaat/verboden-header (jku, jwk, x5u and crit have checks of their own)."""
    values = forbidden_header_values(ctx.actors.app_manager_key)
    for member in FORBIDDEN_MEMBERS:
        if member in ("jwk", "jku", "x5u", "crit"):
            continue
        resp = await with_certificate(ctx, header={member: values[member]})
        _expect(resp, "certificaat/verboden-header", f"a certificate with header {member!r}")


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def session_proof_forbidden_headers_rejected(ctx: CheckContext) -> None:
    """A validly signed session proof whose header carries any forbidden member (jku, x5c,
    x5t, x5t#S256, x5u, crit, b64, cty) or an undefined one (``zip``) is refused with 401
    bewijs/verboden-header (an embedded jwk has a check of its own)."""
    for member in FORBIDDEN_MEMBERS:
        if member == "jwk":
            continue
        key = ctx.actors.new_app_key()
        cert = ctx.actors.certificate(citizen(ctx), key)
        value = forbidden_header_values(key)[member]
        proof = ctx.actors.proof(key, await ctx.challenge(), header={member: value})
        resp = await ctx.open_session(app_key=key, certificate=cert, proof=proof)
        _expect(resp, "bewijs/verboden-header", f"a session proof with header {member!r}")


@check(rule="/token/kid-thumbprint", area=AREA, needs=NEEDS)
async def key_of_other_party_rejected(ctx: CheckContext) -> None:
    """A certificate naming the suite's (active) App Manager but signed — validly, with the
    right thumbprint as kid — by a key of ANOTHER party is refused with 401
    certificaat/sleutel-onbekend: the key of the suspended App Manager and the key of the
    suite's test source (both listed in the scheme) and the scheme operator's own key. A kid
    is looked up among the expected issuer's keys only."""
    others = [("the suspended App Manager's key", ctx.keys.suspended_app_manager_key),
              ("the suite test source's key", ctx.keys.suite_source_key),
              ("the scheme operator's key", ctx.keys.scheme_key)]
    for label, key in others:
        if key is None:
            raise CheckError(f"the suite's key material lacks {label}: re-run "
                             "`vorderingen-conformance sleutels` with this suite version")
        resp = await with_certificate(ctx, signing_key=key)
        _expect(resp, "certificaat/sleutel-onbekend", f"a certificate signed by {label}")


# --- the envelopes of a help request (the source verifies another source's signature) ------


HELP = ("test_bsn", "dienst:hulpvragen")


async def _refused_envelopes(ctx: CheckContext, code: str, what: str,
                             variants: list[tuple[str, dict[str, Any]]]) -> None:
    """One help request: the citizen's own envelope, then one envelope of the suite's test
    source per variant (keyword arguments of `jose.sign_detached`: header, alg, key); each
    variant must be listed in ongeldige_enveloppen with `code`."""
    session = await ctx.session()
    own = await own_envelope(ctx, session)
    forged = []
    for _label, args in variants:
        envelope = suite_signed(ctx, own)
        key = args.pop("key", None) or ctx.keys.suite_source_key
        envelope["handtekening"] = jose.sign_detached(envelope["document"], key, **args)
        forged.append(envelope)
    resp = await send(ctx, session, bundle(own, *forged))
    listed = json_body(resp).get("ongeldige_enveloppen")
    codes = {e.get("index"): e.get("code") for e in listed or [] if isinstance(e, dict)} \
        if isinstance(listed, list) else {}
    for index, (label, _args) in enumerate(variants, start=1):
        if resp.status_code != 422 or codes.get(index) != code:
            verdict = "accepted" if codes.get(index) is None else f"refused as {codes[index]!r}"
            fail(f"in a help request (answered {resp.status_code}), envelope {index} {label} "
                 f"was {verdict}; expected 422 listing it as {code!r} (the {what} check)", resp)


@check(rule="/token/alg-es256", area=AREA, needs=HELP)
async def envelope_algorithms_restricted(ctx: CheckContext) -> None:
    """In a help request, envelopes of another source whose handtekening says any alg but
    ES256 (every value of the list, or no alg) are each refused with
    envelop/algoritme-niet-toegestaan."""
    variants = [(f"with alg {alg!r}", {"alg": alg} if alg == "none" or alg.startswith("HS")
                 else {"header": {"alg": alg}}) for alg in OTHER_ALGORITHMS]
    variants.append(("without alg", {"header": {"alg": jose.OMIT}}))
    await _refused_envelopes(ctx, "envelop/algoritme-niet-toegestaan", "alg", variants)


@check(rule="/token/verboden-headers", area=AREA, needs=HELP)
async def envelope_forbidden_headers_rejected(ctx: CheckContext) -> None:
    """In a help request, validly signed envelopes of another source whose handtekening
    header carries a forbidden or undefined member (each of the list) are each refused with
    envelop/verboden-header."""
    values = forbidden_header_values(ctx.actors.app_manager_key)
    variants = [(f"with header {member!r}", {"header": {member: values[member]}})
                for member in FORBIDDEN_MEMBERS]
    await _refused_envelopes(ctx, "envelop/verboden-header", "header", variants)


@check(rule="/token/typ-per-type", area=AREA, needs=HELP)
async def envelope_wrong_type_rejected(ctx: CheckContext) -> None:
    """In a help request, validly signed envelopes of another source whose handtekening says
    ``typ`` JWT, app-certificaat+jwt, VORDERINGEN-DOCUMENT+JWS or nothing are each refused
    with envelop/verkeerd-type."""
    variants = [(f"with typ {typ!r}", {"header": {"typ": _removed(typ)}})
                for typ in ("JWT", jose.TYP_CERTIFICATE, jose.TYP_ENVELOPE.upper(), None)]
    await _refused_envelopes(ctx, "envelop/verkeerd-type", "typ", variants)


@check(rule="/token/kid-thumbprint", area=AREA, needs=HELP)
async def envelope_key_of_other_party_rejected(ctx: CheckContext) -> None:
    """In a help request, an envelope naming the suite's test source as bron but signed —
    with the right thumbprint as kid — by the suite's App Manager key or by a key listed for
    no one is refused with envelop/sleutel-onbekend: keys are looked up in the key entries
    of the organisation named by ``document.bron.oin`` only."""
    variants = [("signed by the App Manager's key", {"key": ctx.actors.app_manager_key}),
                ("signed by a key listed nowhere", {"key": ctx.actors.rogue_app_manager_key})]
    await _refused_envelopes(ctx, "envelop/sleutel-onbekend", "key", variants)


PROFILE_CHECKS = {
    "basis": (
        certificate_algorithms_restricted,
        session_proof_algorithms_restricted,
        certificate_forbidden_headers_rejected,
        session_proof_forbidden_headers_rejected,
        key_of_other_party_rejected,
    ),
    "hulpvragen": (
        envelope_algorithms_restricted,
        envelope_forbidden_headers_rejected,
        envelope_wrong_type_rejected,
        envelope_key_of_other_party_rejected,
    ),
}
