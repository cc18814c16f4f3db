"""The source's tables, version 1.

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
        "nonces",
        sa.Column("nonce", sa.String(43), primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("bsn", sa.String(9), nullable=False),
        sa.Column("niveau", sa.String(16), nullable=False),
        sa.Column("certificaat_jti", sa.String(36), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
        sa.Column("ended_at", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "zaken",
        sa.Column("bsn", sa.String(9), primary_key=True),
        sa.Column("zaakkenmerk", sa.String(64), primary_key=True),
        sa.Column("volgorde", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "voorstellen",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("bsn", sa.String(9), nullable=False, index=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("saldi", sa.JSON, nullable=False),
    )
    op.create_table(
        "betalingsregelingen",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("bsn", sa.String(9), nullable=False, index=True),
        sa.Column("voorstel_id", sa.String(36), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("aangegaan_at", sa.BigInteger, nullable=False),
        sa.Column("bedenktijd_tot_at", sa.BigInteger, nullable=False),
        sa.Column("ingetrokken_at", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("bsn", "idempotency_key", name="uq_regeling_idempotency"),
    )
    op.create_table(
        "regeling_zaken",
        sa.Column("bsn", sa.String(9), primary_key=True),
        sa.Column("zaakkenmerk", sa.String(64), primary_key=True),
        sa.Column(
            "betalingsregeling_id",
            sa.String(36),
            sa.ForeignKey("betalingsregelingen.id"),
            nullable=False,
            index=True,
        ),
    )
    op.create_table(
        "pauzes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("bsn", sa.String(9), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ingangsdatum", sa.String(10), nullable=False),
        sa.Column("einddatum", sa.String(10), nullable=False),
        sa.Column("zaakkenmerken", sa.JSON, nullable=False),
        sa.Column("aangemaakt_at", sa.BigInteger, nullable=False),
        sa.Column("beeindigd_at", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "hulpvragen",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("bsn", sa.String(9), nullable=False, index=True),
        sa.Column("ontvangen_at", sa.BigInteger, nullable=False),
        sa.Column("aantal_enveloppen", sa.Integer, nullable=False),
        sa.Column("bundel", sa.JSON, nullable=False),
        sa.Column("contact", sa.JSON, nullable=True),
        sa.Column("toelichting", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in ("hulpvragen", "pauzes", "regeling_zaken", "betalingsregelingen",
                  "voorstellen", "zaken", "sessions", "nonces"):
        op.drop_table(table)
