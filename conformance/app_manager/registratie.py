"""Registration (`POST /registraties`, trust model §5.1): a public key only, a loopback or
admitted `redirect_uri`, PKCE S256 and the closed body."""

from __future__ import annotations

from datetime import datetime

from conformance import jose
from conformance.app_manager.context import LOOPBACK_PORT, AppManagerContext
from conformance.checks.base import check, expect_problem, fail

AREA = "app-manager"
REGISTRATION_TTL_S = 600
CLOCK_SKEW_S = 60
INVALID = "verzoek/ongeldig"
BAD_REDIRECT = "registratie/redirect-uri-ongeldig"


@check(rule="/app-manager/alleen-publieke-sleutel", area=AREA)
async def registration_refuses_private_or_foreign_keys(ctx: AppManagerContext) -> None:
    """A registration with a private key member, an unknown member or a key that is not an
    EC P-256 public key is refused with 400 `verzoek/ongeldig`."""
    key = jose.SigningKey.generate()
    public = key.public_jwk
    for label, jwk in (
        ("a JWK with its private member d", key.private_jwk()),
        ("a JWK with an unknown member", {**public, "extra": "x"}),
        ("a symmetric (oct) key", {"kty": "oct", "k": jose.b64e(b"0" * 32)}),
        ("a P-384 key", {**public, "crv": "P-384"}),
        ("a key missing y", {"kty": "EC", "crv": "P-256", "x": public["x"]}),
    ):
        resp = await ctx.register(key, publieke_sleutel=jwk)
        if resp.status_code == 201:
            fail(f"registration with {label} was accepted (201)", resp)
        expect_problem(resp, 400, INVALID)


@check(rule="/app-manager/alleen-publieke-sleutel", area=AREA)
async def registration_answers_its_challenge(ctx: AppManagerContext) -> None:
    """A public key registers: 201 with `registratie_id`, `uitdaging`, `inlog_url` and a
    `verloopt_op` about REGISTRATION_TTL_S ahead."""
    before = ctx.now()
    resp = await ctx.register()
    if resp.status_code != 201:
        fail(f"a valid registration answered {resp.status_code}, not 201", resp)
    body = resp.json()
    missing = [m for m in ("registratie_id", "uitdaging", "inlog_url", "verloopt_op")
               if not isinstance(body.get(m), str) or not body[m]]
    if missing:
        fail(f"the registration answer lacks {', '.join(missing)}", resp)
    try:
        ends = int(datetime.fromisoformat(body["verloopt_op"]).timestamp())
    except ValueError:
        fail(f"verloopt_op {body['verloopt_op']!r} is no RFC 3339 time", resp)
    ahead = ends - before
    if not REGISTRATION_TTL_S - CLOCK_SKEW_S <= ahead <= REGISTRATION_TTL_S + CLOCK_SKEW_S:
        fail(f"verloopt_op is {ahead} s ahead, not {REGISTRATION_TTL_S} s", resp)


BAD_REDIRECT_URIS = (
    "https://attacker.example/cb",
    "http://localhost:8080/cb",
    f"http://127.0.0.1:{LOOPBACK_PORT}/cb?x=1",
    f"http://127.0.0.1:{LOOPBACK_PORT}/cb#fragment",
    f"http://user@127.0.0.1:{LOOPBACK_PORT}/cb",
    "http://192.0.2.1/cb",
    "http://127.0.0.1.attacker.example/cb",
    f"https://127.0.0.1:{LOOPBACK_PORT}/cb",
    "vorderingen://login",
)


@check(rule="/app-manager/redirect-uri-toegestaan", area=AREA)
async def only_loopback_or_admitted_redirect_uris(ctx: AppManagerContext) -> None:
    """A `redirect_uri` that is neither loopback (`http://127.0.0.1:{port}` or `[::1]`, no
    query, fragment or user info) nor admitted is 400 `registratie/redirect-uri-ongeldig`;
    both loopback forms register."""
    for uri in BAD_REDIRECT_URIS:
        resp = await ctx.register(redirect_uri=uri)
        if resp.status_code == 201:
            fail(f"redirect_uri {uri} was accepted (201)", resp)
        expect_problem(resp, 400, BAD_REDIRECT)
    for uri in (f"http://127.0.0.1:{LOOPBACK_PORT}/cb", f"http://[::1]:{LOOPBACK_PORT}/cb"):
        resp = await ctx.register(redirect_uri=uri)
        if resp.status_code != 201:
            fail(f"the loopback redirect_uri {uri} was refused ({resp.status_code})", resp)


@check(rule="/app-manager/pkce-s256", area=AREA)
async def registration_requires_pkce_s256(ctx: AppManagerContext) -> None:
    """A registration without `code_challenge`, with method `plain`, a challenge that is not
    43 base64url characters, a bad `state` or names, or an unknown member is 400
    `verzoek/ongeldig`."""
    for label, overrides in (
        ("no code_challenge", {"code_challenge": jose.OMIT}),
        ("no code_challenge_method", {"code_challenge_method": jose.OMIT}),
        ("code_challenge_method plain", {"code_challenge_method": "plain"}),
        ("a 42-character code_challenge", {"code_challenge": "A" * 42}),
        ("a 44-character code_challenge", {"code_challenge": "A" * 44}),
        ("a code_challenge with '+'", {"code_challenge": "+" * 43}),
        ("no state", {"state": jose.OMIT}),
        ("a state with a space", {"state": "a b"}),
        ("a state of 513 characters", {"state": "s" * 513}),
        ("an empty app_naam", {"app_naam": ""}),
        ("an apparaat_naam of 65 characters", {"apparaat_naam": "x" * 65}),
        ("an unknown member", {"onbekend": 1}),
    ):
        resp = await ctx.register(**overrides)
        if resp.status_code == 201:
            fail(f"a registration with {label} was accepted (201)", resp)
        expect_problem(resp, 400, INVALID)


CHECKS = (
    registration_refuses_private_or_foreign_keys,
    registration_answers_its_challenge,
    only_loopback_or_admitted_redirect_uris,
    registration_requires_pkce_s256,
)
