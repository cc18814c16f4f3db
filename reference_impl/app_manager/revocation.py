"""Revoking certificates and publishing the signed revocation list (trust model §3.4).

`verify_revocation(certificate, request, ...)` checks, in the order of the OpenAPI
document: the certificate (JWS profile with prefix `certificaat`; `iss` must be this App
Manager, else `certificaat/uitgever-onbekend`; key, signature, claims schema and elfproef —
but not its times: an expired certificate can still be revoked), then the
`intrekking-verzoek+jwt` (JWS profile with prefix `intrekking`; `kid` = thumbprint of the
certificate's `cnf.jwk`; signature; claims; `aud`; freshness; `certificaat_jti` = the
certificate's `jti`, else `intrekking/certificaat-onjuist`).

`RevocationList` signs the `intrekkingenlijst+jwt` of the revoked
certificates that have not expired yet (an expired certificate needs no revocation), and
re-signs only when that set changes or the list is `LIST_RESIGN_S` old, so its strong
ETag stays stable between changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey

from reference_impl.app_manager.certificates import CERTIFICATE_TYP
from reference_impl.app_manager.ledger import CertificateLedger
from reference_impl.common.document import elfproef
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import (
    SCHEME_MAX_LIFETIME_S,
    check_claims_schema,
    check_fresh,
    sign,
    verify,
)

REQUEST_TYP = "intrekking-verzoek+jwt"
REQUEST_PREFIX = "intrekking"
CERTIFICATE_PREFIX = "certificaat"
LIST_TYP = "intrekkingenlijst+jwt"
LIST_LIFETIME_S = SCHEME_MAX_LIFETIME_S
LIST_RESIGN_S = 3600


def verify_revocation(certificate: Any, request: Any, *, manager_id: str,
                      manager_jwk: dict[str, str], now: int) -> dict[str, Any]:
    """The certificate's claims when `request` validly asks to revoke it; else `TokenError`."""

    def our_keys(_header: dict[str, Any], claims: dict[str, Any]) -> list[dict[str, Any]]:
        if claims.get("iss") != manager_id:
            raise TokenError(f"{CERTIFICATE_PREFIX}/uitgever-onbekend",
                             "not issued by this App Manager")
        return [manager_jwk]

    cert = verify(certificate, typ=CERTIFICATE_TYP, prefix=CERTIFICATE_PREFIX, keys_for=our_keys)
    check_claims_schema(cert, "app-certificaat", prefix=CERTIFICATE_PREFIX)
    if not elfproef(cert["bsn"]):
        raise TokenError(f"{CERTIFICATE_PREFIX}/claims-ongeldig", "bsn fails the elfproef")
    claims = verify(request, typ=REQUEST_TYP, prefix=REQUEST_PREFIX,
                    keys_for=lambda _h, _c: [cert["cnf"]["jwk"]])
    check_claims_schema(claims, "intrekking-verzoek", prefix=REQUEST_PREFIX)
    if claims["aud"] != manager_id:
        raise TokenError(f"{REQUEST_PREFIX}/verkeerde-ontvanger", "aud is not this App Manager")
    check_fresh(claims, now, REQUEST_PREFIX)
    if claims["certificaat_jti"] != cert["jti"]:
        raise TokenError(f"{REQUEST_PREFIX}/certificaat-onjuist",
                         "certificaat_jti is not the certificate's jti")
    return cert


@dataclass(frozen=True)
class SignedList:
    token: str
    jtis: tuple[str, ...]
    iat: int

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.token.encode("ascii")).hexdigest()[:32] + '"'


class RevocationList:
    """The current signed revocation list, re-signed when it changes or ages."""

    def __init__(self, ledger: CertificateLedger, key: ECKey, manager_id: str) -> None:
        self.ledger = ledger
        self.key = key
        self.manager_id = manager_id
        self._signed: SignedList | None = None

    async def current(self, now: int) -> SignedList:
        jtis = tuple(await self.ledger.revoked_jtis(now))
        signed = self._signed
        if signed is None or signed.jtis != jtis or now - signed.iat >= LIST_RESIGN_S:
            claims = {"iss": self.manager_id, "iat": now, "exp": now + LIST_LIFETIME_S,
                      "ingetrokken": list(jtis)}
            signed = SignedList(sign(claims, self.key, typ=LIST_TYP), jtis, now)
            self._signed = signed
        return signed
