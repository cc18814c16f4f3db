"""Configuration of the App Manager, read once into a typed, immutable object.

A YAML file (`vorderingen app-manager serve --config app-manager.yaml`); relative paths in
it are taken relative to the file. Every key is checked: an unknown key, a wrong type or a
value outside its range raises `ConfigError` naming the key and the value. Example:

    id: voorbeeld-app-manager            # its id in the scheme (`iss` of its certificates)
    naam: Voorbeeld App Manager
    omgeving: test                       # productie refuses the test identity provider
    database_url: sqlite+aiosqlite:///var/app-manager.db   # or postgresql://...
    key_dir: var/keys/app-manager        # app-manager.pem (+ .jwk.json) generated here
    # key_file: /run/secrets/app-manager.pem
    public_url: http://127.0.0.1:8002/app-manager/v1   # optional: how apps reach it
    certificaat_looptijd_s: 43200        # at most 43200 (12 h)
    identity_provider:
      type: test                         # the DigiD simulator, listing these citizens:
      burgers: ../demo/data.yaml         # a file with `burgers: [{bsn, naam, omschrijving}]`
    # identity_provider:                 # a real OpenID Connect provider
    #   type: oidc
    #   issuer: https://login.example.nl
    #   client_id: app-manager
    #   client_secret_file: /run/secrets/oidc-client-secret
    #   scope: openid
    #   bsn_claim: sub
    #   niveau_claim: acr
    #   niveaus: {"urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard": substantieel}
    host: 127.0.0.1
    port: 8002
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reference_impl.app_manager.errors import TestIdentityProviderRefused
from reference_impl.common.errors import ConfigError
from reference_impl.common.jose import CERT_MAX_LIFETIME_S
from reference_impl.common.settings import (
    key_location,
    optional_path,
    read_yaml,
    reject_unknown,
    require_choice,
    require_database_url,
    require_integer,
    require_match,
    require_text,
)

BASE_PATH = "/app-manager/v1"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/app-manager.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8002
KEY_FILE_NAME = "app-manager.pem"
OMGEVINGEN = ("productie", "acceptatie", "test", "ontwikkeling")
NIVEAUS = ("basis", "midden", "substantieel", "hoog")
PRODUCTION = "productie"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
URL_PATTERN = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
DEMO_DATA = Path(__file__).resolve().parents[1] / "demo" / "data.yaml"
# DigiD's SAML authentication context classes and the level each stands for.
DIGID_LEVELS = {
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport": "basis",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract": "midden",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard": "substantieel",
    "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI": "hoog",
    **{niveau: niveau for niveau in NIVEAUS},
}
KNOWN_KEYS = frozenset({
    "id", "naam", "omgeving", "database_url", "key_dir", "key_file", "public_url",
    "certificaat_looptijd_s", "identity_provider", "host", "port",
})
OIDC_KEYS = frozenset({
    "type", "issuer", "client_id", "client_secret", "client_secret_file", "scope",
    "bsn_claim", "niveau_claim", "niveaus", "timeout_s",
})
OIDC_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class TestIdpSettings:
    """The test identity provider: the citizens its page lists (from a `burgers:` file)."""

    __test__ = False  # not a pytest test class

    burgers_file: Path = DEMO_DATA


@dataclass(frozen=True)
class OidcSettings:
    """A real OpenID Connect provider (authorization-code flow, confidential client)."""

    issuer: str
    client_id: str
    client_secret: str
    scope: str = "openid"
    bsn_claim: str = "sub"
    niveau_claim: str = "acr"
    niveaus: dict[str, str] = field(default_factory=lambda: dict(DIGID_LEVELS))
    timeout_s: float = OIDC_TIMEOUT_S


@dataclass(frozen=True)
class AppManagerConfig:
    """Everything the App Manager needs; see the module docstring for the file form."""

    id: str
    naam: str
    identity_provider: TestIdpSettings | OidcSettings
    omgeving: str = "test"
    database_url: str = DEFAULT_DATABASE_URL
    key_file: Path | None = None
    key_dir: Path | None = None
    public_url: str | None = None
    certificaat_looptijd_s: int = CERT_MAX_LIFETIME_S
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    @property
    def signing_key_path(self) -> Path:
        return key_location(self.key_file, self.key_dir, KEY_FILE_NAME)


def load_config(path: str | Path) -> AppManagerConfig:
    """Read and check a YAML configuration file."""
    path = Path(path)
    data = read_yaml(path)
    return config_from_mapping(data, base_dir=path.parent)


def config_from_mapping(data: Any, *, base_dir: Path | None = None) -> AppManagerConfig:
    """Check a configuration mapping (as read from YAML) and build an `AppManagerConfig`."""
    base = base_dir or Path.cwd()
    if not isinstance(data, dict):
        raise ConfigError("<root>", type(data).__name__, "must be a mapping")
    reject_unknown("", data, KNOWN_KEYS)
    omgeving = require_choice("omgeving", data.get("omgeving", "test"), OMGEVINGEN)
    config = AppManagerConfig(
        id=require_match("id", data.get("id"), ID_PATTERN, "must match ^[a-z0-9][a-z0-9-]{1,62}$"),
        naam=require_text("naam", data.get("naam")),
        identity_provider=_identity_provider(data.get("identity_provider"), omgeving, base),
        omgeving=omgeving,
        database_url=require_database_url(data.get("database_url", DEFAULT_DATABASE_URL), base),
        key_file=optional_path("key_file", data.get("key_file"), base),
        key_dir=optional_path("key_dir", data.get("key_dir"), base),
        public_url=_public_url(data.get("public_url")),
        certificaat_looptijd_s=require_integer(
            "certificaat_looptijd_s", data.get("certificaat_looptijd_s", CERT_MAX_LIFETIME_S),
            60, CERT_MAX_LIFETIME_S),
        host=require_text("host", data.get("host", DEFAULT_HOST)),
        port=require_integer("port", data.get("port", DEFAULT_PORT), 0, 65535),
    )
    if config.key_file is None and config.key_dir is None:
        raise ConfigError("key_dir", None, "set key_dir (generated key) or key_file")
    return config


def refuse_test_idp_in_production(omgeving: str) -> None:
    """Raise `TestIdentityProviderRefused` when `omgeving` is `productie`."""
    if omgeving == PRODUCTION:
        raise TestIdentityProviderRefused(
            "identity_provider.type", "test",
            "the test identity provider refuses to run when omgeving is productie")


def _identity_provider(value: Any, omgeving: str, base: Path) -> TestIdpSettings | OidcSettings:
    if not isinstance(value, dict) or value.get("type") not in ("test", "oidc"):
        raise ConfigError("identity_provider.type", (value or {}).get("type")
                          if isinstance(value, dict) else value, "must be test or oidc")
    if value["type"] == "test":
        reject_unknown("identity_provider.", value, frozenset({"type", "burgers"}))
        refuse_test_idp_in_production(omgeving)
        burgers = optional_path("identity_provider.burgers", value.get("burgers"), base)
        return TestIdpSettings(burgers or DEMO_DATA)
    reject_unknown("identity_provider.", value, OIDC_KEYS)
    secret = value.get("client_secret")
    secret_file = optional_path("identity_provider.client_secret_file",
                                value.get("client_secret_file"), base)
    if secret_file is not None:
        try:
            secret = secret_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError("identity_provider.client_secret_file", str(secret_file),
                              f"cannot read: {exc}") from exc
    niveaus = value.get("niveaus", DIGID_LEVELS)
    if not isinstance(niveaus, dict) or any(v not in NIVEAUS for v in niveaus.values()):
        raise ConfigError("identity_provider.niveaus", niveaus,
                          f"must map claim values to one of {', '.join(NIVEAUS)}")
    timeout = value.get("timeout_s", OIDC_TIMEOUT_S)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 60:
        raise ConfigError("identity_provider.timeout_s", timeout, "must be a number from 0 to 60")
    return OidcSettings(
        issuer=require_match("identity_provider.issuer", value.get("issuer"), URL_PATTERN,
                             "must be an http(s) URL"),
        client_id=require_text("identity_provider.client_id", value.get("client_id")),
        client_secret=require_text("identity_provider.client_secret", secret),
        scope=require_text("identity_provider.scope", value.get("scope", "openid")),
        bsn_claim=require_text("identity_provider.bsn_claim", value.get("bsn_claim", "sub")),
        niveau_claim=require_text("identity_provider.niveau_claim",
                                  value.get("niveau_claim", "acr")),
        niveaus=dict(niveaus),
        timeout_s=float(timeout),
    )


def _public_url(value: Any) -> str | None:
    if value is None:
        return None
    return require_match("public_url", value, URL_PATTERN, "must be an http(s) URL").rstrip("/")
