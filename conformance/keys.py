"""The suite's key material and its test scheme document.

The suite plays scheme operator and App Manager in the organisation's TEST environment.
``vorderingen-conformance sleutels`` creates (or reuses) in one directory::

    DIR/
      stelsel-sleutels.jwks   PUBLIC scheme-operator key SET (current + backup, a JWKS):
                              the organisation pins this set
      stelseldocument.jwt     the signed test scheme (stelsel-v2+jwt, format 2), valid 24 h
      suite.json              public state: App Manager id, the pre-chosen revoked jti,
                              the organisation under test as last written
      private/                0700; private JWKs, each 0600:
        stelsel.jwk             scheme-operator key (signs)
        stelsel-reserve.jwk     the backup scheme-operator key (pinned, signs nothing yet)
        app-manager.jwk         the suite's App Manager (listed in the scheme)
        app-manager-ingetrokken.jwk, app-manager-uitgefaseerd.jwk
                                two more keys of the suite's App Manager, revoked and retired
        rogue-app-manager.jwk   a key listed nowhere (forged certificates)

Besides the suite's App Manager the scheme lists a suspended and an ended App Manager so
checks can present their certificates, and the suite's own test source (`SUITE_OIN`) with
four key entries the suite holds — valid, retired (`geldig_tot` two days back), compromised
(`ingetrokken_op` a day back) and rotated in (`geldig_vanaf` a day back) — so checks can hand
the organisation envelopes of another source signed inside and outside a key's window (help
requests), to the second: every window edge lies well within a help request's 14 days of
freshness while the scheme document is valid.

The suite's App Manager lists, after its signing key, a key revoked a day back
(`ingetrokken_op`) and one retired two days back (`geldig_tot`), so a check can present a
certificate signed now by a key that may no longer sign (`/certificaat/uitgever-in-stelsel`).
Its signing key stays the first entry, unchanged: a source configured before keeps working.

Re-running `sleutels` reuses the keys and writes a new scheme document with a higher
`volgnummer` (unix time), so the organisation can refresh it. A directory of an older suite
version is upgraded on the way: key files it lacks are created and listed in the new scheme
document (until then the checks that need them say to re-run `sleutels`).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import jose, specfiles
from conformance.errors import JoseError, UsageError
from conformance.jose import SigningKey
from conformance.scheme import scheme_rule_violations, verify_scheme

DEFAULT_DIR = Path(".vorderingen-conformance")
SCHEME_KEY_FILE = "stelsel-sleutels.jwks"
SCHEME_DOC_FILE = "stelseldocument.jwt"
STATE_FILE = "suite.json"
PRIVATE_DIR = "private"
PRIVATE_FILES = {
    "scheme": "stelsel.jwk",
    "scheme_backup": "stelsel-reserve.jwk",
    "suspended_app_manager": "geschorste-app-manager.jwk",
    "ended_app_manager": "beeindigde-app-manager.jwk",
    "suite_source": "suite-bron.jwk",
    "retired_source": "suite-bron-uitgefaseerd.jwk",
    "compromised_source": "suite-bron-gecompromitteerd.jwk",
    "next_source": "suite-bron-nieuw.jwk",
    "app_manager": "app-manager.jwk",
    "revoked_app_manager": "app-manager-ingetrokken.jwk",
    "retired_app_manager": "app-manager-uitgefaseerd.jwk",
    "rogue": "rogue-app-manager.jwk",
}
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
APP_MANAGER_ID = "conformance-test-am"
APP_MANAGER_NAME = "Vorderingen conformance suite (test App Manager)"
SUSPENDED_APP_MANAGER_ID = "conformance-geschorst-am"
ENDED_APP_MANAGER_ID = "conformance-beeindigd-am"
SCHEME_VERSIE = "2.2"
SCHEME_MAJOR = 2
KEY_VALID_SINCE_S = 86400  # key entries are valid from a day before the scheme is signed
DAY_S = 86400
SUITE_OIN = "00000009999999999999"
SUITE_API_URL = "https://suite-bron.invalid/vorderingen/v2"
SUITE_KEYS_SINCE_S = 60 * DAY_S  # the suite source's keys sign from 60 days back
RETIRED_SINCE_S = 2 * DAY_S  # the retired key stopped signing 2 days back
COMPROMISED_SINCE_S = DAY_S  # the compromised key was revoked a day back
NEXT_SINCE_S = DAY_S  # the rotated-in key signs from a day back
# Key files a directory of an older suite version may lack (`sleutels` adds them).
OPTIONAL_ROLES = frozenset({"next_source", "revoked_app_manager", "retired_app_manager"})
SCHEME_ISSUER = "vorderingen-conformance-test-stelsel"
SCHEME_LIFETIME_S = 86400
DEFAULT_OMGEVING = "test"
ALL_DIENSTEN = ("vorderingenoverzicht", "betalingsregelingen", "pauzes", "hulpvragen")
DEFAULT_ORG_NAME = "Organisatie onder test"
DEFAULT_SOORT = "overig"


@dataclass(frozen=True)
class SuiteKeys:
    """The suite's private keys and public state, loaded from one directory."""

    directory: Path
    scheme_key: SigningKey
    app_manager_key: SigningKey
    rogue_app_manager_key: SigningKey
    app_manager_id: str
    revoked_jti: str
    scheme_backup_key: SigningKey | None = None
    suspended_app_manager_key: SigningKey | None = None
    ended_app_manager_key: SigningKey | None = None
    suite_source_key: SigningKey | None = None
    retired_source_key: SigningKey | None = None
    compromised_source_key: SigningKey | None = None
    next_source_key: SigningKey | None = None
    revoked_app_manager_key: SigningKey | None = None
    retired_app_manager_key: SigningKey | None = None

    def scheme_key_set(self) -> dict[str, Any]:
        """The public scheme-operator key set the organisation pins (a JWKS)."""
        pinned = [self.scheme_key, *([self.scheme_backup_key] if self.scheme_backup_key else [])]
        return {"keys": [key.published_jwk() for key in pinned]}

    @property
    def scheme_document_path(self) -> Path:
        return self.directory / SCHEME_DOC_FILE

    @property
    def scheme_key_path(self) -> Path:
        return self.directory / SCHEME_KEY_FILE


