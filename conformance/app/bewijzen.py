"""The checks of profile `app` on what the app sends: only a public key registered, the
audience of its session proofs taken from the scheme, a fresh request proof per request —
read from the requests the suite's App Manager and sources recorded during the main run."""

from __future__ import annotations

import json
from typing import Any

from conformance import jose
from conformance.app.app_manager import private_members
from conformance.app.context import AppContext, app_check
from conformance.app.federation import SOURCES, Bron
from conformance.checks.base import fail
from conformance.errors import CheckSkipped, JoseError


def _bron(slug: str) -> Bron:
    return next(b for b in SOURCES if b.slug == slug)


@app_check("/app/sleutel-niet-exporteerbaar")
async def app_registers_public_key_only(ctx: AppContext) -> None:
    """The app registers only the public part of its key at the App Manager."""
    await ctx.main_run()
    registrations = list(ctx.federation.app_manager.registrations.values())
    if not registrations:
        raise CheckSkipped("the app never registered at the suite's App Manager")
    for registration in registrations:
        extra = private_members(registration.body.get("publieke_sleutel"))
        if extra:
            fail(f"the registered key carries {', '.join(extra)}: more than a public JWK")



def _body(seen_body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(seen_body or b"null")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@app_check("/app/ontvanger-uit-stelsel")
async def app_takes_audience_from_scheme(ctx: AppContext) -> None:
    """To a source whose /configuratie names another organisation's OIN, the app's session
    proof still carries the scheme's OIN as aud and the scheme's api_url."""
    await ctx.main_run()
    bron = _bron("andere-configuratie")
    proofs = [body["bewijs"] for seen in ctx.federation.recorder.of(bron.slug)
              if isinstance((body := _body(seen.body)).get("bewijs"), str)]
    if not proofs:
        raise CheckSkipped("the app opened no session with the source to observe")
    for proof in proofs:
        try:
            _head, claims = jose.decode_unverified(proof, "bewijs")
        except JoseError:
            fail(f"the app sent a session proof that is no compact JWS: {proof[:60]!r}")
        if claims.get("aud") != ctx.federation.oins[bron.slug]:
            fail(f"the session proof's aud is {claims.get('aud')!r}, not the scheme's OIN "
                 f"{ctx.federation.oins[bron.slug]!r} (taken from /configuratie?)")
        if claims.get("api_url") != ctx.federation.api_url(bron):
            fail(f"the session proof's api_url {claims.get('api_url')!r} is not the scheme's")


@app_check("/app/verzoekbewijs-per-verzoek")
async def app_signs_fresh_request_proof_per_request(ctx: AppContext) -> None:
    """Every request the app sends with a session token carries a verzoek-bewijs+jwt signed
    with the key its certificate names, each with a new jti."""
    await ctx.main_run()
    keys = [c["cnf"]["jwk"] for c in ctx.federation.app_manager.certificates]
    requests = [seen for seen in ctx.federation.recorder.of("goed")
                if seen.headers.get("authorization", "").startswith("Sessie ")]
    if not requests or not keys:
        raise CheckSkipped("the app sent no request with a session token to observe")
    jtis: list[str] = []
    for seen in requests:
        proof = seen.headers.get("verzoek-bewijs", "")
        if not proof:
            fail(f"{seen.method} {seen.path} carries a session token but no Verzoek-Bewijs")
        try:
            _head, claims = jose.verify(proof, keys, typ=jose.TYP_REQUEST_PROOF,
                                        prefix="verzoekbewijs")
        except JoseError as exc:
            fail(f"{seen.method} {seen.path}: the Verzoek-Bewijs does not verify with the "
                 f"certified key ({exc.code})")
        jtis.append(str(claims.get("jti")))
    if len(set(jtis)) != len(jtis):
        fail(f"{len(jtis) - len(set(jtis))} of {len(jtis)} request proofs reuse a jti")
