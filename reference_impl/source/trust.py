"""Verifying an app certificate and a session proof (spec/trust-model.md §3.2 and §3.3).

The certificate's issuer key must be one of the App Manager's key entries whose window
holds the certificate's `iat` (else `certificaat/sleutel-onbekend`); the proof names the
source twice, by OIN (`aud`, else `bewijs/verkeerde-ontvanger`) and by the `api_url` of the
scheme endpoint being called (else `bewijs/verkeerd-eindpunt`), both taken by the app from
the verified scheme document.

`verify_session_request` runs every step in the order of the trust model and raises
`TokenError` with the code of the first failure. The nonce is the last step and the only
one with a side effect: `NonceStore.consume` marks it used in one atomic statement, so a
request refused earlier never consumes it.
"""

from __future__ import annotations

from typing import Any, Protocol

from reference_impl.common.constants import REGISTRATION_TTL_S
from reference_impl.common.document import elfproef
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import (
    CERT_MAX_LIFETIME_S,
    CLOCK_SKEW_S,
    check_claims_schema,
    check_fresh,
    thumbprint,
    verify,
)
from reference_impl.common.scheme import Scheme

CERTIFICATE_TYP = "app-certificaat+jwt"
PROOF_TYP = "sessie-bewijs+jwt"


class NonceStore(Protocol):
    """Consumes a nonce atomically; answers None when it was fresh, else the failure."""

    async def consume(self, nonce: str, now: int) -> str | None:
        """`None`, `"nonce-onbekend"`, `"nonce-verlopen"` or `"nonce-gebruikt"`."""
        ...


def verify_certificate(token: Any, scheme: Scheme, *, now: int) -> dict[str, Any]:
    """The claims of a valid app certificate, else `TokenError(certificaat/...)`."""
    prefix = "certificaat"

    def issuer_keys(_header: dict[str, Any], claims: dict[str, Any]) -> list[dict[str, Any]]:
        issuer = claims.get("iss")
        manager = scheme.trusted_app_manager(issuer) if isinstance(issuer, str) else None
        if manager is None:
            raise TokenError(f"{prefix}/uitgever-onbekend", "iss is geen actieve App Manager")
        iat = claims.get("iat")
        at = iat if isinstance(iat, int) and not isinstance(iat, bool) else -1
        return scheme.app_manager_keys(issuer, at)  # the signature then covers that iat

    claims = verify(token, typ=CERTIFICATE_TYP, prefix=prefix, keys_for=issuer_keys)
    check_claims_schema(claims, "app-certificaat", prefix=prefix)
    if not elfproef(claims["bsn"]):
        raise TokenError(f"{prefix}/claims-ongeldig", "bsn voldoet niet aan de elfproef")
    jwk = claims["cnf"]["jwk"]
    if "kid" in jwk and jwk["kid"] != thumbprint(jwk):
        raise TokenError(f"{prefix}/claims-ongeldig",
                         "de kid van cnf.jwk is niet zijn vingerafdruk")
    if not 0 <= claims["iat"] - claims["inlogmoment"] <= REGISTRATION_TTL_S:
        raise TokenError(f"{prefix}/claims-ongeldig", "inlogmoment na iat of te lang ervoor")
    if claims["nbf"] - CLOCK_SKEW_S > now or claims["iat"] - CLOCK_SKEW_S > now:
        raise TokenError(f"{prefix}/nog-niet-geldig", "nbf of iat ligt in de toekomst")
    if now > claims["exp"] + CLOCK_SKEW_S:
        raise TokenError(f"{prefix}/verlopen", "het certificaat is verlopen")
    if claims["exp"] - claims["iat"] > CERT_MAX_LIFETIME_S:
        raise TokenError(f"{prefix}/looptijd-te-lang", "exp - iat is meer dan 43200 s")
    if scheme.is_revoked(claims["jti"]):
        raise TokenError(f"{prefix}/ingetrokken", "het certificaat is ingetrokken")
    return claims


def verify_proof(token: Any, cnf_jwk: dict[str, Any], *, oin: str, api_url: str | None,
                 now: int) -> dict[str, Any]:
    """Every step of §3.3 but the nonce; the claims, else `TokenError(bewijs/...)`.

    `api_url` is the source's own scheme `api_url` for the major being called (None when
    the scheme lists none: then no proof can name it)."""
    prefix = "bewijs"
    claims = verify(token, typ=PROOF_TYP, prefix=prefix, keys_for=lambda _h, _c: [cnf_jwk])
    check_claims_schema(claims, "sessie-bewijs", prefix=prefix)
    if claims["aud"] != oin:
        raise TokenError(f"{prefix}/verkeerde-ontvanger", "aud is een andere organisatie")
    if api_url is None or claims["api_url"] != api_url:
        raise TokenError(f"{prefix}/verkeerd-eindpunt", "api_url is een ander eindpunt")
    check_fresh(claims, now, prefix)
    return claims


async def verify_proof_and_nonce(
    token: Any, cnf_jwk: dict[str, Any], *, oin: str, api_url: str | None, nonces: NonceStore,
    now: int,
) -> dict[str, Any]:
    """Every step of §3.3: the proof, then its nonce (consumed only when all else passed)."""
    claims = verify_proof(token, cnf_jwk, oin=oin, api_url=api_url, now=now)
    failure = await nonces.consume(claims["nonce"], now)
    if failure is not None:
        raise TokenError(f"bewijs/{failure}", "de nonce is niet bruikbaar")
    return claims


async def verify_session_request(
    certificate: Any, proof: Any, *, scheme: Scheme, oin: str, api_url: str | None,
    nonces: NonceStore, now: int,
) -> dict[str, Any]:
    """The certificate's claims when certificate, proof and nonce all pass, in order."""
    claims = verify_certificate(certificate, scheme, now=now)
    await verify_proof_and_nonce(proof, claims["cnf"]["jwk"], oin=oin, api_url=api_url,
                                 nonces=nonces, now=now)
    return claims
