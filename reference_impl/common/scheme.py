"""The scheme document (stelseldocument, format 2): verifying it and keeping a current one.

`SchemeVerifier` checks a `stelsel-v2+jwt` against the **pinned key set** (1..5 operator
keys) and environment in the order of spec/trust-model.md §3.1 — JWS profile, `versie`
major, schema and code-checked rules, times, environment — and persists the highest accepted
`volgnummer` (rollback protection). `SchemeSource` loads the document from an http(s) URL or
a file, refreshes it every `refresh_s` (at most `STELSEL_VERVERS_INTERVAL_S`), and keeps the
last good one until it expires when a newer one cannot be fetched or fails verification.
`Scheme` answers the questions verifiers ask of it: which organisation has this OIN or this
`api_url`, which key entry has this `kid`, which App Manager keys may have signed at a time,
is this certificate revoked.

A **key entry** is `{jwk, geldig_vanaf, geldig_tot?, ingetrokken_op?}`: the key may sign from
`geldig_vanaf` to `geldig_tot`; whatever it signed at or after `ingetrokken_op` is refused.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import httpx

from reference_impl.common.constants import (
    CLOCK_SKEW_S,
    PINNED_SCHEME_KEYS_MAX,
    SCHEME_MAX_LIFETIME_S,
    STELSEL_VERVERS_INTERVAL_S,
)
from reference_impl.common.errors import SchemeUnavailable, StateFileError, TokenError
from reference_impl.common.jose import check_claims_schema, dutch_reason, thumbprint, verify
from reference_impl.common.versions import MAJOR, major_of

TYP = f"stelsel-v{MAJOR}+jwt"
PREFIX = "stelsel"
SCHEME_REFRESH_S = STELSEL_VERVERS_INTERVAL_S
SCHEME_RETRY_S = 10.0  # how soon to try again while no valid document is held
SCHEME_FETCH_TIMEOUT_S = 10.0
MEDIA_TYPE = "application/jose"
ACTIVE = "actief"

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
    """Keeps the highest volgnummer in a small text file, so it survives a restart.

    Fails closed (/app/volgnummer-bewaard, /stelsel/volgnummer-bewaard): only a missing
    file means "nothing accepted yet"; a file that cannot be read or holds anything but
    one decimal number is a `StateFileError`, never 0, and is never overwritten.
    """

    path: Path

    def highest(self) -> int:
        try:
            text = self.path.read_text(encoding="ascii")
        except FileNotFoundError:
            return 0
        except (OSError, UnicodeDecodeError) as exc:
            raise StateFileError(f"kan {self.path} (hoogste volgnummer) niet lezen: "
                                 f"{dutch_reason(exc)}") from exc
        number = text.removesuffix("\n")
        if not _VOLGNUMMER_TEXT.fullmatch(number):
            raise StateFileError(f"{self.path} (hoogste volgnummer) is beschadigd: het "
                                 "bevat geen getal; herstel of verwijder het bewust")
        return int(number)

    def remember(self, volgnummer: int) -> None:
        if volgnummer <= self.highest():
            return
        temporary = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with temporary.open("w", encoding="ascii") as handle:
                handle.write(f"{volgnummer}\n")
                handle.flush()
                os.fsync(handle.fileno())  # so a crash cannot leave an empty file behind
            os.replace(temporary, self.path)
        except OSError as exc:
            raise StateFileError(f"kan {self.path} (hoogste volgnummer) niet schrijven: "
                                 f"{_write_reason(exc)}") from exc


_VOLGNUMMER_TEXT = re.compile(r"[0-9]{1,20}")  # ASCII digits only; the schema allows 16


def _write_reason(exc: OSError) -> str:
    """Why a file cannot be written, in Dutch (`dutch_reason` words it for reading)."""
    if isinstance(exc, PermissionError):
        return "geen schrijfrechten"
    if isinstance(exc, (FileNotFoundError, FileExistsError, NotADirectoryError)):
        return "de map bestaat niet en kan niet worden gemaakt"
    return f"schrijffout ({exc.strerror or type(exc).__name__})"


# --- key entries --------------------------------------------------------------------------


def key_entry(jwk: dict[str, Any], geldig_vanaf: int, geldig_tot: int | None = None,
              ingetrokken_op: int | None = None) -> dict[str, Any]:
    """A scheme key entry for `jwk` (what a scheme operator lists)."""
    entry: dict[str, Any] = {"jwk": dict(jwk), "geldig_vanaf": int(geldig_vanaf)}
    if geldig_tot is not None:
        entry["geldig_tot"] = int(geldig_tot)
    if ingetrokken_op is not None:
        entry["ingetrokken_op"] = int(ingetrokken_op)
    return entry


def key_signing_failure(entry: dict[str, Any], at: float) -> str | None:
    """Why the key of `entry` may not have signed at `at`, or None when it may.

    `sleutel-niet-geldig`: `at` is outside `geldig_vanaf − skew` .. `geldig_tot + skew`;
    `sleutel-ingetrokken`: `at` ≥ `ingetrokken_op` (no skew: a compromised key gets none).
    """
    if at < entry["geldig_vanaf"] - CLOCK_SKEW_S:
        return "sleutel-niet-geldig"
    if "geldig_tot" in entry and at > entry["geldig_tot"] + CLOCK_SKEW_S:
        return "sleutel-niet-geldig"
    if "ingetrokken_op" in entry and at >= entry["ingetrokken_op"]:
        return "sleutel-ingetrokken"
    return None


def entry_jwks(participant: dict[str, Any]) -> list[dict[str, Any]]:
    """The public JWKs of an organisation's or App Manager's key entries."""
    return [e["jwk"] for e in participant.get("sleutels", []) if isinstance(e, dict)
            and isinstance(e.get("jwk"), dict)]


def organisations_by_oin(scheme_payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The scheme's organisations by OIN (the first of a repeated OIN, as a scan finds)."""
    found: dict[str, dict[str, Any]] = {}
    for organisation in scheme_payload.get("organisaties", []):
        oin = organisation.get("oin") if isinstance(organisation, dict) else None
        if isinstance(oin, str):
            found.setdefault(oin, organisation)
    return found


