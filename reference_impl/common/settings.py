"""Reading typed configuration: each function checks one value and names key and value.

Every actor reads its YAML configuration once into a small typed object; these are the
checks they share. A value that does not fit raises `ConfigError(key, value, reason)`
(or the subclass passed as `error`, e.g. the scheme's `DescriptionError`), so the
message always says which key was wrong and what it held. Reasons are plain Dutch, like
the rest of the CLI ("moet een lijst zijn", "onbekende sleutel"); key names stay as written.

`merged_settings` lays environment variables and secret files (`<PREFIX>_<KEY>`,
`<PREFIX>_<KEY>_FILE`) over the file, so a container needs no file at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from reference_impl.common.errors import ConfigError
from reference_impl.common.jose import dutch_reason

MUST_BE_MAPPING = "moet een mapping (sleutel: waarde) zijn"
ROOT = "<bestand>"  # the key named when the file as a whole is wrong
# What a file held instead of a mapping, in the words of the message.
_KINDS = {list: "lijst", str: "tekst", int: "getal", float: "getal", bool: "true/false"}


def read_yaml(path: Path, *, key: str = "--config",
              error: type[ConfigError] = ConfigError) -> Any:
    """The parsed content of the YAML (or JSON) file at `path`; unreadable → `error`."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise error(key, str(path), f"niet te lezen: {unreadable_because(exc)}") from exc


def unreadable_because(exc: BaseException) -> str:
    """Why a file could not be read or parsed, in one line of Dutch (the OS's and
    PyYAML's own texts are English, PyYAML's several lines long)."""
    if isinstance(exc, yaml.YAMLError):
        mark = getattr(exc, "problem_mark", None)
        if mark is None:
            return "geen geldige YAML"
        return f"geen geldige YAML (regel {mark.line + 1}, kolom {mark.column + 1})"
    return dutch_reason(exc)


def require_mapping_file(data: Any, *, key: str = ROOT,
                         error: type[ConfigError] = ConfigError) -> dict[Any, Any]:
    """`data`, the whole content of a configuration file, which must be a mapping."""
    if not isinstance(data, dict):
        raise error(key, _KINDS.get(type(data), type(data).__name__), MUST_BE_MAPPING)
    return data


def reject_unknown(prefix: str, data: dict[Any, Any], known: frozenset[str], *,
                   error: type[ConfigError] = ConfigError) -> None:
    """Refuse the first key of `data` not in `known`; its name is reported as `prefix+key`."""
    for key in data:
        if key not in known:
            raise error(f"{prefix}{key}", data[key],
                        f"onbekende sleutel (bekend: {', '.join(sorted(known))})")


def require_text(key: str, value: Any) -> str:
    """`value` as a string with more than white space in it."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, value, "moet een niet-lege tekst zijn")
    return value


def require_match(key: str, value: Any, pattern: re.Pattern[str], reason: str) -> str:
    """`value` as a string that `pattern` matches; otherwise `reason` is the message."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ConfigError(key, value, reason)
    return value


def require_choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    """`value`, which must be one of `choices`."""
    if value not in choices:
        raise ConfigError(key, value, f"moet een van deze zijn: {', '.join(choices)}")
    return value


def require_integer(key: str, value: Any, low: int, high: int, *,
                    error: type[ConfigError] = ConfigError) -> int:
    """`value` as an integer from `low` to `high` inclusive (a bool is not an integer)."""
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise error(key, value, f"moet een geheel getal van {low} tot en met {high} zijn")
    return value


def require_boolean(key: str, value: Any) -> bool:
    """`value`, which must be `true` or `false`."""
    if not isinstance(value, bool):
        raise ConfigError(key, value, "moet true of false zijn")
    return value


def optional_path(key: str, value: Any, base: Path) -> Path | None:
    """`None` when unset; otherwise the non-empty path `value`, relative to `base`."""
    if value is None:
        return None
    return base / require_text(key, value)


def key_location(key_file: Path | None, key_dir: Path | None, file_name: str) -> Path:
    """`key_file` (a key the operator manages), else `file_name` in `key_dir` (generated)."""
    if key_file is not None:
        return key_file
    if key_dir is not None:
        return key_dir / file_name
    raise ConfigError("key_dir", None, "geef key_dir (gegenereerde sleutel) of key_file")


def require_database_url(value: Any, base: Path, *, key: str = "database_url") -> str:
    """A SQLite (relative paths taken from `base`) or PostgreSQL URL for `common.db`."""
    text = require_text(key, value)
    for prefix in ("sqlite+aiosqlite:///", "sqlite:///"):
        if text.startswith(prefix):
            rest = text[len(prefix):]
            if rest != ":memory:" and not rest.startswith("/"):
                return f"sqlite+aiosqlite:///{base / rest}"
            return f"sqlite+aiosqlite:///{rest}"
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return text
    raise ConfigError(key, value, "gebruik sqlite+aiosqlite:///PAD of postgresql://...")


def from_environment(prefix: str, known: frozenset[str], environ: Mapping[str, str], *,
                     text_keys: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The configuration keys set in `environ` as `<prefix>_<KEY>` or `<prefix>_<KEY>_FILE`.

    Twelve-factor: `<prefix>_DATABASE_URL=postgresql://...` sets `database_url`;
    `<prefix>_DATABASE_URL_FILE=/run/secrets/db-url` reads it from a secret file (its
    content, surrounding white space removed). A value is YAML (`36`, `true`, `[a, b]`,
    `{aantal: 30, periode_s: 60}`) except for `text_keys`, taken as written (an OIN keeps
    its leading zeros). Setting both forms of one key, or an unreadable secret file, is a
    `ConfigError` naming the variable.
    """
    found: dict[str, Any] = {}
    for key in sorted(known):
        name = f"{prefix}_{key.upper()}"
        plain, secret = environ.get(name), environ.get(f"{name}_FILE")
        if plain is not None and secret is not None:
            raise ConfigError(name, "<twee keer gezet>",
                              f"zet {name} of {name}_FILE, niet allebei")
        if secret is not None:
            try:
                plain = Path(secret).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:  # never the content: a secret
                raise ConfigError(f"{name}_FILE", secret,
                                  f"kan het geheimbestand niet lezen: {dutch_reason(exc)}"
                                  ) from exc
        if plain is None:
            continue
        if key in text_keys:
            found[key] = plain
            continue
        try:
            found[key] = yaml.safe_load(plain)
        except yaml.YAMLError as exc:
            raise ConfigError(name, "<onleesbaar>", "geen geldige YAML-waarde") from exc
    return found


def merged_settings(path: Path | None, prefix: str, known: frozenset[str],
                    environ: Mapping[str, str], *,
                    text_keys: frozenset[str] = frozenset()) -> tuple[dict[str, Any], Path]:
    """The YAML file at `path` (if any) with the environment's keys laid over it, and the
    directory relative paths are taken from (the file's, else the working directory)."""
    data: Any = {} if path is None else read_yaml(path)
    if data is None:
        data = {}
    data = {**require_mapping_file(data),
            **from_environment(prefix, known, environ, text_keys=text_keys)}
    return data, (path.parent if path is not None else Path.cwd())
