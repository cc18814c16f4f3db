"""Registrations of app keys and their logins, in the App Manager's database (design §4).

A registration (`REGISTRATION_TTL_S`) holds the app's public key, the challenge
(`uitdaging`), the `redirect_uri`, the PKCE `code_challenge`, the app's `state` and the names
for the consent page. Its life:

1. `create` → the consent page (`consent_form` hands out a fresh form token, only its hash
   is stored) → `consent` spends the form token (`doorgaan` or `annuleren`; a cancel spends
   the whole registration).
2. The identity provider's return: `complete_login` stores the hash of a new `inlogcode`
   (`LOGIN_CODE_BYTES`, valid `LOGIN_CODE_TTL_S`) and the login result sealed under it.
3. `POST /certificaten`: `present_code` spends a code whatever happens next and gives back
   the login result; `spend` spends the registration when the certificate is issued.

Spent and expired registrations are deleted after `REGISTRATION_RETENTION_S`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from reference_impl.app_manager import tables
from reference_impl.app_manager.protection import seal, token_hash, unseal
from reference_impl.common.constants import (
    LOGIN_CODE_BYTES,
    LOGIN_CODE_TTL_S,
    NONCE_BYTES,
    REGISTRATION_TTL_S,
)
from reference_impl.common.db import Database
from reference_impl.common.jose import random_token, thumbprint

FORM_TOKEN_BYTES = 32
# Spent and expired registrations are kept this long (for support questions), then deleted.
REGISTRATION_RETENTION_S = 3600


@dataclass(frozen=True)
class Registration:
    """A live registration (unexpired and not yet spent)."""

    id: str
    jwk: dict[str, str]
    uitdaging: str
    redirect_uri: str
    code_challenge: str
    app_state: str
    app_naam: str
    apparaat_naam: str
    toegelaten_app: str | None
    expires_at: int
    consented: bool


@dataclass(frozen=True)
class PresentedCode:
    """What presenting an `inlogcode` found: its registration and the sealed login result
    (None when the code was unknown, expired or used before)."""

    registratie_id: str
    resultaat: dict[str, Any] | None


def _live(now: int) -> list[Any]:
    r = tables.registraties.c
    return [r.used_at.is_(None), r.expires_at >= now]


class RegistrationStore:
    """Registrations of one App Manager."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, jwk: dict[str, Any], *, redirect_uri: str, code_challenge: str,
                     app_state: str, app_naam: str, apparaat_naam: str,
                     toegelaten_app: str | None, now: int) -> Registration:
        public = {k: jwk[k] for k in ("kty", "crv", "x", "y")}
        registration = Registration(
            id=str(uuid.uuid4()), jwk=public, uitdaging=random_token(NONCE_BYTES),
            redirect_uri=redirect_uri, code_challenge=code_challenge, app_state=app_state,
            app_naam=app_naam, apparaat_naam=apparaat_naam, toegelaten_app=toegelaten_app,
            expires_at=now + REGISTRATION_TTL_S, consented=False)
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.delete(tables.registraties).where(
                r.expires_at < now - REGISTRATION_RETENTION_S))
            await connection.execute(sa.insert(tables.registraties).values(
                id=registration.id, jwk=public, thumbprint=thumbprint(public),
                uitdaging=registration.uitdaging, redirect_uri=redirect_uri,
                code_challenge=code_challenge, app_state=app_state, app_naam=app_naam,
                apparaat_naam=apparaat_naam, toegelaten_app=toegelaten_app,
                created_at=now, expires_at=registration.expires_at))
        return registration

    async def get(self, registration_id: str, now: int) -> Registration | None:
        """The live registration with this id, or None (unknown, expired or spent)."""
        r = tables.registraties.c
        async with self.database.engine.connect() as connection:
            row = (await connection.execute(sa.select(tables.registraties).where(
                r.id == registration_id, *_live(now)))).first()
        if row is None:
            return None
        return Registration(
            row.id, dict(row.jwk), row.uitdaging, row.redirect_uri, row.code_challenge,
            row.app_state, row.app_naam, row.apparaat_naam, row.toegelaten_app, row.expires_at,
            row.consent_at is not None)

    async def consent_form(self, registration_id: str, now: int) -> str | None:
        """A fresh form token for the consent page of a live registration still awaiting
        the citizen's choice (replacing any earlier token), or None."""
        token = random_token(FORM_TOKEN_BYTES)
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.registraties)
                .where(r.id == registration_id, r.consent_at.is_(None), *_live(now))
                .values(formulier_token_hash=token_hash(token)))
        return token if result.rowcount == 1 else None

    async def consent(self, registration_id: str, form_token: str, *, proceed: bool,
                      now: int) -> bool:
        """Spend the form token: record the consent, or (cancel) spend the registration.
        False when the registration is not live, not awaiting a choice, or the token wrong."""
        r = tables.registraties.c
        values = {"consent_at": now, "formulier_token_hash": None}
        if not proceed:
            values["used_at"] = now
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.registraties)
                .where(r.id == registration_id, r.consent_at.is_(None),
                       r.formulier_token_hash == token_hash(form_token), *_live(now))
                .values(**values))
        return result.rowcount == 1

    async def complete_login(self, registration_id: str, resultaat: dict[str, Any],
                             now: int) -> str | None:
        """A new `inlogcode` for a consented live registration without one, its login
        result sealed under it; None when the registration is gone."""
        code = random_token(LOGIN_CODE_BYTES)
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.registraties)
                .where(r.id == registration_id, r.consent_at.is_not(None),
                       r.inlogcode_hash.is_(None), *_live(now))
                .values(inlogcode_hash=token_hash(code),
                        inlogcode_expires_at=now + LOGIN_CODE_TTL_S,
                        inlogresultaat=seal(code, resultaat)))
        return code if result.rowcount == 1 else None

    async def cancel(self, registration_id: str, now: int) -> None:
        """Spend a registration whose login the identity provider refused."""
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.update(tables.registraties)
                                     .where(r.id == registration_id, r.used_at.is_(None))
                                     .values(used_at=now, inlogresultaat=None))

    async def present_code(self, code: str, now: int) -> PresentedCode | None:
        """Spend `code` (whatever the request's outcome) and erase its sealed result.
        None when no registration ever had this code; `resultaat` None when it was used
        before or has expired."""
        r = tables.registraties.c
        hashed = token_hash(code)
        async with self.database.engine.begin() as connection:
            row = (await connection.execute(
                sa.select(r.id, r.inlogcode_expires_at, r.inlogcode_used_at, r.inlogresultaat)
                .where(r.inlogcode_hash == hashed))).first()
            if row is None:
                return None
            spent = await connection.execute(
                sa.update(tables.registraties)
                .where(r.inlogcode_hash == hashed, r.inlogcode_used_at.is_(None))
                .values(inlogcode_used_at=now, inlogresultaat=None))
        usable = (spent.rowcount == 1 and row.inlogcode_used_at is None
                  and row.inlogcode_expires_at >= now)
        return PresentedCode(row.id, unseal(code, row.inlogresultaat) if usable else None)

    async def spend(self, registration_id: str, now: int) -> bool:
        """Spend a live registration; False when another request won."""
        r = tables.registraties.c
        async with self.database.engine.begin() as connection:
            result = await connection.execute(
                sa.update(tables.registraties)
                .where(r.id == registration_id, *_live(now))
                .values(used_at=now, inlogresultaat=None))
        return result.rowcount == 1
