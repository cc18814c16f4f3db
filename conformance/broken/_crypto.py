"""The gallery's own JOSE primitives: base64url, JCS, RFC 7638 thumbprints, ES256 raw signatures.

Deliberately separate from `conformance/jose.py` (the suite's side): the gallery plays a source
organisation, and a source that shared the suite's JOSE code would hide exactly the bugs the
suite must catch (the same independence rule that keeps `reference_impl/` apart). It also needs
verification *steps* it can skip one at a time for the flaws, not one verify() that does all.
Everything here is small and built on `cryptography` and `rfc8785` only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

COORDINATE_BYTES = 32
SIGNATURE_BYTES = 2 * COORDINATE_BYTES
_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
THUMBPRINT_MEMBERS = ("crv", "kty", "x", "y")


def b64e(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Strict base64url without padding; ValueError for anything else."""
    if not isinstance(text, str) or any(c not in _B64URL for c in text):
        raise ValueError("not base64url without padding")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def jcs(value: Any) -> bytes:
    """RFC 8785 canonical JSON (UTF-8)."""
    return rfc8785.dumps(value)


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC public JWK (KeyError when a member is missing)."""
    members = {name: jwk[name] for name in THUMBPRINT_MEMBERS}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return b64e(hashlib.sha256(canonical).digest())


def public_jwk(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> dict[str, str]:
    """``{kty, crv, x, y}`` of a P-256 key."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64e(numbers.x.to_bytes(COORDINATE_BYTES, "big")),
        "y": b64e(numbers.y.to_bytes(COORDINATE_BYTES, "big")),
    }


def private_key(key: Any) -> ec.EllipticCurvePrivateKey:
    """A cryptography P-256 private key from itself or from a joserfc `ECKey`."""
    raw = key if isinstance(key, ec.EllipticCurvePrivateKey) else getattr(key, "private_key", None)
    if isinstance(raw, ec.EllipticCurvePrivateKey) and isinstance(raw.curve, ec.SECP256R1):
        return raw
    raise TypeError("signing_key must be a private EC P-256 key (cryptography or joserfc ECKey)")


def es256_sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> bytes:
    """Raw ``r‖s`` ES256 signature (64 bytes)."""
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(COORDINATE_BYTES, "big") + s.to_bytes(COORDINATE_BYTES, "big")


def es256_verify(jwk: dict[str, Any], data: bytes, signature: bytes) -> bool:
    """True when `signature` is a valid raw ES256 signature of `data` by the public `jwk`."""
    if len(signature) != SIGNATURE_BYTES or jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        return False
    try:
        x = int.from_bytes(b64d(jwk["x"]), "big")
        y = int.from_bytes(b64d(jwk["y"]), "big")
        public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        r = int.from_bytes(signature[:COORDINATE_BYTES], "big")
        s = int.from_bytes(signature[COORDINATE_BYTES:], "big")
        public.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True


def b64d_lenient(text: str) -> bytes:
    """base64url that also takes padding: only the flaw `padding-geaccepteerd` uses this."""
    return b64d(text.rstrip("=")) if isinstance(text, str) else b64d(text)


def es256_verify_any_encoding(jwk: dict[str, Any], data: bytes, signature: bytes) -> bool:
    """Raw ``r‖s`` or DER: only the flaw `der-handtekening-geaccepteerd` uses this (a verifier
    handing the signature straight to a DER-expecting library)."""
    if es256_verify(jwk, data, signature):
        return True
    try:
        x = int.from_bytes(b64d(jwk["x"]), "big")
        y = int.from_bytes(b64d(jwk["y"]), "big")
        public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return False
    return True


def hs256_verify(jwk: dict[str, Any], data: bytes, signature: bytes) -> bool:
    """HMAC-SHA256 keyed with the JCS bytes of a PUBLIC key: only the flaw `hs256-geaccepteerd`
    calls this (the classic algorithm-confusion bug of feeding a public key to an HMAC)."""
    try:
        secret = jcs({name: jwk[name] for name in THUMBPRINT_MEMBERS})
    except KeyError:
        return False
    return hmac.compare_digest(hmac.new(secret, data, hashlib.sha256).digest(), signature)


def sign_compact(key: ec.EllipticCurvePrivateKey, header: dict[str, Any], payload: bytes) -> str:
    """A compact ES256 JWS ``header.payload.signature``."""
    signing_input = f"{b64e(json.dumps(header).encode())}.{b64e(payload)}"
    return f"{signing_input}.{b64e(es256_sign(key, signing_input.encode('ascii')))}"


def sign_detached(key: ec.EllipticCurvePrivateKey, header: dict[str, Any], payload: bytes) -> str:
    """A compact ES256 JWS with a detached payload (RFC 7515 appendix F): ``header..signature``."""
    head, _payload, signature = sign_compact(key, header, payload).split(".")
    return f"{head}..{signature}"
