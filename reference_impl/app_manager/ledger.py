"""The certificate ledger: every issued certificate and every revocation, in the database.

Each issued certificate is recorded with its `jti`, key thumbprint, level, times, the app
and device names the citizen saw, the identity provider, and `bsn_sleutel`
(HMAC-SHA-256 of the BSN under the App Manager's secret) — the BSN itself is not stored.
`bsn_sleutel` lets a citizen who logged in anew list and revoke their certificates
(design §5). Revoking twice keeps the first time. A revoked `jti` is listed until its
certificate's `exp + CLOCK_SKEW_S`.

Retention: a certificate, and its revocation, is deleted `CERTIFICAAT_BEWAARTERMIJN_S`
(30 days) after it expired — long enough for the citizen to still see a recent certificate
as expired, short enough that the ledger does not keep every login forever. Issuing prunes,
at most once per `OPSCHONEN_INTERVAL_S` in a process, so the cost stays off most requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from reference_impl.app_manager import tables
from reference_impl.common.constants import CLOCK_SKEW_S
from reference_impl.common.db import Database

GELDIG = "geldig"
INGETROKKEN = "ingetrokken"
VERLOPEN = "verlopen"
CERTIFICAAT_BEWAARTERMIJN_S = 30 * 86_400  # how long after `exp` a certificate stays listed
OPSCHONEN_INTERVAL_S = 3_600  # at most one prune per process in this time


@dataclass(frozen=True)
class IssuedCertificate:
    """One line of the citizen's overview."""

    jti: str
    issued_at: int
    expires_at: int
    app_naam: str
    apparaat_naam: str
    identiteitsdienst: str
    niveau: str
    status: str


class CertificateLedger:
    """Issued certificates and revocations of one App Manager."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._next_prune = 0

    async def record_issued(self, claims: dict[str, Any], thumbprint: str, *,
                            bsn_sleutel: str, app_naam: str, apparaat_naam: str) -> None:
        now = int(claims["iat"])
        if now >= self._next_prune:
            self._next_prune = now + OPSCHONEN_INTERVAL_S
            await self.prune(now)
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.insert(tables.certificaten).values(
                jti=claims["jti"], thumbprint=thumbprint, niveau=claims["betrouwbaarheidsniveau"],
                issued_at=claims["iat"], expires_at=claims["exp"], bsn_sleutel=bsn_sleutel,
                app_naam=app_naam, apparaat_naam=apparaat_naam,
                identiteitsdienst=claims["identiteitsdienst"],
                inlogmoment=claims["inlogmoment"]))

    async def certificates_of(self, bsn_sleutel: str, now: int) -> list[IssuedCertificate]:
        """The certificates issued for one citizen, newest first."""
        c, i = tables.certificaten.c, tables.intrekkingen.c
        query = (sa.select(c.jti, c.issued_at, c.expires_at, c.app_naam, c.apparaat_naam,
                           c.identiteitsdienst, c.niveau, i.revoked_at)
                 .select_from(tables.certificaten.outerjoin(
                     tables.intrekkingen, i.certificaat_jti == c.jti))
                 .where(c.bsn_sleutel == bsn_sleutel)
                 .order_by(c.issued_at.desc(), c.jti))
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [IssuedCertificate(
            row.jti, row.issued_at, row.expires_at, row.app_naam or "", row.apparaat_naam or "",
            row.identiteitsdienst or "", row.niveau,
            INGETROKKEN if row.revoked_at is not None
            else VERLOPEN if row.expires_at < now else GELDIG) for row in rows]

    async def revoke_all(self, bsn_sleutel: str, now: int) -> int:
        """Revoke every unexpired certificate of one citizen; how many were newly revoked."""
        c, i = tables.certificaten.c, tables.intrekkingen.c
        async with self.database.engine.connect() as connection:
            rows = (await connection.execute(
                sa.select(c.jti, c.expires_at)
                .select_from(tables.certificaten.outerjoin(
                    tables.intrekkingen, i.certificaat_jti == c.jti))
                .where(c.bsn_sleutel == bsn_sleutel, c.expires_at + CLOCK_SKEW_S >= now,
                       i.certificaat_jti.is_(None)))).all()
        newly = 0
        for row in rows:
            if await self.revoke(row.jti, row.expires_at, now) == now:
                newly += 1
        return newly

    async def revoke(self, jti: str, certificate_exp: int, now: int) -> int:
        """Revoke `jti` (idempotent); returns the time it was first revoked."""
        i = tables.intrekkingen.c
        select = sa.select(i.revoked_at).where(i.certificaat_jti == jti)
        async with self.database.engine.connect() as connection:
            existing = (await connection.execute(select)).scalar()
        if existing is not None:
            return int(existing)
        try:
            async with self.database.engine.begin() as connection:
                await connection.execute(sa.insert(tables.intrekkingen).values(
                    certificaat_jti=jti, revoked_at=now, certificate_expires_at=certificate_exp))
            return now
        except sa.exc.IntegrityError:  # a concurrent request revoked it first
            async with self.database.engine.connect() as connection:
                return int((await connection.execute(select)).scalar_one())

    async def revoked_jtis(self, now: int) -> list[str]:
        """Revoked certificates that could still be presented (not expired, with skew)."""
        i = tables.intrekkingen.c
        async with self.database.engine.connect() as connection:
            rows = await connection.execute(
                sa.select(i.certificaat_jti)
                .where(i.certificate_expires_at + CLOCK_SKEW_S >= now)
                .order_by(i.certificaat_jti))
            return [row.certificaat_jti for row in rows]

    async def prune(self, now: int) -> int:
        """Delete certificates and revocations that expired more than
        `CERTIFICAAT_BEWAARTERMIJN_S` ago; how many certificates went."""
        cutoff = now - CERTIFICAAT_BEWAARTERMIJN_S
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.delete(tables.intrekkingen).where(
                tables.intrekkingen.c.certificate_expires_at < cutoff))
            deleted = await connection.execute(sa.delete(tables.certificaten).where(
                tables.certificaten.c.expires_at < cutoff))
        return int(deleted.rowcount or 0)
