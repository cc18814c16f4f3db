"""The scheme document as the app trusts it (spec/trust-model.md §3.1).

The app pins two things out of band: a SET of 1..5 scheme operator public keys (the
current signing key plus a next or backup key, so the anchor rotates without a flag day;
design §3) and the environment it expects (`productie` unless told otherwise).
`SchemeTrust.load()` fetches the format-2 scheme document (an http(s) URL or a file),
verifies it with `common.scheme.SchemeVerifier` — signature with a pinned key, format
major, claims and code-checked rules, times, environment, rollback — and returns the
verified `Scheme`. The highest accepted `volgnummer` is persisted in the app's state
directory, one file per pinned key (written for every key of the set, read as the highest
of them), so a rolled-back document is refused even after a restart and across a release
that pins {current, next} instead of {current}. Without a state directory the number is
kept in memory only.

Every refusal is a `TrustError` with the trust model's code (`stelsel/verlopen`,
`stelsel/volgnummer-teruggedraaid`, `stelsel/verkeerde-omgeving`, ...).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reference_impl.app.errors import SetupError, StateError, TrustError, file_problem
from reference_impl.app.http import call
from reference_impl.common.constants import PINNED_SCHEME_KEYS_MAX
from reference_impl.common.errors import KeyFileError, StateFileError, TokenError
from reference_impl.common.jose import load_public_jwks, thumbprint
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
    pinned_jwks: tuple[dict[str, Any], ...]
    omgeving: str = DEFAULT_OMGEVING

    @classmethod
    def from_key_file(
        cls, stelsel: str, key_file: str | Path | Sequence[str | Path], omgeving: str
    ) -> TrustAnchor:
        """An anchor pinning the keys of one or more files (each a JWK or a JWKS)."""
        files = [key_file] if isinstance(key_file, (str, Path)) else list(key_file)
        keys: dict[str, dict[str, Any]] = {}
        for path in files:
            try:
                keys.update((jwk["kid"], jwk) for jwk in load_public_jwks(path))
            except KeyFileError as exc:
                raise SetupError(f"--stelsel-sleutel: {_key_file_problem(path, exc)}") from exc
        if not 1 <= len(keys) <= PINNED_SCHEME_KEYS_MAX:
            raise SetupError(f"--stelsel-sleutel: pin 1 tot {PINNED_SCHEME_KEYS_MAX} sleutels, "
                             f"niet {len(keys)}")
        return cls(stelsel=stelsel, pinned_jwks=tuple(keys.values()), omgeving=omgeving)

    @property
    def is_url(self) -> bool:
        return self.stelsel.startswith(("http://", "https://"))


def _key_file_problem(path: str | Path, exc: KeyFileError) -> str:
    """Dutch words for a pinned key file that cannot be used (common's detail in brackets)."""
    if isinstance(exc.__cause__, OSError):
        return f"kan {path} niet lezen: {file_problem(exc.__cause__)}"
    return f"{path} is geen bruikbare publieke sleutel (JWK of JWKS) [{exc}]"


@dataclass
class PinnedSetVolgnummer:
    """The highest volgnummer, kept in one file per pinned key (see the module docstring)."""

    stores: list[FileVolgnummer]

    def highest(self) -> int:
        return max(store.highest() for store in self.stores)

    def remember(self, volgnummer: int) -> None:
        for store in self.stores:
            store.remember(volgnummer)


def volgnummer_store(anchor: TrustAnchor, state_dir: Path | None) -> VolgnummerStore:
    """Where the highest accepted volgnummer for this pinned key set is kept."""
    if state_dir is None:
        return MemoryVolgnummer()
    return PinnedSetVolgnummer([FileVolgnummer(state_dir / f"stelsel-volgnummer-{thumbprint(k)}")
                                for k in anchor.pinned_jwks])


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
            list(anchor.pinned_jwks), anchor.omgeving, store or volgnummer_store(anchor, state_dir))

    async def load(self, *, now: int | None = None) -> Scheme:
        """The verified scheme document; `TrustError` when refused, `Unreachable` when absent."""
        token = await self._fetch()
        return self.verify(token, now=now)

    def verify(self, token: str, *, now: int | None = None) -> Scheme:
        """Verify a compact `stelsel-v2+jwt` in the order of trust model §3.1."""
        try:
            payload = self.verifier.verify(token, now=int(time.time()) if now is None else now)
        except TokenError as refused:
            raise TrustError(refused.code, refused.detail) from refused
        except StateFileError as exc:  # the rollback guard cannot be trusted: stop
            raise StateError(str(exc)) from exc
        return Scheme(payload=payload, token=token)

    async def _fetch(self) -> str:
        if not self.anchor.is_url:
            try:
                text = await asyncio.to_thread(Path(self.anchor.stelsel).read_text, "ascii")
            except OSError as exc:
                raise SetupError(f"kan het stelseldocument {self.anchor.stelsel} niet lezen: "
                                 f"{file_problem(exc)}") from exc
            except UnicodeDecodeError as exc:
                raise SetupError(f"{self.anchor.stelsel} is geen stelseldocument (geen "
                                 "ASCII-tekst)") from exc
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
    raise SetupError("het stelsel noemt geen actieve App Manager met een api_url; "
                     "geef --app-manager-url op")


def app_manager_id_for(scheme: Scheme, api_url: str) -> str:
    """The id of the App Manager at `api_url` (needed as `aud` of the certificate request)."""
    wanted = api_url.rstrip("/")
    for manager in scheme.payload["app_managers"]:
        if manager.get("api_url", "").rstrip("/") == wanted and manager["status"] == ACTIVE:
            return manager["id"]
    actives = [m for m in scheme.payload["app_managers"] if m["status"] == ACTIVE]
    if len(actives) == 1:
        return actives[0]["id"]
    raise SetupError(f"de App Manager op {api_url} staat niet in het stelsel; "
                     "geef --app-manager-id op")
