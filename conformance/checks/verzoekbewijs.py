"""Sessions bound to the app key: the request proof on every authenticated request
(spec/trust-model.md, "Verzoek-Bewijs"; RFC 9449 is the model), and the session's binding to
its certificate and its endpoint.

Every request carrying a session token sends ``Authorization: Sessie <token>`` and a fresh
``Verzoek-Bewijs`` signed with the certificate's key, naming the method, the URL, the time, a
unique id and the token. Each check changes exactly ONE thing of an otherwise valid request and
demands the exact 401 code; the time checks probe both sides of each limit to the second
(`grenzen`). A thief's view is the yardstick: a copied token, even with
a copy of one earlier request's headers, can neither read nor write.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from conformance import jose
from conformance.checks import answers, grenzen
from conformance.checks.answers import json_body, parse_instant
from conformance.checks.base import check, expect_problem, expect_status, fail, problem_code
from conformance.checks.tokenprofiel import (
    FORBIDDEN_MEMBERS,
    OTHER_ALGORITHMS,
    forbidden_header_values,
)
from conformance.checks.trust import CLOCK_SKEW_S, PROOF_MAX_AGE_S, citizen
from conformance.checks.voorstellen import QUOTES, amount_with_remainder, arrangement_case, limits
from conformance.context import CheckContext, Session
from conformance.errors import CheckSkipped

AREA = "verzoekbewijs"
NEEDS = ("test_bsn",)
HEADER = "Verzoek-Bewijs"
OVERVIEW = "/vorderingenoverzicht"
END_SESSION = "/sessies/huidige"
CHALLENGE = 'Sessie realm="vorderingen"'
SHORT_CERT_LIFETIME_S = 300  # a certificate ending well before SESSION_TTL_S (900 s)
BRIEF_CERT_LIFETIME_S = 2  # a certificate whose end a check waits out
END_MARGIN_S = 2  # how long after that end the session is used
OTHER_API_URL = "https://andere-bron.vorderingen.example/vorderingen/v2"
CONCURRENT_REPLAYS = 3  # copies of one request sent at the same moment
# Per service, a write that needs a session; an empty body must never get past the proof.
WRITE_PROBES = (
    ("betalingsregelingen", QUOTES),
    ("pauzes", "/pauzes"),
    ("hulpvragen", "/hulpvragen"),
)

# The ids of spec/rules.yaml this module proves, in one place.
RULE_REQUIRED = "/verzoekbewijs/verplicht"
RULE_KEY = "/verzoekbewijs/sleutel"
RULE_CLAIMS = "/verzoekbewijs/claims"
RULE_METHOD = "/verzoekbewijs/methode"
RULE_URL = "/verzoekbewijs/url"
RULE_ATH = "/verzoekbewijs/token-gebonden"
RULE_FRESH = "/verzoekbewijs/vers"
RULE_ONCE = "/verzoekbewijs/eenmalig"
RULE_SCHEME = "/sessie/token-schema-sessie"
RULE_ENDPOINT = "/sessie/bewijs-eindpunt"
RULE_SESSION_END = "/sessie/niet-langer-dan-certificaat"
RULE_EXTENSIONS = "/versie/tokens-gesloten"


# --- helpers ------------------------------------------------------------------------------------


async def with_proof(ctx: CheckContext, session: Session, proof: str | None, *,
                     method: str = "GET", path: str = OVERVIEW, **kw: Any) -> httpx.Response:
    """`method path` with the session's token and exactly this Verzoek-Bewijs (None: none)."""
    return await ctx.request(method, path, session, proof=proof, **kw)


async def refused(ctx: CheckContext, code: str, **overrides: Any) -> None:
    """GET the overview with a proof built with `overrides`; fail unless 401 `code`."""
    session = await ctx.session()
    resp = await with_proof(ctx, session, ctx.request_proof(session, "GET", OVERVIEW, **overrides))
    expect_problem(resp, 401, f"verzoekbewijs/{code}")


