"""The `Verzoek-Bewijs` of every authenticated request, and the replay cache behind it.

After the session token (sessions.py), each request must carry exactly one
`Verzoek-Bewijs` header: a `verzoek-bewijs+jwt` signed with the session's app key for this
method and URL (`reference_impl.common.request_proof` checks everything but replay). The
expected URL is the source's **own** scheme `api_url` for the major being called plus the
path below that major's base path, so the check holds behind a proxy that rewrites host
or prefix.

Replay: an accepted `jti` is inserted into `verzoekbewijzen` keyed by (session, jti). The
primary key decides atomically (`ON CONFLICT DO NOTHING`: a second use inserts nothing), so
two processes on one database (SQLite or PostgreSQL) can never both accept one proof; a
second use is 401 `verzoekbewijs/hergebruikt`. Rows are kept until `iat + PROOF_MAX_AGE_S +
2·CLOCK_SKEW_S` (after that the proof is stale anyway) and deleted by a later insert (at
most every `SWEEP_EVERY_S` per process).

The same statement inserts the row only while the session has not ended and not expired
(`INSERT … SELECT … WHERE EXISTS`): a session the process remembered (sessions.py) is
thereby confirmed in the one round trip the request needs anyway. No row inserted and the
session no longer open means it ended meanwhile: 401 `sessie/token-ongeldig`, as a lookup
would have said first. On SQLite the statement joins concurrent requests' writes in one
commit (`Database.first`: group commit, common/group_commit.py; on PostgreSQL the driver
directly). When the proof itself is refused, a
remembered session is looked up before the answer, so a request of an ended session is
never told about its proof.

The same round trip returns the citizen's version (table `burger_versies`, kept by triggers,
migration 0005): the key of the signed-overview cache, so a cached overview costs this one
statement and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from starlette.requests import Request

from reference_impl.common.constants import CLOCK_SKEW_S, PROOF_MAX_AGE_S
from reference_impl.common.db import Database
from reference_impl.common.errors import TokenError
from reference_impl.common.problems import unauthorized
from reference_impl.common.request_proof import HEADER, PREFIX, verify_request_proof
from reference_impl.source import tables
from reference_impl.source.sessions import Session, invalid_session

RETENTION_S = PROOF_MAX_AGE_S + 2 * CLOCK_SKEW_S
# Expired rows are deleted at most this often per process, not on every request: a DELETE
# scan per authenticated request cost more than the INSERT it guarded. A row outliving its
# retention a little longer only keeps a stale proof refused as a replay (it is stale anyway).
SWEEP_EVERY_S = 30

Verdict = Literal["accepted", "replayed", "session-gone"]


@dataclass(frozen=True)
class Recorded:
    """What recording a proof's `jti` found: the verdict, and when accepted the citizen's
    version (`burger_versies`) as of that statement (0 otherwise)."""

    verdict: Verdict
    citizen_version: int = 0

# Plain SQL, built once: the statement of every authenticated request (SQLAlchemy Core would
# rebuild and re-key it each time). Valid on SQLite (3.35+: RETURNING) and PostgreSQL alike.
# It returns the citizen's version: the sum of their counter and the all-citizens one (both
# only grow; migration 0005), 0 before any write.
# A jti seen before is no error (an error would spoil a SQLite group commit's batch): no row
# comes back, and _LIVE tells a replay (session open) from an ended session, which comes first.
_RECORD = sa.text(
    "INSERT INTO verzoekbewijzen (sessie, jti, expires_at) "
    "SELECT :sessie, :jti, :expires_at WHERE EXISTS ("
    "SELECT 1 FROM sessions WHERE token_hash = :token_hash AND ended_at IS NULL "
    "AND expires_at >= :now) "  # token_hash = sessie, named apart for PostgreSQL's typing
    "ON CONFLICT (sessie, jti) DO NOTHING "
    "RETURNING (SELECT COALESCE(SUM(versie), 0) FROM burger_versies "
    "WHERE bsn IN (:bsn, ''))")
_LIVE = sa.text("SELECT 1 FROM sessions WHERE token_hash = :sessie AND ended_at IS NULL "
                "AND expires_at >= :now")


class ReplayCache:
    """The request-proof jtis a source accepted, per session, in its database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._swept_at = float("-inf")

    async def accept(self, session_hash: str, jti: str, iat: int, now: int,
                     bsn: str = "") -> Recorded:
        """Record `jti` for the session if the session is still open: `accepted`, with the
        version of citizen `bsn`; else `replayed` (recorded before) or `session-gone`
        (ended or expired meanwhile)."""
        r = tables.verzoekbewijzen.c
        parameters = {"sessie": session_hash, "jti": jti, "expires_at": iat + RETENTION_S,
                      "token_hash": session_hash, "now": now, "bsn": bsn}
        if now - self._swept_at >= SWEEP_EVERY_S:
            self._swept_at = now
            await self.database.write(lambda connection: connection.execute(
                sa.delete(tables.verzoekbewijzen).where(r.expires_at < now)))
        row = await self.database.first(_RECORD, parameters)
        if row is not None:
            return Recorded("accepted", int(row[0]))
        live = await self.database.first(_LIVE, parameters) is not None
        return Recorded("replayed" if live else "session-gone")

    async def session_open(self, session_hash: str, now: int) -> bool:
        """True while the session has not ended nor expired (in any process)."""
        async with self.database.autocommit() as connection:
            row = (await connection.execute(_LIVE, {"sessie": session_hash, "now": now})).first()
        return row is not None


async def check_request_proof(request: Request, session: Session, *, expected_url: str | None,
                              replays: ReplayCache, now: int) -> int:
    """401 with a `verzoekbewijs/...` code unless the request carries one fresh proof for
    itself, signed by the session's key, not seen before in this session; 401
    `sessie/token-ongeldig` when a session the process remembered has ended meanwhile.
    Returns the session citizen's version (`Recorded.citizen_version`)."""
    try:
        claims = _verified_claims(request, session, expected_url, now)
    except TokenError as refused:
        # The session's 401 comes before the proof's (§9): make sure it is still open.
        if not session.confirmed and not await replays.session_open(session.token_hash, now):
            raise invalid_session() from None
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    recorded = await replays.accept(session.token_hash, claims["jti"], claims["iat"], now,
                                    session.bsn)
    if recorded.verdict == "session-gone":
        raise invalid_session()
    if recorded.verdict == "replayed":
        raise unauthorized(f"{PREFIX}/hergebruikt", "Dit Verzoek-Bewijs is al gebruikt.")
    return recorded.citizen_version


def _verified_claims(request: Request, session: Session, expected_url: str | None,
                     now: int) -> dict[str, Any]:
    values = request.headers.getlist(HEADER)
    if not values:
        raise TokenError(f"{PREFIX}/ontbreekt",
                         "Stuur bij elk verzoek met een sessietoken een Verzoek-Bewijs mee.")
    if len(values) > 1:
        raise TokenError(f"{PREFIX}/ongeldig-formaat", "Stuur precies één Verzoek-Bewijs mee.")
    # A source missing from its own scheme has no URL a proof could name.
    return verify_request_proof(
        values[0], jwk=session.jwk, token=session.token, method=request.method,
        url=expected_url or "about:blank", now=now)
