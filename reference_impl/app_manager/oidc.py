"""A real OpenID Connect identity provider: the authorization-code flow, small and explicit.

- Discovery: `<issuer>/.well-known/openid-configuration` (fetched once, then cached); its
  `issuer` must equal the configured one.
- `authorization_url`: `authorization_endpoint?response_type=code&client_id&redirect_uri&
  scope&state`.
- `exchange`: `POST token_endpoint` (`grant_type=authorization_code`, `code`,
  `redirect_uri`; client authentication `client_secret_basic`), then the `id_token` is
  verified against the provider's `jwks_uri`: signature (an asymmetric algorithm), `iss`,
  `aud` containing our `client_id`, `exp` and `iat` (with `CLOCK_SKEW_S`). The BSN is read
  from `bsn_claim` (default `sub`) and the level from `niveau_claim` (default `acr`),
  mapped through `niveaus` (DigiD's SAML context classes by default).

Every call has a timeout. Any failure raises `IdentityProviderError`; nothing about the
citizen is logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from reference_impl.app_manager.config import OidcSettings
from reference_impl.app_manager.errors import IdentityProviderError
from reference_impl.app_manager.identity import Identity, checked_identity
from reference_impl.common.jose import CLOCK_SKEW_S

DISCOVERY_PATH = "/.well-known/openid-configuration"
ID_TOKEN_ALGORITHMS = ("RS256", "PS256", "ES256", "ES384", "EdDSA")


class OidcIdentityProvider:
    """An OpenID Connect provider configured by `OidcSettings`."""

    def __init__(
        self,
        settings: OidcSettings,
        *,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self._metadata: dict[str, Any] | None = None

    async def authorization_url(self, state: str, redirect_uri: str) -> str:
        metadata = await self._discover()
        query = urlencode({
            "response_type": "code", "client_id": self.settings.client_id,
            "redirect_uri": redirect_uri, "scope": self.settings.scope, "state": state,
        })
        endpoint = metadata["authorization_endpoint"]
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def exchange(self, code: str, redirect_uri: str) -> Identity:
        metadata = await self._discover()
        tokens = await self._request("POST", metadata["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        }, auth=(self.settings.client_id, self.settings.client_secret))
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise IdentityProviderError("the token response holds no id_token")
        claims = await self._verify_id_token(id_token, metadata["jwks_uri"])
        acr = claims.get(self.settings.niveau_claim)
        niveau = self.settings.niveaus.get(acr) if isinstance(acr, str) else None
        return checked_identity(claims.get(self.settings.bsn_claim), niveau)

    async def _discover(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.settings.issuer.rstrip("/") + DISCOVERY_PATH
            metadata = await self._request("GET", url)
            if metadata.get("issuer") != self.settings.issuer:
                raise IdentityProviderError("the discovery document names another issuer")
            for member in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(metadata.get(member), str):
                    raise IdentityProviderError(f"the discovery document lacks {member}")
            self._metadata = metadata
        return self._metadata

    async def _verify_id_token(self, id_token: str, jwks_uri: str) -> dict[str, Any]:
        keys = await self._request("GET", jwks_uri)
        try:
            token = jwt.decode(id_token, KeySet.import_key_set(keys),  # type: ignore[arg-type]
                               algorithms=list(ID_TOKEN_ALGORITHMS))
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise IdentityProviderError("the id_token does not verify") from exc
        claims = token.claims
        now = self.clock()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != self.settings.issuer:
            raise IdentityProviderError("the id_token has another issuer")
        if self.settings.client_id not in audiences:
            raise IdentityProviderError("the id_token is not meant for this client")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or now > exp + CLOCK_SKEW_S:
            raise IdentityProviderError("the id_token has expired")
        if not isinstance(iat, int | float) or iat - CLOCK_SKEW_S > now:
            raise IdentityProviderError("the id_token is not yet valid")
        return claims

    async def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            if self.client is not None:
                response = await self.client.request(method, url, timeout=self.settings.timeout_s,
                                                     **kwargs)
            else:
                async with httpx.AsyncClient(timeout=self.settings.timeout_s) as client:
                    response = await client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise IdentityProviderError(f"the identity provider is unreachable: {exc}") from exc
        if response.status_code != 200:
            raise IdentityProviderError(
                f"the identity provider answered {response.status_code} at {method} {url}")
        try:
            body = response.json()
        except ValueError as exc:
            raise IdentityProviderError("the identity provider answered no JSON") from exc
        if not isinstance(body, dict):
            raise IdentityProviderError("the identity provider answered no JSON object")
        return body
