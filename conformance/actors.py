"""The suite playing App Manager and app: certificates, session proofs and request proofs,
right or wrong.

`Actors.certificate`, `Actors.proof` and `Actors.request_proof` build valid tokens by default;
every claim and header member can be overridden (`jose.OMIT` removes one; in `request_proof`
None does too), the signing key swapped (e.g. the rogue App Manager key) and the algorithm
forged (see `conformance.jose`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from conformance import jose
from conformance.jose import SigningKey
from conformance.keys import SuiteKeys

AppKey = SigningKey
"""An app's private EC P-256 key (``.public_jwk``, ``.thumbprint``)."""

DEFAULT_CERT_LIFETIME_S = 600
NIVEAUS = ("basis", "midden", "substantieel", "hoog")
DEFAULT_NIVEAU = "substantieel"
IDENTITEITSDIENST = "conformance-idp"
LOGIN_AGE_S = 30  # the certificate says the citizen logged in this long before it was issued


class Actors:
    """App Manager and app, with the suite's keys.

    Attributes: ``app_manager_id``, ``app_manager_key`` (listed in the test scheme),
    ``rogue_app_manager_key`` (listed nowhere), ``scheme_key``, ``revoked_jti`` (in the
    scheme's ``ingetrokken_certificaten``), ``target_oin`` (default proof audience),
    ``api_url`` (the endpoint's scheme ``api_url``: default sessie-bewijs ``api_url``) and
    ``niveau`` (default ``betrouwbaarheidsniveau`` of certificates).
    """

    def __init__(
        self,
        keys: SuiteKeys,
        *,
        target_oin: str,
        api_url: str = "",
        niveau: str = DEFAULT_NIVEAU,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.keys = keys
        self.app_manager_id = keys.app_manager_id
        self.app_manager_key = keys.app_manager_key
        self.rogue_app_manager_key = keys.rogue_app_manager_key
        self.scheme_key = keys.scheme_key
        self.revoked_jti = keys.revoked_jti
        self.target_oin = target_oin
        self.api_url = api_url
        self.niveau = niveau
        self._clock = clock or (lambda: int(time.time()))

    def now(self) -> int:
        return self._clock()

    @staticmethod
    def new_app_key() -> AppKey:
        return SigningKey.generate()

    def certificate(
        self,
        bsn: str,
        app_key: AppKey,
        *,
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
        signing_key: SigningKey | None = None,
        alg: str | None = None,
        lifetime_s: int = DEFAULT_CERT_LIFETIME_S,
        iat: int | None = None,
    ) -> str:
        """An ``app-certificaat+jwt`` for `bsn` binding `app_key`, by the suite's App Manager.

        Defaults: ``iss`` = app_manager_id, fresh ``jti``, ``iat = nbf = now``,
        ``exp = iat + lifetime_s``, ``cnf.jwk`` = app_key's public JWK, level ``self.niveau``,
        ``inlogmoment = iat - LOGIN_AGE_S``, ``identiteitsdienst`` = IDENTITEITSDIENST.
        `claims`/`header` merge over the defaults (OMIT removes)."""
        issued = self.now() if iat is None else iat
        defaults = {
            "iss": self.app_manager_id,
            "jti": str(uuid.uuid4()),
            "iat": issued,
            "nbf": issued,
            "exp": issued + lifetime_s,
            "bsn": bsn,
            "cnf": {"jwk": app_key.public_jwk},
            "betrouwbaarheidsniveau": self.niveau,
            "inlogmoment": issued - LOGIN_AGE_S,
            "identiteitsdienst": IDENTITEITSDIENST,
        }
        body = jose.merge(defaults, claims)
        if "inlogmoment" not in (claims or {}) and isinstance(body.get("iat"), int):
            body["inlogmoment"] = body["iat"] - LOGIN_AGE_S  # follows an overridden iat
        return jose.encode(
            body,
            signing_key or self.app_manager_key,
            typ=jose.TYP_CERTIFICATE,
            header=header,
            alg=alg,
        )

    def proof(
        self,
        app_key: AppKey,
        nonce: str,
        *,
        aud: str | None = None,
        api_url: str | None = None,
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
        signing_key: SigningKey | None = None,
        alg: str | None = None,
        iat: int | None = None,
    ) -> str:
        """A ``sessie-bewijs+jwt`` answering `nonce`, signed by `app_key` (or `signing_key`).

        Defaults: ``aud`` = target OIN, ``api_url`` = the endpoint's scheme api_url,
        ``iat`` = now, fresh ``jti``; kid = thumbprint of the signing key."""
        defaults = {
            "nonce": nonce,
            "aud": self.target_oin if aud is None else aud,
            "api_url": self.api_url if api_url is None else api_url,
            "iat": self.now() if iat is None else iat,
            "jti": str(uuid.uuid4()),
        }
        return jose.encode(
            jose.merge(defaults, claims),
            signing_key or app_key,
            typ=jose.TYP_PROOF,
            header=header,
            alg=alg,
        )


    def request_proof(
        self,
        app_key: AppKey,
        *,
        method: str,
        url: str,
        token: str,
        iat: int | None = None,
        jti: str | None = None,
        header: dict[str, Any] | None = None,
        claims: dict[str, Any] | None = None,
    ) -> str:
        """A ``verzoek-bewijs+jwt`` for one request, signed by `app_key`.

        Defaults: header ``{alg: ES256, typ: verzoek-bewijs+jwt, kid: app_key thumbprint}``,
        claims ``{jti: fresh uuid4, htm: method (uppercase), htu: url, iat: now,
        ath: BASE64URL(SHA-256(token))}``. `header`/`claims` merge over the defaults; a None
        (or OMIT) value removes the member. ``header={"alg": "none"}`` yields an empty
        signature, ``{"alg": "HS256"}`` the key-confusion HMAC (see `conformance.jose`)."""
        head = jose.merge(
            {"alg": jose.ALG, "typ": jose.TYP_REQUEST_PROOF, "kid": app_key.kid},
            header,
            none_removes=True,
        )
        defaults = {
            "jti": jti or str(uuid.uuid4()),
            "htm": method.upper(),
            "htu": url,
            "iat": self.now() if iat is None else iat,
            "ath": jose.token_hash(token),
        }
        body = jose.merge(defaults, claims, none_removes=True)
        # `encode` only merges over its own defaults; start from an empty header so that a
        # removed member (e.g. kid) stays removed.
        return jose.encode(
            body,
            app_key,
            typ=str(head.get("typ", "")),
            header={**{k: jose.OMIT for k in ("alg", "typ", "kid")}, **head},
        )


def highest_niveau(levels: list[str] | tuple[str, ...], floor: str = DEFAULT_NIVEAU) -> str:
    """The highest of `levels` and `floor` in DigiD order (unknown values are ignored)."""
    known = [lv for lv in (*levels, floor) if lv in NIVEAUS]
    return max(known, key=NIVEAUS.index)
