"""Registrations of app keys, in the App Manager's database.

A registration (`REGISTRATION_TTL_S`) holds the app's public key and a challenge
(`uitdaging`, 32 random bytes). Starting the login gives it a fresh `state` (only its hash
is stored); the identity provider's return, matched by `state`, fills in the BSN and level
and spends the `state`. Issuing the certificate spends the registration (`used_at`) and
erases the BSN in the same statement, so one registration yields at most one certificate
and the App Manager keeps no BSN afterwards.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from reference_impl.app_manager import tables
from reference_impl.app_manager.identity import Identity
from reference_impl.common.db import Database
from reference_impl.common.jose import NONCE_BYTES, random_token, thumbprint

REGISTRATION_TTL_S = 600
STATE_BYTES = 32
# Spent and expired registrations are kept this long (for support questions), then deleted.
REGISTRATION_RETENTION_S = 86_400


@dataclass(frozen=True)
class Registration:
    """A live registration (unexpired and not yet spent)."""

    id: str
    jwk: dict[str, str]
    uitdaging: str
    expires_at: int
    identity: Identity | None


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("ascii", "replace")).hexdigest()


class RegistrationStore:
    """Registrations of one App Manager."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, jwk: dict[str, Any], now: int) -> Registration:
        public = {k: jwk[k] for k in ("kty", "crv", "x", "y")}
        registration = Registration(
            id=str(uuid.uuid4()), jwk=public, uitdaging=random_token(NONCE_BYTES),
            expires_at=now + REGISTRATION_TTL_S, identity=None)
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.delete(tables.registraties).where(
                r.expires_at < now - REGISTRATION_RETENTION_S))
            await connection.execute(sa.insert(tables.registraties).values(
                id=registration.id, jwk=public, thumbprint=thumbprint(public),
                uitdaging=registration.uitdaging, state_hash=None, bsn=None, niveau=None,
                created_at=now, expires_at=registration.expires_at, logged_in_at=None,
                used_at=None))
        return registration

    async def get(self, registration_id: str, now: int) -> Registration | None:
        """The live registration with this id, or None (unknown, expired or spent)."""
        r = tables.registraties.c
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(sa.select(tables.registraties).where(
                r.id == registration_id, r.used_at.is_(None), r.expires_at >= now))).first()
        if row is None:
            return None
        identity = Identity(row.bsn, row.niveau) if row.bsn is not None else None
        return Registration(row.id, dict(row.jwk), row.uitdaging, row.expires_at, identity)

    async def start_login(self, registration_id: str, now: int) -> str | None:
        """A fresh `state` for a live registration (replacing any earlier one), or None."""
        state = random_token(STATE_BYTES)
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.registraties)
                .where(r.id == registration_id, r.used_at.is_(None), r.expires_at >= now)
                .values(state_hash=state_hash(state)))
        return state if result.rowcount == 1 else None

    async def registration_for_state(self, state: str, now: int) -> str | None:
        """The id of the live registration whose login is waiting for `state`, or None."""
        r = tables.registraties.c
        async with self.database.engine.connect() as connection:
            return (await connection.execute(sa.select(r.id).where(
                r.state_hash == state_hash(state), r.used_at.is_(None),
                r.expires_at >= now))).scalar()

    async def complete_login(self, state: str, identity: Identity, now: int) -> bool:
        """Record who logged in for `state` and spend the state; False when it is gone."""
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.registraties)
                .where(r.state_hash == state_hash(state), r.used_at.is_(None),
                       r.expires_at >= now)
                .values(bsn=identity.bsn, niveau=identity.niveau, logged_in_at=now,
                        state_hash=None))
        return result.rowcount == 1

    async def spend(self, registration: Registration, now: int) -> bool:
        """Spend a logged-in registration and erase its BSN; False when another request won."""
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.registraties)
                .where(r.id == registration.id, r.used_at.is_(None), r.expires_at >= now,
                       r.bsn.is_not(None))
                .values(used_at=now, bsn=None))
        return result.rowcount == 1
