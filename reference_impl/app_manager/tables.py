"""The App Manager's database tables (SQLAlchemy Core; the schema is made by migrations/).

Times are integer Unix seconds. A registration holds the app's public key and challenge;
`state_hash` (SHA-256 of the login `state`) links the identity provider's return to it;
`bsn`/`niveau` are filled by the login and erased when the certificate is issued (the
registration is then spent: `used_at`). `certificaten` records every issued certificate
`jti` (never the BSN); `intrekkingen` the revoked ones; `testidp_codes` the single-use
codes of the test identity provider.
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
    sa.Column("state_hash", sa.String(64), nullable=True, unique=True),
    sa.Column("bsn", sa.String(9), nullable=True),
    sa.Column("niveau", sa.String(16), nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("logged_in_at", sa.BigInteger, nullable=True),
    sa.Column("used_at", sa.BigInteger, nullable=True),
)

certificaten = sa.Table(
    "certificaten",
    metadata,
    sa.Column("jti", sa.String(36), primary_key=True),
    sa.Column("thumbprint", sa.String(43), nullable=False),
    sa.Column("niveau", sa.String(16), nullable=False),
    sa.Column("issued_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
)

intrekkingen = sa.Table(
    "intrekkingen",
    metadata,
    sa.Column("certificaat_jti", sa.String(36), primary_key=True),
    sa.Column("revoked_at", sa.BigInteger, nullable=False),
    sa.Column("certificate_expires_at", sa.BigInteger, nullable=False, index=True),
)

testidp_codes = sa.Table(
    "testidp_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("bsn", sa.String(9), nullable=False),
    sa.Column("niveau", sa.String(16), nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("used_at", sa.BigInteger, nullable=True),
)
