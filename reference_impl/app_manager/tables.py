"""The App Manager's database tables (SQLAlchemy Core; the schema is made by migrations/).

Times are integer Unix seconds; tokens, codes and states are stored as SHA-256 hashes,
never in clear. No table holds a BSN in clear:

- `registraties`: an app's key, challenge, `redirect_uri`, PKCE `code_challenge`, the app's
  `state` and the names shown on the consent page. The identity provider's return sets the
  hash of the one-time `inlogcode` and `inlogresultaat` (BSN, level, time, identity
  provider) sealed under that code (see `protection`); presenting the code erases it.
- `inlogpogingen`: the `state` of each identity-provider login: an app login (for a
  registration) or a management login (`beheer`).
- `certificaten`: every issued certificate, with `bsn_sleutel` = HMAC-SHA-256(BSN) under the
  App Manager's secret and what the citizen's overview shows.
- `intrekkingen`: revoked certificates; `beheersessies`: the citizen's management sessions;
  `testidp_codes`: the test identity provider's codes (its result sealed under the code).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

registraties = sa.Table(
    "registraties",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("jwk", sa.JSON, nullable=False),
    sa.Column("thumbprint", sa.String(43), nullable=False),
    sa.Column("uitdaging", sa.String(43), nullable=False),
    sa.Column("redirect_uri", sa.String(2048), nullable=False),
    sa.Column("code_challenge", sa.String(43), nullable=False),
    sa.Column("app_state", sa.String(512), nullable=False),
    sa.Column("app_naam", sa.String(64), nullable=False),
    sa.Column("apparaat_naam", sa.String(64), nullable=False),
    sa.Column("toegelaten_app", sa.String(64), nullable=True),
    sa.Column("formulier_token_hash", sa.String(64), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("consent_at", sa.BigInteger, nullable=True),
    sa.Column("inlogcode_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("inlogcode_expires_at", sa.BigInteger, nullable=True),
    sa.Column("inlogcode_used_at", sa.BigInteger, nullable=True),
    sa.Column("inlogresultaat", sa.LargeBinary, nullable=True),
    sa.Column("used_at", sa.BigInteger, nullable=True),
)

inlogpogingen = sa.Table(
    "inlogpogingen",
    metadata,
    sa.Column("state_hash", sa.String(64), primary_key=True),
    sa.Column("soort", sa.String(8), nullable=False),
    sa.Column("registratie_id", sa.String(36), nullable=True),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
)

certificaten = sa.Table(
    "certificaten",
    metadata,
    sa.Column("jti", sa.String(36), primary_key=True),
    sa.Column("thumbprint", sa.String(43), nullable=False),
    sa.Column("niveau", sa.String(16), nullable=False),
    sa.Column("issued_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("bsn_sleutel", sa.String(64), nullable=True, index=True),
    sa.Column("app_naam", sa.String(64), nullable=True),
    sa.Column("apparaat_naam", sa.String(64), nullable=True),
    sa.Column("identiteitsdienst", sa.String(64), nullable=True),
    sa.Column("inlogmoment", sa.BigInteger, nullable=True),
)

intrekkingen = sa.Table(
    "intrekkingen",
    metadata,
    sa.Column("certificaat_jti", sa.String(36), primary_key=True),
    sa.Column("revoked_at", sa.BigInteger, nullable=False),
    sa.Column("certificate_expires_at", sa.BigInteger, nullable=False, index=True),
)

beheersessies = sa.Table(
    "beheersessies",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("bsn_sleutel", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
)

testidp_codes = sa.Table(
    "testidp_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("resultaat", sa.LargeBinary, nullable=True),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("used_at", sa.BigInteger, nullable=True),
)
