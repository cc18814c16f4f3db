"""ES256 JWS tokens as the trust model fixes them (spec/trust-model.md §2).

Signing and signature checks use joserfc; everything the profile decides is checked here
*before* any cryptography, from a header this module parses itself: compact form, `alg`
exactly `ES256`, no member besides `alg`, `typ` and `kid`, `typ` exactly as expected,
`kid` naming a key of the expected issuer. A refusal raises `TokenError` with the code
`<prefix>/<reason>`, the prefix being the token's (`certificaat`, `bewijs`, `stelsel`, ...).

Claims checks (schema, times) belong to the verifier of each token type; this module only
offers `check_claims_schema` and the constants of trust-model §1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import weakref
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from reference_impl.common.constants import (  # noqa: F401 - re-exported, as in 1.0
    ALG,
    CERT_MAX_LIFETIME_S,
    CLOCK_SKEW_S,
    NONCE_BYTES,
    NONCE_TTL_S,
    PINNED_SCHEME_KEYS_MAX,
    PROOF_MAX_AGE_S,
    SCHEME_MAX_LIFETIME_S,
    SESSION_TOKEN_BYTES,
    SESSION_TTL_S,
)
from reference_impl.common.errors import KeyFileError, TokenError
from reference_impl.common.request_body import NotIJson, check_no_lone_surrogate
from reference_impl.common.spec import schema_errors, schema_validator

CURVE = "P-256"
PRIVATE_KEY_FILE_MODE = 0o600
ES256_SIGNATURE_BYTES = 64  # r and s, 32 bytes each (RFC 7518 §3.4)
PUBLIC_KEYS_KEPT = 4096  # imported public keys kept per process (see _public_key)

HEADER_MEMBERS = frozenset({"alg", "typ", "kid"})
FORBIDDEN_MEMBERS = frozenset({"jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"})
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")

KeysFor = Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]]


# --- messages ---------------------------------------------------------------------------


def dutch_reason(exc: BaseException) -> str:
    """Why a key file or token part could not be read, in Dutch (the libraries word their
    exceptions in English; ours are Dutch already and pass through)."""
    if isinstance(exc, FileNotFoundError):
        return "het bestand bestaat niet"
    if isinstance(exc, IsADirectoryError):
        return "dat is een map, geen bestand"
    if isinstance(exc, PermissionError):
        return "geen leesrechten"
    if isinstance(exc, OSError):
        return f"leesfout ({exc.strerror or type(exc).__name__})"
    if isinstance(exc, json.JSONDecodeError):
        return f"geen geldige JSON (teken {exc.pos})"
    if isinstance(exc, UnicodeDecodeError):
        return "geen UTF-8"
    if isinstance(exc, RecursionError):
        return "te diep genest"
    if isinstance(exc, NotIJson):
        return "een tekst of lidnaam bevat een losse surrogaat (geen I-JSON)"
    return str(exc)


# --- keys -------------------------------------------------------------------------------


def generate_key() -> ECKey:
    """A new private EC P-256 key."""
    return ECKey.generate_key(CURVE, private=True)


def public_jwk(key: ECKey) -> dict[str, str]:
    """The public JWK of `key`: `kty`, `crv`, `x`, `y` and `kid` (its RFC 7638 thumbprint)."""
    public = key.as_dict(private=False)
    jwk = {"kty": "EC", "crv": CURVE, "x": public["x"], "y": public["y"]}
    jwk["kid"] = thumbprint(jwk)
    return jwk


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC JWK, base64url without padding."""
    members = tuple(jwk[name] for name in ("crv", "kty", "x", "y"))
    if all(type(member) is str for member in members):
        return _thumbprint_of(*members)
    return _thumbprint(*members)  # a malformed key: worked out, not kept


@lru_cache(maxsize=PUBLIC_KEYS_KEPT)
def _thumbprint_of(crv: str, kty: str, x: str, y: str) -> str:
    # The same few keys again and again (an app matches every source's kid against the
    # scheme for every envelope): a JSON text and a hash each time otherwise.
    return _thumbprint(crv, kty, x, y)


def _thumbprint(crv: Any, kty: Any, x: Any, y: Any) -> str:
    members = {"crv": crv, "kty": kty, "x": x, "y": y}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.sha256(canonical).digest())


