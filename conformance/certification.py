"""Certification results (spec/certificering.md): issuing one for a certification run, and
verifying one offline.

- `certification_problems(report, diensten)`: why a finished run is not a certification run
  (a waiver, an untested or failed MUST, a --check subset, an interrupted run, plain HTTP,
  an announced service or the actor without its profile); empty when it is one.
- `issue_result(report_bytes, key, ...)`: the certifier's signed `certificeringsresultaat+jwt`
  for such a run; for any other run a `UsageError`, one line naming every problem.
- `verify_result(signed, certifier_keys, ...)`: the verification order of
  spec/certificering.md §5 against the pinned certifier key set → `VerifiedCertification`;
  `CertificationInvalid` (a `UsageError`, one line with the problem code) when it does not
  verify. Nothing is fetched: a result verifies offline.

Independent of reference_impl (the scheme service has its own verifier); both are tested
against spec/vectors/certificering/.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance import jose, specfiles
from conformance.errors import JoseError, UsageError
from conformance.jose import CLOCK_SKEW_S, SigningKey
from conformance.model import Outcome, RunReport, Severity, Skip, Verdict

TYP = "certificeringsresultaat+jwt"
PREFIX = "certificering"
SCHEMA = "certificeringsresultaat"
MAX_VALIDITY_S = 31536000  # CERTIFICERING_MAX_GELDIGHEID_S: 365 days
DAY_S = 86400
OMGEVING = "acceptatie"  # a certification run is made against the acceptance environment
STANDARD_MAJOR = 2
MAX_CERTIFIER_KEYS = 5  # like the pinned scheme keys (PINNED_SCHEME_KEYS_MAX)
# The profile certifying each service (as conformance/profiles.py names them); kept here so
# that the reports, which import this module for the badge, do not import every check.
# The profile that certifies each other actor (conformance/<actor>/PROFILES).
ACTOR_PROFILE = {"app-manager": "app-manager", "stelsel": "stelsel", "app": "app"}
PROFILE_OF_DIENST = {"vorderingenoverzicht": "basis", "betalingsregelingen": "betalingsregelingen",
                     "pauzes": "pauzes", "hulpvragen": "hulpvragen"}


class CertificationInvalid(UsageError):
    """A certification result that does not verify; `code` is its `certificering/…` code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"certification result does not verify: {code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class VerifiedCertification:
    """The claims of a certification result that verified (names as in the schema, English)."""

    issuer: str
    jti: str
    actor: str
    oin: str
    api_url: str
    app: dict[str, str] | None
    standard_version: str
    suite_version: str
    omgeving: str
    profiles: tuple[str, ...]
    diensten: tuple[str, ...]
    verdict: str
    counts: dict[str, int]
    report_sha256: str
    issued_at: int
    geldig_tot: int
    kid: str

    @property
    def subject(self) -> str:
        """Who was certified, for one line of text."""
        if self.app:
            return f"app {self.app['naam']} {self.app['versie']}"
        return f"{self.actor} {self.oin} at {self.api_url}"

    @property
    def valid_until(self) -> str:
        """`geldig_tot` (a NumericDate) as a UTC date, `YYYY-MM-DD`, for people."""
        return datetime.fromtimestamp(self.geldig_tot, UTC).strftime("%Y-%m-%d")

    def matches_report(self, report_bytes: bytes) -> bool:
        """True when `report_bytes` are the exact report.json this result certifies."""
        return report_digest(report_bytes) == self.report_sha256

    def summary(self) -> str:
        return (f"certified: {self.subject}, standard {self.standard_version}, profiles "
                f"{', '.join(self.profiles)}, by {self.issuer}, valid until {self.valid_until}")


def report_digest(report_bytes: bytes) -> str:
    """BASE64URL(SHA-256(report.json bytes)): the `rapport_sha256` claim."""
    return jose.b64e(hashlib.sha256(report_bytes).digest())


# --- the certifier's key set ----------------------------------------------------------------


def certifier_key_list(certifier_keys: Any) -> list[dict[str, Any]]:
    """The pinned certifier keys as a list of public JWKs: accepts a list of JWKs, a JWKS
    (`{"keys": [...]}`), one JWK, or a path to a JSON file holding one of those."""
    if isinstance(certifier_keys, str | Path):
        path = Path(certifier_keys)
        try:
            certifier_keys = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read certifier keys {path}: {exc}") from exc
    if isinstance(certifier_keys, Mapping):
        certifier_keys = certifier_keys.get("keys", [certifier_keys])
    keys = list(certifier_keys) if isinstance(certifier_keys, Sequence) else []
    if not 1 <= len(keys) <= MAX_CERTIFIER_KEYS or not all(_public_ec_key(k) for k in keys):
        raise UsageError(f"certifier keys must be 1 to {MAX_CERTIFIER_KEYS} public EC P-256 "
                         "JWKs (a JWKS)")
    return [dict(k) for k in keys]


