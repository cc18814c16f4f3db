"""The suite's own JOSE: ES256 compact JWS, detached envelopes, RFC 7638 thumbprints, JCS.

Independent of reference_impl on purpose (a suite sharing code with what it tests hides the
bugs they share). Besides correct tokens it builds the wrong ones the attack matrix needs:
any header or claim can be overridden or removed (`OMIT`), and `alg` can be forged:

- ``alg="none"``: header ``alg: none`` and an EMPTY signature part (``h.p.``);
- ``alg="HS256"`` (or HS384/HS512): an HMAC whose secret is the JCS bytes of the signing
  key's PUBLIC JWK (the classic key-confusion attack on a verifier that feeds its ES256
  public key to an HMAC routine); `hmac_secret` returns that secret;
- any other value (``ES384``, ``RS256`` …): only the header says so, the signature is ES256,
  so the alg claim is the single thing wrong.

`verify` checks the JWS profile of spec/trust-model.md §2 and reports the standard's problem
codes via `JoseError.code`; the scheme document (`conformance.scheme`) and the envelope
(`conformance.envelope`) build their verification orders on it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from conformance.errors import JoseError

ALG = "ES256"
CLOCK_SKEW_S = 60
SCHEME_MAX_LIFETIME_S = 86400
COORDINATE_BYTES = 32
FORBIDDEN_HEADERS = frozenset({"jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"})
ALLOWED_HEADERS = frozenset({"alg", "typ", "kid"})
TYP_SCHEME = "stelsel-v2+jwt"
TYP_CERTIFICATE = "app-certificaat+jwt"
TYP_PROOF = "sessie-bewijs+jwt"
TYP_REQUEST_PROOF = "verzoek-bewijs+jwt"
TYP_ENVELOPE = "vorderingen-document+jws"
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}


class _Omit:
    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()
"""As a value in a header or claims override: remove that member."""


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Strict base64url without padding; ValueError otherwise."""
    if "=" in text or any(c not in _B64URL for c in text):
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def jcs(obj: Any) -> bytes:
    """RFC 8785 canonical JSON bytes."""
    return rfc8785.dumps(obj)


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC public JWK, base64url."""
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64e(hashlib.sha256(canonical).digest())


def hmac_secret(public_jwk: dict[str, Any]) -> bytes:
    """The secret a forged HS* token uses: the JCS bytes of the public JWK (no `kid`)."""
    return jcs({k: public_jwk[k] for k in ("crv", "kty", "x", "y")})


@dataclass(frozen=True)
class SigningKey:
    """A private EC P-256 key with its public JWK and `kid` (= thumbprint)."""

    private: ec.EllipticCurvePrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> SigningKey:
        if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" not in jwk:
            raise ValueError("not a private EC P-256 JWK")
        d = int.from_bytes(b64d(jwk["d"]), "big")
        return cls(ec.derive_private_key(d, ec.SECP256R1()))

    @property
    def public_jwk(self) -> dict[str, str]:
        """``{kty, crv, x, y}`` without `kid`."""
        numbers = self.private.public_key().public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64e(numbers.x.to_bytes(COORDINATE_BYTES, "big")),
            "y": b64e(numbers.y.to_bytes(COORDINATE_BYTES, "big")),
        }

    @property
    def kid(self) -> str:
        return thumbprint(self.public_jwk)

    @property
    def thumbprint(self) -> str:
        return self.kid

    def published_jwk(self) -> dict[str, str]:
        """The public JWK as published in a key set: with `kid`, `use` and `alg`."""
        return {**self.public_jwk, "kid": self.kid, "use": "sig", "alg": ALG}

    def private_jwk(self) -> dict[str, str]:
        d = self.private.private_numbers().private_value.to_bytes(COORDINATE_BYTES, "big")
        return {**self.public_jwk, "d": b64e(d)}

    def sign(self, data: bytes) -> bytes:
        """Raw ``r‖s`` ES256 signature (64 bytes)."""
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(COORDINATE_BYTES, "big") + s.to_bytes(COORDINATE_BYTES, "big")


def token_hash(token: str) -> str:
    """The ``ath`` of a verzoek-bewijs: BASE64URL(SHA-256(ASCII session token))."""
    return b64e(hashlib.sha256(token.encode()).digest())


def merge(
    base: dict[str, Any], override: dict[str, Any] | None, *, none_removes: bool = False
) -> dict[str, Any]:
    """`base` updated with `override`; a value of `OMIT` (and, with `none_removes`, None)
    removes the member."""
    out = dict(base)
    for key, value in (override or {}).items():
        if value is OMIT or (none_removes and value is None):
            out.pop(key, None)
        else:
            out[key] = value
    return out


def _signature(key: SigningKey, alg: str, signing_input: bytes) -> str:
    if alg == "none":
        return ""
    if alg in _HMAC:
        return b64e(hmac.new(hmac_secret(key.public_jwk), signing_input, _HMAC[alg]).digest())
    return b64e(key.sign(signing_input))


def encode(
    payload: dict[str, Any] | bytes,
    key: SigningKey,
    *,
    typ: str,
    header: dict[str, Any] | None = None,
    alg: str | None = None,
) -> str:
    """A compact JWS. Default header ``{alg: ES256, typ, kid: key.kid}``; `header` merges over
    it (OMIT removes); `alg` forges the algorithm as described in the module docstring."""
    head = merge({"alg": alg or ALG, "typ": typ, "kid": key.kid}, header)
    body = payload if isinstance(payload, bytes) else _compact_json(payload)
    signing_input = f"{b64e(_compact_json(head))}.{b64e(body)}"
    sig = _signature(key, str(head.get("alg", alg or ALG)), signing_input.encode())
    return f"{signing_input}.{sig}"


def _compact_json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def sign_detached(
    document: dict[str, Any],
    key: SigningKey,
    *,
    header: dict[str, Any] | None = None,
    alg: str | None = None,
) -> str:
    """The `handtekening` of an envelope: a detached JWS over JCS(document) (``h..s``)."""
    head = merge({"alg": alg or ALG, "typ": TYP_ENVELOPE, "kid": key.kid}, header)
    encoded_head = b64e(_compact_json(head))
    signing_input = f"{encoded_head}.{b64e(jcs(document))}".encode()
    return f"{encoded_head}..{_signature(key, str(head.get('alg', ALG)), signing_input)}"


def decode_unverified(token: str, prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS without verifying it; ``<prefix>/ongeldig-formaat``."""
    header, payload, _sig = split_compact(token, prefix)
    try:
        body = json.loads(b64d(payload))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise JoseError(f"{prefix}/ongeldig-formaat", "payload is not base64url JSON") from exc
    if not isinstance(body, dict):
        raise JoseError(f"{prefix}/ongeldig-formaat", "payload is not a JSON object")
    return header, body


