"""Pulling the App Managers' signed revocation lists (spec/trust-model.md §3.4).

`verify_revocation_list(token, manager, now)` checks an `intrekkingenlijst+jwt` against the
keys the description lists for that App Manager (never a key fetched with the list; only
keys whose window holds the list's `iat`): the JWS profile, the claims schema, `iss` = the
App Manager's id, and the times (`iat` not in the future, not expired, `exp − iat` ≤
`SCHEME_MAX_LIFETIME_S`). Refusals raise `RevocationListError` with an
`intrekkingenlijst/...` code.

`RevocationCollector.collect(now)` fetches every list (`GET <api_url>/intrekkingen`, with
its own timeout and `If-None-Match`) and returns the revoked jtis per App Manager. When a
list cannot be fetched or is refused, the last list accepted from that App Manager stays
in force: an unreachable App Manager never un-revokes a certificate. Nor does a replayed
one: a list whose `iat` is older than the list held is refused
(`intrekkingenlijst/teruggedraaid`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from reference_impl.common.errors import TokenError
from reference_impl.common.jose import (
    CLOCK_SKEW_S,
    SCHEME_MAX_LIFETIME_S,
    check_claims_schema,
    verify,
)
from reference_impl.common.scheme import key_signing_failure
from reference_impl.scheme.description import SchemeDescription
from reference_impl.scheme.errors import RevocationListError

TYP = "intrekkingenlijst+jwt"
PREFIX = "intrekkingenlijst"
MEDIA_TYPE = "application/jose"
FETCH_TIMEOUT_S = 10.0

log = logging.getLogger(__name__)


def verify_revocation_list(token: str, manager: dict[str, Any], now: int) -> frozenset[str]:
    """The revoked jtis of a valid list signed by `manager`; else `RevocationListError`."""
    return frozenset(_verified_claims(token, manager, now)["ingetrokken"])


def _verified_claims(token: str, manager: dict[str, Any], now: int) -> dict[str, Any]:
    try:
        claims = verify(token, typ=TYP, prefix=PREFIX,
                        keys_for=lambda _h, c: _keys_at(manager, c.get("iat")))
        check_claims_schema(claims, "intrekkingenlijst", prefix=PREFIX)
    except TokenError as exc:
        raise RevocationListError(exc.code, exc.detail) from exc
    if claims["iss"] != manager["id"]:
        raise RevocationListError(f"{PREFIX}/uitgever-onbekend", "iss is not this App Manager")
    if claims["iat"] - CLOCK_SKEW_S > now:
        raise RevocationListError(f"{PREFIX}/nog-niet-geldig", "iat lies in the future")
    if now > claims["exp"] + CLOCK_SKEW_S:
        raise RevocationListError(f"{PREFIX}/verlopen", "the revocation list has expired")
    if claims["exp"] - claims["iat"] > SCHEME_MAX_LIFETIME_S:
        raise RevocationListError(f"{PREFIX}/looptijd-te-lang", "exp - iat exceeds 86400 s")
    return claims


def _keys_at(manager: dict[str, Any], iat: Any) -> list[dict[str, Any]]:
    """The manager's keys that may have signed at the list's (unverified) `iat`; the
    signature then covers that `iat`."""
    at = iat if isinstance(iat, int) and not isinstance(iat, bool) else -1
    return [e["jwk"] for e in manager["sleutels"] if key_signing_failure(e, at) is None]


@dataclass
class _Pulled:
    jtis: frozenset[str]
    etag: str | None
    token: str
    iat: int


@dataclass
class RevocationCollector:
    """Keeps the last accepted revocation list of every App Manager of a description.

    `client` is the httpx client to fetch with (tests pass one over an ASGI transport);
    by default a fresh client with `timeout_s` is used per collection.
    """

    description: SchemeDescription
    client: httpx.AsyncClient | None = None
    timeout_s: float = FETCH_TIMEOUT_S
    _pulled: dict[str, _Pulled] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def revoked(self) -> frozenset[str]:
        """Every jti on the last accepted list of any App Manager."""
        return frozenset().union(*(p.jtis for p in self._pulled.values()))

    async def collect(self, now: int) -> frozenset[str]:
        """Fetch every list now; returns `revoked()` afterwards."""
        urls = self.description.revocation_list_urls()
        if not urls:
            return self.revoked()
        if self.client is not None:
            await self._collect_with(self.client, urls, now)
        else:
            async with httpx.AsyncClient(timeout=self.timeout_s) as client:
                await self._collect_with(client, urls, now)
        return self.revoked()

    async def _collect_with(self, client: httpx.AsyncClient, urls: dict[str, str],
                            now: int) -> None:
        for manager_id, url in urls.items():
            try:
                await self._pull(client, manager_id, url, now)
                self.failures.pop(manager_id, None)
            except RevocationListError as exc:
                self.failures[manager_id] = exc.code
                log.warning("revocation list of %s not taken over: %s", manager_id, exc)

    async def _pull(self, client: httpx.AsyncClient, manager_id: str, url: str,
                    now: int) -> None:
        manager = self.description.app_manager(manager_id)
        if manager is None:  # pragma: no cover - urls come from the same description
            return
        previous = self._pulled.get(manager_id)
        headers = {"Accept": MEDIA_TYPE}
        if previous is not None and previous.etag:
            headers["If-None-Match"] = previous.etag
        try:
            response = await client.get(url, headers=headers, timeout=self.timeout_s)
        except httpx.HTTPError as exc:
            raise RevocationListError(f"{PREFIX}/onbereikbaar", f"{url}: {exc}") from exc
        if response.status_code == 304 and previous is not None:
            # Unchanged, but it must still be in date: re-check the list we hold.
            verify_revocation_list(previous.token, manager, now)
            return
        if response.status_code != 200:
            raise RevocationListError(f"{PREFIX}/onbereikbaar",
                                      f"{url} answered {response.status_code}")
        token = response.text.strip()
        claims = _verified_claims(token, manager, now)
        # A list older than the one held may be a replay: taking it over would drop a
        # revocation made since, before the certificate expires (trust model §7.2, 1).
        if previous is not None and claims["iat"] < previous.iat:
            raise RevocationListError(f"{PREFIX}/teruggedraaid",
                                      "iat is older than the list already accepted")
        self._pulled[manager_id] = _Pulled(frozenset(claims["ingetrokken"]),
                                           response.headers.get("ETag"), token, claims["iat"])