async def accepted(ctx: CheckContext, what: str, **overrides: Any) -> None:
    """GET the overview with a proof built with `overrides`; fail unless 200."""
    session = await ctx.session()
    resp = await with_proof(ctx, session, ctx.request_proof(session, "GET", OVERVIEW, **overrides))
    if resp.status_code != httpx.codes.OK:
        fail(f"{what} was refused ({resp.status_code} {problem_code(resp)!r}), expected 200", resp)


def write_probe(ctx: CheckContext) -> str | None:
    """The path of a write of an offered service, or None when only the overview is offered."""
    offered = ctx.config.get("diensten") or []
    return next((path for dienst, path in WRITE_PROBES if dienst in offered), None)


def other_key_proof(ctx: CheckContext, session: Session, **overrides: Any) -> str:
    """A proof for GET the overview with the session's token, signed by a fresh other key."""
    return ctx.actors.request_proof(ctx.actors.new_app_key(), method="GET", url=ctx.url(OVERVIEW),
                                    token=session.token, **overrides)


# --- a proof is required, exactly one ------------------------------------------------------------


@check(rule=RULE_REQUIRED, area=AREA, needs=NEEDS)
async def request_without_proof_rejected(ctx: CheckContext) -> None:
    """A read and a write with a valid session token but no Verzoek-Bewijs are refused with
    401 verzoekbewijs/ontbreekt: the token alone reads nothing and changes nothing."""
    session = await ctx.session()
    expect_problem(await with_proof(ctx, session, None), 401, "verzoekbewijs/ontbreekt")
    path = write_probe(ctx)
    if path is None:  # the only write of a basis source
        resp = await with_proof(ctx, session, None, method="DELETE", path=END_SESSION)
    else:
        resp = await with_proof(ctx, session, None, method="POST", path=path, json={})
    expect_problem(resp, 401, "verzoekbewijs/ontbreekt")


@check(rule=RULE_REQUIRED, area=AREA, needs=NEEDS)
async def ending_session_needs_proof(ctx: CheckContext) -> None:
    """``DELETE /sessies/huidige`` without a Verzoek-Bewijs is refused with 401
    verzoekbewijs/ontbreekt and the session keeps working; with one it ends (204)."""
    session = await ctx.session()
    resp = await with_proof(ctx, session, None, method="DELETE", path=END_SESSION)
    expect_problem(resp, 401, "verzoekbewijs/ontbreekt")
    still = await ctx.get(OVERVIEW, session)
    if still.status_code != httpx.codes.OK:
        fail(f"after a refused DELETE without proof the session answers {still.status_code}",
             resp, still)
    expect_status(await ctx.delete(END_SESSION, session), 204)


@check(rule=RULE_REQUIRED, area=AREA, needs=NEEDS)
async def repeated_proof_header_rejected(ctx: CheckContext) -> None:
    """A request carrying Verzoek-Bewijs twice (each valid) is refused with 401
    verzoekbewijs/ongeldig-formaat: there is exactly one proof per request."""
    session = await ctx.session()
    first, second = (ctx.request_proof(session, "GET", OVERVIEW) for _ in range(2))
    resp = await ctx.client.request("GET", OVERVIEW, headers=[
        ("Authorization", f"Sessie {session.token}"), (HEADER, first), (HEADER, second)])
    expect_problem(resp, 401, "verzoekbewijs/ongeldig-formaat")


@check(rule=RULE_SCHEME, area=AREA, needs=NEEDS)
async def bearer_scheme_refused(ctx: CheckContext) -> None:
    """A valid session token sent as ``Authorization: Bearer`` (with a valid proof) is refused
    with 401 sessie/token-ontbreekt: the only scheme is ``Sessie``."""
    session = await ctx.session()
    resp = await ctx.get(OVERVIEW, headers={
        "Authorization": f"Bearer {session.token}",
        HEADER: ctx.request_proof(session, "GET", OVERVIEW),
    })
    expect_problem(resp, 401, "sessie/token-ontbreekt")