def _public_ec_key(jwk: Any) -> bool:
    return (isinstance(jwk, Mapping) and jwk.get("kty") == "EC" and jwk.get("crv") == "P-256"
            and isinstance(jwk.get("x"), str) and isinstance(jwk.get("y"), str)
            and "d" not in jwk)


# --- verifying ------------------------------------------------------------------------------


def verify_result(
    signed: str | bytes,
    certifier_keys: Any,
    *,
    now: int | None = None,
    oin: str | None = None,
    diensten: Iterable[str] | None = None,
    major: int = STANDARD_MAJOR,
) -> VerifiedCertification:
    """Verify a certification result offline (spec/certificering.md §5).

    `certifier_keys`: the pinned certifier key set (see `certifier_key_list`). With `oin`
    (and `diensten`), also check the result certifies that source organisation and covers
    every one of those services, as the scheme operator does before listing it `actief`.
    """
    try:
        token = signed.decode("ascii").strip() if isinstance(signed, bytes) else signed.strip()
    except UnicodeDecodeError:
        raise CertificationInvalid(f"{PREFIX}/ongeldig-formaat", "not ASCII text") from None
    keys = certifier_key_list(certifier_keys)
    try:
        header, claims = jose.verify(token, keys, typ=TYP, prefix=PREFIX)
    except JoseError as exc:
        detail = str(exc).removeprefix(exc.code).removeprefix(": ") or "the signature is invalid"
        raise CertificationInvalid(exc.code, detail) from None
    at = int(time.time()) if now is None else now
    _check_claims(claims, at, major)
    if oin is not None:
        _check_listing(claims, oin, tuple(diensten or ()))
    return VerifiedCertification(
        issuer=claims["iss"], jti=claims["jti"], actor=claims["actor"],
        oin=claims.get("oin", ""), api_url=claims.get("api_url", ""), app=claims.get("app"),
        standard_version=claims["standaardversie"], suite_version=claims["suiteversie"],
        omgeving=claims["omgeving"], profiles=tuple(claims["profielen"]),
        diensten=tuple(claims["diensten"]), verdict=claims["oordeel"],
        counts=dict(claims["aantallen"]), report_sha256=claims["rapport_sha256"],
        issued_at=claims["iat"], geldig_tot=claims["exp"], kid=header["kid"],
    )


def _check_claims(claims: dict[str, Any], now: int, major: int) -> None:
    version = claims.get("standaardversie")
    if isinstance(version, str) and version.split(".")[0] != str(major):
        raise CertificationInvalid(f"{PREFIX}/versie-niet-ondersteund",
                                   f"standaardversie {version} is not of major {major}")
    errors = sorted(specfiles.validator(SCHEMA).iter_errors(claims), key=lambda e: e.path)
    if errors:
        where = "/" + "/".join(str(p) for p in errors[0].absolute_path)
        raise CertificationInvalid(f"{PREFIX}/claims-ongeldig",
                                   f"{where}: {errors[0].message[:200]}")
    if claims["iat"] - CLOCK_SKEW_S > now:
        raise CertificationInvalid(f"{PREFIX}/nog-niet-geldig", "iat lies in the future")
    if now > claims["exp"] + CLOCK_SKEW_S:
        raise CertificationInvalid(f"{PREFIX}/verlopen", "the certification has expired")
    if claims["exp"] - claims["iat"] > MAX_VALIDITY_S:
        raise CertificationInvalid(f"{PREFIX}/looptijd-te-lang",
                                   f"exp - iat exceeds {MAX_VALIDITY_S} s")


def _check_listing(claims: dict[str, Any], oin: str, diensten: tuple[str, ...]) -> None:
    if claims["actor"] != "bron" or claims.get("oin") != oin:
        raise CertificationInvalid(f"{PREFIX}/verkeerde-organisatie",
                                   f"certifies {claims['actor']} {claims.get('oin', '-')}, "
                                   f"not source {oin}")
    missing = [d for d in diensten if d not in claims["diensten"]]
    if missing:
        raise CertificationInvalid(f"{PREFIX}/dienst-niet-gecertificeerd",
                                   f"not certified for {', '.join(missing)}")


# --- issuing --------------------------------------------------------------------------------


