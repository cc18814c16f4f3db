"""The scheme document of standard 2.0.0 (format 2, ``stelsel-v2+jwt``) as a verifier sees it:
the pinned key SET, the format's major version, the schema and the code-checked rules, the
times, the environment and rollback protection (trust-model §3.1, in that order)."""

from __future__ import annotations

import time
from typing import Any

from conformance.errors import JoseError
from conformance.jose import (
    CLOCK_SKEW_S,
    SCHEME_MAX_LIFETIME_S,
    TYP_SCHEME,
    thumbprint,
    verify,
)

SUPPORTED_MAJOR = 2


def major_of(version: Any) -> int | None:
    """The MAJOR of a wire version ``MAJOR.MINOR`` (None when it has none)."""
    if not isinstance(version, str):
        return None
    major, dot, _rest = version.partition(".")
    # "2.0.0" is of major 2 (then the schema refuses its form); only the major decides here
    return int(major) if dot and major.isdigit() and major.isascii() else None


def pinned_keys(pinned: dict[str, Any] | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pinned scheme key set as a list (one JWK, a list, or a JWKS ``{keys: [...]}``)."""
    if isinstance(pinned, dict):
        return list(pinned["keys"]) if isinstance(pinned.get("keys"), list) else [pinned]
    return list(pinned)


def verify_scheme(
    token: str,
    pinned: dict[str, Any] | list[dict[str, Any]],
    *,
    omgeving: str | None = None,
    now: int | None = None,
    last_volgnummer: int | None = None,
) -> dict[str, Any]:
    """Verify a scheme document with the pinned key set, in the order of §3.1; returns the
    payload. `omgeving` and `last_volgnummer` are checked when given (rollback protection
    needs the caller's memory of the highest number accepted)."""
    from conformance import specfiles  # local: keeps jose importable without the spec

    _head, claims = verify(token, pinned_keys(pinned), typ=TYP_SCHEME, prefix="stelsel")
    if not isinstance(claims.get("versie"), str):
        raise JoseError("stelsel/claims-ongeldig", "versie is missing")
    if major_of(claims.get("versie")) != SUPPORTED_MAJOR:
        raise JoseError("stelsel/versie-niet-ondersteund", f"versie {claims.get('versie')!r}")
    if not specfiles.validator("stelseldocument").is_valid(claims) or scheme_rule_violations(
        claims
    ):
        raise JoseError("stelsel/claims-ongeldig")
    moment = int(time.time()) if now is None else now
    iat, exp = claims["iat"], claims["exp"]
    if iat - CLOCK_SKEW_S > moment:
        raise JoseError("stelsel/nog-niet-geldig")
    if moment > exp + CLOCK_SKEW_S:
        raise JoseError("stelsel/verlopen")
    if exp - iat > SCHEME_MAX_LIFETIME_S:
        raise JoseError("stelsel/looptijd-te-lang")
    if omgeving is not None and claims.get("omgeving") != omgeving:
        raise JoseError("stelsel/verkeerde-omgeving", f"omgeving {claims.get('omgeving')!r}")
    if last_volgnummer is not None and claims["volgnummer"] < last_volgnummer:
        raise JoseError("stelsel/volgnummer-teruggedraaid")
    return claims


def scheme_rule_violations(claims: dict[str, Any]) -> list[str]:
    """The code-checked rules of a schema-valid scheme document (§3): a key entry's `kid` is
    its thumbprint, every `api_url` is unique, one endpoint per major per organisation."""
    found: list[str] = []
    urls: list[str] = []
    for party in [*claims["organisaties"], *claims["app_managers"]]:
        for entry in party["sleutels"]:
            jwk = entry["jwk"]
            if "kid" in jwk and jwk["kid"] != thumbprint(jwk):
                found.append("a key entry's kid is not its thumbprint")
        majors = [e["major"] for e in party.get("eindpunten", [])]
        if len(majors) != len(set(majors)):
            found.append(f"more than one endpoint per major in {party.get('oin')}")
        urls += [e["api_url"] for e in party.get("eindpunten", [])]
        urls += [party["api_url"]] if "api_url" in party else []
    if len(urls) != len(set(urls)):
        found.append("an api_url is listed twice")
    return found


def key_entries(organisation: dict[str, Any]) -> list[dict[str, Any]]:
    """The key entries of a scheme organisation (empty when malformed)."""
    entries = organisation.get("sleutels")
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


