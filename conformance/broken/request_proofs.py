"""The request proof (`Verzoek-Bewijs`, a verzoek-bewijs+jwt) of every request that carries a
session token, verified in the order of the trust model (standard 2.0.0, RFC 9449 as model).

Order after the session token was found valid: header missing → `verzoekbewijs/ontbreekt`;
sent more than once or not a compact JWS → `…/ongeldig-formaat`; JWS profile (alg, forbidden
header members, typ); kid = thumbprint of the session's key → `…/sleutel-onbekend`;
signature; claims schema; ath, htm, htu; iat not in the future, not too old; jti not seen
in this session → `…/hergebruikt`. Every failure is 401. Each flaw of
`flaws_verzoekbewijs.py` skips exactly its step.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request

from conformance.broken import _crypto
from conformance.broken.errors import TrustFailure
from conformance.broken.source import Source
from conformance.broken.store import Session
from conformance.broken.trust import (
    CLOCK_SKEW_S,
    PROOF_MAX_AGE_S,
    VERIFY_NOTHING,
    _schema_errors,
    check_header,
    check_signature,
    parse,
)

HEADER = "verzoek-bewijs"
TYP = "verzoek-bewijs+jwt"
PREFIX = "verzoekbewijs"
JTI_KEPT_S = PROOF_MAX_AGE_S + 2 * CLOCK_SKEW_S
_MAPPED = {
    "alg-none-geaccepteerd": "verzoekbewijs-alg-none-geaccepteerd",
    "typ-niet-gecontroleerd": "verzoekbewijs-typ-niet-gecontroleerd",
    "verboden-header-geaccepteerd": "verzoekbewijs-verboden-header-geaccepteerd",
}


def token_hash(token: str) -> str:
    """BASE64URL(SHA-256(ASCII session token)): the proof's `ath`."""
    return _crypto.b64e(hashlib.sha256(token.encode("utf-8")).digest())


class _ProofFlaws:
    """The source's flaws with the token-wide names mapped onto this token's own flaws: the
    JWS profile steps of `trust.check_header` consult the generic names."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def on(self, name: str) -> bool:
        flaws = self.source.flaws
        return flaws.on(_MAPPED[name]) if name in _MAPPED else flaws.on(name)


def request_url(source: Source, request: Request, base_path: str) -> str:
    """What `htu` must be: the source's own scheme api_url + the path below the base path
    (so it holds behind a proxy that rewrites host or scheme)."""
    below = request.url.path.removeprefix(base_path)
    return (source.scheme.api_url(source.oin) or "") + below


async def verify(source: Source, request: Request, token: str, session: Session,
                 base_path: str) -> None:
    """Verify the request's proof for `session`; TrustFailure `verzoekbewijs/…` otherwise."""
    values = request.headers.getlist(HEADER)
    if not values:
        if source.flaws.on("verzoekbewijs-niet-vereist"):
            return
        raise TrustFailure(f"{PREFIX}/ontbreekt", "Send a Verzoek-Bewijs with the session.")
    if len(values) > 1:
        raise TrustFailure(f"{PREFIX}/ongeldig-formaat", "Verzoek-Bewijs is sent more than once")
    flaws: Any = _ProofFlaws(source)
    parsed = parse(values[0], PREFIX, flaws)
    mode = check_header(parsed.header, TYP, PREFIX, flaws)
    if mode != VERIFY_NOTHING and not flaws.on("verzoekbewijs-sleutel-niet-gecontroleerd"):
        if parsed.header.get("kid") != _crypto.thumbprint(session.jwk):
            raise TrustFailure(f"{PREFIX}/sleutel-onbekend", "kid is not the session's key")
        check_signature(mode, session.jwk, parsed.signing_input, parsed.signature, PREFIX,
                        flaws)
    claims = parsed.claims
    errors = _schema_errors("verzoek-bewijs", claims)
    if errors and not flaws.on("verzoekbewijs-claims-niet-gecontroleerd"):
        raise TrustFailure(f"{PREFIX}/claims-ongeldig", "; ".join(errors[:3]))
    if claims.get("ath") != token_hash(token) and not flaws.on(
            "verzoekbewijs-ath-niet-gecontroleerd"):
        raise TrustFailure(f"{PREFIX}/token-onjuist")
    if claims.get("htm") != request.method and not flaws.on(
            "verzoekbewijs-htm-niet-gecontroleerd"):
        raise TrustFailure(f"{PREFIX}/verkeerde-methode")
    if claims.get("htu") != request_url(source, request, base_path) and not flaws.on(
            "verzoekbewijs-htu-niet-gecontroleerd"):
        raise TrustFailure(f"{PREFIX}/verkeerde-url")
    now = source.clock.seconds()
    iat = claims.get("iat") if isinstance(claims.get("iat"), int) else now
    if iat - CLOCK_SKEW_S > now and not flaws.on("verzoekbewijs-toekomst-geaccepteerd"):
        raise TrustFailure(f"{PREFIX}/nog-niet-geldig")
    max_age = PROOF_MAX_AGE_S + CLOCK_SKEW_S
    max_age -= 1 if flaws.on("verzoekbewijs-leeftijd-exclusief") else 0  # >= where > is right
    if now - iat > max_age and not flaws.on("verzoekbewijs-oud-geaccepteerd"):
        raise TrustFailure(f"{PREFIX}/verlopen")
    await _remember(source, session, claims.get("jti"), iat)


async def _remember(source: Source, session: Session, jti: Any, iat: int) -> None:
    """`…/hergebruikt` when this session saw `jti`; record it. Look-up and record are one
    step (no await between them), so of simultaneous requests with one proof one is served;
    the flaw `verzoekbewijs-cache-niet-atomair` awaits the cache in between."""
    now = source.clock.now()
    seen = session.proof_ids
    for old in [j for j, until in seen.items() if until < now]:
        del seen[old]
    if jti in seen and not source.flaws.on("verzoekbewijs-herbruikbaar"):
        raise TrustFailure(f"{PREFIX}/hergebruikt")
    if source.flaws.on("verzoekbewijs-cache-niet-atomair"):
        await source.store.round_trip()  # "read, then write": other requests run meanwhile
    seen[jti] = iat + JTI_KEPT_S
