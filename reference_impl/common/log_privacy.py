"""No personal data in the logs of the database drivers, at any level.

SQLAlchemy logs query parameters at INFO and result rows at DEBUG when its loggers are
turned up, aiosqlite logs every call with its arguments at DEBUG, and the reference keeps
BSNs, token hashes and nonces in its tables. `install()` wraps the log-record factory once
per process so that a record from one of `DRIVER_LOGGERS` keeps its message (the SQL with
its placeholders, "executing %s") but every argument that is not a plain string or number
— parameter lists, rows, the call a driver is about to run, an exception carrying
parameters — is replaced by `HIDDEN`. A factory, not a logger filter, because filters do
not apply to child loggers and a handler filter only to the handlers one knows of.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

DRIVER_LOGGERS = ("sqlalchemy", "aiosqlite", "psycopg", "asyncpg", "alembic")
HIDDEN = "<verborgen>"
_SAFE = (str, int, float, bool, type(None))

_lock = threading.Lock()
_installed = False


def is_driver_logger(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in DRIVER_LOGGERS)


def _hide(value: Any) -> Any:
    return value if isinstance(value, _SAFE) else HIDDEN


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """`record` with every argument that could carry data replaced by `HIDDEN`."""
    if not is_driver_logger(record.name):
        return record
    if isinstance(record.args, Mapping):
        record.args = {key: _hide(value) for key, value in record.args.items()}
    elif record.args:
        record.args = tuple(_hide(value) for value in record.args)
    if not isinstance(record.msg, str):
        record.msg = HIDDEN
    if record.exc_info is not None:
        # A driver's exception text may quote the statement's parameters.
        kind = record.exc_info[0].__name__ if record.exc_info[0] else "Exception"
        record.msg = f"{record.msg} ({kind}; details {HIDDEN})"
        record.exc_info, record.exc_text = None, None
    return record


def install() -> None:
    """Redact database-driver records from now on, in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact(previous(*args, **kwargs))

        logging.setLogRecordFactory(factory)
        _installed = True
