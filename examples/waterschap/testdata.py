"""The collection system's test database: `schema.sql` + `testdata.sql`, in SQLite.

`create_test_database(path)` (re)creates it, with every date relative to now, so the
fictional citizens always play "today". In production the adapter reads the cooperative's
own database instead (`$INVORDERING_DATABASE_URL`), and this module is not used.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "database"
SCRIPTS = ("schema.sql", "testdata.sql")


def create_test_database(path: str | Path) -> Path:
    """Create (replacing any old one) the SQLite test database at `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        for script in SCRIPTS:
            connection.executescript((SQL_DIR / script).read_text(encoding="utf-8"))
        connection.commit()
    finally:
        connection.close()
    return path


def sqlite_url(path: str | Path) -> str:
    """The async SQLAlchemy URL of a SQLite file."""
    return f"sqlite+aiosqlite:///{Path(path)}"
