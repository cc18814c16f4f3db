"""The scheme operator's certification requirement (spec/certificering.md §7).

Configured (`certificering:` in the scheme service's configuration), the operator lists an
organisation `actief` only while it holds a certification result (`certificeringsresultaat+jwt`)
for it that verifies against the pinned certifier key set, names the organisation's OIN as a
source and covers every service of its `diensten`:

    certificering:
      sleutels: keys/certificeerders.jwks   # the certifier key set (public JWKs), pinned
      resultaten: certificeringen           # one file per organisation: <oin>.jwt

- `verify_certification(token, keys, now=, oin=, diensten=)`: the verification order of
  spec/certificering.md §5 → the claims, or `CertificationError` with its
  `certificering/...` code. The reference's own verifier: no code shared with conformance/.
- `CertificationRequirement.listing(description, now)`: the description with every `actief`
  organisation that lacks a verifying result set to `opgeschort` (re-read at every signing,
  so a new result takes effect at the next document and an expired one drops out). The
  service logs one line per organisation it holds back, naming it and the reason. It does
  not refuse to start for a missing or expired result: one organisation's lapsed
  certification must not take the scheme document of all the others down with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.common.errors import ConfigError, KeyFileError, TokenError
from reference_impl.common.jose import (
    CLOCK_SKEW_S,
    check_claims_schema,
    load_public_jwks,
    verify,
)
from reference_impl.common.settings import reject_unknown
from reference_impl.common.versions import MAJOR
from reference_impl.scheme.description import SchemeDescription
from reference_impl.scheme.errors import CertificationError

TYP = "certificeringsresultaat+jwt"
PREFIX = "certificering"
SCHEMA = "certificeringsresultaat"
MAX_VALIDITY_S = 31536000  # CERTIFICERING_MAX_GELDIGHEID_S
RESULT_SUFFIX = ".jwt"
KNOWN_KEYS = frozenset({"sleutels", "resultaten"})
MAX_RESULT_BYTES = 16384  # a result is about 1 kB; anything far larger is not one


def verify_certification(token: str, keys: list[dict[str, Any]], *, now: int,
                         oin: str | None = None, diensten: tuple[str, ...] = (),
                         major: int = MAJOR) -> dict[str, Any]:
    """The claims of a result that verifies (for `oin`'s listing when given)."""
    try:
        claims = verify(token, typ=TYP, prefix=PREFIX, keys_for=lambda _h, _c: keys)
        version = claims.get("standaardversie")
        if isinstance(version, str) and version.split(".")[0] != str(major):
            raise CertificationError(f"{PREFIX}/versie-niet-ondersteund",
                                     f"standaardversie {version} hoort niet bij major {major}")
        check_claims_schema(claims, SCHEMA, prefix=PREFIX)
    except TokenError as exc:
        raise CertificationError(exc.code, exc.detail) from exc
    if claims["iat"] - CLOCK_SKEW_S > now:
        raise CertificationError(f"{PREFIX}/nog-niet-geldig", "iat ligt in de toekomst")
    if now > claims["exp"] + CLOCK_SKEW_S:
        raise CertificationError(f"{PREFIX}/verlopen", "de certificering is verlopen")
    if claims["exp"] - claims["iat"] > MAX_VALIDITY_S:
        raise CertificationError(f"{PREFIX}/looptijd-te-lang",
                                 f"exp - iat is meer dan {MAX_VALIDITY_S} s")
    if oin is not None:
        if claims["actor"] != "bron" or claims.get("oin") != oin:
            raise CertificationError(f"{PREFIX}/verkeerde-organisatie",
                                     f"certificeert niet de bron {oin}")
        missing = sorted(set(diensten) - set(claims["diensten"]))
        if missing:
            raise CertificationError(f"{PREFIX}/dienst-niet-gecertificeerd",
                                     f"niet gecertificeerd voor {', '.join(missing)}")
    return claims


@dataclass(frozen=True)
class CertificationRequirement:
    """The certifier key set and the directory of results (`<oin>.jwt`)."""

    keys: tuple[dict[str, Any], ...]
    results_dir: Path

    def failure(self, organisation: dict[str, Any], now: int) -> str | None:
        """Why `organisation` may not be listed `actief` now (`code: detail`), or None."""
        oin = organisation["oin"]
        path = self.results_dir / f"{oin}{RESULT_SUFFIX}"
        try:
            raw = path.read_bytes()
        except OSError:
            return f"geen certificeringsresultaat {path.name}"
        token = raw.decode("ascii", errors="replace").strip()
        if len(raw) > MAX_RESULT_BYTES or not token.isascii():
            return f"{PREFIX}/ongeldig-formaat: {path.name} is geen compacte JWS"
        try:
            verify_certification(token, list(self.keys), now=now, oin=oin,
                                 diensten=tuple(organisation.get("diensten", ())))
        except CertificationError as exc:
            return str(exc)
        return None

    def listing(self, description: SchemeDescription, now: int
                ) -> tuple[SchemeDescription, dict[str, str]]:
        """The description as it may be signed now, and `{oin: reason}` of each organisation
        set from `actief` to `opgeschort` for want of a verifying result."""
        suspended: dict[str, str] = {}
        organisations = []
        for organisation in description.organisaties:
            reason = self.failure(organisation, now) if organisation["status"] == "actief" \
                else None
            if reason is not None:
                suspended[organisation["oin"]] = reason
                organisation = {**organisation, "status": "opgeschort"}
            organisations.append(organisation)
        return dataclasses.replace(description, organisaties=tuple(organisations)), suspended


def requirement_from_mapping(value: Any, base: Path) -> CertificationRequirement:
    """Check the `certificering:` block of the configuration; `ConfigError` names the key."""
    if not isinstance(value, dict):
        raise ConfigError("certificering", value,
                          "moet een mapping met sleutels en resultaten zijn")
    reject_unknown("certificering.", value, KNOWN_KEYS)
    for key in sorted(KNOWN_KEYS):
        if not isinstance(value.get(key), str) or not value[key]:
            raise ConfigError(f"certificering.{key}", value.get(key), "verplicht: een pad")
    try:
        keys = load_public_jwks(base / value["sleutels"])
    except KeyFileError as exc:
        raise ConfigError("certificering.sleutels", value["sleutels"], str(exc)) from exc
    results_dir = base / value["resultaten"]
    if not results_dir.is_dir():
        raise ConfigError("certificering.resultaten", value["resultaten"], "map bestaat niet")
    return CertificationRequirement(tuple(keys), results_dir)
