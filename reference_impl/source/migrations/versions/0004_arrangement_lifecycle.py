"""Standard 2.2: arrangement lifecycle, amendment and two-phase agreement (reservations).

`betalingsregelingen` gains how it ended, the amendment chain, the reservation it was
confirmed from (unique: one arrangement per reservation) and its group. `reserveringen`
is new. `regeling_zaken` may now hold a case for a reservation as well as for an
arrangement (`betalingsregeling_id` nullable, `reservering_id` and `vervalt_at` added), so
one primary key keeps a case out of two arrangements or reservations under concurrency.
Existing rows stay valid as they are (active arrangements, nothing reserved). Pauses gain a
per-citizen `volgnummer` (unique with the BSN; null on older rows).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reserveringen",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("bsn", sa.String(9), nullable=False, index=True),
        sa.Column("voorstel_id", sa.String(36), nullable=False, unique=True),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("groep_id", sa.String(36), nullable=False),
        sa.Column("groep_omvang", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("gereserveerd_at", sa.BigInteger, nullable=False),
        sa.Column("vervalt_at", sa.BigInteger, nullable=False),
        sa.Column("betalingsregeling_id", sa.String(36), nullable=True),
        sa.UniqueConstraint("bsn", "idempotency_key", name="uq_reservering_idempotency"),
    )
    # Plain ADD COLUMN and a unique index: no table copy, so the rows of `regeling_zaken`
    # that refer to this table stay valid on SQLite (which copies a table to alter it).
    for column in (sa.Column("beeindiging", sa.JSON, nullable=True),
                   sa.Column("vervangt", sa.String(36), nullable=True),
                   sa.Column("vervangen_door", sa.String(36), nullable=True),
                   sa.Column("reservering_id", sa.String(36), nullable=True),
                   sa.Column("groep", sa.JSON, nullable=True)):
        op.add_column("betalingsregelingen", column)
    op.create_index("uq_regeling_reservering", "betalingsregelingen", ["reservering_id"],
                    unique=True)
    # A citizen's pauses are numbered; (bsn, volgnummer) unique makes the pause limits hold
    # under concurrency (two requests that counted the same history cannot both store).
    op.add_column("pauzes", sa.Column("volgnummer", sa.Integer, nullable=True))
    op.create_index("uq_pauze_volgnummer", "pauzes", ["bsn", "volgnummer"], unique=True)
    with op.batch_alter_table("regeling_zaken") as batch:
        batch.alter_column("betalingsregeling_id", existing_type=sa.String(36), nullable=True)
        batch.add_column(sa.Column("reservering_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("vervalt_at", sa.BigInteger, nullable=True))
        batch.create_index("ix_regeling_zaken_reservering_id", ["reservering_id"])
        batch.create_foreign_key("fk_regeling_zaken_reservering", "reserveringen",
                                 ["reservering_id"], ["id"])


def downgrade() -> None:
    # Rows that hold a case for a reservation only cannot exist in the old schema.
    op.execute("DELETE FROM regeling_zaken WHERE betalingsregeling_id IS NULL")
    with op.batch_alter_table("regeling_zaken") as batch:
        batch.drop_constraint("fk_regeling_zaken_reservering", type_="foreignkey")
        batch.drop_index("ix_regeling_zaken_reservering_id")
        batch.drop_column("vervalt_at")
        batch.drop_column("reservering_id")
        batch.alter_column("betalingsregeling_id", existing_type=sa.String(36), nullable=False)
    op.drop_index("uq_pauze_volgnummer", "pauzes")
    op.drop_column("pauzes", "volgnummer")
    op.drop_index("uq_regeling_reservering", "betalingsregelingen")
    for column in ("groep", "reservering_id", "vervangen_door", "vervangt", "beeindiging"):
        op.drop_column("betalingsregelingen", column)
    op.drop_table("reserveringen")