@check(rule=RULE_SCHEME, area=AREA, needs=NEEDS)
async def refusals_challenge_sessie(ctx: CheckContext) -> None:
    """Every 401 of a session request carries ``WWW-Authenticate: Sessie
    realm="vorderingen"``: no token, a Bearer token, no proof, a proof by another key.

    A request its own check finds wrongly accepted is not judged here."""
    session = await ctx.session()
    answers = [
        await ctx.get(OVERVIEW),
        await ctx.get(OVERVIEW, headers={"Authorization": f"Bearer {session.token}"}),
        await with_proof(ctx, session, None),
        await with_proof(ctx, session, other_key_proof(ctx, session)),
    ]
    refusals = [r for r in answers if r.status_code == httpx.codes.UNAUTHORIZED]
    if not refusals:
        fail("not even a request without any token was refused with 401", *answers)
    for resp in refusals:
        if resp.headers.get("www-authenticate") != CHALLENGE:
            fail(f"a 401 {problem_code(resp)!r} carries WWW-Authenticate "
                 f"{resp.headers.get('www-authenticate')!r}, expected {CHALLENGE!r}", resp)


# --- a proof is used once ------------------------------------------------------------------------


@check(rule=RULE_ONCE, area=AREA, needs=NEEDS)
async def replayed_read_rejected(ctx: CheckContext) -> None:
    """The exact headers of an earlier successful read, sent again, are refused with 401
    verzoekbewijs/hergebruikt: a copied token and proof read nothing."""
    session = await ctx.session()
    proof = ctx.request_proof(session, "GET", OVERVIEW)
    first = await with_proof(ctx, session, proof)
    if first.status_code != httpx.codes.OK:
        fail(RULE_REQUIRED, f"a valid request proof was refused ({first.status_code} "
             f"{problem_code(first)!r})", first)
    expect_problem(await with_proof(ctx, session, proof), 401, "verzoekbewijs/hergebruikt")


@check(rule=RULE_ONCE, area=AREA, needs=NEEDS)
async def concurrent_replays_read_once(ctx: CheckContext) -> None:
    """The same token and proof sent CONCURRENT_REPLAYS (3) times at the same moment read
    once: exactly one is answered 200, the others 401 verzoekbewijs/hergebruikt. The proof's
    id is looked up and recorded in one atomic step."""
    session = await ctx.session()
    proof = ctx.request_proof(session, "GET", OVERVIEW)
    results = await asyncio.gather(*(with_proof(ctx, session, proof)
                                     for _ in range(CONCURRENT_REPLAYS)))
    served = [r for r in results if r.status_code == httpx.codes.OK]
    if len(served) != 1:
        fail(f"{len(served)} of {CONCURRENT_REPLAYS} concurrent requests with one request "
             "proof were served (expected exactly 1)", *results)
    for resp in results:
        if resp is not served[0]:
            expect_problem(resp, 401, "verzoekbewijs/hergebruikt")


@check(rule=RULE_ONCE, area=AREA,
       needs=("test_bsn", "dienst:betalingsregelingen", "arrangement_case"))
async def replayed_write_rejected(ctx: CheckContext) -> None:
    """The exact headers and body of an earlier successful write (a quote), sent again, are
    refused with 401 verzoekbewijs/hergebruikt: a copied token and proof change nothing."""
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    body = {"zaakkenmerken": [case["zaakkenmerk"]],
            "termijnbedrag": amount_with_remainder(case["saldo"], limits(ctx))}
    proof = ctx.request_proof(session, "POST", QUOTES)
    first = await with_proof(ctx, session, proof, method="POST", path=QUOTES, json=body)
    if first.status_code != httpx.codes.CREATED:
        raise CheckSkipped(f"a valid quote was not given ({first.status_code}); the quote "
                           "checks report why")
    again = await with_proof(ctx, session, proof, method="POST", path=QUOTES, json=body)
    expect_problem(again, 401, "verzoekbewijs/hergebruikt")


# --- a proof names this request: method, URL and token -------------------------------------------


@check(rule=RULE_METHOD, area=AREA, needs=NEEDS)
async def proof_for_other_method_rejected(ctx: CheckContext) -> None:
    """A proof made for ``DELETE`` of the same URL, sent with a ``GET``, is refused with 401
    verzoekbewijs/verkeerde-methode."""
    await refused(ctx, "verkeerde-methode", claims={"htm": "DELETE"})


