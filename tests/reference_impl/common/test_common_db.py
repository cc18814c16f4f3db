"""Database URLs map to the async drivers; the same migration code path serves SQLite."""

from __future__ import annotations

import pytest

from reference_impl.common.db import async_url
from reference_impl.common.errors import ConfigError


def test_database_urls() -> None:
    assert async_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert async_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert async_url("sqlite:///var/x.db") == "sqlite+aiosqlite:///var/x.db"
    assert async_url("sqlite+aiosqlite:///:memory:") == "sqlite+aiosqlite:///:memory:"
    with pytest.raises(ConfigError) as refused:
        async_url("mysql://u@h/db")
    assert "mysql://u@h/db" in str(refused.value)
