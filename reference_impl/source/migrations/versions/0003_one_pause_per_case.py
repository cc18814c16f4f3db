"""One active pause per case, decided by the database (`pauze_zaken`, keyed by case).

Every case of a pause that was not ended early gets a row; a case that concurrent requests
had already paused twice keeps the pause that holds longest (the others stay in `pauzes`,
as history, but no longer hold that case for new requests).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "pauze_zaken",
        sa.Column("bsn", sa.String(9), primary_key=True),
        sa.Column("zaakkenmerk", sa.String(64), primary_key=True),
        sa.Column("pauze_id", sa.String(36), sa.ForeignKey("pauzes.id"), nullable=False,
                  index=True),
        sa.Column("einddatum", sa.String(10), nullable=False),
    )
    rows = op.get_bind().execute(sa.text(
        "SELECT id, bsn, einddatum, zaakkenmerken FROM pauzes WHERE status = 'actief' "
        "ORDER BY einddatum, aangemaakt_at, id")).all()
    held: dict[tuple[str, str], dict[str, str]] = {}
    for row in rows:  # later (longer) pauses overwrite earlier ones
        cases = row.zaakkenmerken
        if isinstance(cases, str):  # a plain-text query hands SQLite's JSON back as text
            cases = json.loads(cases)
        for zaakkenmerk in cases:
            held[(row.bsn, zaakkenmerk)] = {"bsn": row.bsn, "zaakkenmerk": zaakkenmerk,
                                            "pauze_id": row.id, "einddatum": row.einddatum}
    if held:
        op.bulk_insert(table, list(held.values()))


def downgrade() -> None:
    op.drop_table("pauze_zaken")
