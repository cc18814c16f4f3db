"""Standard 2.0.0: the login protocol (PKCE, redirect URI, consent), citizen revocation,
and no BSN in clear at rest.

Registrations and test identity provider codes live minutes: they are recreated in their
new form, not migrated. The ledger gains what the citizen's overview shows, keyed by
`bsn_sleutel` (certificates issued before have none and are not listed).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("registraties")
    op.create_table(
        "registraties",
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
    op.create_table(
        "inlogpogingen",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("soort", sa.String(8), nullable=False),
        sa.Column("registratie_id", sa.String(36), nullable=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    )
    with op.batch_alter_table("certificaten") as batch:
        batch.add_column(sa.Column("bsn_sleutel", sa.String(64), nullable=True))
        batch.add_column(sa.Column("app_naam", sa.String(64), nullable=True))
        batch.add_column(sa.Column("apparaat_naam", sa.String(64), nullable=True))
        batch.add_column(sa.Column("identiteitsdienst", sa.String(64), nullable=True))
        batch.add_column(sa.Column("inlogmoment", sa.BigInteger, nullable=True))
        batch.create_index("ix_certificaten_bsn_sleutel", ["bsn_sleutel"])
    op.create_table(
        "beheersessies",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("bsn_sleutel", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    )
    op.drop_table("testidp_codes")
    op.create_table(
        "testidp_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("resultaat", sa.LargeBinary, nullable=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
        sa.Column("used_at", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    raise NotImplementedError("standard 2.0.0 cannot be downgraded to 1.0.0")
