"""The app's identity: its own key pair and the certificate an App Manager binds to it.

Key pair. `generate_key()` makes a fresh P-256 key in memory; the private key never leaves
the app (only its public JWK is registered, and only proofs signed with it are sent). By
default nothing is written to disk: every run registers a new key and logs in again. Only
when the user asks (`KeyStore.save`) is the key kept in the state directory:

- with a passphrase: PKCS#8 PEM encrypted with the best available scheme of `cryptography`
  (file mode 0600);
- without one, only when the user explicitly asks for an unencrypted key: PEM in a file of
  mode 0600.

The certificate (which carries the BSN) is stored beside the key only when the key is
stored, also with mode 0600, and reused while it is valid.

Certificate. `Identity.accept_certificate` checks what the App Manager returned before the
app relies on it: an `app-certificaat+jwt` signed by the active App Manager of the scheme
it names, binding this app's public key (`cnf.jwk`), valid now (trust model §3.2).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc.jwk import ECKey

from reference_impl.app.errors import KeyStoreError, TrustError, file_problem, write_problem
from reference_impl.app.files import WriteFailed, write_whole
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import (
    CLOCK_SKEW_S,
    PRIVATE_KEY_FILE_MODE,
    check_claims_schema,
    generate_key,
    public_jwk,
    sign,
    thumbprint,
    verify,
)
from reference_impl.common.request_proof import sign_request_proof
from reference_impl.common.scheme import Scheme

CERTIFICATE_TYP = "app-certificaat+jwt"
PROOF_TYP = "sessie-bewijs+jwt"
REQUEST_TYP = "certificaat-aanvraag+jwt"
KEY_FILE = "app-sleutel.pem"
CERTIFICATE_FILE = "app-certificaat.jwt"
RENEW_MARGIN_S = 120  # a certificate this close to `exp` is not reused

__all__ = ["Identity", "KeyStore", "generate_key"]


@dataclass
class Identity:
    """A key pair and, once logged in, its certificate and the certificate's claims."""

    key: ECKey
    certificate: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public JWK to register (`kty`, `crv`, `x`, `y`)."""
        return {k: v for k, v in public_jwk(self.key).items() if k != "kid"}

    @property
    def kid(self) -> str:
        return thumbprint(self.public_jwk)

    @property
    def bsn(self) -> str:
        """The citizen's BSN, from the certificate (the only place the app learns it)."""
        return str(self.claims["bsn"])

    @property
    def niveau(self) -> str:
        return str(self.claims["betrouwbaarheidsniveau"])

    def usable(self, now: float | None = None) -> bool:
        """True when a certificate is held that stays valid for a while yet."""
        moment = time.time() if now is None else now
        return bool(self.certificate) and moment < self.claims.get("exp", 0) - RENEW_MARGIN_S

    def proof(self, nonce: str, oin: str, api_url: str, *, now: int | None = None) -> str:
        """A `sessie-bewijs+jwt` over a source's nonce, for the scheme entry being called:
        `aud` its OIN and `api_url` the endpoint's (both from the verified scheme)."""
        claims = {"nonce": nonce, "aud": oin, "api_url": api_url,
                  "iat": int(time.time()) if now is None else now, "jti": str(uuid.uuid4())}
        return sign(claims, self.key, typ=PROOF_TYP)

    def request_proof(self, method: str, htu: str, token: str, *, now: int | None = None) -> str:
        """A fresh `verzoek-bewijs+jwt` for one request carrying the session `token`
        (design §6): bound to the method, the URL called, the time and the token."""
        return sign_request_proof(self.key, method, htu, token, now=now)

    def certificate_request(self, manager_id: str, challenge: str) -> str:
        """A `certificaat-aanvraag+jwt` proving possession of the registered key."""
        claims = {"aud": manager_id, "nonce": challenge, "iat": int(time.time()),
                  "jti": str(uuid.uuid4())}
        return sign(claims, self.key, typ=REQUEST_TYP)

    def accept_certificate(self, token: str, scheme: Scheme, *, now: int | None = None) -> None:
        """Keep `token` after checking it binds this key and is valid; else `TrustError`."""
        moment = int(time.time()) if now is None else now
        prefix = "certificaat"

        def issuer_keys(_header: dict[str, Any], claims: dict[str, Any]) -> list[dict[str, Any]]:
            manager_id = claims.get("iss", "")
            if not isinstance(manager_id, str) or scheme.trusted_app_manager(manager_id) is None:
                raise TokenError(f"{prefix}/uitgever-onbekend", "iss is geen actieve App Manager")
            iat = claims.get("iat")
            # Only keys whose window holds the certificate's iat (a bad iat fails the schema).
            return scheme.app_manager_keys(manager_id, iat if isinstance(iat, int) else 0)

        try:
            claims = verify(token, typ=CERTIFICATE_TYP, prefix=prefix, keys_for=issuer_keys)
            check_claims_schema(claims, "app-certificaat", prefix=prefix)
        except TokenError as refused:
            raise TrustError(refused.code, refused.detail) from refused
        if thumbprint(claims["cnf"]["jwk"]) != self.kid:
            raise TrustError(f"{prefix}/claims-ongeldig", "cnf.jwk is niet de sleutel van deze app")
        if now_outside(claims, moment):
            raise TrustError(f"{prefix}/verlopen", "het certificaat is nu niet geldig")
        self.certificate, self.claims = token, claims