def key_from_jwk(jwk: dict[str, Any]) -> ECKey:
    """An ECKey for a public P-256 JWK; `ValueError` for anything else (e.g. a private member)."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "EC" or jwk.get("crv") != CURVE:
        raise ValueError("geen EC P-256-JWK")
    if "d" in jwk:
        raise ValueError("een gepubliceerde sleutel mag het privé-lid 'd' niet bevatten")
    try:
        return _public_key(jwk["x"], jwk["y"])
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ValueError("ongeldige EC P-256-JWK (geen punt op de curve)") from exc


@lru_cache(maxsize=PUBLIC_KEYS_KEPT)
def _public_key(x: str, y: str) -> ECKey:
    # Importing checks the point is on the curve: ≈ 60 µs, as much as a third of an ES256
    # verification, for the same few keys again and again (a session's app key on every
    # request, the App Manager's, the scheme's). A public key object is immutable.
    return ECKey.import_key({"kty": "EC", "crv": CURVE, "x": x, "y": y})


def save_private_key(path: str | os.PathLike[str], key: ECKey) -> None:
    """Write `key` as PKCS#8 PEM, readable by the owner only (mode 0600)."""
    pem = key.private_key.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_KEY_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(target, PRIVATE_KEY_FILE_MODE)


def load_private_key(path: str | os.PathLike[str]) -> ECKey:
    """Read a PEM private P-256 key written by `save_private_key`."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise KeyFileError(f"kan privésleutel {path} niet lezen: {dutch_reason(exc)}") from exc
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # cryptography: an encrypted key and no password
        raise KeyFileError(f"privésleutel {path} is met een wachtwoord versleuteld") from exc
    except ValueError as exc:  # cryptography words these in English
        raise KeyFileError(f"{path} bevat geen leesbare PEM-privésleutel") from exc
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise KeyFileError(f"{path} bevat geen EC P-256-privésleutel")
    return ECKey.import_key(data)


def ensure_private_key(path: str | os.PathLike[str]) -> ECKey:
    """The key at `path`, generated there (mode 0600) on first use."""
    if not Path(path).exists():
        save_private_key(path, generate_key())
    return load_private_key(path)


def ensure_signing_key(path: Path, *, publish: bool) -> ECKey:
    """`ensure_private_key(path)`; with `publish`, its public JWK is written beside it
    (`<name>.jwk.json`, once) for the scheme operator to list."""
    key = ensure_private_key(path)
    public = path.with_suffix(".jwk.json")
    if publish and not public.exists():
        public.write_text(json.dumps(public_jwk(key), indent=2) + "\n", encoding="utf-8")
    return key


def _read_key_file(path: str | os.PathLike[str]) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"kan publieke sleutel {path} niet lezen: {dutch_reason(exc)}") from exc


def checked_public_jwk(data: Any, where: str) -> dict[str, str]:
    """The public P-256 JWK `data` with its thumbprint as `kid`; `KeyFileError` otherwise
    (a private member, another curve, a `kid` that is not the thumbprint)."""
    try:
        key_from_jwk(data)
    except ValueError as exc:
        raise KeyFileError(f"{where}: {exc}") from exc
    jwk = {k: data[k] for k in ("kty", "crv", "x", "y")}
    if "kid" in data and data["kid"] != thumbprint(jwk):
        raise KeyFileError(f"{where}: kid is niet de RFC 7638-vingerafdruk van de sleutel")
    jwk["kid"] = thumbprint(jwk)
    return jwk


def load_public_jwk(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read a public P-256 JWK (or a JWKS holding exactly one) from a JSON file."""
    data = _read_key_file(path)
    if isinstance(data, dict) and isinstance(data.get("keys"), list):
        if len(data["keys"]) != 1:
            raise KeyFileError(f"{path}: een sleutelset moet hier precies één sleutel bevatten")
        data = data["keys"][0]
    return checked_public_jwk(data, str(path))


def load_public_jwks(path: str | os.PathLike[str], *,
                     maximum: int = PINNED_SCHEME_KEYS_MAX) -> list[dict[str, str]]:
    """Read a pinned key set: a JWK file (a set of one) or a JWKS of 1..`maximum` keys."""
    data = _read_key_file(path)
    items = data["keys"] if isinstance(data, dict) and isinstance(data.get("keys"), list) \
        else [data]
    if not 1 <= len(items) <= maximum:
        raise KeyFileError(f"{path}: een vastgepinde sleutelset bevat 1 tot {maximum} sleutels")
    keys = [checked_public_jwk(item, str(path)) for item in items]
    if len({k["kid"] for k in keys}) != len(keys):
        raise KeyFileError(f"{path}: dezelfde sleutel staat er twee keer in")
    return keys


# --- encoding ---------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """Base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; `ValueError` on anything else."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("geen base64url zonder opvulling")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError(str(exc)) from exc


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"lid {name!r} komt twee keer voor")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is geen JSON")


