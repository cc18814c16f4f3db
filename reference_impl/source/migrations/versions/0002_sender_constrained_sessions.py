"""Sessions bound to the app key (standard 2.0.0): per-request proofs and their replay cache.

A session row also keeps the certificate's `exp` (a session never outlives it) and the
app key it is bound to (its RFC 7638 thumbprint and the public JWK that verifies each
`Verzoek-Bewijs`). `verzoekbewijzen` holds every accepted proof `jti` per session until it
can no longer be fresh; its primary key (session, jti) makes the replay check atomic
across processes. 1.0.0 sessions are bearer sessions: they are ended here.

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
    op.execute(sa.text("DELETE FROM sessions"))
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("certificaat_exp", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("sleutel_thumbprint", sa.String(43), nullable=True))
        batch.add_column(sa.Column("sleutel_jwk", sa.JSON, nullable=True))
    op.create_table(
        "verzoekbewijzen",
        sa.Column("sessie", sa.String(64), primary_key=True),
        sa.Column("jti", sa.String(36), primary_key=True),
        sa.Column("expires_at", sa.BigInteger, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("verzoekbewijzen")
    with op.batch_alter_table("sessions") as batch:
        for column in ("sleutel_jwk", "sleutel_thumbprint", "certificaat_exp"):
            batch.drop_column(column)