def _write_private(path: Path, jwk: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(jwk, handle)
    os.chmod(path, PRIVATE_FILE_MODE)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {path}: not UTF-8 JSON") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc


def ensure_keys(directory: Path) -> SuiteKeys:
    """Load the key material in `directory`, creating whatever is missing."""
    private = directory / PRIVATE_DIR
    try:
        private.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        os.chmod(private, PRIVATE_DIR_MODE)
    except OSError as exc:  # one line naming the directory, not a traceback
        raise UsageError(f"cannot create the key directory {directory}: "
                         f"{exc.strerror or exc}") from None
    for name in PRIVATE_FILES.values():
        if not (private / name).exists():
            _write_private(private / name, SigningKey.generate().private_jwk())
    state_path = directory / STATE_FILE
    state = _read_json(state_path) if state_path.exists() else {}
    if "revoked_jti" not in state:
        state.update(app_manager_id=APP_MANAGER_ID, revoked_jti=str(uuid.uuid4()))
        state_path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    keys = load_keys(directory)
    keys.scheme_key_path.write_text(json.dumps(keys.scheme_key_set(), indent=2), "utf-8")
    return keys


def load_keys(directory: Path) -> SuiteKeys:
    """Load existing key material; UsageError naming the directory when it is incomplete."""
    private = directory / PRIVATE_DIR
    missing = [n for role, n in PRIVATE_FILES.items()
               if role not in OPTIONAL_ROLES and not (private / n).is_file()]
    if missing or not (directory / STATE_FILE).is_file():
        raise UsageError(
            f"no suite key material in {directory} (run `vorderingen-conformance sleutels` first)"
        )
    loaded: dict[str, SigningKey] = {}
    for role, name in PRIVATE_FILES.items():
        if role in OPTIONAL_ROLES and not (private / name).is_file():
            continue
        try:
            loaded[role] = SigningKey.from_jwk(_read_json(private / name))
        except (ValueError, KeyError) as exc:
            raise UsageError(f"{private / name} is not a private P-256 JWK") from exc
    state = _read_json(directory / STATE_FILE)
    return SuiteKeys(
        directory=directory,
        scheme_key=loaded["scheme"],
        app_manager_key=loaded["app_manager"],
        rogue_app_manager_key=loaded["rogue"],
        app_manager_id=str(state.get("app_manager_id", APP_MANAGER_ID)),
        revoked_jti=str(state["revoked_jti"]),
        scheme_backup_key=loaded["scheme_backup"],
        suspended_app_manager_key=loaded["suspended_app_manager"],
        ended_app_manager_key=loaded["ended_app_manager"],
        suite_source_key=loaded["suite_source"],
        retired_source_key=loaded["retired_source"],
        compromised_source_key=loaded["compromised_source"],
        next_source_key=loaded.get("next_source"),
        revoked_app_manager_key=loaded.get("revoked_app_manager"),
        retired_app_manager_key=loaded.get("retired_app_manager"),
    )


def _pem_public_jwk(path: Path, raw: bytes) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if b"PRIVATE KEY" in raw:
        raise UsageError(f"{path} contains a PRIVATE key; give the public key only")
    try:
        public = serialization.load_pem_public_key(raw)
    except ValueError as exc:
        raise UsageError(f"{path} is not a PEM public key") from exc
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "secp256r1":
        raise UsageError(f"{path} is not an EC P-256 public key")
    numbers = public.public_numbers()
    size = jose.COORDINATE_BYTES
    return {"kty": "EC", "crv": "P-256", "x": jose.b64e(numbers.x.to_bytes(size, "big")),
            "y": jose.b64e(numbers.y.to_bytes(size, "big"))}


def read_public_jwk(path: Path) -> dict[str, Any]:
    """A public P-256 JWK from a file holding a JWK, a one-key JWKS or a PEM public key;
    refuses private keys."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    if raw.lstrip().startswith(b"-----BEGIN"):
        data: Any = _pem_public_jwk(path, raw)
    else:
        data = _read_json(path)
    if isinstance(data, dict) and isinstance(data.get("keys"), list) and len(data["keys"]) == 1:
        data = data["keys"][0]
    if not isinstance(data, dict) or data.get("kty") != "EC" or data.get("crv") != "P-256":
        raise UsageError(f"{path} is not an EC P-256 JWK (or a JWKS with exactly one)")
    if "d" in data:
        raise UsageError(f"{path} contains a PRIVATE key (member d); give the public key only")
    public = {k: data[k] for k in ("kty", "crv", "x", "y") if k in data}
    if len(public) != 4:
        raise UsageError(f"{path} misses x or y")
    return {**public, "kid": jose.thumbprint(public), "use": "sig"}


def key_entry(jwk: dict[str, Any], since: int) -> dict[str, Any]:
    """A scheme key entry: the public JWK (kid = thumbprint, use sig) valid from `since`."""
    public = {k: jwk[k] for k in ("kty", "crv", "x", "y")}
    return {"jwk": {**public, "kid": jose.thumbprint(public), "use": "sig"},
            "geldig_vanaf": since}


def build_scheme(
    keys: SuiteKeys,
    *,
    oin: str,
    api_url: str,
    bron_jwk: dict[str, Any],
    diensten: tuple[str, ...] = ALL_DIENSTEN,
    omgeving: str = DEFAULT_OMGEVING,
    naam: str = DEFAULT_ORG_NAME,
    soort: str = DEFAULT_SOORT,
    now: int | None = None,
) -> dict[str, Any]:
    """The test scheme's payload (format 2) naming the organisation under test with its
    endpoint of major 2, the suite's App Manager (actief; its signing key, then a revoked and
    a retired one) and a suspended and an ended one, with the suite's pre-chosen revoked jti;
    `volgnummer` is the unix time."""
    moment = int(time.time()) if now is None else now
    since = moment - KEY_VALID_SINCE_S

    def entry(key: SigningKey | None, **window: int) -> dict[str, Any]:
        jwk = (key or SigningKey.generate()).public_jwk
        return {**key_entry(jwk, moment - SUITE_KEYS_SINCE_S), **window}

    suite_source = {
        "oin": SUITE_OIN,
        "naam": "Testbron van de conformance suite",
        "soort": DEFAULT_SOORT,
        "eindpunten": [{"api_url": SUITE_API_URL, "major": SCHEME_MAJOR}],
        "sleutels": [
            entry(keys.suite_source_key),
            entry(keys.retired_source_key, geldig_tot=moment - RETIRED_SINCE_S),
            entry(keys.compromised_source_key, ingetrokken_op=moment - COMPROMISED_SINCE_S),
            {**key_entry((keys.next_source_key or SigningKey.generate()).public_jwk,
                         moment - NEXT_SINCE_S)},
        ],
        "diensten": ["vorderingenoverzicht"],
        "status": "actief",
    }

    def manager(manager_id: str, naam: str, key: SigningKey | None, status: str,
                *earlier: dict[str, Any]) -> dict:
        return {"id": manager_id, "naam": naam, "status": status,
                "sleutels": [key_entry((key or SigningKey.generate()).public_jwk, since),
                             *earlier]}

    return {
        "versie": SCHEME_VERSIE,
        "iss": SCHEME_ISSUER,
        "iat": moment,
        "exp": moment + SCHEME_LIFETIME_S,
        "volgnummer": max(moment, 1),
        "omgeving": omgeving,
        "organisaties": [
            {
                "oin": oin,
                "naam": naam,
                "soort": soort,
                "eindpunten": [{"api_url": api_url.rstrip("/"), "major": SCHEME_MAJOR}],
                "sleutels": [key_entry(bron_jwk, since)],
                "diensten": list(diensten),
                "status": "actief",
            },
            suite_source,
        ],
        "app_managers": [
            manager(keys.app_manager_id, APP_MANAGER_NAME, keys.app_manager_key, "actief",
                    entry(keys.revoked_app_manager_key,
                          ingetrokken_op=moment - COMPROMISED_SINCE_S),
                    entry(keys.retired_app_manager_key, geldig_tot=moment - RETIRED_SINCE_S)),
            manager(SUSPENDED_APP_MANAGER_ID, "Geschorste App Manager (test)",
                    keys.suspended_app_manager_key, suspended_status()),
            manager(ENDED_APP_MANAGER_ID, "Beëindigde App Manager (test)",
                    keys.ended_app_manager_key, "beeindigd"),
        ],
        "ingetrokken_certificaten": [keys.revoked_jti],
    }


def suspended_status() -> str:
    """The participant status meaning "suspended", as the spec's schema spells it."""
    statuses = specfiles.schema("common").get("$defs", {}).get("deelnemerstatus", {})
    names = [s for s in statuses.get("enum", []) if s not in ("actief", "beeindigd")]
    return names[0] if names else "geschorst"


