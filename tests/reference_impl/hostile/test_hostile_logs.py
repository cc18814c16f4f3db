"""No personal data in any log at any level, the database drivers' included: with every
logger at DEBUG (SQLAlchemy's engine and aiosqlite echo parameters and rows there), a flow
that stores and reads BSNs, tokens and nonces leaves none of them in a log record."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from source_support import KEES, SANNE, RunningSource

from reference_impl.common import log_privacy

pytestmark = pytest.mark.anyio
DRIVERS = ("sqlalchemy.engine", "sqlalchemy.pool", "aiosqlite")


def _text(records: list[logging.LogRecord]) -> str:
    lines = []
    for record in records:
        if record.name.startswith(("httpx", "httpcore")):
            continue  # the test's own HTTP client, not the server
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


async def test_a_flow_at_debug_logs_no_bsn_and_no_token(gemeente: RunningSource,
                                                        caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    for name in DRIVERS:
        caplog.set_level(logging.DEBUG, logger=name)
    nonce = (await gemeente.client.post("/sessies/uitdagingen")).json()["nonce"]
    token = await gemeente.session(SANNE)
    await gemeente.client.get("/vorderingenoverzicht", token=token)
    einddatum = (date(2026, 1, 1) + timedelta(days=10)).isoformat()
    await gemeente.client.post("/pauzes", token=token, json={"einddatum": einddatum})
    await gemeente.client.get("/vorderingenoverzicht", token=await gemeente.session(KEES))
    driver_records = [r for r in caplog.records if log_privacy.is_driver_logger(r.name)]
    assert len(driver_records) > 20  # the drivers did log: what they logged is checked below
    text = _text(caplog.records)
    for secret in (SANNE, KEES, nonce, token):
        assert secret not in text


def test_a_driver_record_keeps_its_message_and_loses_its_data() -> None:
    record = logging.LogRecord("sqlalchemy.engine.Engine", logging.INFO, __file__, 1,
                               "[%s] %r", ("generated in 0.1s", (SANNE, "hash")), None)
    assert log_privacy.redact(record).getMessage() == "[generated in 0.1s] '<verborgen>'"
    own = logging.LogRecord("reference_impl.source", logging.INFO, __file__, 1,
                            "%s", ((1, 2),), None)
    assert log_privacy.redact(own).getMessage() == "(1, 2)"  # only drivers are touched
