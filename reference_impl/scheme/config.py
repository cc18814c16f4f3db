"""Configuration of the scheme service, read once into a typed, immutable object.

A YAML file (`vorderingen stelsel serve --config stelsel.yaml`); relative paths in it are
taken relative to the file. Every key is checked: an unknown key, a wrong type or a value
outside its range raises `ConfigError` naming the key and the value. Example:

    description: stelsel-beschrijving.yaml   # the scheme description (see description.py)
    key_file: keys/stelsel-sleutel.pem       # from `vorderingen stelsel sleutel --uit keys`
    state_dir: var/stelsel                   # highest volgnummer + the current document
    poll_interval_s: 120                     # how often revocation lists are pulled (≤ 120)
    max_age_s: 60                            # Cache-Control max-age of the document (≤ 60)
    host: 127.0.0.1
    port: 8000
    certificering:                           # optional: list `actief` only when certified
      sleutels: keys/certificeerders.jwks    #   the pinned certifier key set
      resultaten: certificeringen            #   <oin>.jwt per organisation (certification.py)

With `certificering`, an organisation the description lists `actief` is signed as
`opgeschort` while it has no verifying certification result (spec/certificering.md §7); the
service logs one line naming it and why. A wrong `certificering` block stops the start.

Fail closed: a `key_file` that does not exist stops the service (the key is made only by
`vorderingen stelsel sleutel`). Every key can also come from the environment, laid over
the file or without one: `VORDERINGEN_STELSEL_<KEY>` or `VORDERINGEN_STELSEL_<KEY>_FILE`
(a file holding the value); see reference_impl/OPERATIONS.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.common.constants import INTREKKINGEN_OPHAAL_INTERVAL_S, STELSEL_MAX_AGE_S
from reference_impl.common.errors import ConfigError
from reference_impl.common.settings import (
    merged_settings,
    reject_unknown,
    require_integer,
    require_mapping_file,
    require_text,
)
from reference_impl.common.versions import MAJOR
from reference_impl.scheme.certification import CertificationRequirement, requirement_from_mapping
from reference_impl.scheme.description import SchemeDescription, load_description
from reference_impl.scheme.service import DEFAULT_POLL_INTERVAL_S

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
BASE_PATH = f"/stelsel/v{MAJOR}"
# A test federation may pull every fraction of a second; the standard's maximum is 120 s
# (INTREKKINGEN_OPHAAL_INTERVAL_S), so a longer interval cannot be configured.
MIN_POLL_INTERVAL_S = 0.1
MAX_POLL_INTERVAL_S = float(INTREKKINGEN_OPHAAL_INTERVAL_S)
DEFAULT_MAX_AGE_S = STELSEL_MAX_AGE_S
KNOWN_KEYS = frozenset(
    {"description", "key_file", "state_dir", "poll_interval_s", "max_age_s", "host", "port",
     "certificering"})
ENV_PREFIX = "VORDERINGEN_STELSEL"
TEXT_KEYS = frozenset({"description", "key_file", "state_dir", "host"})


@dataclass(frozen=True)
class SchemeServiceConfig:
    """Everything the scheme service needs; see the module docstring for the file form."""

    description: SchemeDescription
    key_file: Path
    state_dir: Path | None = None
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    max_age_s: int = DEFAULT_MAX_AGE_S
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    certification: CertificationRequirement | None = None


def load_config(path: str | Path | None, environ: Mapping[str, str] | None = None
                ) -> SchemeServiceConfig:
    """Read and check a YAML configuration file (if any) with the environment over it."""
    data, base = merged_settings(None if path is None else Path(path), ENV_PREFIX, KNOWN_KEYS,
                                 os.environ if environ is None else environ,
                                 text_keys=TEXT_KEYS)
    return config_from_mapping(data, base_dir=base)


def config_from_mapping(data: Any, *, base_dir: Path | None = None) -> SchemeServiceConfig:
    base = base_dir or Path.cwd()
    require_mapping_file(data)
    reject_unknown("", data, KNOWN_KEYS)
    for key in ("description", "key_file"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ConfigError(key, data.get(key), "verplicht: een bestandspad")
    interval = data.get("poll_interval_s", DEFAULT_POLL_INTERVAL_S)
    if not isinstance(interval, int | float) or isinstance(interval, bool) or not (
        MIN_POLL_INTERVAL_S <= interval <= MAX_POLL_INTERVAL_S
    ):
        raise ConfigError("poll_interval_s", interval,
                          f"moet een getal van {MIN_POLL_INTERVAL_S} tot en met "
                          f"{MAX_POLL_INTERVAL_S} zijn")
    max_age_s = require_integer("max_age_s", data.get("max_age_s", DEFAULT_MAX_AGE_S),
                                0, STELSEL_MAX_AGE_S)
    port = require_integer("port", data.get("port", DEFAULT_PORT), 0, 65535)
    host = require_text("host", data.get("host", DEFAULT_HOST))
    if not (base / data["key_file"]).is_file():
        raise ConfigError("key_file", data["key_file"],
                          "bestand bestaat niet (maak er een met `vorderingen stelsel sleutel`)")
    state_dir = data.get("state_dir")
    if state_dir is not None and not isinstance(state_dir, str):
        raise ConfigError("state_dir", state_dir, "moet een mappad zijn")
    description = load_description(base / data["description"])
    certification = None
    if data.get("certificering") is not None:
        certification = requirement_from_mapping(data["certificering"], base)
    return SchemeServiceConfig(
        description=description,
        key_file=base / data["key_file"],
        state_dir=base / state_dir if state_dir else None,
        poll_interval_s=float(interval),
        max_age_s=max_age_s,
        host=host,
        port=port,
        certification=certification,
    )