@dataclass(frozen=True)
class Scheme:
    """A verified scheme document: its claims and the compact token they came from."""

    payload: dict[str, Any]
    token: str
    etag: str | None = None

    @property
    def exp(self) -> int:
        return int(self.payload["exp"])

    @cached_property
    def by_oin(self) -> dict[str, dict[str, Any]]:
        """`organisations_by_oin(payload)`, made once per (immutable) scheme document: a
        verifier of 400 envelopes finds each source without scanning 400 organisations."""
        return organisations_by_oin(self.payload)

    def organisation(self, oin: str) -> dict[str, Any] | None:
        """The organisation entry with this OIN, or None."""
        return next((o for o in self.payload["organisaties"] if o["oin"] == oin), None)

    def endpoint(self, api_url: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """`(organisation, endpoint)` whose `api_url` is exactly `api_url`, or None."""
        for organisation in self.payload["organisaties"]:
            for endpoint in organisation["eindpunten"]:
                if endpoint["api_url"] == api_url:
                    return organisation, endpoint
        return None

    def api_url(self, oin: str, major: int = MAJOR) -> str | None:
        """The `api_url` at which organisation `oin` serves `major`, or None."""
        organisation = self.organisation(oin)
        if organisation is None:
            return None
        return next((e["api_url"] for e in organisation["eindpunten"] if e["major"] == major),
                    None)

    @staticmethod
    def key_entry(participant: dict[str, Any], kid: str) -> dict[str, Any] | None:
        """The key entry of an organisation or App Manager whose key has thumbprint `kid`."""
        for entry in participant.get("sleutels", []):
            if thumbprint(entry["jwk"]) == kid:
                return entry
        return None

    def app_manager(self, manager_id: str) -> dict[str, Any] | None:
        """The App Manager entry with this id (any status), or None."""
        return next((m for m in self.payload["app_managers"] if m["id"] == manager_id), None)

    def trusted_app_manager(self, manager_id: str) -> dict[str, Any] | None:
        """The App Manager with this id if it may issue certificates (`status: actief`)."""
        manager = self.app_manager(manager_id)
        return manager if manager is not None and manager["status"] == ACTIVE else None

    def app_manager_keys(self, manager_id: str, at: int) -> list[dict[str, Any]]:
        """The JWKs of an active App Manager that may have signed at `at` (a certificate's
        `iat`): outside its window or at/after its revocation a key is not offered."""
        manager = self.trusted_app_manager(manager_id)
        if manager is None:
            return []
        return [e["jwk"] for e in manager["sleutels"] if key_signing_failure(e, at) is None]

    def is_revoked(self, jti: str) -> bool:
        """True when a certificate `jti` is in `ingetrokken_certificaten`."""
        return jti in self.payload["ingetrokken_certificaten"]


def _pinned_set(pinned: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = [pinned] if isinstance(pinned, dict) else list(pinned)
    if not 1 <= len(keys) <= PINNED_SCHEME_KEYS_MAX:
        raise ValueError(f"pin 1 tot {PINNED_SCHEME_KEYS_MAX} stelselsleutels, niet {len(keys)}")
    return keys


@dataclass
class SchemeVerifier:
    """Verifies scheme documents against a pinned key set and environment (trust model §3.1).

    `pinned_keys` is one public JWK (the 1.0 configuration: a set of one) or a list of 1..5.
    """

    pinned_keys: dict[str, Any] | list[dict[str, Any]]
    omgeving: str
    state: VolgnummerStore = field(default_factory=MemoryVolgnummer)

    def __post_init__(self) -> None:
        self.pinned_keys = _pinned_set(self.pinned_keys)

    def verify(self, token: Any, *, now: int | None = None) -> dict[str, Any]:
        """The claims of `token` if it passes every step; else `TokenError(stelsel/...)`."""
        now = int(time.time()) if now is None else now
        pinned = list(self.pinned_keys)
        claims = verify(token, typ=TYP, prefix=PREFIX, keys_for=lambda _h, _c: pinned)
        versie = claims.get("versie")
        if not isinstance(versie, str):  # absent or not a string: not a format-2 document
            raise TokenError(f"{PREFIX}/claims-ongeldig", "versie ontbreekt of is geen tekst")
        if major_of(versie) != MAJOR:
            raise TokenError(f"{PREFIX}/versie-niet-ondersteund",
                             f"versie is geen stelselformaat {MAJOR}.x")
        check_claims_schema(claims, "stelseldocument", prefix=PREFIX)
        check_scheme_rules(claims)
        if claims["iat"] - CLOCK_SKEW_S > now:
            raise TokenError(f"{PREFIX}/nog-niet-geldig", "iat ligt in de toekomst")
        if now > claims["exp"] + CLOCK_SKEW_S:
            raise TokenError(f"{PREFIX}/verlopen", "het stelseldocument is verlopen")
        if claims["exp"] - claims["iat"] > SCHEME_MAX_LIFETIME_S:
            raise TokenError(f"{PREFIX}/looptijd-te-lang", "exp - iat is meer dan 86400 s")
        if claims["omgeving"] != self.omgeving:
            raise TokenError(f"{PREFIX}/verkeerde-omgeving", f"verwacht {self.omgeving!r}")
        if claims["volgnummer"] < self.state.highest():
            raise TokenError(f"{PREFIX}/volgnummer-teruggedraaid", "volgnummer is lager dan eerder")
        self.state.remember(claims["volgnummer"])
        return claims


def check_scheme_rules(claims: dict[str, Any]) -> None:
    """The code-checked rules of a schema-valid scheme document (→ `stelsel/claims-ongeldig`):
    a listed `jwk.kid` is its thumbprint; every `api_url` is unique across the document;
    an organisation lists at most one endpoint per major."""
    def refuse(why: str) -> TokenError:
        return TokenError(f"{PREFIX}/claims-ongeldig", why)

    participants = [*claims["organisaties"], *claims["app_managers"]]
    for participant in participants:
        for entry in participant["sleutels"]:
            jwk = entry["jwk"]
            if "kid" in jwk and jwk["kid"] != thumbprint(jwk):
                raise refuse("een gepubliceerde kid is niet de vingerafdruk van zijn sleutel")
    urls = [e["api_url"] for o in claims["organisaties"] for e in o["eindpunten"]]
    urls += [m["api_url"] for m in claims["app_managers"] if "api_url" in m]
    if len(set(urls)) != len(urls):
        raise refuse("een api_url komt meer dan eens voor")
    for organisation in claims["organisaties"]:
        majors = [e["major"] for e in organisation["eindpunten"]]
        if len(set(majors)) != len(majors):
            raise refuse("een organisatie noemt twee eindpunten voor één major")


def _fetch_reason(exc: httpx.HTTPError) -> str:
    """Why a fetch failed, in Dutch (httpx words it in English)."""
    if isinstance(exc, httpx.TimeoutException):
        return "geen antwoord op tijd"
    if isinstance(exc, httpx.ConnectError):
        return "geen verbinding"
    return f"HTTP-fout ({type(exc).__name__})"


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
        retry_s: float = SCHEME_RETRY_S,
        timeout_s: float = SCHEME_FETCH_TIMEOUT_S,
        clock: Callable[[], float] = time.time,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.location = str(location)
        self.transport = transport  # None: the network; tests pass an ASGI transport
        self.verifier = verifier
        self.refresh_s = refresh_s
        self.retry_s = min(retry_s, refresh_s)
        self.timeout_s = timeout_s
        self.clock = clock
        self._scheme: Scheme | None = None
        self._fetched_at = float("-inf")
        self._lock: asyncio.Lock | None = None

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    def _usable(self) -> bool:
        return self._scheme is not None and self.clock() <= self._scheme.exp + CLOCK_SKEW_S

    def _due(self) -> bool:
        # Without a usable document, try again soon rather than after a whole interval.
        interval = self.refresh_s if self._usable() else self.retry_s
        return self.clock() - self._fetched_at >= interval

    async def current(self) -> Scheme:
        """A verified, unexpired scheme document; `SchemeUnavailable` when there is none."""
        if self._due():
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if self._due():
                    await self._refresh_keeping_last_good()
        scheme = self._scheme
        if scheme is None:
            raise SchemeUnavailable(f"geen geldig stelseldocument van {self.location}")
        if not self._usable():
            raise SchemeUnavailable("het laatste geldige stelseldocument is verlopen")
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
            raise SchemeUnavailable(f"{self.location} antwoordde 304 op een eerste verzoek")
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
        except StateFileError as exc:
            # Without the highest volgnummer no new document is safe to accept (fail
            # closed); the last good one stays until it expires, then the source is 503.
            self._fetched_at = self.clock()
            log.error("scheme document not refreshed: %s", exc)

    async def _fetch(self, etag: str | None) -> tuple[str, str | None] | None:
        if not self.is_url:
            try:
                text = await asyncio.to_thread(Path(self.location).read_text, encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise SchemeUnavailable(
                    f"kan {self.location} niet lezen: {dutch_reason(exc)}") from exc
            return text.strip(), None
        headers = {"Accept": MEDIA_TYPE}
        if etag:
            headers["If-None-Match"] = etag
        try:
            async with httpx.AsyncClient(timeout=self.timeout_s,
                                         transport=self.transport) as client:
                response = await client.get(self.location, headers=headers)
        except httpx.HTTPError as exc:
            raise SchemeUnavailable(
                f"kan {self.location} niet ophalen: {_fetch_reason(exc)}") from exc
        if response.status_code == 304 and self._scheme is not None:
            return None
        if response.status_code != 200:
            raise SchemeUnavailable(f"{self.location} antwoordde {response.status_code}")
        return response.text.strip(), response.headers.get("ETag")
