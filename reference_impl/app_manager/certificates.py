"""Proof of possession and the app certificate (spec/trust-model.md §3.2, §3.4).

`verify_request(token, registration, manager_id, now)` checks a `certificaat-aanvraag+jwt`
in the order of the OpenAPI document: JWS profile (`aanvraag/ongeldig-formaat`,
`algoritme-niet-toegestaan`, `verboden-header`, `verkeerd-type`), `kid` = thumbprint of
the registered key (`sleutel-onbekend`), signature (`handtekening-ongeldig`), claims
schema (`claims-ongeldig`), `aud` (`verkeerde-ontvanger`), times (`nog-niet-geldig`,
`verlopen`: older than `PROOF_MAX_AGE_S`), and `nonce` = the registration's challenge
(`nonce-onbekend`). Each refusal is a `TokenError`.

`verifier_matches(code_verifier, code_challenge)`: PKCE S256 (RFC 7636 §4.6).

`issue(login, jwk, key, manager_id, lifetime_s, now)` signs the `app-certificaat+jwt`:
`iss`, `jti` (a lowercase UUID), `iat` = `nbf` = now, `exp` = now + lifetime (at most
`CERT_MAX_LIFETIME_S`), `bsn`, `cnf.jwk` (the registered public key), the level, and the
evidence of the login: `inlogmoment` (when the identity provider logged the citizen in) and
`identiteitsdienst` (which one).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey

from reference_impl.app_manager.registrations import Registration
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import (
    CERT_MAX_LIFETIME_S,
    b64url_encode,
    check_claims_schema,
    check_fresh,
    sign,
    verify,
)

REQUEST_TYP = "certificaat-aanvraag+jwt"
REQUEST_PREFIX = "aanvraag"
CERTIFICATE_TYP = "app-certificaat+jwt"


def verify_request(token: Any, registration: Registration, manager_id: str,
                   now: int) -> dict[str, Any]:
    """The claims of a valid certificate request for `registration`; else `TokenError`."""
    claims = verify(token, typ=REQUEST_TYP, prefix=REQUEST_PREFIX,
                    keys_for=lambda _h, _c: [registration.jwk])
    check_claims_schema(claims, "certificaat-aanvraag", prefix=REQUEST_PREFIX)
    if claims["aud"] != manager_id:
        raise TokenError(f"{REQUEST_PREFIX}/verkeerde-ontvanger", "aud is not this App Manager")
    check_fresh(claims, now, REQUEST_PREFIX)
    if not hmac.compare_digest(claims["nonce"], registration.uitdaging):
        raise TokenError(f"{REQUEST_PREFIX}/nonce-onbekend",
                         "nonce is not the registration's uitdaging")
    return claims


@dataclass(frozen=True)
class LoginResult:
    """Who logged in, at which level, when and where: what a certificate attests."""

    bsn: str
    niveau: str
    inlogmoment: int
    identiteitsdienst: str

    def sealable(self) -> dict[str, Any]:
        return {"bsn": self.bsn, "niveau": self.niveau, "inlogmoment": self.inlogmoment,
                "identiteitsdienst": self.identiteitsdienst}

    @classmethod
    def from_sealed(cls, content: dict[str, Any]) -> LoginResult:
        return cls(str(content["bsn"]), str(content["niveau"]), int(content["inlogmoment"]),
                   str(content["identiteitsdienst"]))


def verifier_matches(code_verifier: str, code_challenge: str) -> bool:
    """BASE64URL(SHA-256(ASCII code_verifier)) == code_challenge, in constant time."""
    digest = b64url_encode(hashlib.sha256(code_verifier.encode("ascii")).digest())
    return hmac.compare_digest(digest, code_challenge)


def issue(login: LoginResult, jwk: dict[str, str], key: ECKey, *, manager_id: str,
          lifetime_s: int, now: int) -> dict[str, Any]:
    """The claims and token of a new certificate: `{"claims": ..., "token": ...}`."""
    claims = {
        "iss": manager_id,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + min(lifetime_s, CERT_MAX_LIFETIME_S),
        "bsn": login.bsn,
        "cnf": {"jwk": {k: jwk[k] for k in ("kty", "crv", "x", "y")}},
        "betrouwbaarheidsniveau": login.niveau,
        "inlogmoment": login.inlogmoment,
        "identiteitsdienst": login.identiteitsdienst,
    }
    return {"claims": claims, "token": sign(claims, key, typ=CERTIFICATE_TYP)}
