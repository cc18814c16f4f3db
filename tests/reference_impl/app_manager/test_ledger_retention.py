"""The certificate ledger forgets a certificate (and its revocation) once it expired more than
the retention period ago, and not before: a citizen still sees recent certificates."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reference_impl.app_manager.app import MIGRATIONS
from reference_impl.app_manager.ledger import (
    CERTIFICAAT_BEWAARTERMIJN_S,
    OPSCHONEN_INTERVAL_S,
    CertificateLedger,
)
from reference_impl.common.db import Database

BSN_SLEUTEL = "a" * 64
T0 = 1_800_000_000
HOURS_12 = 12 * 3_600


@pytest.fixture
async def ledger(tmp_path: Path) -> AsyncIterator[CertificateLedger]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'am.db'}", MIGRATIONS)
    yield CertificateLedger(database)
    await database.close()


async def _issue(ledger: CertificateLedger, at: int) -> str:
    jti = str(uuid.uuid4())
    await ledger.record_issued(
        {"jti": jti, "betrouwbaarheidsniveau": "midden", "iat": at, "exp": at + HOURS_12,
         "identiteitsdienst": "test-idp", "inlogmoment": at},
        "t" * 43, bsn_sleutel=BSN_SLEUTEL, app_naam="app", apparaat_naam="telefoon")
    return jti


@pytest.mark.anyio
async def test_an_expired_certificate_is_listed_until_the_retention_ends(
        ledger: CertificateLedger) -> None:
    old = await _issue(ledger, T0)
    await ledger.revoke(old, T0 + HOURS_12, T0 + 60)
    gone_at = T0 + HOURS_12 + CERTIFICAAT_BEWAARTERMIJN_S

    assert await ledger.prune(gone_at) == 0  # exactly at the end: still kept
    listed = await ledger.certificates_of(BSN_SLEUTEL, gone_at)
    assert [(c.jti, c.status) for c in listed] == [(old, "ingetrokken")]

    assert await ledger.prune(gone_at + 1) == 1
    assert await ledger.certificates_of(BSN_SLEUTEL, gone_at + 1) == []
    # Its revocation went with it: a later revocation of that jti counts as new.
    assert await ledger.revoke(old, T0 + HOURS_12, gone_at + 2) == gone_at + 2


@pytest.mark.anyio
async def test_issuing_prunes_at_most_once_per_interval(ledger: CertificateLedger) -> None:
    old = await _issue(ledger, T0)
    ends = T0 + HOURS_12 + CERTIFICAAT_BEWAARTERMIJN_S  # old is kept until here

    async def listed(now: int) -> set[str]:
        return {c.jti for c in await ledger.certificates_of(BSN_SLEUTEL, now)}

    await _issue(ledger, ends - 10)  # prunes, but old is still within its retention
    await _issue(ledger, ends + 10)  # within the interval: no prune, old stays
    assert old in await listed(ends + 10)
    newest = await _issue(ledger, ends - 10 + OPSCHONEN_INTERVAL_S)  # the next prune
    remaining = await listed(ends + OPSCHONEN_INTERVAL_S)
    assert old not in remaining and newest in remaining and len(remaining) == 3
