"""Per-request proofs (`verzoek-bewijs+jwt`, spec/trust-model.md, design §6; RFC 9449 as model).

Every request that carries a session token sends `Authorization: Sessie <token>` and
`Verzoek-Bewijs: <proof>`: a compact ES256 JWS signed with the app key the certificate
binds (`kid` = its thumbprint), naming the method (`htm`), the URL without query and
fragment (`htu`), the time (`iat`), a unique id (`jti`) and the token (`ath`). A copied
token is useless without the key; a copied proof is useless for another request, after
`PROOF_MAX_AGE_S`, or a second time (the source records every `jti` it accepted).

The app side: `sign_request_proof` / `session_headers`. The source side:
`verify_request_proof` runs every check of the order in §6 up to, not including, the replay
step, which needs the source's database (`reference_impl.source.replay`).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from joserfc.jwk import ECKey

from reference_impl.common.errors import TokenError
from reference_impl.common.jose import (
    b64url_encode,
    check_claims_schema,
    check_fresh,
    sign,
    thumbprint,
    verify,
)

TYP = "verzoek-bewijs+jwt"
PREFIX = "verzoekbewijs"
SCHEMA = "verzoek-bewijs"
AUTH_SCHEME = "Sessie"
HEADER = "Verzoek-Bewijs"


def access_token_hash(token: str) -> str:
    """`ath`: BASE64URL(SHA-256(ASCII session token)), 43 characters."""
    return b64url_encode(hashlib.sha256(token.encode("ascii", "replace")).digest())


def request_url(url: str) -> str:
    """`htu` for `url`: the URL as called, without query and fragment."""
    parts = urlsplit(str(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def sign_request_proof(key: ECKey, method: str, url: str, token: str, *,
                       now: int | None = None, jti: str | None = None) -> str:
    """The `verzoek-bewijs+jwt` for one request (`url` may carry a query; it is cut off)."""
    claims = {
        "jti": jti or str(uuid.uuid4()),
        "htm": method.upper(),
        "htu": request_url(url),
        "iat": int(time.time()) if now is None else int(now),
        "ath": access_token_hash(token),
    }
    return sign(claims, key, typ=TYP)


def session_headers(key: ECKey, method: str, url: str, token: str, *,
                    now: int | None = None) -> dict[str, str]:
    """The two headers of an authenticated request: `Authorization` and `Verzoek-Bewijs`."""
    return {
        "Authorization": f"{AUTH_SCHEME} {token}",
        HEADER: sign_request_proof(key, method, url, token, now=now),
    }


def verify_request_proof(proof: Any, *, jwk: dict[str, Any], token: str, method: str,
                         url: str, now: int) -> dict[str, Any]:
    """The claims of a proof for this request, else `TokenError(verzoekbewijs/...)`.

    Order: JWS profile (`ongeldig-formaat`, `algoritme-niet-toegestaan`, `verboden-header`,
    `verkeerd-type`); `kid` = thumbprint of the session key (`sleutel-onbekend`); signature
    (`handtekening-ongeldig`); claims schema (`claims-ongeldig`); `ath` (`token-onjuist`);
    `htm` (`verkeerde-methode`); `htu` = `url` (`verkeerde-url`); `iat` not in the future
    (`nog-niet-geldig`) nor stale (`verlopen`). The replay step is the caller's.
    """
    expected_kid = thumbprint(jwk)

    def session_key(header: dict[str, Any], _claims: dict[str, Any]) -> list[dict[str, Any]]:
        if header.get("kid") != expected_kid:
            raise TokenError(f"{PREFIX}/sleutel-onbekend",
                             "kid is niet de app-sleutel van de sessie")
        return [jwk]

    claims = verify(proof, typ=TYP, prefix=PREFIX, keys_for=session_key)
    check_claims_schema(claims, SCHEMA, prefix=PREFIX)
    if claims["ath"] != access_token_hash(token):
        raise TokenError(f"{PREFIX}/token-onjuist", "ath is de hash van een ander token")
    if claims["htm"] != method.upper():
        raise TokenError(f"{PREFIX}/verkeerde-methode", "htm is een andere methode")
    if claims["htu"] != request_url(url):
        raise TokenError(f"{PREFIX}/verkeerde-url", "htu is een andere URL")
    check_fresh(claims, now, PREFIX)
    return claims

