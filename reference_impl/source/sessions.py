"""Nonces and sessions, kept in the source's database (spec/trust-model.md §3.3, §4).

- A nonce is 32 random bytes, valid `NONCE_TTL_S`, consumed by exactly one request: one
  `UPDATE … WHERE used_at IS NULL AND expires_at >= now` decides, so two processes racing
  with the same proof cannot both win.
- A session token is 32 random bytes shown once to the app and stored only as its SHA-256
  hash, bound to the certificate's BSN, level, `jti`, `exp` and app key (`cnf.jwk`), valid
  until min(now + `SESSION_TTL_S`, the certificate's `exp`): it never outlives it.
- `authenticate` turns an `Authorization: Sessie <token>` header into a `Session` or a
  401: missing or another scheme is `sessie/token-ontbreekt`; unknown, expired, ended, or
  of a certificate the current scheme document revokes is `sessie/token-ongeldig`. The
  request proof each request must also carry is checked after it (request_proofs.py).
- Known sessions are remembered in the process (`KNOWN_SESSIONS`, by token hash): of a
  session row only `ended_at` ever changes, so a remembered session needs no lookup of its
  own. Whether it ended — here or in another process — is checked by the very statement
  that records the request's proof (request_proofs.py), or by a lookup when the proof is
  refused, so the 401s come in the same order as without the memory (issue 16: one
  database round trip per authenticated request instead of two).
- Every statement here stands alone, so each runs on `Database.autocommit()` (no
  `BEGIN`/`COMMIT` round trips on PostgreSQL).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from starlette.requests import Request

from reference_impl.common.db import Database
from reference_impl.common.jose import (
    NONCE_BYTES,
    NONCE_TTL_S,
    SESSION_TOKEN_BYTES,
    SESSION_TTL_S,
    thumbprint,
)
from reference_impl.common.jose import random_token as new_random_token
from reference_impl.common.problems import Problem, unauthorized
from reference_impl.common.request_proof import AUTH_SCHEME
from reference_impl.common.scheme import Scheme
from reference_impl.source import tables
from reference_impl.source.config import NIVEAUS

# Spent nonces are kept this long after expiry (so a late replay still reads "used" or
# "expired"), then deleted when new challenges are made. An hour bounds what one client can
# pile up; a replay after that reads "unknown", which is 401 all the same.
NONCE_RETENTION_S = 3_600
# ... at most this often per process (a DELETE per challenge doubled its database work).
SWEEP_EVERY_S = 30
# Sessions remembered per process. A session lives at most SESSION_TTL_S (15 min); 10 000
# entries of ≈ 1 KB cover every session one process serves in that time at ≈ 10/s.
KNOWN_SESSIONS = 10_000
# The nonce statements of every session set-up, as plain SQL built once (valid on SQLite and
# PostgreSQL alike) for `Database.first`: one round trip each, the driver's own on PostgreSQL.
_NEW_NONCE = sa.text("INSERT INTO nonces (nonce, created_at, expires_at, used_at) "
                     "VALUES (:nonce, :created_at, :expires_at, NULL)")
_CONSUME = sa.text("UPDATE nonces SET used_at = :now WHERE nonce = :nonce "
                   "AND used_at IS NULL AND expires_at >= :now RETURNING nonce")
_NONCE = sa.text("SELECT expires_at FROM nonces WHERE nonce = :nonce")
TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class Session:
    """An authenticated citizen: the BSN comes only from the certificate."""

    bsn: str
    niveau: str
    certificaat_jti: str
    token_hash: str
    token: str = field(repr=False)  # needed for the proof's `ath`; never logged
    expires_at: int = 0
    jwk: dict[str, Any] = field(default_factory=dict)
    # False: remembered by this process, so not yet known to be not ended (see the module
    # docstring); whoever accepts the request must check that in the database.
    confirmed: bool = True


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


class SessionStore:
    """Nonces and sessions of one source, in its database."""

    def __init__(self, database: Database, *, nonce_ttl_s: int = NONCE_TTL_S,
                 session_ttl_s: int = SESSION_TTL_S) -> None:
        self.database = database
        # the standard's lifetimes, or a test environment's shorter ones (testomgeving.md §5)
        self.nonce_ttl_s, self.session_ttl_s = nonce_ttl_s, session_ttl_s
        self._swept_at = float("-inf")
        self._known: OrderedDict[str, Session] = OrderedDict()

    async def new_nonce(self, now: int) -> tuple[str, int]:
        """A fresh nonce and its expiry (Unix seconds)."""
        nonce = new_random_token(NONCE_BYTES)
        expires_at = now + self.nonce_ttl_s
        if now - self._swept_at >= SWEEP_EVERY_S:
            self._swept_at = now
            await self.database.write(lambda connection: connection.execute(
                sa.delete(tables.nonces).where(
                    tables.nonces.c.expires_at < now - NONCE_RETENTION_S)))
        await self.database.first(_NEW_NONCE, {"nonce": nonce, "created_at": now,
                                               "expires_at": expires_at})
        return nonce, expires_at

    async def consume(self, nonce: str, now: int) -> str | None:
        """Mark `nonce` used if it is known, unexpired and unused; else say which it is not."""
        if await self.database.first(_CONSUME, {"nonce": nonce, "now": now}) is not None:
            return None
        row = await self.database.first(_NONCE, {"nonce": nonce})
        if row is None:
            return "nonce-onbekend"
        if row[0] < now:
            return "nonce-verlopen"
        return "nonce-gebruikt"

    async def open(self, certificate: dict[str, Any], now: int) -> tuple[str, int]:
        """A new session for verified certificate claims: its token (returned once, stored
        hashed) and its expiry, never after the certificate's `exp`."""
        token = new_random_token(SESSION_TOKEN_BYTES)
        expires_at = min(now + self.session_ttl_s, int(certificate["exp"]))
        jwk = {k: certificate["cnf"]["jwk"][k] for k in ("kty", "crv", "x", "y")}
        hashed = token_hash(token)
        values = {"token_hash": hashed, "bsn": certificate["bsn"],
                  "niveau": certificate["betrouwbaarheidsniveau"],
                  "certificaat_jti": certificate["jti"], "created_at": now,
                  "expires_at": expires_at, "ended_at": None,
                  "certificaat_exp": int(certificate["exp"]),
                  "sleutel_thumbprint": thumbprint(jwk), "sleutel_jwk": jwk}
        await self.database.write(
            lambda connection: connection.execute(sa.insert(tables.sessions).values(values)))
        self._remember(Session(certificate["bsn"], certificate["betrouwbaarheidsniveau"],
                               certificate["jti"], hashed, token, expires_at, jwk))
        return token, expires_at

    async def find(self, token: str, now: int) -> Session | None:
        s = tables.sessions.c
        query = sa.select(s.bsn, s.niveau, s.certificaat_jti, s.token_hash, s.expires_at,
                          s.sleutel_jwk).where(
            s.token_hash == token_hash(token), s.ended_at.is_(None), s.expires_at >= now,
            s.sleutel_jwk.is_not(None),
        )
        async with self.database.autocommit() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        session = Session(row.bsn, row.niveau, row.certificaat_jti, row.token_hash, token,
                          row.expires_at, dict(row.sleutel_jwk))
        self._remember(session)
        return session

    def recall(self, token: str, now: int) -> Session | None:
        """The session of `token` as this process remembers it (`confirmed` False: it may
        have ended since), unless unknown here or expired."""
        session = self._known.get(token_hash(token))
        if session is None or session.token != token:
            return None
        if session.expires_at < now:
            del self._known[session.token_hash]
            return None
        self._known.move_to_end(session.token_hash)
        return session

    def _remember(self, session: Session) -> None:
        self._known[session.token_hash] = replace(session, confirmed=False)
        self._known.move_to_end(session.token_hash)
        while len(self._known) > KNOWN_SESSIONS:
            self._known.popitem(last=False)

    async def end(self, session: Session, now: int) -> None:
        self._known.pop(session.token_hash, None)
        async with self.database.autocommit() as connection:
            await connection.execute(
                sa.update(tables.sessions)
                .where(tables.sessions.c.token_hash == session.token_hash)
                .values(ended_at=now)
            )

    async def authenticate(self, request: Request, *, now: int, scheme: Scheme) -> Session:
        """The session named by `Authorization: Sessie <token>`, else a 401."""
        token = session_token(request.headers.get("authorization"))
        if token is None:
            raise unauthorized("sessie/token-ontbreekt",
                               f"Stuur het sessietoken mee als '{AUTH_SCHEME} <token>'.")
        session = None
        if set(token) <= TOKEN_CHARS:
            session = self.recall(token, now) or await self.find(token, now)
        if session is None or scheme.is_revoked(session.certificaat_jti):
            raise invalid_session()
        return session


def invalid_session() -> Problem:
    """401 `sessie/token-ongeldig`: unknown, expired, ended or revoked."""
    return unauthorized("sessie/token-ongeldig",
                        "De sessie is onbekend, verlopen of beëindigd. Open een nieuwe sessie.")


def session_token(header: str | None) -> str | None:
    """The token of an `Authorization: Sessie <token>` header (scheme case-insensitive, RFC
    9110 §11.1), or None when absent, empty or of another scheme (`Bearer`)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != AUTH_SCHEME.lower() or not token.strip():
        return None
    return token.strip()


def require_level(session: Session, minimum: str | None) -> None:
    """403 `sessie/niveau-te-laag` when the session's level is below `minimum`."""
    if minimum is not None and NIVEAUS.index(session.niveau) < NIVEAUS.index(minimum):
        raise Problem(403, "sessie/niveau-te-laag", f"Hiervoor is DigiD-niveau {minimum} nodig.")