@check(rule=RULE_URL, area=AREA, needs=NEEDS)
async def proof_for_other_url_rejected(ctx: CheckContext) -> None:
    """A proof made for another URL is refused with 401 verzoekbewijs/verkeerde-url: another
    path of this endpoint, and this path at another organisation's endpoint."""
    await refused(ctx, "verkeerde-url", url=ctx.url(END_SESSION))
    await refused(ctx, "verkeerde-url", url=OTHER_API_URL + OVERVIEW)


@check(rule=RULE_ATH, area=AREA, needs=NEEDS)
async def proof_for_other_token_rejected(ctx: CheckContext) -> None:
    """A proof whose ``ath`` is the hash of another session token is refused with 401
    verzoekbewijs/token-onjuist."""
    other = await ctx.session()
    await refused(ctx, "token-onjuist", claims={"ath": jose.token_hash(other.token)})


# --- who signed it -------------------------------------------------------------------------------


@check(rule=RULE_KEY, area=AREA, needs=NEEDS)
async def proof_by_other_key_rejected(ctx: CheckContext) -> None:
    """A proof signed by a key that is not the certificate's (with that key's kid) is refused
    with 401 verzoekbewijs/sleutel-onbekend."""
    session = await ctx.session()
    resp = await with_proof(ctx, session, other_key_proof(ctx, session))
    expect_problem(resp, 401, "verzoekbewijs/sleutel-onbekend")


@check(rule=RULE_KEY, area=AREA, needs=NEEDS)
async def proof_with_forged_signature_rejected(ctx: CheckContext) -> None:
    """A proof carrying the certificate key's kid but signed by another key is refused with
    401 verzoekbewijs/handtekening-ongeldig."""
    session = await ctx.session()
    proof = other_key_proof(ctx, session, header={"kid": session.app_key.kid})
    expect_problem(await with_proof(ctx, session, proof), 401,
                   "verzoekbewijs/handtekening-ongeldig")


@check(rule="/token/alg-es256", area=AREA, needs=NEEDS)
async def proof_algorithm_restricted(ctx: CheckContext) -> None:
    """A proof whose ``alg`` is anything but ES256 — none (empty signature), HS* (keyed with
    the public key), RS256, PS256, ES384, ES512, EdDSA, ``es256``, or no alg at all — is
    refused with 401 verzoekbewijs/algoritme-niet-toegestaan."""
    for alg in (*OTHER_ALGORITHMS, None):
        await refused(ctx, "algoritme-niet-toegestaan", header={"alg": alg})


@check(rule="/token/verboden-headers", area=AREA, needs=NEEDS)
async def proof_forbidden_headers_rejected(ctx: CheckContext) -> None:
    """A validly signed proof whose header carries any of jwk, jku, x5c, x5t, x5t#S256, x5u,
    crit, b64 or cty, or a member the profile does not define, is refused with 401
    verzoekbewijs/verboden-header."""
    session = await ctx.session()
    values = forbidden_header_values(session.app_key)
    for member in FORBIDDEN_MEMBERS:
        proof = ctx.request_proof(session, "GET", OVERVIEW, header={member: values[member]})
        expect_problem(await with_proof(ctx, session, proof), 401, "verzoekbewijs/verboden-header")


@check(rule="/token/typ-per-type", area=AREA, needs=NEEDS)
async def proof_of_other_type_rejected(ctx: CheckContext) -> None:
    """A proof whose ``typ`` is not ``verzoek-bewijs+jwt`` (a session proof's, or plain
    ``JWT``) is refused with 401 verzoekbewijs/verkeerd-type."""
    for typ in (jose.TYP_PROOF, "JWT"):
        await refused(ctx, "verkeerd-type", header={"typ": typ})


@check(rule="/token/compact-serialisatie", area=AREA, needs=NEEDS)
async def proof_not_a_jws_rejected(ctx: CheckContext) -> None:
    """A Verzoek-Bewijs that is not a compact JWS (free text, two parts, padded base64url) is
    refused with 401 verzoekbewijs/ongeldig-formaat."""
    session = await ctx.session()
    head, payload, sig = ctx.request_proof(session, "GET", OVERVIEW).split(".")
    for broken in ("geen-jws", f"{head}.{payload}", f"{head}=.{payload}.{sig}"):
        expect_problem(await with_proof(ctx, session, broken), 401,
                       "verzoekbewijs/ongeldig-formaat")


