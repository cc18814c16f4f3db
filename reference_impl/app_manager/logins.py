"""Identity-provider logins in progress, and the citizen's management sessions.

Every login at the identity provider gets its own fresh `state` (32 random bytes; only its
hash is stored). The return to `/inloggen/terugkeer` takes the state once and learns what
the login was for: `AppLogin` (a registration's consent was given) or `ManagementLogin`
(the citizen's revocation pages, design §5). A management login always goes to the
identity provider anew: no earlier login counts.

A management session (`BEHEERSESSIE_TTL_S`) is a random token in the cookie `beheersessie`;
the database holds its hash and the citizen's `bsn_sleutel`, never the BSN. Its form token
is derived from the session token under the App Manager's secret, so it is bound to the
session without being stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from reference_impl.app_manager import tables
from reference_impl.app_manager.protection import token_hash
from reference_impl.common.constants import BEHEERSESSIE_TTL_S, REGISTRATION_TTL_S
from reference_impl.common.db import Database
from reference_impl.common.jose import random_token

STATE_BYTES = 32
SESSION_TOKEN_BYTES = 32
APP = "app"
MANAGEMENT = "beheer"
LOGIN_TTL_S = REGISTRATION_TTL_S


@dataclass(frozen=True)
class AppLogin:
    registratie_id: str


@dataclass(frozen=True)
class ManagementLogin:
    pass


class LoginStore:
    """Identity-provider states and management sessions of one App Manager."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def start(self, login: AppLogin | ManagementLogin, now: int) -> str:
        """A fresh `state` for a login at the identity provider."""
        state = random_token(STATE_BYTES)
        p = tables.inlogpogingen.c
        registratie_id = login.registratie_id if isinstance(login, AppLogin) else None
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.delete(tables.inlogpogingen).where(p.expires_at < now))
            await connection.execute(sa.insert(tables.inlogpogingen).values(
                state_hash=token_hash(state),
                soort=APP if registratie_id else MANAGEMENT,
                registratie_id=registratie_id, expires_at=now + LOGIN_TTL_S))
        return state

    async def take(self, state: str, now: int) -> AppLogin | ManagementLogin | None:
        """What the login with `state` was for; the state is spent. None when unknown."""
        p = tables.inlogpogingen.c
        hashed = token_hash(state)
        async with self.database.engine.begin() as connection:
            row = (await connection.execute(sa.select(p.soort, p.registratie_id).where(
                p.state_hash == hashed, p.expires_at >= now))).first()
            if row is None:
                return None
            taken = await connection.execute(
                sa.delete(tables.inlogpogingen).where(p.state_hash == hashed))
        if taken.rowcount != 1:  # a concurrent return took it first
            return None
        return AppLogin(row.registratie_id) if row.soort == APP else ManagementLogin()

    async def peek(self, state: str, now: int) -> AppLogin | ManagementLogin | None:
        """What the live login with `state` is for, without spending the state."""
        p = tables.inlogpogingen.c
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(sa.select(p.soort, p.registratie_id).where(
                p.state_hash == token_hash(state), p.expires_at >= now))).first()
        if row is None:
            return None
        return AppLogin(row.registratie_id) if row.soort == APP else ManagementLogin()

    async def open_session(self, bsn_sleutel: str, now: int) -> str:
        """A new management session for the citizen with `bsn_sleutel`; its token."""
        token = random_token(SESSION_TOKEN_BYTES)
        s = tables.beheersessies.c
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.delete(tables.beheersessies).where(s.expires_at < now))
            await connection.execute(sa.insert(tables.beheersessies).values(
                token_hash=token_hash(token), bsn_sleutel=bsn_sleutel,
                expires_at=now + BEHEERSESSIE_TTL_S))
        return token

    async def session(self, token: str | None, now: int) -> str | None:
        """The `bsn_sleutel` of the live management session `token`, or None."""
        if not token or len(token) > 2 * SESSION_TOKEN_BYTES:
            return None
        s = tables.beheersessies.c
        async with self.database.engine.connect() as connection:
            return (await connection.execute(sa.select(s.bsn_sleutel).where(
                s.token_hash == token_hash(token), s.expires_at >= now))).scalar()