def certification_problems(report: RunReport, diensten: Iterable[str]) -> list[str]:
    """Why `report` is not a certification run (spec/certificering.md §3); empty when it is.

    The verdict is recomputed from the results, never taken from the file."""
    diensten = tuple(diensten)
    problems: list[str] = []
    if report.error:
        problems.append(f"the run could not run: {report.error}")
    if report.interrupted:
        problems.append("the run was interrupted")
    if report.selection:
        problems.append(f"a subset of checks was run (--check {', '.join(report.selection)})")
    if report.expected_failures:
        problems.append("an expected-failures file (waivers) was used")
    failed = [r.check for r in report.results if r.counts_against or r.waived]
    if failed:
        problems.append(f"{len(failed)} MUST checks failed ({_some(failed)})")
    if report.actor == "app":  # an app is certified only when every check passes (§3)
        warned = [r.check for r in report.results
                  if r.outcome is Outcome.FAILED and not r.counts_against and not r.waived]
        if warned:
            problems.append(f"{len(warned)} SHOULD checks of profile app failed "
                            f"({_some(warned)}); an app needs every check")
    untested = [r.check for r in report.results if r.untested_must]
    if untested:
        problems.append(f"{len(untested)} MUST checks were not tested ({_some(untested)}; "
                        "every slow check must run)")
    if report.actor != "app" and not report.target.startswith("https://"):
        problems.append(f"{report.target or 'the endpoint'} was not tested over HTTPS")
    profiles = set(report.profiles)
    if report.actor == "bron" and "vorderingenoverzicht" not in diensten:
        problems.append("the source's announced services are unknown (give every dienst of "
                        "its scheme entry; vorderingenoverzicht is one)")
    uncovered = [d for d in diensten if PROFILE_OF_DIENST.get(d, d) not in profiles]
    if report.actor == "bron" and uncovered:
        problems.append(f"announced services without their profile: {', '.join(uncovered)}")
    if report.actor in ACTOR_PROFILE and ACTOR_PROFILE[report.actor] not in profiles:
        problems.append(f"the {report.actor} was not run with its profile "
                        f"{ACTOR_PROFILE[report.actor]}")
    if report.actor not in {"bron", *ACTOR_PROFILE}:
        problems.append(f"unknown actor {report.actor!r}")
    if not problems and report.verdict is not Verdict.CONFORMANT:
        problems.append(f"the verdict is {report.verdict.value}, not conformant")
    return problems


def _some(names: list[str], shown: int = 3) -> str:
    return ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")


def run_counts(report: RunReport) -> dict[str, int]:
    """The `aantallen` of a certification run (only SHOULD checks can be warnings or untested)."""
    counts = {"totaal": len(report.results), "geslaagd": 0, "waarschuwingen": 0,
              "niet_van_toepassing": 0, "niet_getest": 0}
    for r in report.results:
        if r.outcome is Outcome.PASSED:
            counts["geslaagd"] += 1
        elif r.outcome is Outcome.FAILED and r.severity == Severity.SHOULD:
            counts["waarschuwingen"] += 1
        elif r.outcome is Outcome.SKIPPED and r.skip == Skip.NOT_APPLICABLE:
            counts["niet_van_toepassing"] += 1
        else:
            counts["niet_getest"] += 1
    return counts


def read_report(report_bytes: bytes) -> RunReport:
    try:
        data = json.loads(report_bytes)
        if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
            raise ValueError("not a report.json of the suite (no checks)")
        return RunReport.from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"report.json unreadable: {exc}") from exc


def issue_result(
    report_bytes: bytes,
    key: SigningKey,
    *,
    issuer: str,
    diensten: Iterable[str] | None = None,
    app: dict[str, str] | None = None,
    validity_days: int = 365,
    now: int | None = None,
) -> str:
    """The signed result of a certification run given as its report.json bytes.

    `diensten` are the services the party announces (default: the report's own `diensten`
    member when it has one); every one must be covered by a profile of the run."""
    report = read_report(report_bytes)
    announced = tuple(diensten if diensten is not None else _report_diensten(report_bytes))
    problems = certification_problems(report, announced)
    if problems:
        raise UsageError(f"not a certification run: {'; '.join(problems)}")
    longest = MAX_VALIDITY_S // DAY_S
    if not 1 <= validity_days <= longest:
        raise UsageError(f"validity of {validity_days} days: must be 1 to {longest}")
    issued = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": issuer, "jti": str(uuid.uuid4()), "iat": issued,
        "exp": issued + validity_days * DAY_S, "actor": report.actor,
        "standaardversie": report.spec_version, "suiteversie": report.suite_version,
        "omgeving": OMGEVING, "profielen": list(report.profiles),
        "diensten": list(announced) if report.actor == "bron" else [],
        "oordeel": Verdict.CONFORMANT.value, "aantallen": run_counts(report),
        "rapport_sha256": report_digest(report_bytes),
    }
    if report.actor == "app":
        if not app:
            raise UsageError("an app's certification names the app: give its name and version")
        claims["app"] = dict(app)
    else:
        claims["oin"], claims["api_url"] = report.oin, report.target
    errors = list(specfiles.validator(SCHEMA).iter_errors(claims))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "<claims>"
        raise UsageError(f"cannot certify this run: {where}: {errors[0].message[:200]}")
    return jose.encode(claims, key, typ=TYP)


def _report_diensten(report_bytes: bytes) -> tuple[str, ...]:
    value = json.loads(report_bytes).get("diensten")
    return tuple(value) if isinstance(value, list) else ()