@check(rule=RULE_CLAIMS, area=AREA, needs=NEEDS)
async def proof_with_invalid_claims_rejected(ctx: CheckContext) -> None:
    """A validly signed proof whose claims break its schema (any of ``ath``, ``jti``,
    ``htm``, ``htu``, ``iat`` missing, an unknown claim ``aud``, a ``jti`` that is no
    lowercase UUID, ``htm`` in lowercase — a source comparing methods case-insensitively
    would take it) is refused with 401 verzoekbewijs/claims-ongeldig."""
    for claims in ({"ath": None}, {"jti": None}, {"htm": None}, {"htu": None}, {"iat": None},
                   {"aud": "00000001234567890000"}, {"jti": "NIET-EEN-UUID"},
                   {"htm": "get"}):
        await refused(ctx, "claims-ongeldig", claims=claims)


@check(rule=RULE_EXTENSIONS, area=AREA, needs=NEEDS)
async def proof_extensions_ignored(ctx: CheckContext) -> None:
    """A proof carrying ``uitbreidingen`` (members of a later minor version) is accepted: the
    verifier ignores its content."""
    await accepted(ctx, "a proof with uitbreidingen",
                   claims={"uitbreidingen": {"2.2": {"apparaat": "telefoon"}}})


# --- when it was made ----------------------------------------------------------------------------


def _dated_probe(ctx: CheckContext, label: str, expect: str | None,
                 offset: int) -> grenzen.Probe:
    """GET the overview in a fresh session with a proof dated `offset` s from the aligned
    second."""
    async def send(now: int, session: Session) -> httpx.Response:
        proof = ctx.request_proof(session, "GET", OVERVIEW, iat=now + offset)
        return await with_proof(ctx, session, proof)
    return grenzen.Probe(label, expect and f"verzoekbewijs/{expect}", send,
                         prepare=ctx.session, accepted_status=httpx.codes.OK)


@check(rule=RULE_FRESH, area=AREA, needs=NEEDS)
async def old_proof_refused_at_limit(ctx: CheckContext) -> None:
    """A proof is valid PROOF_MAX_AGE_S + CLOCK_SKEW_S (120 s) after its ``iat``, exactly:
    one made 120 s ago is accepted, one made 121 s ago is refused with 401
    verzoekbewijs/verlopen."""
    limit = PROOF_MAX_AGE_S + CLOCK_SKEW_S
    await grenzen.at_the_second(ctx, [
        _dated_probe(ctx, f"a request proof made exactly {limit} s ago", None, -limit),
        _dated_probe(ctx, f"a request proof made {limit + 1} s ago", "verlopen", -limit - 1),
    ])


@check(rule=RULE_FRESH, area=AREA, needs=NEEDS)
async def future_proof_refused_at_limit(ctx: CheckContext) -> None:
    """A proof dated exactly CLOCK_SKEW_S (60 s) ahead is accepted, one dated 61 s ahead is
    refused with 401 verzoekbewijs/nog-niet-geldig."""
    await grenzen.at_the_second(ctx, [
        _dated_probe(ctx, f"a request proof dated exactly {CLOCK_SKEW_S} s ahead", None,
                     CLOCK_SKEW_S),
        _dated_probe(ctx, f"a request proof dated {CLOCK_SKEW_S + 1} s ahead",
                     "nog-niet-geldig", CLOCK_SKEW_S + 1),
    ])


# --- the session: its endpoint and its certificate -----------------------------------------------