def sign_scheme(keys: SuiteKeys, payload: dict[str, Any]) -> str:
    return jose.encode(payload, keys.scheme_key, typ=jose.TYP_SCHEME)


def write_scheme(keys: SuiteKeys, **scheme_args: Any) -> str:
    """Build, sign and write ``stelseldocument.jwt`` (and the pinned key set); returns it."""
    if scheme_args.get("oin") == SUITE_OIN:
        raise UsageError(f"OIN {SUITE_OIN} is reserved for the suite's own test source")
    payload = build_scheme(keys, **scheme_args)
    errors = sorted(specfiles.validator("stelseldocument").iter_errors(payload), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise UsageError(f"the test scheme would be invalid at {where}: {errors[0].message}")
    if violations := scheme_rule_violations(payload):
        raise UsageError(f"the test scheme would break: {violations[0]}")
    token = sign_scheme(keys, payload)
    keys.scheme_document_path.write_text(token, encoding="utf-8")
    keys.scheme_key_path.write_text(json.dumps(keys.scheme_key_set(), indent=2), "utf-8")
    return token


def load_scheme(keys: SuiteKeys, *, omgeving: str | None = None) -> dict[str, Any]:
    """The verified payload of the directory's scheme document; UsageError when missing,
    invalid or expired (re-run `sleutels`)."""
    path = keys.scheme_document_path
    if not path.is_file():
        raise UsageError(f"no {SCHEME_DOC_FILE} in {keys.directory} (run `sleutels` first)")
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise UsageError(f"cannot read {path} (re-run `vorderingen-conformance sleutels`)") \
            from None
    try:
        return verify_scheme(token, keys.scheme_key_set(), omgeving=omgeving)
    except JoseError as exc:
        raise UsageError(f"{path}: {exc.code} (re-run `vorderingen-conformance sleutels`)") from exc
