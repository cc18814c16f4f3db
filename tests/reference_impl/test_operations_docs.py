"""reference_impl/OPERATIONS.md names every environment variable the three servers read:
one per configuration key of each actor (a new key without a line there fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_impl.app_manager import config as app_manager_config
from reference_impl.scheme import config as scheme_config
from reference_impl.source import config as source_config

OPERATIONS = Path(__file__).resolve().parents[2] / "reference_impl" / "OPERATIONS.md"


@pytest.mark.parametrize(("prefix", "keys"), [
    (source_config.ENV_PREFIX, frozenset(source_config.SourceConfig.__dataclass_fields__)),
    (app_manager_config.ENV_PREFIX, app_manager_config.KNOWN_KEYS),
    (scheme_config.ENV_PREFIX, scheme_config.KNOWN_KEYS),
])
def test_every_variable_is_documented(prefix: str, keys: frozenset[str]) -> None:
    text = OPERATIONS.read_text(encoding="utf-8")
    missing = sorted(f"{prefix}_{key.upper()}" for key in keys
                     if f"{prefix}_{key.upper()}" not in text)
    assert missing == []
    assert f"{prefix}_CONFIG" in text
