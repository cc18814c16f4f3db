"""Nonces and sessions, kept in the source's database (spec/trust-model.md §3.3, §4).

- A nonce is 32 random bytes, valid `NONCE_TTL_S`, consumed by exactly one request: one
  `UPDATE … WHERE used_at IS NULL AND expires_at >= now` decides, so two processes racing
  with the same proof cannot both win.
- A session token is 32 random bytes shown once to the app and stored only as its SHA-256
  hash, bound to the certificate's BSN, level and `jti`, valid `SESSION_TTL_S`.
- `authenticate` turns an `Authorization: Bearer` header into a `Session` or a 401/403.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from starlette.requests import Request

from reference_impl.common.db import Database
from reference_impl.common.jose import NONCE_BYTES, NONCE_TTL_S, SESSION_TOKEN_BYTES, SESSION_TTL_S
from reference_impl.common.jose import random_token as new_random_token
from reference_impl.common.problems import Problem, unauthorized
from reference_impl.source import tables
from reference_impl.source.config import NIVEAUS

# Spent nonces are kept this long after expiry (so a late replay still reads "used" or
# "expired"), then deleted when new challenges are made.
NONCE_RETENTION_S = 86_400
BEARER_PREFIX = "bearer "


@dataclass(frozen=True)
class Session:
    """An authenticated citizen: the BSN comes only from the certificate."""

    bsn: str
    niveau: str
    certificaat_jti: str
    token_hash: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class SessionStore:
    """Nonces and sessions of one source, in its database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def new_nonce(self, now: int) -> tuple[str, int]:
        """A fresh nonce and its expiry (Unix seconds)."""
        nonce = new_random_token(NONCE_BYTES)
        expires_at = now + NONCE_TTL_S
        async with self.database.engine.begin() as connection:
            await connection.execute(
                sa.delete(tables.nonces).where(
                    tables.nonces.c.expires_at < now - NONCE_RETENTION_S
                )
            )
            await connection.execute(
                sa.insert(tables.nonces).values(
                    nonce=nonce, created_at=now, expires_at=expires_at, used_at=None
                )
            )
        return nonce, expires_at

    async def consume(self, nonce: str, now: int) -> str | None:
        """Mark `nonce` used if it is known, unexpired and unused; else say which it is not."""
        n = tables.nonces.c
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.nonces)
                .where(n.nonce == nonce, n.used_at.is_(None), n.expires_at >= now)
                .values(used_at=now)
            )
            if result.rowcount == 1:
                return None
            row = (
                await connection.execute(
                    sa.select(n.expires_at, n.used_at).where(n.nonce == nonce)
                )
            ).first()
        if row is None:
            return "nonce-onbekend"
        if row.expires_at < now:
            return "nonce-verlopen"
        return "nonce-gebruikt"

    async def open(self, *, bsn: str, niveau: str, jti: str, now: int) -> tuple[str, int]:
        """A new session token (returned once, stored hashed) and its expiry."""
        token = new_random_token(SESSION_TOKEN_BYTES)
        expires_at = now + SESSION_TTL_S
        async with self.database.engine.begin() as connection:
            await connection.execute(
                sa.insert(tables.sessions).values(
                    token_hash=token_hash(token), bsn=bsn, niveau=niveau,
                    certificaat_jti=jti, created_at=now, expires_at=expires_at, ended_at=None,
                )
            )
        return token, expires_at

    async def find(self, token: str, now: int) -> Session | None:
        s = tables.sessions.c
        query = sa.select(s.bsn, s.niveau, s.certificaat_jti, s.token_hash).where(
            s.token_hash == token_hash(token), s.ended_at.is_(None), s.expires_at >= now
        )
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return Session(row.bsn, row.niveau, row.certificaat_jti, row.token_hash) if row else None

    async def end(self, session: Session, now: int) -> None:
        async with self.database.engine.begin() as connection:
            await connection.execute(
                sa.update(tables.sessions)
                .where(tables.sessions.c.token_hash == session.token_hash)
                .values(ended_at=now)
            )

    async def authenticate(self, request: Request, *, now: int, minimum: str | None) -> Session:
        """The request's session, else 401; 403 when its level is below `minimum`."""
        header = request.headers.get("authorization", "")
        token = header[len(BEARER_PREFIX):].strip()
        if not header.lower().startswith(BEARER_PREFIX) or not token:
            raise unauthorized("sessie/token-ontbreekt",
                               "Stuur een sessietoken mee als Bearer-token.")
        session = await self.find(token, now)
        if session is None:
            raise unauthorized(
                "sessie/token-ongeldig",
                "De sessie is onbekend, verlopen of beëindigd. Open een nieuwe sessie.",
            )
        if minimum is not None and NIVEAUS.index(session.niveau) < NIVEAUS.index(minimum):
            raise Problem(
                403, "sessie/niveau-te-laag", f"Hiervoor is DigiD-niveau {minimum} nodig."
            )
        return session