def now_outside(claims: dict[str, Any], now: int) -> bool:
    """True when `now` lies outside `[nbf, exp]` (with the clock skew of the trust model)."""
    return claims["nbf"] - CLOCK_SKEW_S > now or now > claims["exp"] + CLOCK_SKEW_S


class KeyStore:
    """The key (and its certificate) in the state directory — only when the user asks."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    @property
    def key_path(self) -> Path:
        return self.state_dir / KEY_FILE

    @property
    def certificate_path(self) -> Path:
        return self.state_dir / CERTIFICATE_FILE

    def exists(self) -> bool:
        return self.key_path.is_file()

    def save(
        self, identity: Identity, passphrase: bytes | None, *, unencrypted: bool = False
    ) -> None:
        """Write the key (encrypted with `passphrase`, or in clear when `unencrypted`)."""
        if passphrase:
            encryption: serialization.KeySerializationEncryption = (
                serialization.BestAvailableEncryption(passphrase))
        elif unencrypted:
            encryption = serialization.NoEncryption()
        else:
            raise KeyStoreError("geef een wachtwoord, of vraag uitdrukkelijk om een "
                                "onversleuteld sleutelbestand")
        pem = identity.key.private_key.private_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        files = [(self.key_path, pem)]
        if identity.certificate:
            # The certificate first: if it cannot be written the old key stays; a stored
            # certificate that does not bind the stored key is dropped when loaded.
            files.insert(0, (self.certificate_path, identity.certificate.encode("ascii")))
        _write_private(files)

    def save_certificate(self, identity: Identity) -> None:
        if identity.certificate and self.exists():
            _write_private([(self.certificate_path, identity.certificate.encode("ascii"))])

    def load(self, passphrase: bytes | None) -> Identity:
        """The stored key, with its stored certificate (unchecked) when there is one."""
        try:
            data = self.key_path.read_bytes()
            private = serialization.load_pem_private_key(data, password=passphrase or None)
        except (TypeError, ValueError) as exc:
            raise KeyStoreError(f"kan {self.key_path} niet openen: wachtwoord onjuist of ontbreekt "
                                f"({type(exc).__name__})") from exc
        except OSError as exc:
            raise KeyStoreError(f"kan {self.key_path} niet lezen: {file_problem(exc)}") from exc
        if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
            raise KeyStoreError(f"{self.key_path} bevat geen EC P-256-sleutel")
        clear = private.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
        identity = Identity(key=ECKey.import_key(clear))
        if self.certificate_path.exists():
            try:
                identity.certificate = self.certificate_path.read_text(encoding="ascii").strip()
            except OSError as exc:
                raise KeyStoreError(f"kan {self.certificate_path} niet lezen: "
                                    f"{file_problem(exc)}") from exc
            except UnicodeDecodeError as exc:
                raise KeyStoreError(f"{self.certificate_path} is beschadigd: geen certificaat "
                                    "(geen ASCII-tekst); verwijder het om opnieuw in te "
                                    "loggen") from exc
        return identity

    def forget(self) -> None:
        for path in (self.key_path, self.certificate_path):
            path.unlink(missing_ok=True)


def _write_private(files: list[tuple[Path, bytes]]) -> None:
    """Write each `(path, data)` with mode 0600, whole (`files.write_whole`): an interruption
    never leaves a truncated key or certificate. A failure is a one-line `KeyStoreError`."""
    try:
        write_whole(files, PRIVATE_KEY_FILE_MODE)
    except WriteFailed as failed:
        raise KeyStoreError(f"kan {failed.path} niet schrijven: "
                            f"{write_problem(failed.cause)}") from failed.cause
