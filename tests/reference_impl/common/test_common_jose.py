"""JOSE building blocks: thumbprints agree with the spec's independently computed kids,
tokens round-trip, the profile is enforced before any cryptography, keys are stored
owner-only."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from reference_impl.common import jose
from reference_impl.common.errors import KeyFileError, TokenError
from reference_impl.common.spec import spec_dir


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_thumbprints_match_the_kids_of_the_vector_keys() -> None:
    keys = sorted((spec_dir() / "vectors" / "keys").glob("*.json"))
    assert keys
    for path in keys:
        jwk = json.loads(path.read_text())
        assert jose.thumbprint(jwk) == jwk["kid"], path.name


def test_a_malformed_keys_thumbprint_is_its_own_not_a_kept_one() -> None:
    # Thumbprints of string members are kept per key; 1 == True in a cache key, but their
    # JSON differs, so keys with other member types are worked out every time.
    base = {"crv": "P-256", "kty": "EC", "y": "y"}
    for _ in range(2):  # the second time from the cache, where one is kept
        prints = [jose.thumbprint({**base, "x": x}) for x in ("1", 1, True, 1.0)]
        assert len(set(prints)) == 4
    with pytest.raises(KeyError):
        jose.thumbprint(base)


def test_sign_and_verify_round_trip() -> None:
    key = jose.generate_key()
    token = jose.sign({"a": "é", "n": 1}, key, typ="test+jwt")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {"alg": "ES256", "typ": "test+jwt", "kid": jose.public_jwk(key)["kid"]}
    claims = jose.verify(token, typ="test+jwt", prefix="t",
                         keys_for=lambda _h, _c: [jose.public_jwk(key)])
    assert claims == {"a": "é", "n": 1}


def test_profile_is_checked_before_the_key_lookup() -> None:
    key = jose.generate_key()
    token = jose.sign({"a": 1}, key, typ="test+jwt")
    _, payload, signature = token.split(".")
    looked_up = []

    def keys_for(header: dict, claims: dict) -> list[dict]:
        looked_up.append(header)
        return [jose.public_jwk(key)]

    for header, code in (({"alg": "none", "typ": "test+jwt"}, "t/algoritme-niet-toegestaan"),
                         ({"alg": "ES256", "typ": "test+jwt", "kid": "x", "jwk": {}},
                          "t/verboden-header"),
                         ({"alg": "ES256", "typ": "TEST+JWT", "kid": "x"}, "t/verkeerd-type")):
        with pytest.raises(TokenError) as refused:
            jose.verify(f"{b64(header)}.{payload}.{signature}", typ="test+jwt", prefix="t",
                        keys_for=keys_for)
        assert refused.value.code == code
    assert looked_up == []


def test_duplicate_header_members_are_malformed() -> None:
    key = jose.generate_key()
    _, payload, signature = jose.sign({}, key, typ="t").split(".")
    raw = b'{"alg":"ES256","typ":"t","typ":"t"}'
    header = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    with pytest.raises(TokenError) as refused:
        jose.verify(f"{header}.{payload}.{signature}", typ="t", prefix="t",
                    keys_for=lambda _h, _c: [jose.public_jwk(key)])
    assert refused.value.code == "t/ongeldig-formaat"


def test_detached_signature_round_trip() -> None:
    key = jose.generate_key()
    token = jose.sign_detached(b"payload", key, typ="d+jws")
    assert token.split(".")[1] == ""
    jose.verify_detached(token, b"payload", typ="d+jws", prefix="d", keys=[jose.public_jwk(key)])
    with pytest.raises(TokenError) as refused:
        jose.verify_detached(token, b"other", typ="d+jws", prefix="d",
                             keys=[jose.public_jwk(key)])
    assert refused.value.code == "d/handtekening-ongeldig"


def test_private_keys_are_owner_only_and_load_back(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "bron.pem"
    key = jose.ensure_private_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert jose.public_jwk(jose.ensure_private_key(path)) == jose.public_jwk(key)
    assert jose.public_jwk(jose.load_private_key(path)) == jose.public_jwk(key)


def test_public_key_files(tmp_path: Path) -> None:
    key = jose.generate_key()
    single = tmp_path / "key.json"
    single.write_text(json.dumps(jose.public_jwk(key)))
    assert jose.load_public_jwk(single) == jose.public_jwk(key)
    keyset = tmp_path / "jwks.json"
    keyset.write_text(json.dumps({"keys": [jose.public_jwk(key)]}))
    assert jose.load_public_jwk(keyset)["kid"] == jose.public_jwk(key)["kid"]
    private = tmp_path / "private.json"
    private.write_text(json.dumps({**jose.public_jwk(key), "d": "AAAA"}))
    with pytest.raises(KeyFileError):
        jose.load_public_jwk(private)
    wrong_kid = tmp_path / "wrong.json"
    wrong_kid.write_text(json.dumps({**jose.public_jwk(key), "kid": "abc"}))
    with pytest.raises(KeyFileError):
        jose.load_public_jwk(wrong_kid)
    with pytest.raises(KeyFileError):
        jose.load_private_key(single)


def test_base64url_with_a_final_newline_is_refused() -> None:
    """Python's `$` matches before a final newline: only a whole match is base64url."""
    assert jose.b64url_decode("AAAA") == b"\0\0\0"
    with pytest.raises(ValueError, match="geen base64url"):  # not merely "Incorrect padding"
        jose.b64url_decode("AAA\n")
