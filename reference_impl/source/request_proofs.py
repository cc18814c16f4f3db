"""The `Verzoek-Bewijs` of every authenticated request, and the replay cache behind it.

After the session token (sessions.py), each request must carry exactly one
`Verzoek-Bewijs` header: a `verzoek-bewijs+jwt` signed with the session's app key for this
method and URL (`reference_impl.common.request_proof` checks everything but replay). The
expected URL is the source's **own** scheme `api_url` for the major being called plus the
path below that major's base path, so the check holds behind a proxy that rewrites host
or prefix.

Replay: an accepted `jti` is inserted into `verzoekbewijzen` keyed by (session, jti). The
primary key decides atomically, so two processes on one database (SQLite or PostgreSQL)
can never both accept one proof; a second use is 401 `verzoekbewijs/hergebruikt`. Rows
are kept until `iat + PROOF_MAX_AGE_S + 2·CLOCK_SKEW_S` (after that the proof is stale
anyway) and deleted by a later insert (at most every `SWEEP_EVERY_S` per process).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request

from reference_impl.common.constants import CLOCK_SKEW_S, PROOF_MAX_AGE_S
from reference_impl.common.db import Database
from reference_impl.common.errors import TokenError
from reference_impl.common.problems import unauthorized
from reference_impl.common.request_proof import HEADER, PREFIX, verify_request_proof
from reference_impl.source import tables
from reference_impl.source.sessions import Session

RETENTION_S = PROOF_MAX_AGE_S + 2 * CLOCK_SKEW_S
# Expired rows are deleted at most this often per process, not on every request: a DELETE
# scan per authenticated request cost more than the INSERT it guarded. A row outliving its
# retention a little longer only keeps a stale proof refused as a replay (it is stale anyway).
SWEEP_EVERY_S = 30


class ReplayCache:
    """The request-proof jtis a source accepted, per session, in its database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._swept_at = float("-inf")

    async def accept(self, session_hash: str, jti: str, iat: int, now: int) -> bool:
        """Record `jti` for the session; False when it was recorded before (a replay)."""
        r = tables.verzoekbewijzen.c
        try:
            async with self.database.engine.begin() as connection:
                if now - self._swept_at >= SWEEP_EVERY_S:
                    self._swept_at = now
                    await connection.execute(
                        sa.delete(tables.verzoekbewijzen).where(r.expires_at < now))
                await connection.execute(sa.insert(tables.verzoekbewijzen).values(
                    sessie=session_hash, jti=jti, expires_at=iat + RETENTION_S))
        except IntegrityError:
            return False
        return True


async def check_request_proof(request: Request, session: Session, *, expected_url: str | None,
                              replays: ReplayCache, now: int) -> None:
    """401 with a `verzoekbewijs/...` code unless the request carries one fresh proof for
    itself, signed by the session's key, not seen before in this session."""
    values = request.headers.getlist(HEADER)
    if not values:
        raise unauthorized(f"{PREFIX}/ontbreekt",
                           "Stuur bij elk verzoek met een sessietoken een Verzoek-Bewijs mee.")
    if len(values) > 1:
        raise unauthorized(f"{PREFIX}/ongeldig-formaat", "Stuur precies één Verzoek-Bewijs mee.")
    try:
        # A source missing from its own scheme has no URL a proof could name.
        claims = verify_request_proof(
            values[0], jwk=session.jwk, token=session.token, method=request.method,
            url=expected_url or "about:blank", now=now)
    except TokenError as refused:
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    if not await replays.accept(session.token_hash, claims["jti"], claims["iat"], now):
        raise unauthorized(f"{PREFIX}/hergebruikt", "Dit Verzoek-Bewijs is al gebruikt.")
