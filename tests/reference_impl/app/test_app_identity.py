"""The app's key: kept only when asked (encrypted, or in clear at mode 0600), and the
certificate is used only when it binds this key and comes from the scheme's App Manager."""

from __future__ import annotations

import os
import stat
import time
import uuid
from pathlib import Path

import pytest
from app_support import APP_MANAGER_ID, SANNE, Operator
from cryptography.hazmat.primitives import serialization

from reference_impl.app.errors import KeyStoreError, TrustError
from reference_impl.app.identity import Identity, KeyStore
from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.scheme import Scheme


def _certificate(operator: Operator, identity: Identity, *, key=None, iss=APP_MANAGER_ID,
                 lifetime_s: int = 3600) -> str:
    now = int(time.time())
    claims = {"iss": iss, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
              "exp": now + lifetime_s, "bsn": SANNE, "cnf": {"jwk": identity.public_jwk},
              "betrouwbaarheidsniveau": "substantieel", "inlogmoment": now - 5,
              "identiteitsdienst": "test-idp"}
    return sign(claims, key or operator.app_manager_key, typ="app-certificaat+jwt")


@pytest.fixture
def scheme() -> Scheme:
    operator = Operator()
    return Scheme(payload=operator.payload(), token=operator.token())


def test_a_valid_certificate_is_kept_with_its_bsn() -> None:
    operator = Operator()
    scheme = Scheme(payload=operator.payload(), token=operator.token())
    identity = Identity(generate_key())
    identity.accept_certificate(_certificate(operator, identity), scheme)
    assert identity.bsn == SANNE and identity.usable()


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda op, me: _certificate(op, Identity(generate_key())), "certificaat/claims-ongeldig"),
        (lambda op, me: _certificate(op, me, key=generate_key()), "certificaat/sleutel-onbekend"),
        (lambda op, me: _certificate(op, me, iss="andere-app-manager"),
         "certificaat/uitgever-onbekend"),
        (lambda op, me: _certificate(op, me, lifetime_s=-600), "certificaat/verlopen"),
    ],
)
def test_a_certificate_the_app_cannot_use_is_refused(make, code: str) -> None:
    operator = Operator()
    scheme = Scheme(payload=operator.payload(), token=operator.token())
    identity = Identity(generate_key())
    with pytest.raises(TrustError) as refused:
        identity.accept_certificate(make(operator, identity), scheme)
    assert refused.value.code == code
    assert identity.certificate is None


def test_the_key_is_stored_encrypted_with_a_passphrase(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    identity = Identity(generate_key(), certificate="a.b.c")
    store.save(identity, b"geheim wachtwoord")
    pem = store.key_path.read_text()
    assert "ENCRYPTED PRIVATE KEY" in pem
    assert stat.S_IMODE(store.key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.certificate_path.stat().st_mode) == 0o600
    restored = store.load(b"geheim wachtwoord")
    assert public_jwk(restored.key) == public_jwk(identity.key)
    assert restored.certificate == "a.b.c"
    with pytest.raises(KeyStoreError, match="wachtwoord"):
        store.load(b"verkeerd")
    with pytest.raises(KeyStoreError, match="wachtwoord"):
        store.load(None)


def test_the_key_is_never_written_in_clear_unless_asked(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    identity = Identity(generate_key())
    with pytest.raises(KeyStoreError):
        store.save(identity, None)
    assert not store.exists()
    store.save(identity, None, unencrypted=True)
    # Written in clear: it loads without a password.
    serialization.load_pem_private_key(store.key_path.read_bytes(), password=None)
    assert stat.S_IMODE(store.key_path.stat().st_mode) == 0o600
    assert public_jwk(store.load(None).key) == public_jwk(identity.key)


def test_a_stored_certificate_that_is_not_ascii_is_named(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.save(Identity(generate_key()), None, unencrypted=True)
    store.certificate_path.write_bytes(b"\xff\xfe")
    with pytest.raises(KeyStoreError, match=r"app-certificaat\.jwt is beschadigd"):
        store.load(None)


def test_a_certificate_path_that_is_a_directory_leaves_the_stored_key_alone(
        tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    store.save(Identity(generate_key()), None, unencrypted=True)
    before = store.key_path.read_bytes()
    store.certificate_path.mkdir()
    with pytest.raises(KeyStoreError, match=r"kan .*app-certificaat\.jwt niet schrijven") as failed:
        store.save(Identity(generate_key(), certificate="a.b.c"), None, unencrypted=True)
    assert "\n" not in str(failed.value)
    assert store.key_path.read_bytes() == before  # not half a new identity
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app-certificaat.jwt", "app-sleutel.pem"]


def test_the_key_is_replaced_whole_never_truncated_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interruption while writing leaves the old key, not a truncated one."""
    store = KeyStore(tmp_path)
    store.save(Identity(generate_key()), None, unencrypted=True)
    before = store.key_path.read_bytes()

    def interrupted(_fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyStoreError, match="schrijffout"):
        store.save(Identity(generate_key()), None, unencrypted=True)
    assert store.key_path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["app-sleutel.pem"]