def _json_object(part: str) -> dict[str, Any]:
    """A header or payload as I-JSON (RFC 7493): no duplicate member, no lone surrogate."""
    text = b64url_decode(part).decode("utf-8")
    value = json.loads(text, object_pairs_hook=_refuse_duplicates,
                       parse_constant=_refuse_constant)
    check_no_lone_surrogate(text, value)
    if not isinstance(value, dict):
        raise ValueError("geen JSON-object")
    return value


def _json_bytes(claims: dict[str, Any]) -> bytes:
    return json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- signing ----------------------------------------------------------------------------


def sign(claims: dict[str, Any], key: ECKey, *, typ: str) -> str:
    """A compact ES256 JWS of `claims` with header `{alg, typ, kid}`."""
    signing_input = f"{_protected_header(key, typ)}.{b64url_encode(_json_bytes(claims))}"
    return f"{signing_input}.{_es256(signing_input, key)}"


def sign_detached(payload: bytes, key: ECKey, *, typ: str) -> str:
    """A compact ES256 JWS over `payload` with the payload part left empty (RFC 7515 app. F)."""
    protected = _protected_header(key, typ)
    return f"{protected}..{_es256(f'{protected}.{b64url_encode(payload)}', key)}"


# A key's id is its thumbprint: an export and a hash, kept per key object rather than
# worked out for every signature (an app signs two proofs per source per overview). Keyed
# by id() with a weak reference (ECKey is not hashable), dropped when the key is.
_KIDS: dict[int, tuple[weakref.ref[ECKey], str]] = {}


def _protected_header(key: ECKey, typ: str) -> str:
    kept = _KIDS.get(id(key))
    if kept is not None and kept[0]() is key:
        kid = kept[1]
    else:
        kid = public_jwk(key)["kid"]
        identity = id(key)
        _KIDS[identity] = (weakref.ref(key, lambda _: _KIDS.pop(identity, None)), kid)
    return b64url_encode(_json_bytes({"alg": ALG, "typ": typ, "kid": kid}))


_ES256 = ec.ECDSA(hashes.SHA256())  # the algorithm object, immutable: made once


def _es256(signing_input: str, key: ECKey) -> str:
    """ES256 (RFC 7518 §3.4) with `cryptography` directly, as `_check_signature` verifies:
    the DER signature as r ‖ s, 32 bytes each."""
    der = key.private_key.sign(signing_input.encode("ascii"), _ES256)
    r, s = decode_dss_signature(der)
    return b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


# --- verification -----------------------------------------------------------------------


def parse_header(token: Any, *, typ: str, prefix: str, detached: bool = False) -> dict[str, Any]:
    """Parse a compact JWS header and enforce the profile of trust-model §2, before crypto.

    Order: form (`ongeldig-formaat`), `alg` (`algoritme-niet-toegestaan`), members
    (`verboden-header`), `typ` (`verkeerd-type`). The `kid` is checked by `select_key`,
    once the expected issuer is known.
    """
    parts = token.split(".") if isinstance(token, str) else []
    payload_present = len(parts) == 3 and bool(parts[1])
    if len(parts) != 3 or not parts[0] or payload_present == detached:
        raise TokenError(f"{prefix}/ongeldig-formaat", "geen compacte JWS van drie delen")
    try:
        header = _json_object(parts[0])
        b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise TokenError(f"{prefix}/ongeldig-formaat", f"header: {dutch_reason(exc)}") from exc
    if header.get("alg") != ALG:
        raise TokenError(f"{prefix}/algoritme-niet-toegestaan", "alleen ES256 is toegestaan")
    extra = sorted(set(header) - HEADER_MEMBERS)
    if extra:
        kind = "verboden" if FORBIDDEN_MEMBERS.intersection(extra) else "onbekende"
        raise TokenError(f"{prefix}/verboden-header", f"{kind} header-leden: {extra}")
    if header.get("typ") != typ:
        raise TokenError(f"{prefix}/verkeerd-type", f"typ moet {typ!r} zijn")
    return header


def select_key(kid: Any, keys: list[dict[str, Any]], *, prefix: str) -> ECKey:
    """The key among `keys` whose thumbprint is `kid`, else `<prefix>/sleutel-onbekend`."""
    if not isinstance(kid, str) or not kid:
        raise TokenError(f"{prefix}/sleutel-onbekend", "de header heeft geen kid")
    for jwk in keys:
        try:
            if thumbprint(jwk) == kid and jwk.get("kid", kid) == kid:
                return key_from_jwk(jwk)
        except (ValueError, KeyError, TypeError):
            continue  # a malformed published key never matches
    raise TokenError(f"{prefix}/sleutel-onbekend", "kid is geen sleutel van de verwachte uitgever")


