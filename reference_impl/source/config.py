"""Configuration of a source, read once into a typed, immutable object.

A YAML file (`vorderingen bron serve --config bron.yaml`); relative paths in it are taken
relative to the file. Every key is checked: an unknown key, a wrong type or a value
outside its range raises `ConfigError` naming the key and the value. Example:

    oin: "00000001001234567000"
    naam: Gemeente Voorbeeldstad
    soort: gemeente
    diensten: [vorderingenoverzicht, betalingsregelingen, pauzes, hulpvragen]
    minimaal_betrouwbaarheidsniveau: {vorderingenoverzicht: midden}
    betalingsregeling: {minimum_termijnbedrag: 2500, maximum_aantal_termijnen: 36,
                        bedenktijd_dagen: 14, voorstel_geldigheid_s: 900}
    # 2.2, all optional: vervaldag (1-28), minimale_aanlooptijd_dagen, rente_basispunten,
    # maximaal_gemiste_termijnen (absent: never lapses), respijt_dagen,
    # reservering_geldigheid_s (present: two-phase agreement offered)
    pauze: {maximum_duur_dagen: 90}      # 2.2: maximum_aantal + periode_dagen, wachttijd_dagen
    contact: {telefoon: "14 0123", url: "https://www.voorbeeldstad.nl/belastingen"}
    database_url: sqlite+aiosqlite:///var/voorbeeldstad.db   # or postgresql://...
    key_file: /run/secrets/bron.pem      # from `vorderingen bron sleutel --uit DIR`
    # key_dir: var/keys/voorbeeldstad    # or bron.pem in this directory (see below)
    scheme: http://127.0.0.1:8000/stelsel/v2/stelseldocument   # URL or file
    scheme_key_file: stelsel-sleutels.jwks.json   # the pinned key set: a JWKS of 1..5 keys
    # scheme_keys: [stelsel-sleutel.jwk.json, {kty: EC, ...}]   # or list them (files/JWKs)
    scheme_refresh_s: 300                # how often the scheme is fetched (at most 300)
    rate_limit: {aantal: 2400, periode_s: 60} # per client, on POST /sessies* (the default)
    omgeving: test
    backend: database                    # or "package.module:factory"
    seed_file: ../demo/data.yaml         # optional: demo cases loaded into the database
    host: 127.0.0.1
    port: 8001
    uitfasering:                         # optional: once the next major is released
      major: 2                           # (governance §4): Deprecation, Sunset and Link
      deprecation: 2027-06-01            # on every response of /vorderingen/v2
      sunset: 2028-06-01
      migratie_url: https://standaard.example/vorderingen/v3-migratie
    testomgeving:                        # optional, test environments only (spec/testomgeving.md)
      klok: true                         # the test clock GET/PUT /testklok (never in productie)
      nonce_geldigheid_s: 5              # short trust lifetimes, announced in /configuratie
      sessie_geldigheid_s: 20            # (both or neither; only with omgeving test/ontwikkeling)

Keys are made by an explicit command (`vorderingen bron sleutel --uit DIR`), never behind
the operator's back: a `key_file` that cannot be read stops the source. Only a test or
development source (`omgeving: test` or `ontwikkeling`) with `key_dir` still makes
`bron.pem` there on first start, so a demo needs no extra step.

Every key can also come from the environment (twelve-factor), laid over the file or
without one: `VORDERINGEN_BRON_<KEY>` (`VORDERINGEN_BRON_DATABASE_URL=postgresql://...`,
`VORDERINGEN_BRON_PORT=8080`, `VORDERINGEN_BRON_DIENSTEN=[vorderingenoverzicht]`), or
`VORDERINGEN_BRON_<KEY>_FILE` naming a secret file that holds the value. Values are YAML,
except the text keys in `TEXT_KEYS`, taken as written. reference_impl/OPERATIONS.md lists
them all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reference_impl.common.constants import PINNED_SCHEME_KEYS_MAX, STELSEL_VERVERS_INTERVAL_S
from reference_impl.common.errors import ConfigError, KeyFileError
from reference_impl.common.jose import checked_public_jwk, load_public_jwks
from reference_impl.common.ratelimit import DEFAULT_SESSION_LIMIT, DEFAULT_SESSION_PERIOD_S
from reference_impl.common.settings import (
    MUST_BE_MAPPING,
    key_location,
    merged_settings,
    optional_path,
    reject_unknown,
    require_boolean,
    require_choice,
    require_database_url,
    require_integer,
    require_mapping_file,
    require_match,
    require_text,
)
from reference_impl.source.clock import Faciliteiten, facilities_from_mapping
from reference_impl.source.limits import (  # re-exported: the limits are part of the config
    ArrangementLimits,
    PauseLimits,
    arrangement_limits,
    checked_limits,
    pause_limits,
)
from reference_impl.source.retirement import Retirement, retirement_from_mapping

DIENSTEN = ("vorderingenoverzicht", "betalingsregelingen", "pauzes", "hulpvragen")
NIVEAUS = ("basis", "midden", "substantieel", "hoog")
SOORTEN = ("rijk", "gemeente", "waterschap", "provincie", "overig")
OMGEVINGEN = ("productie", "acceptatie", "test", "ontwikkeling")
DEFAULT_NIVEAU = "substantieel"
DEFAULT_BASE_PATH = "/vorderingen/v2"
MIN_SCHEME_REFRESH_S = 0.1  # a test federation refreshes in a blink; the maximum is the standard's
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/bron.db"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
KEY_FILE_NAME = "bron.pem"
OIN_PATTERN = re.compile(r"^[0-9]{20}$")
BASE_PATH_PATTERN = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")
CONTACT_KEYS = ("telefoon", "email", "url")
ENV_PREFIX = "VORDERINGEN_BRON"
# Environment values of these keys are text as written, not YAML (an OIN keeps its zeros).
TEXT_KEYS = frozenset({"oin", "naam", "database_url", "key_file", "key_dir", "scheme",
                       "scheme_key_file", "omgeving", "backend", "seed_file", "state_dir",
                       "base_path", "host", "soort"})
# Where a key may be made on first start (key_dir); elsewhere only by `bron sleutel`.
KEY_GENERATING_OMGEVINGEN = ("test", "ontwikkeling")


@dataclass(frozen=True)
class RateLimit:
    """At most `aantal` session-opening requests per client in `periode_s` seconds."""

    aantal: int
    periode_s: int


DEFAULT_RATE_LIMIT = RateLimit(DEFAULT_SESSION_LIMIT, DEFAULT_SESSION_PERIOD_S)


@dataclass(frozen=True)
class SourceConfig:
    """Everything a source needs to run; see the module docstring for the file form."""

    oin: str
    naam: str
    soort: str
    diensten: tuple[str, ...]
    contact: dict[str, str]
    minimaal_betrouwbaarheidsniveau: dict[str, str] = field(default_factory=dict)
    betalingsregeling: ArrangementLimits | None = None
    pauze: PauseLimits | None = None
    database_url: str = DEFAULT_DATABASE_URL
    key_file: Path | None = None
    key_dir: Path | None = None
    scheme: str | None = None
    scheme_key_file: Path | None = None
    scheme_keys: tuple[dict[str, str], ...] = ()
    scheme_refresh_s: float = float(STELSEL_VERVERS_INTERVAL_S)
    rate_limit: RateLimit = DEFAULT_RATE_LIMIT  # always on (ratelimit.py says why)
    omgeving: str = "test"
    backend: str = "database"
    seed_file: Path | None = None
    state_dir: Path | None = None
    base_path: str = DEFAULT_BASE_PATH
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    validate_documents: bool = True
    uitfasering: Retirement | None = None  # the old major's Deprecation/Sunset (governance §4)
    testomgeving: Faciliteiten = field(default_factory=Faciliteiten)  # spec/testomgeving.md

    def offers(self, dienst: str) -> bool:
        return dienst in self.diensten

    def minimum_level(self, dienst: str) -> str:
        """The lowest DigiD level a session needs for `dienst`."""
        return self.minimaal_betrouwbaarheidsniveau.get(dienst, DEFAULT_NIVEAU)

    def pinned_scheme_keys(self) -> list[dict[str, str]]:
        """The pinned scheme key set: `scheme_keys` plus the keys of `scheme_key_file`."""
        keys = list(self.scheme_keys)
        if self.scheme_key_file is not None:
            try:
                keys += load_public_jwks(self.scheme_key_file)
            except KeyFileError as exc:
                raise ConfigError("scheme_key_file", str(self.scheme_key_file), str(exc)) from exc
        unique = list({k["kid"]: k for k in keys}.values())
        if not 1 <= len(unique) <= PINNED_SCHEME_KEYS_MAX:
            raise ConfigError("scheme_keys", len(unique),
                              f"pin 1 tot {PINNED_SCHEME_KEYS_MAX} stelselsleutels")
        return unique

    @property
    def signing_key_path(self) -> Path:
        """Where the signing key is (or, see `may_generate_key`, is made on first start)."""
        return key_location(self.key_file, self.key_dir, KEY_FILE_NAME)

    @property
    def may_generate_key(self) -> bool:
        """True only for `key_dir` in a test or development source; never for `key_file`."""
        return self.key_file is None and self.omgeving in KEY_GENERATING_OMGEVINGEN


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None
                ) -> SourceConfig:
    """Read and check a YAML configuration file (if any) with the environment over it."""
    data, base = merged_settings(None if path is None else Path(path), ENV_PREFIX,
                                 frozenset(SourceConfig.__dataclass_fields__),
                                 os.environ if environ is None else environ,
                                 text_keys=TEXT_KEYS)
    config = config_from_mapping(data, base_dir=base)
    if config.scheme is None:
        raise ConfigError("scheme", None, "verplicht: nodig om appcertificaten te controleren")
    if config.scheme_key_file is None and not config.scheme_keys:
        raise ConfigError("scheme_key_file", None,
                          "verplicht (of scheme_keys): de vastgepinde stelselsleutels")
    return config


def config_from_mapping(data: Any, *, base_dir: Path | None = None) -> SourceConfig:
    """Check a configuration mapping (as read from YAML) and build a `SourceConfig`."""
    require_mapping_file(data)
    reject_unknown("", data, frozenset(SourceConfig.__dataclass_fields__))
    base = base_dir or Path.cwd()
    diensten = _diensten(data.get("diensten", ["vorderingenoverzicht"]))
    config = SourceConfig(
        oin=require_match("oin", data.get("oin"), OIN_PATTERN,
                          "moet een tekst van 20 cijfers zijn"),
        naam=require_text("naam", data.get("naam")),
        soort=require_choice("soort", data.get("soort"), SOORTEN),
        diensten=diensten,
        contact=_contact(data.get("contact")),
        minimaal_betrouwbaarheidsniveau=_levels(data.get("minimaal_betrouwbaarheidsniveau", {})),
        betalingsregeling=arrangement_limits(data.get("betalingsregeling"), diensten),
        pauze=pause_limits(data.get("pauze"), diensten),
        database_url=require_database_url(data.get("database_url", DEFAULT_DATABASE_URL), base),
        key_file=optional_path("key_file", data.get("key_file"), base),
        key_dir=optional_path("key_dir", data.get("key_dir"), base),
        scheme=_scheme(data.get("scheme"), base),
        scheme_key_file=optional_path("scheme_key_file", data.get("scheme_key_file"), base),
        scheme_keys=_scheme_keys(data.get("scheme_keys", []), base),
        scheme_refresh_s=_seconds("scheme_refresh_s",
                                  data.get("scheme_refresh_s", STELSEL_VERVERS_INTERVAL_S),
                                  MIN_SCHEME_REFRESH_S, STELSEL_VERVERS_INTERVAL_S),
        rate_limit=_rate_limit(data.get("rate_limit")),
        omgeving=require_choice("omgeving", data.get("omgeving", "test"), OMGEVINGEN),
        backend=require_text("backend", data.get("backend", "database")),
        seed_file=optional_path("seed_file", data.get("seed_file"), base),
        state_dir=optional_path("state_dir", data.get("state_dir"), base),
        base_path=require_match("base_path", data.get("base_path", DEFAULT_BASE_PATH),
                                BASE_PATH_PATTERN, "moet /segmenten zijn, zonder / aan het eind"),
        host=require_text("host", data.get("host", DEFAULT_HOST)),
        port=require_integer("port", data.get("port", DEFAULT_PORT), 0, 65535),
        validate_documents=require_boolean("validate_documents",
                                           data.get("validate_documents", True)),
        uitfasering=retirement_from_mapping(data.get("uitfasering")),
        testomgeving=facilities_from_mapping(data.get("testomgeving"),
                                                   data.get("omgeving", "test")),
    )
    if config.key_file is None and config.key_dir is None:
        raise ConfigError("key_dir", None, "geef key_dir (gegenereerde sleutel) of key_file")
    return config


def _diensten(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or len(set(value)) != len(value):
        raise ConfigError("diensten", value, "moet een lijst zonder dubbele waarden zijn")
    for dienst in value:
        require_choice("diensten", dienst, DIENSTEN)
    if "vorderingenoverzicht" not in value:
        raise ConfigError("diensten", value, "moet vorderingenoverzicht bevatten")
    return tuple(d for d in DIENSTEN if d in value)


def _levels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError("minimaal_betrouwbaarheidsniveau", value, MUST_BE_MAPPING)
    for dienst, niveau in value.items():
        require_choice("minimaal_betrouwbaarheidsniveau", dienst, DIENSTEN)
        require_choice(f"minimaal_betrouwbaarheidsniveau.{dienst}", niveau, NIVEAUS)
    return dict(value)


def _contact(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise ConfigError("contact", value, "noem ten minste een van telefoon, email, url")
    for key, text in value.items():
        require_choice("contact", key, CONTACT_KEYS)
        require_text(f"contact.{key}", text)
    return dict(value)


def _scheme_keys(value: Any, base: Path) -> tuple[dict[str, str], ...]:
    """Pinned keys listed inline: each a public JWK file (or JWKS) path, or a JWK mapping."""
    if not isinstance(value, list):
        raise ConfigError("scheme_keys", value, "moet een lijst van sleutelbestanden of JWK's zijn")
    keys: list[dict[str, str]] = []
    for index, item in enumerate(value):
        key = f"scheme_keys[{index}]"
        try:
            if isinstance(item, str):
                keys += load_public_jwks(base / item)
            elif isinstance(item, dict):
                keys.append(checked_public_jwk(item, key))
            else:
                raise ConfigError(key, item, "een sleutel is een bestandspad of een JWK-mapping")
        except KeyFileError as exc:
            raise ConfigError(key, item if isinstance(item, str) else "<jwk>", str(exc)) from exc
    return tuple(keys)


def _rate_limit(value: Any) -> RateLimit:
    """Always on: absent (or null) is the default, as the App Manager's registrations are;
    a source that needs more (a busy NAT address) raises it."""
    if value is None:
        return DEFAULT_RATE_LIMIT
    return RateLimit(**checked_limits("rate_limit", value, {
        "aantal": (1, 1_000_000), "periode_s": (1, 86_400)}))


def _seconds(key: str, value: Any, low: float, high: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(key, value, f"moet een aantal seconden van {low} tot en met {high} zijn")
    return float(value)


def _scheme(value: Any, base: Path) -> str | None:
    if value is None:
        return None
    text = require_text("scheme", value)
    return text if text.startswith(("http://", "https://")) else str(base / text)
