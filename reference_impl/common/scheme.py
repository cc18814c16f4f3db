"""The scheme document (stelseldocument): verifying it and keeping a current one.

`SchemeVerifier` checks a `stelsel+jwt` against the pinned key and environment in the
order of spec/trust-model.md §3.1 and persists the highest accepted `volgnummer`
(rollback protection). `SchemeSource` loads the document from an http(s) URL or a file,
refreshes it every `SCHEME_REFRESH_S`, and keeps the last good one until it expires when
a newer one cannot be fetched or fails verification. `Scheme` answers the questions
verifiers ask of it: which organisation has this OIN, which App Manager has this id, is
this certificate revoked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from reference_impl.common.errors import SchemeUnavailable, TokenError
from reference_impl.common.jose import (
    CLOCK_SKEW_S,
    SCHEME_MAX_LIFETIME_S,
    check_claims_schema,
    thumbprint,
    verify,
)

TYP = "stelsel+jwt"
PREFIX = "stelsel"
SCHEME_REFRESH_S = 300
SCHEME_FETCH_TIMEOUT_S = 10.0
MEDIA_TYPE = "application/jose"

log = logging.getLogger(__name__)


class VolgnummerStore(Protocol):
    """Where a verifier keeps the highest `volgnummer` it accepted."""

    def highest(self) -> int: ...

    def remember(self, volgnummer: int) -> None: ...


@dataclass
class MemoryVolgnummer:
    """Keeps the highest volgnummer in memory (tests; a process that always starts fresh)."""

    value: int = 0

    def highest(self) -> int:
        return self.value

    def remember(self, volgnummer: int) -> None:
        self.value = max(self.value, volgnummer)


@dataclass
class FileVolgnummer:
    """Keeps the highest volgnummer in a small text file, so it survives a restart."""

    path: Path

    def highest(self) -> int:
        try:
            return int(self.path.read_text(encoding="ascii").strip() or 0)
        except FileNotFoundError:
            return 0
        except ValueError:
            return 0

    def remember(self, volgnummer: int) -> None:
        if volgnummer <= self.highest():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(f"{volgnummer}\n", encoding="ascii")
        os.replace(temporary, self.path)


@dataclass(frozen=True)
class Scheme:
    """A verified scheme document: its claims and the compact token they came from."""

    payload: dict[str, Any]
    token: str
    etag: str | None = None

    @property
    def exp(self) -> int:
        return int(self.payload["exp"])

    def organisation(self, oin: str) -> dict[str, Any] | None:
        """The organisation entry with this OIN, or None."""
        return next((o for o in self.payload["organisaties"] if o["oin"] == oin), None)

    def app_manager(self, manager_id: str) -> dict[str, Any] | None:
        """The App Manager entry with this id (any status), or None."""
        return next((m for m in self.payload["app_managers"] if m["id"] == manager_id), None)

    def trusted_app_manager(self, manager_id: str) -> dict[str, Any] | None:
        """The App Manager with this id if it may issue certificates (`status: actief`)."""
        manager = self.app_manager(manager_id)
        return manager if manager is not None and manager["status"] == "actief" else None

    def is_revoked(self, jti: str) -> bool:
        """True when a certificate `jti` is in `ingetrokken_certificaten`."""
        return jti in self.payload["ingetrokken_certificaten"]


@dataclass
class SchemeVerifier:
    """Verifies scheme documents against a pinned key and environment (trust model §3.1)."""

    pinned_jwk: dict[str, Any]
    omgeving: str
    state: VolgnummerStore = field(default_factory=MemoryVolgnummer)

    def verify(self, token: Any, *, now: int | None = None) -> dict[str, Any]:
        """The claims of `token` if it passes every step; else `TokenError(stelsel/...)`."""
        now = int(time.time()) if now is None else now
        claims = verify(token, typ=TYP, prefix=PREFIX, keys_for=lambda _h, _c: [self.pinned_jwk])
        check_claims_schema(claims, "stelseldocument", prefix=PREFIX)
        _check_published_kids(claims)
        if claims["iat"] - CLOCK_SKEW_S > now:
            raise TokenError(f"{PREFIX}/nog-niet-geldig", "iat lies in the future")
        if now > claims["exp"] + CLOCK_SKEW_S:
            raise TokenError(f"{PREFIX}/verlopen", "the scheme document has expired")
        if claims["exp"] - claims["iat"] > SCHEME_MAX_LIFETIME_S:
            raise TokenError(f"{PREFIX}/looptijd-te-lang", "exp - iat exceeds 86400 s")
        if claims["omgeving"] != self.omgeving:
            raise TokenError(f"{PREFIX}/verkeerde-omgeving", f"expected {self.omgeving!r}")
        if claims["volgnummer"] < self.state.highest():
            raise TokenError(f"{PREFIX}/volgnummer-teruggedraaid", "volgnummer went down")
        self.state.remember(claims["volgnummer"])
        return claims


def _check_published_kids(claims: dict[str, Any]) -> None:
    """A published `kid` must be its key's RFC 7638 thumbprint (trust model §2)."""
    for entry in [*claims["organisaties"], *claims["app_managers"]]:
        for jwk in entry["sleutels"]["keys"]:
            if "kid" in jwk and jwk["kid"] != thumbprint(jwk):
                raise TokenError(f"{PREFIX}/claims-ongeldig", "a published kid is not a thumbprint")