def _check_signature(token: str, key: ECKey, payload: bytes | None, prefix: str) -> None:
    """ES256 (RFC 7518 §3.4) with `cryptography` directly: the header was checked by
    `parse_header` already, and joserfc's second parse cost more than the curve itself."""
    protected, body, signature = token.split(".")
    if payload is not None:  # detached (RFC 7515 app. F): sign over the encoded payload
        body = b64url_encode(payload)
    try:
        raw = b64url_decode(signature)
        if len(raw) != ES256_SIGNATURE_BYTES:
            raise ValueError("een ES256-handtekening is 64 bytes")
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                   int.from_bytes(raw[32:], "big"))
        key.public_key.verify(der, f"{protected}.{body}".encode("ascii"), _ES256)
    except (InvalidSignature, ValueError, TypeError, AttributeError) as exc:
        raise TokenError(f"{prefix}/handtekening-ongeldig", "de handtekening klopt niet") from exc


def verify(token: Any, *, typ: str, prefix: str, keys_for: KeysFor) -> dict[str, Any]:
    """Verify a compact JWS and return its claims.

    `keys_for(header, unverified_claims)` returns the key set of the expected issuer (it
    may itself raise `TokenError`, e.g. `certificaat/uitgever-onbekend`). Claims are
    returned only after the signature verified; their schema and times are the caller's.
    """
    header = parse_header(token, typ=typ, prefix=prefix)
    try:
        unverified = _json_object(token.split(".")[1])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise TokenError(f"{prefix}/ongeldig-formaat", f"payload: {dutch_reason(exc)}") from exc
    key = select_key(header.get("kid"), keys_for(header, unverified), prefix=prefix)
    _check_signature(token, key, None, prefix)
    return unverified


def verify_detached(
    token: Any, payload: bytes, *, typ: str, prefix: str, keys: list[dict[str, Any]],
    header: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Verify a detached compact JWS over `payload` with one of `keys`; returns the header
    (`header`: what `parse_header` gave the caller for this token already)."""
    if header is None:
        header = parse_header(token, typ=typ, prefix=prefix, detached=True)
    key = select_key(header.get("kid"), keys, prefix=prefix)
    _check_signature(token, key, payload, prefix)
    return header


def check_claims_schema(claims: dict[str, Any], schema: str, *, prefix: str) -> None:
    """`<prefix>/claims-ongeldig` unless `claims` is valid against `spec/schemas/<schema>`."""
    errors = schema_errors(schema_validator(schema), claims)
    if errors:
        pointer, reason = errors[0]
        raise TokenError(f"{prefix}/claims-ongeldig", f"{pointer}: {schema_reason(reason)}")


_REQUIRED = re.compile(r"^'(?P<name>[^']*)' is a required property$")
_DEPENDENT = re.compile(r"^'(?P<name>[^']*)' is a dependency of '(?P<of>[^']*)'$")
_VIOLATES = re.compile(r"^violates (?P<keyword>\w+): (?P<expected>.*)$", re.DOTALL)


def schema_reason(reason: str) -> str:
    """The Dutch wording of a `schema_errors` reason (which names the broken rule, never the
    value); a reason of an unforeseen form gets a plain Dutch one."""
    if reason == "unknown member":
        return "onbekend lid"
    if match := _REQUIRED.match(reason):
        return f"verplicht lid '{match['name']}' ontbreekt"
    if match := _DEPENDENT.match(reason):
        return f"lid '{match['name']}' is verplicht naast '{match['of']}'"
    if match := _VIOLATES.match(reason):
        return f"voldoet niet aan {match['keyword']}: {match['expected']}"
    return "voldoet niet aan het schema"


def check_fresh(claims: dict[str, Any], now: int, prefix: str) -> None:
    """A proof's `iat` (session proof, request proof, certificate request, revocation
    request): not in the future and not older than `PROOF_MAX_AGE_S`, both with the skew."""
    if claims["iat"] - CLOCK_SKEW_S > now:
        raise TokenError(f"{prefix}/nog-niet-geldig", "iat ligt in de toekomst")
    if now - claims["iat"] > PROOF_MAX_AGE_S + CLOCK_SKEW_S:
        raise TokenError(f"{prefix}/verlopen", f"ouder dan {PROOF_MAX_AGE_S} s")


def random_token(n_bytes: int) -> str:
    """`n_bytes` random bytes, base64url without padding."""
    return b64url_encode(os.urandom(n_bytes))
