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
    public_url: http://127.0.0.1:8002/app-manager/v2   # optional: how apps reach it
    certificaat_looptijd_s: 43200        # at most 43200 (12 h)
    # bsn_geheim_bestand: /run/secrets/bsn-geheim   # else app-manager.geheim in key_dir
    toegelaten_apps:                     # apps with a claimed https redirect_uri (RFC 8252 7.2)
      - naam: Vorderingen (web)
        redirect_uris: [https://app.example.nl/inloggen/klaar]
    registratie_limiet:                  # per client address: registrations per period
      aantal: 20
      periode_s: 60
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
    #   identiteitsdienst: digid         # named in the certificate (`identiteitsdienst`)
    host: 127.0.0.1
    port: 8002

Fail closed: a configured `key_file` or `bsn_geheim_bestand` that does not exist stops the
App Manager at start-up (ConfigError naming the key); it is never replaced by a new one.

Every key can also come from the environment, laid over the file or without one:
`VORDERINGEN_APP_MANAGER_<KEY>` (YAML values, e.g. `VORDERINGEN_APP_MANAGER_IDENTITY_PROVIDER=
{type: oidc, ...}`) or `VORDERINGEN_APP_MANAGER_<KEY>_FILE` naming a secret file that holds
the value (`..._DATABASE_URL_FILE=/run/secrets/db-url`). reference_impl/OPERATIONS.md lists them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reference_impl.app_manager.errors import TestIdentityProviderRefused
from reference_impl.common.errors import ConfigError
from reference_impl.common.jose import CERT_MAX_LIFETIME_S
from reference_impl.common.settings import (
    key_location,
    merged_settings,
    optional_path,
    reject_unknown,
    require_choice,
    require_database_url,
    require_integer,
    require_mapping_file,
    require_match,
    require_text,
    unreadable_because,
)

BASE_PATH = "/app-manager/v2"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/app-manager.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8002
KEY_FILE_NAME = "app-manager.pem"
GEHEIM_FILE_NAME = "app-manager.geheim"
TEST_IDP_NAME = "test-idp"
DEFAULT_OIDC_NAME = "digid"
IDENTITEITSDIENST_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
HTTPS_URI_PATTERN = re.compile(r"^https://[^\s/?#@]+(/[^\s?#]*)?$")
DEFAULT_REGISTRATION_LIMIT = 20
DEFAULT_REGISTRATION_PERIOD_S = 60
MAX_APP_NAME_CHARS = 64
OMGEVINGEN = ("productie", "acceptatie", "test", "ontwikkeling")
NIVEAUS = ("basis", "midden", "substantieel", "hoog")
PRODUCTION = "productie"
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
URL_PATTERN = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
MUST_BE_URL = "moet een http(s)-URL zijn"
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
    "certificaat_looptijd_s", "identity_provider", "host", "port", "bsn_geheim_bestand",
    "toegelaten_apps", "registratie_limiet",
})
OIDC_KEYS = frozenset({
    "type", "issuer", "client_id", "client_secret", "client_secret_file", "scope",
    "bsn_claim", "niveau_claim", "niveaus", "timeout_s", "identiteitsdienst",
})
OIDC_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class TestIdpSettings:
    """The test identity provider: the citizens its page lists (from a `burgers:` file)."""

    __test__ = False  # not a pytest test class

    burgers_file: Path = DEMO_DATA
    identiteitsdienst: str = TEST_IDP_NAME


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
    identiteitsdienst: str = DEFAULT_OIDC_NAME


@dataclass(frozen=True)
class AdmittedApp:
    """An app admitted with claimed https redirect URIs; `naam` is shown to the citizen."""

    naam: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class RateLimit:
    """At most `aantal` requests per client address in each `periode_s` window."""

    aantal: int = DEFAULT_REGISTRATION_LIMIT
    periode_s: int = DEFAULT_REGISTRATION_PERIOD_S


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
    bsn_geheim_bestand: Path | None = None
    toegelaten_apps: tuple[AdmittedApp, ...] = ()
    registratie_limiet: RateLimit = RateLimit()

    @property
    def signing_key_path(self) -> Path:
        return key_location(self.key_file, self.key_dir, KEY_FILE_NAME)

    @property
    def secret_path(self) -> Path:
        """The BSN-key secret: configured, else generated beside the signing key."""
        return self.bsn_geheim_bestand or self.signing_key_path.with_name(GEHEIM_FILE_NAME)

    def admitted_app(self, redirect_uri: str) -> AdmittedApp | None:
        """The admitted app one of whose redirect URIs is exactly `redirect_uri`."""
        return next((app for app in self.toegelaten_apps if redirect_uri in app.redirect_uris),
                    None)


ENV_PREFIX = "VORDERINGEN_APP_MANAGER"
# Environment values of these keys are text as written, not YAML.
TEXT_KEYS = frozenset({"id", "naam", "omgeving", "database_url", "key_dir", "key_file",
                       "public_url", "host", "bsn_geheim_bestand"})


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None
                ) -> AppManagerConfig:
    """Read and check a YAML configuration file (if any) with the environment over it."""
    data, base = merged_settings(None if path is None else Path(path), ENV_PREFIX, KNOWN_KEYS,
                                 os.environ if environ is None else environ,
                                 text_keys=TEXT_KEYS)
    return config_from_mapping(data, base_dir=base)