class SchemeSource:
    """The current verified scheme document, loaded from a URL or a file and kept fresh.

    `await source.current()` returns a `Scheme`, fetching when none is held or the last
    fetch is `refresh_s` old. A failed fetch or verification keeps the previous document
    until `exp + CLOCK_SKEW_S`; after that `SchemeUnavailable` is raised.
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        verifier: SchemeVerifier,
        *,
        refresh_s: float = SCHEME_REFRESH_S,
        timeout_s: float = SCHEME_FETCH_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.location = str(location)
        self.transport = transport  # None: the network; tests pass an ASGI transport
        self.verifier = verifier
        self.refresh_s = refresh_s
        self.timeout_s = timeout_s
        self.clock = clock
        self._scheme: Scheme | None = None
        self._fetched_at = float("-inf")
        self._lock: asyncio.Lock | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    async def current(self) -> Scheme:
        """A verified, unexpired scheme document."""
        if self._scheme is None or self.clock() - self._fetched_at >= self.refresh_s:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if self._scheme is None or self.clock() - self._fetched_at >= self.refresh_s:
                    await self._refresh_keeping_last_good()
        scheme = self._scheme
        if scheme is None:
            raise SchemeUnavailable(f"no valid scheme document from {self.location}")
        if self.clock() > scheme.exp + CLOCK_SKEW_S:
            raise SchemeUnavailable("the last valid scheme document has expired")
        return scheme

    async def refresh(self) -> Scheme:
        """Fetch and verify now; raises `TokenError` or `SchemeUnavailable` on failure."""
        etag = self._scheme.etag if self._scheme is not None and self.is_url else None
        fetched = await self._fetch(etag)
        self._fetched_at = self.clock()
        if fetched is None and self._scheme is not None:  # 304: still check it is in date
            self.verifier.verify(self._scheme.token, now=int(self.clock()))
            return self._scheme
        if fetched is None:
            raise SchemeUnavailable(f"{self.location} answered 304 to a first request")
        token, new_etag = fetched
        payload = self.verifier.verify(token, now=int(self.clock()))
        self._scheme = Scheme(payload=payload, token=token, etag=new_etag)
        return self._scheme

    async def _refresh_keeping_last_good(self) -> None:
        try:
            await self.refresh()
        except (TokenError, SchemeUnavailable) as exc:
            self._fetched_at = self.clock()
            log.warning("scheme document refresh failed, keeping the last good one: %s", exc)

    async def _fetch(self, etag: str | None) -> tuple[str, str | None] | None:
        if not self.is_url:
            try:
                text = await asyncio.to_thread(Path(self.location).read_text, encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise SchemeUnavailable(f"cannot read {self.location}: {exc}") from exc
            return text.strip(), None
        headers = {"Accept": MEDIA_TYPE}
        if etag:
            headers["If-None-Match"] = etag
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s,
                                         transport=self.transport) as client:
                response = await client.get(self.location, headers=headers)
        except httpx.HTTPError as exc:
            raise SchemeUnavailable(f"cannot fetch {self.location}: {exc}") from exc
        if response.status_code == 304 and self._scheme is not None:
            return None
        if response.status_code != 200:
            raise SchemeUnavailable(f"{self.location} answered {response.status_code}")
        return response.text.strip(), response.headers.get("ETag")