def split_compact(token: Any, prefix: str) -> tuple[dict[str, Any], str, bytes]:
    bad = f"{prefix}/ongeldig-formaat"
    if not isinstance(token, str) or token.count(".") != 2:
        raise JoseError(bad, "not a compact JWS of three parts")
    head, payload, sig = token.split(".")
    try:
        header = json.loads(b64d(head))
        signature = b64d(sig)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise JoseError(bad, "header or signature is not base64url (JSON)") from exc
    if not isinstance(header, dict):
        raise JoseError(bad, "header is not a JSON object")
    return header, payload, signature


def check_header(header: dict[str, Any], typ: str, prefix: str) -> None:
    if header.get("alg") != ALG:
        raise JoseError(f"{prefix}/algoritme-niet-toegestaan", f"alg {header.get('alg')!r}")
    if FORBIDDEN_HEADERS & header.keys() or header.keys() - ALLOWED_HEADERS:
        raise JoseError(f"{prefix}/verboden-header", f"header members {sorted(header)}")
    if header.get("typ") != typ:
        raise JoseError(f"{prefix}/verkeerd-type", f"typ {header.get('typ')!r}")


def verify_signature(jwk: dict[str, Any], signing_input: bytes, signature: bytes) -> bool:
    """True when `signature` (raw r‖s) is a valid ES256 signature by `jwk`."""
    if len(signature) != 2 * COORDINATE_BYTES:
        return False
    try:
        x = int.from_bytes(b64d(jwk["x"]), "big")
        y = int.from_bytes(b64d(jwk["y"]), "big")
        public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        r = int.from_bytes(signature[:COORDINATE_BYTES], "big")
        s = int.from_bytes(signature[COORDINATE_BYTES:], "big")
        public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True


def key_for(kid: Any, keys: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    for jwk in keys:
        try:
            if thumbprint(jwk) == kid:
                return jwk
        except KeyError:
            continue
    raise JoseError(f"{prefix}/sleutel-onbekend", f"kid {kid!r} not in the issuer's key set")


def verify(
    token: str, keys: list[dict[str, Any]], *, typ: str, prefix: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a compact JWS against the expected issuer's keys (§2); returns header, payload.

    Checks format, alg, forbidden/unknown header members, typ, that the payload is a JSON
    object, kid and signature, in that order (/token/verificatievolgorde: a verifier may
    need the unverified payload to choose the keys). Claims and times are the caller's."""
    header, _payload, signature = split_compact(token, prefix)
    check_header(header, typ, prefix)
    _header, claims = decode_unverified(token, prefix)
    jwk = key_for(header.get("kid"), keys, prefix)
    signing_input = token.rsplit(".", 1)[0].encode()
    if not verify_signature(jwk, signing_input, signature):
        raise JoseError(f"{prefix}/handtekening-ongeldig")
    return header, claims
