"""The scheme document as the app trusts it (spec/trust-model.md §3.1).

The app pins two things out of band: the scheme operator's public key and the environment
it expects (`productie` unless told otherwise). `SchemeTrust.load()` fetches the scheme
document (an http(s) URL or a file), verifies it with `common.scheme.SchemeVerifier` —
signature with the pinned key, claims, times, environment, rollback — and returns the
verified `Scheme`. The highest accepted `volgnummer` is persisted in the app's state
directory, one file per pinned key, so a rolled-back document is refused even after a
restart. Without a state directory the number is kept in memory only.

Every refusal is a `TrustError` with the trust model's code (`stelsel/verlopen`,
`stelsel/volgnummer-teruggedraaid`, `stelsel/verkeerde-omgeving`, ...).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reference_impl.app.errors import SetupError, TrustError
from reference_impl.app.http import call
from reference_impl.common.errors import KeyFileError, TokenError
from reference_impl.common.jose import load_public_jwk, thumbprint
from reference_impl.common.scheme import (
    FileVolgnummer,
    MemoryVolgnummer,
    Scheme,
    SchemeVerifier,
    VolgnummerStore,
)

SCHEME_MEDIA_TYPE = "application/jose"
SCHEME_TIMEOUT_S = 10.0
DEFAULT_OMGEVING = "productie"
ACTIVE = "actief"


@dataclass(frozen=True)
class TrustAnchor:
    """Where the scheme document is, and what the app pins to verify it."""

    stelsel: str  # an http(s) URL or a file path
    pinned_jwk: dict[str, Any]
    omgeving: str = DEFAULT_OMGEVING

    @classmethod
    def from_key_file(cls, stelsel: str, key_file: str | Path, omgeving: str) -> TrustAnchor:
        """An anchor whose pinned key is read from a public JWK (or one-key JWKS) file."""
        try:
            jwk = load_public_jwk(key_file)
        except KeyFileError as exc:
            raise SetupError(f"--stelsel-sleutel: {exc}") from exc
        return cls(stelsel=stelsel, pinned_jwk=jwk, omgeving=omgeving)

    @property
    def is_url(self) -> bool:
        return self.stelsel.startswith(("http://", "https://"))


def volgnummer_store(anchor: TrustAnchor, state_dir: Path | None) -> VolgnummerStore:
    """Where the highest accepted volgnummer for this pinned key is kept."""
    if state_dir is None:
        return MemoryVolgnummer()
    return FileVolgnummer(state_dir / f"stelsel-volgnummer-{thumbprint(anchor.pinned_jwk)}")


class SchemeTrust:
    """Fetches and verifies the scheme document for the app."""

    def __init__(
        self,
        anchor: TrustAnchor,
        client: httpx.AsyncClient,
        *,
        state_dir: Path | None = None,
        store: VolgnummerStore | None = None,
    ) -> None:
        self.anchor = anchor
        self.client = client
        self.verifier = SchemeVerifier(
            anchor.pinned_jwk, anchor.omgeving, store or volgnummer_store(anchor, state_dir))

    async def load(self, *, now: int | None = None) -> Scheme:
        """The verified scheme document; `TrustError` when refused, `Unreachable` when absent."""
        token = await self._fetch()
        return self.verify(token, now=now)

    def verify(self, token: str, *, now: int | None = None) -> Scheme:
        """Verify a compact `stelsel+jwt` in the order of trust model §3.1."""
        try:
            payload = self.verifier.verify(token, now=int(time.time()) if now is None else now)
        except TokenError as refused:
            raise TrustError(refused.code, refused.detail) from refused
        return Scheme(payload=payload, token=token)

    async def _fetch(self) -> str:
        if not self.anchor.is_url:
            try:
                text = await asyncio.to_thread(Path(self.anchor.stelsel).read_text, "ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise SetupError(f"cannot read the scheme document {self.anchor.stelsel}: "
                                 f"{exc}") from exc
            return text.strip()
        response = await call(self.client, "GET", self.anchor.stelsel, expect=200,
                              headers={"Accept": SCHEME_MEDIA_TYPE}, timeout_s=SCHEME_TIMEOUT_S)
        return response.text.strip()


def active_organisations(scheme: Scheme) -> list[dict[str, Any]]:
    """The organisations the app contacts: every `status: actief` one, in scheme order."""
    return [o for o in scheme.payload["organisaties"] if o["status"] == ACTIVE]


def app_manager_url(scheme: Scheme, manager_id: str | None = None) -> tuple[str, str]:
    """`(id, api_url)` of an active App Manager that publishes its `api_url` in the scheme."""
    for manager in scheme.payload["app_managers"]:
        if manager["status"] != ACTIVE or "api_url" not in manager:
            continue
        if manager_id is None or manager["id"] == manager_id:
            return manager["id"], manager["api_url"]
    raise SetupError("the scheme names no active App Manager with an api_url; "
                     "give --app-manager-url")


def app_manager_id_for(scheme: Scheme, api_url: str) -> str:
    """The id of the App Manager at `api_url` (needed as `aud` of the certificate request)."""
    wanted = api_url.rstrip("/")
    for manager in scheme.payload["app_managers"]:
        if manager.get("api_url", "").rstrip("/") == wanted and manager["status"] == ACTIVE:
            return manager["id"]
    actives = [m for m in scheme.payload["app_managers"] if m["status"] == ACTIVE]
    if len(actives) == 1:
        return actives[0]["id"]
    raise SetupError(f"the App Manager at {api_url} is not in the scheme; give --app-manager-id")
