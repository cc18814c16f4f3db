"""The App Manager's tables, version 1.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registraties",
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
    op.create_table(
        "certificaten",
        sa.Column("jti", sa.String(36), primary_key=True),
        sa.Column("thumbprint", sa.String(43), nullable=False),
        sa.Column("niveau", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "intrekkingen",
        sa.Column("certificaat_jti", sa.String(36), primary_key=True),
        sa.Column("revoked_at", sa.BigInteger, nullable=False),
        sa.Column("certificate_expires_at", sa.BigInteger, nullable=False, index=True),
    )
    op.create_table(
        "testidp_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("bsn", sa.String(9), nullable=False),
        sa.Column("niveau", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    for table in ("testidp_codes", "intrekkingen", "certificaten", "registraties"):
        op.drop_table(table)