@check(rule=RULE_ENDPOINT, area=AREA, needs=NEEDS)
async def session_proof_for_other_endpoint_rejected(ctx: CheckContext) -> None:
    """A session proof with the right ``aud`` but the ``api_url`` of another endpoint is
    refused with 401 bewijs/verkeerd-eindpunt: a session cannot be relayed."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key)
    proof = ctx.actors.proof(key, await ctx.challenge(), api_url=OTHER_API_URL)
    resp = await ctx.open_session(app_key=key, certificate=cert, proof=proof)
    expect_problem(resp, 401, "bewijs/verkeerd-eindpunt")


@check(rule=RULE_SESSION_END, area=AREA, needs=NEEDS)
async def session_ends_with_certificate(ctx: CheckContext) -> None:
    """A session never outlives its certificate: with a certificate expiring in 5 minutes the
    session's ``verloopt_op`` is at most the certificate's ``exp``."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key, lifetime_s=SHORT_CERT_LIFETIME_S)
    exp = jose.decode_unverified(cert, "certificaat")[1]["exp"]
    resp = await ctx.open_session(app_key=key, certificate=cert)
    if resp.status_code != httpx.codes.CREATED:
        fail("/sessie/certificaat-vereist", f"a valid certificate and proof did not open a "
             f"session ({resp.status_code} {problem_code(resp)!r})", resp)
    moment = parse_instant(json_body(resp).get("verloopt_op"))
    if moment is None:
        fail("/sessie/certificaat-vereist", "verloopt_op is not an RFC 3339 date-time", resp)
    if moment.timestamp() > exp:
        fail(f"verloopt_op {json_body(resp)['verloopt_op']} is "
             f"{int(moment.timestamp() - exp)} s after the certificate's exp", resp)


@check(rule=RULE_SESSION_END, area=AREA, needs=NEEDS)
async def session_refused_after_certificate_exp(ctx: CheckContext) -> None:
    """A session opened with a certificate that ends in BRIEF_CERT_LIFETIME_S (2 s) is refused
    with 401 sessie/token-ongeldig from 2 s after the certificate's ``exp``: the end is
    enforced, not only stated (no skew: the session's end is the source's own record)."""
    key = ctx.actors.new_app_key()
    cert = ctx.actors.certificate(citizen(ctx), key, lifetime_s=BRIEF_CERT_LIFETIME_S)
    exp = jose.decode_unverified(cert, "certificaat")[1]["exp"]
    opened = await ctx.open_session(app_key=key, certificate=cert)
    token = json_body(opened).get("sessietoken")
    if opened.status_code != httpx.codes.CREATED or not isinstance(token, str):
        fail("/sessie/certificaat-vereist", f"a valid certificate and proof did not open a "
             f"session ({opened.status_code} {problem_code(opened)!r})", opened)
    session = Session(token=token, bsn=citizen(ctx), app_key=key, certificate=cert,
                      niveau=ctx.actors.niveau, verloopt_op=str(json_body(opened)["verloopt_op"]))
    await answers.wait(max(0, exp + END_MARGIN_S - ctx.now()), others_may_run=True)
    resp = await with_proof(ctx, session, ctx.request_proof(session, "GET", OVERVIEW))
    if resp.status_code == httpx.codes.OK:
        fail(f"the session still served the overview {ctx.now() - exp} s after its "
             "certificate's exp", resp)
    expect_problem(resp, 401, "sessie/token-ongeldig")


# Where the checks run (conformance/profiles.py adds them; a quote needs betalingsregelingen).
PROFILE_CHECKS = {
    "basis": (
        request_without_proof_rejected,
        ending_session_needs_proof,
        repeated_proof_header_rejected,
        bearer_scheme_refused,
        refusals_challenge_sessie,
        replayed_read_rejected,
        concurrent_replays_read_once,
        proof_for_other_method_rejected,
        proof_for_other_url_rejected,
        proof_for_other_token_rejected,
        proof_by_other_key_rejected,
        proof_with_forged_signature_rejected,
        proof_algorithm_restricted,
        proof_forbidden_headers_rejected,
        proof_of_other_type_rejected,
        proof_not_a_jws_rejected,
        proof_with_invalid_claims_rejected,
        proof_extensions_ignored,
        old_proof_refused_at_limit,
        future_proof_refused_at_limit,
        session_proof_for_other_endpoint_rejected,
        session_ends_with_certificate,
        session_refused_after_certificate_exp,
    ),
    "betalingsregelingen": (replayed_write_rejected,),
}
