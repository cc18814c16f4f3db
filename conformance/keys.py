"""The suite's key material and its test scheme document.

The suite plays scheme operator and App Manager in the organisation's TEST environment.
``vorderingen-conformance sleutels`` creates (or reuses) in one directory::

    DIR/
      stelsel-sleutel.jwk     PUBLIC scheme-operator key: the organisation pins this
      stelseldocument.jwt     the signed test scheme (stelsel+jwt), valid 24 h
      suite.json              public state: App Manager id, the pre-chosen revoked jti,
                              the organisation under test as last written
      private/                0700; private JWKs, each 0600:
        stelsel.jwk             scheme-operator key
        app-manager.jwk         the suite's App Manager (listed in the scheme)
        rogue-app-manager.jwk   a key listed nowhere (forged certificates)

Re-running `sleutels` reuses the keys and writes a new scheme document with a higher
`volgnummer` (unix time), so the organisation can refresh it.
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

DEFAULT_DIR = Path(".vorderingen-conformance")
SCHEME_KEY_FILE = "stelsel-sleutel.jwk"
SCHEME_DOC_FILE = "stelseldocument.jwt"
STATE_FILE = "suite.json"
PRIVATE_DIR = "private"
PRIVATE_FILES = {
    "scheme": "stelsel.jwk",
    "app_manager": "app-manager.jwk",
    "rogue": "rogue-app-manager.jwk",
}
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
APP_MANAGER_ID = "conformance-test-am"
APP_MANAGER_NAME = "Vorderingen conformance suite (test App Manager)"
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
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc


def ensure_keys(directory: Path) -> SuiteKeys:
    """Load the key material in `directory`, creating whatever is missing."""
    private = directory / PRIVATE_DIR
    private.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    os.chmod(private, PRIVATE_DIR_MODE)
    for name in PRIVATE_FILES.values():
        if not (private / name).exists():
            _write_private(private / name, SigningKey.generate().private_jwk())
    state_path = directory / STATE_FILE
    state = _read_json(state_path) if state_path.exists() else {}
    if "revoked_jti" not in state:
        state.update(app_manager_id=APP_MANAGER_ID, revoked_jti=str(uuid.uuid4()))
        state_path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    keys = load_keys(directory)
    keys.scheme_key_path.write_text(json.dumps(keys.scheme_key.published_jwk()), "utf-8")
    return keys


def load_keys(directory: Path) -> SuiteKeys:
    """Load existing key material; UsageError naming the directory when it is incomplete."""
    private = directory / PRIVATE_DIR
    missing = [n for n in PRIVATE_FILES.values() if not (private / n).is_file()]
    if missing or not (directory / STATE_FILE).is_file():
        raise UsageError(
            f"no suite key material in {directory} (run `vorderingen-conformance sleutels` first)"
        )
    loaded = {}
    for role, name in PRIVATE_FILES.items():
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
    )


def read_public_jwk(path: Path) -> dict[str, Any]:
    """A public P-256 JWK from a file holding a JWK or a one-key JWKS; refuses private keys."""
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
    return {**public, "kid": jose.thumbprint(public), "use": "sig", "alg": jose.ALG}


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
    """The test scheme's payload naming the organisation under test and the suite's App
    Manager, with the suite's pre-chosen revoked jti; `volgnummer` is the unix time."""
    moment = int(time.time()) if now is None else now
    return {
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
                "api_url": api_url.rstrip("/"),
                "sleutels": {"keys": [bron_jwk]},
                "diensten": list(diensten),
                "status": "actief",
            }
        ],
        "app_managers": [
            {
                "id": keys.app_manager_id,
                "naam": APP_MANAGER_NAME,
                "sleutels": {"keys": [keys.app_manager_key.published_jwk()]},
                "status": "actief",
            }
        ],
        "ingetrokken_certificaten": [keys.revoked_jti],
    }


def sign_scheme(keys: SuiteKeys, payload: dict[str, Any]) -> str:
    return jose.encode(payload, keys.scheme_key, typ=jose.TYP_SCHEME)


def write_scheme(keys: SuiteKeys, **scheme_args: Any) -> str:
    """Build, sign and write ``stelseldocument.jwt`` (and the pinned public key); returns it."""
    payload = build_scheme(keys, **scheme_args)
    errors = sorted(specfiles.validator("stelseldocument").iter_errors(payload), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path)
        raise UsageError(f"the test scheme would be invalid at {where}: {errors[0].message}")
    token = sign_scheme(keys, payload)
    keys.scheme_document_path.write_text(token, encoding="utf-8")
    keys.scheme_key_path.write_text(json.dumps(keys.scheme_key.published_jwk()), "utf-8")
    return token


def load_scheme(keys: SuiteKeys, *, omgeving: str | None = None) -> dict[str, Any]:
    """The verified payload of the directory's scheme document; UsageError when missing,
    invalid or expired (re-run `sleutels`)."""
    path = keys.scheme_document_path
    if not path.is_file():
        raise UsageError(f"no {SCHEME_DOC_FILE} in {keys.directory} (run `sleutels` first)")
    token = path.read_text(encoding="utf-8").strip()
    try:
        return jose.verify_scheme(token, keys.scheme_key.public_jwk, omgeving=omgeving)
    except JoseError as exc:
        raise UsageError(f"{path}: {exc.code} (re-run `vorderingen-conformance sleutels`)") from exc
