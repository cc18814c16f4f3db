"""Configuration of the scheme service, read once into a typed, immutable object.

A YAML file (`vorderingen stelsel serve --config stelsel.yaml`); relative paths in it are
taken relative to the file. Every key is checked: an unknown key, a wrong type or a value
outside its range raises `ConfigError` naming the key and the value. Example:

    description: stelsel-beschrijving.yaml   # the scheme description (see description.py)
    key_file: keys/stelsel-sleutel.pem       # from `vorderingen stelsel sleutel --uit keys`
    state_dir: var/stelsel                   # highest volgnummer + the current document
    poll_interval_s: 60                      # how often revocation lists are pulled
    host: 127.0.0.1
    port: 8000
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.common.errors import ConfigError
from reference_impl.common.settings import read_yaml, reject_unknown, require_integer
from reference_impl.scheme.description import SchemeDescription, load_description
from reference_impl.scheme.service import DEFAULT_POLL_INTERVAL_S

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
BASE_PATH = "/stelsel/v1"
MIN_POLL_INTERVAL_S = 1.0
MAX_POLL_INTERVAL_S = 3600.0
KNOWN_KEYS = frozenset({"description", "key_file", "state_dir", "poll_interval_s", "host", "port"})


@dataclass(frozen=True)
class SchemeServiceConfig:
    """Everything the scheme service needs; see the module docstring for the file form."""

    description: SchemeDescription
    key_file: Path
    state_dir: Path | None = None
    poll_interval_s: float = DEFAULT_POLL_INTERVAL_S
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT


def load_config(path: str | Path) -> SchemeServiceConfig:
    """Read and check a YAML configuration file."""
    path = Path(path)
    return config_from_mapping(read_yaml(path), base_dir=path.parent)


def config_from_mapping(data: Any, *, base_dir: Path | None = None) -> SchemeServiceConfig:
    base = base_dir or Path.cwd()
    if not isinstance(data, dict):
        raise ConfigError("<root>", type(data).__name__, "must be a mapping")
    reject_unknown("", data, KNOWN_KEYS)
    for key in ("description", "key_file"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ConfigError(key, data.get(key), "required: a file path")
    interval = data.get("poll_interval_s", DEFAULT_POLL_INTERVAL_S)
    if not isinstance(interval, int | float) or isinstance(interval, bool) or not (
        MIN_POLL_INTERVAL_S <= interval <= MAX_POLL_INTERVAL_S
    ):
        raise ConfigError("poll_interval_s", interval,
                          f"must be a number from {MIN_POLL_INTERVAL_S} to {MAX_POLL_INTERVAL_S}")
    port = require_integer("port", data.get("port", DEFAULT_PORT), 0, 65535)
    host = data.get("host", DEFAULT_HOST)
    if not isinstance(host, str) or not host:
        raise ConfigError("host", host, "must be a non-empty string")
    state_dir = data.get("state_dir")
    if state_dir is not None and not isinstance(state_dir, str):
        raise ConfigError("state_dir", state_dir, "must be a directory path")
    return SchemeServiceConfig(
        description=load_description(base / data["description"]),
        key_file=base / data["key_file"],
        state_dir=base / state_dir if state_dir else None,
        poll_interval_s=float(interval),
        host=host,
        port=port,
    )
