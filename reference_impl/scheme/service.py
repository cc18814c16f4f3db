"""The scheme service's state: the current signed scheme document.

`SchemeService.refresh()` pulls the App Managers' revocation lists and signs a new
document when there is none yet, when the set of revoked certificates changed (at once: the
publication bound `STELSEL_PUBLICATIE_TERMIJN_S` is met by the pull interval, at most
`INTREKKINGEN_OPHAAL_INTERVAL_S`), or when the current one has run through
`RESIGN_AFTER_FRACTION` of its lifetime (so a cached document is always still valid).
Every new document gets a higher `volgnummer` (`next_volgnummer`); the highest one is
persisted in `state_dir` so a restart never goes back, and the document itself is written
beside it (`stelseldocument.jwt`) for consumers that read a file.

With a `certification` requirement (spec/certificering.md §7), every signing lists an
`actief` organisation without a verifying certification result as `opgeschort` instead, and
a change in that set is itself a reason to sign a new document.

`run(poll_interval_s)` calls `refresh()` forever; the HTTP app starts it in its lifespan.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey

from reference_impl.common.constants import INTREKKINGEN_OPHAAL_INTERVAL_S
from reference_impl.scheme.certification import CertificationRequirement
from reference_impl.scheme.description import SchemeDescription
from reference_impl.scheme.revocations import RevocationCollector
from reference_impl.scheme.signing import next_volgnummer, sign_scheme

RESIGN_AFTER_FRACTION = 0.5
DEFAULT_POLL_INTERVAL_S = float(INTREKKINGEN_OPHAAL_INTERVAL_S)
VOLGNUMMER_FILE = "volgnummer"
DOCUMENT_FILE = "stelseldocument.jwt"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """A signed scheme document as served: the bytes, their strong ETag and the claims."""

    token: str
    claims: dict[str, Any]

    @property
    def body(self) -> bytes:
        return self.token.encode("ascii")

    @property
    def etag(self) -> str:
        """A strong ETag: a hash of the exact bytes served."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


class SchemeService:
    """Signs, re-signs and holds the current scheme document."""

    def __init__(
        self,
        description: SchemeDescription,
        key: ECKey,
        *,
        collector: RevocationCollector | None = None,
        state_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        certification: CertificationRequirement | None = None,
    ) -> None:
        self.description = description
        self.certification = certification
        self._suspended: dict[str, str] | None = None
        self.key = key
        self.collector = collector or RevocationCollector(description)
        self.state_dir = state_dir
        self.clock = clock
        self._current: Published | None = None
        self._revoked: frozenset[str] | None = None
        self._lock = asyncio.Lock()

    @property
    def current(self) -> Published | None:
        return self._current

    async def document(self) -> Published:
        """The current document, signing the first one if there is none yet."""
        if self._current is None:
            await self.refresh()
        if self._current is None:  # pragma: no cover - refresh signs when there is none
            raise RuntimeError("no scheme document was signed")
        return self._current

    async def refresh(self) -> bool:
        """Pull revocations and re-sign when needed; True when a new document was signed."""
        async with self._lock:
            now = int(self.clock())
            revoked = await self.collector.collect(now)
            listed, suspended = self._listing(now)
            if not self._needs_signing(now, revoked) and suspended == self._suspended:
                return False
            self._sign(now, revoked, listed)
            self._suspended = suspended
            return True

    def _listing(self, now: int) -> tuple[SchemeDescription, dict[str, str]]:
        """The description as it may be signed now, and the organisations held back."""
        if self.certification is None:
            return self.description, {}
        listed, suspended = self.certification.listing(self.description, now)
        if suspended != self._suspended:
            for oin, reason in suspended.items():
                log.warning("organisation %s listed opgeschort: %s", oin, reason)
        return listed, suspended

    def _needs_signing(self, now: int, revoked: frozenset[str]) -> bool:
        current = self._current
        if current is None or revoked != self._revoked:
            return True
        lifetime = current.claims["exp"] - current.claims["iat"]
        return now >= current.claims["iat"] + lifetime * RESIGN_AFTER_FRACTION

    def _sign(self, now: int, revoked: frozenset[str], description: SchemeDescription) -> None:
        previous = max(self._persisted_volgnummer(),
                       self._current.claims["volgnummer"] if self._current else 0)
        claims = description.claims(
            now=now, volgnummer=next_volgnummer(now, previous), revoked=revoked)
        published = Published(sign_scheme(claims, self.key), claims)
        self._persist(published)
        self._current, self._revoked = published, revoked
        log.info("signed scheme document volgnummer %d (%d revoked certificates)",
                 claims["volgnummer"], len(claims["ingetrokken_certificaten"]))

    def _persisted_volgnummer(self) -> int:
        if self.state_dir is None:
            return 0
        try:
            return int((self.state_dir / VOLGNUMMER_FILE).read_text(encoding="ascii").strip())
        except (FileNotFoundError, ValueError):
            return 0

    def _persist(self, published: Published) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        for name, text in ((VOLGNUMMER_FILE, str(published.claims["volgnummer"])),
                           (DOCUMENT_FILE, published.token)):
            temporary = self.state_dir / f"{name}.tmp"
            temporary.write_text(text + "\n", encoding="ascii")
            os.replace(temporary, self.state_dir / name)

    async def run(self, poll_interval_s: float = DEFAULT_POLL_INTERVAL_S) -> None:
        """Refresh every `poll_interval_s` until cancelled; a failed round is logged."""
        while True:
            try:
                await self.refresh()
            except Exception:  # keep serving the last document; the next round retries
                log.exception("scheme refresh failed")
            await asyncio.sleep(poll_interval_s)