def config_from_mapping(data: Any, *, base_dir: Path | None = None) -> AppManagerConfig:
    """Check a configuration mapping (as read from YAML) and build an `AppManagerConfig`."""
    base = base_dir or Path.cwd()
    require_mapping_file(data)
    reject_unknown("", data, KNOWN_KEYS)
    omgeving = require_choice("omgeving", data.get("omgeving", "test"), OMGEVINGEN)
    config = AppManagerConfig(
        id=require_match("id", data.get("id"), ID_PATTERN,
                         "moet passen op ^[a-z0-9][a-z0-9-]{1,62}$"),
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
        bsn_geheim_bestand=optional_path("bsn_geheim_bestand", data.get("bsn_geheim_bestand"),
                                         base),
        toegelaten_apps=_admitted_apps(data.get("toegelaten_apps", [])),
        registratie_limiet=_rate_limit(data.get("registratie_limiet", {})),
    )
    if config.key_file is None and config.key_dir is None:
        raise ConfigError("key_dir", None, "geef key_dir (gegenereerde sleutel) of key_file")
    for key, configured in (("key_file", config.key_file),
                            ("bsn_geheim_bestand", config.bsn_geheim_bestand)):
        if configured is not None and not configured.is_file():
            raise ConfigError(key, str(configured),
                              "bestand bestaat niet; een ingesteld bestand wordt nooit aangemaakt")
    return config


def refuse_test_idp_in_production(omgeving: str) -> None:
    """Raise `TestIdentityProviderRefused` when `omgeving` is `productie`."""
    if omgeving == PRODUCTION:
        raise TestIdentityProviderRefused(
            "identity_provider.type", "test",
            "de test-identiteitsdienst draait nooit bij omgeving: productie")


def _identity_provider(value: Any, omgeving: str, base: Path) -> TestIdpSettings | OidcSettings:
    if not isinstance(value, dict) or value.get("type") not in ("test", "oidc"):
        raise ConfigError("identity_provider.type", (value or {}).get("type")
                          if isinstance(value, dict) else value, "moet test of oidc zijn")
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
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError("identity_provider.client_secret_file", str(secret_file),
                              f"niet te lezen: {unreadable_because(exc)}") from exc
    niveaus = value.get("niveaus", DIGID_LEVELS)
    if not isinstance(niveaus, dict) or any(v not in NIVEAUS for v in niveaus.values()):
        raise ConfigError("identity_provider.niveaus", niveaus,
                          f"moet claimwaarden afbeelden op een van {', '.join(NIVEAUS)}")
    timeout = value.get("timeout_s", OIDC_TIMEOUT_S)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 60:
        raise ConfigError("identity_provider.timeout_s", timeout,
                          "moet een getal groter dan 0 en ten hoogste 60 zijn")
    return OidcSettings(
        issuer=require_match("identity_provider.issuer", value.get("issuer"), URL_PATTERN,
                             MUST_BE_URL),
        client_id=require_text("identity_provider.client_id", value.get("client_id")),
        client_secret=require_text("identity_provider.client_secret", secret),
        scope=require_text("identity_provider.scope", value.get("scope", "openid")),
        bsn_claim=require_text("identity_provider.bsn_claim", value.get("bsn_claim", "sub")),
        niveau_claim=require_text("identity_provider.niveau_claim",
                                  value.get("niveau_claim", "acr")),
        niveaus=dict(niveaus),
        timeout_s=float(timeout),
        identiteitsdienst=require_match(
            "identity_provider.identiteitsdienst",
            value.get("identiteitsdienst", DEFAULT_OIDC_NAME), IDENTITEITSDIENST_PATTERN,
            "moet passen op ^[a-z0-9][a-z0-9-]{0,63}$"),
    )


def _admitted_apps(value: Any) -> tuple[AdmittedApp, ...]:
    if not isinstance(value, list):
        raise ConfigError("toegelaten_apps", value, "moet een lijst van {naam, redirect_uris} zijn")
    apps = []
    for i, entry in enumerate(value):
        key = f"toegelaten_apps[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(key, entry, "moet een mapping {naam, redirect_uris} zijn")
        reject_unknown(f"{key}.", entry, frozenset({"naam", "redirect_uris"}))
        naam = require_text(f"{key}.naam", entry.get("naam"))
        if len(naam) > MAX_APP_NAME_CHARS:
            raise ConfigError(f"{key}.naam", naam, f"ten hoogste {MAX_APP_NAME_CHARS} tekens")
        uris = entry.get("redirect_uris")
        if not isinstance(uris, list) or not uris:
            raise ConfigError(f"{key}.redirect_uris", uris, "moet een niet-lege lijst zijn")
        apps.append(AdmittedApp(naam, tuple(
            require_match(f"{key}.redirect_uris[{j}]", uri, HTTPS_URI_PATTERN,
                          "moet een https-URI zonder query, fragment of gebruikersgegevens zijn")
            for j, uri in enumerate(uris))))
    return tuple(apps)


def _rate_limit(value: Any) -> RateLimit:
    if not isinstance(value, dict):
        raise ConfigError("registratie_limiet", value, "moet een mapping {aantal, periode_s} zijn")
    reject_unknown("registratie_limiet.", value, frozenset({"aantal", "periode_s"}))
    return RateLimit(
        aantal=require_integer("registratie_limiet.aantal",
                               value.get("aantal", DEFAULT_REGISTRATION_LIMIT), 1, 100_000),
        periode_s=require_integer("registratie_limiet.periode_s",
                                  value.get("periode_s", DEFAULT_REGISTRATION_PERIOD_S), 1, 86_400))


def _public_url(value: Any) -> str | None:
    if value is None:
        return None
    return require_match("public_url", value, URL_PATTERN, MUST_BE_URL).rstrip("/")
