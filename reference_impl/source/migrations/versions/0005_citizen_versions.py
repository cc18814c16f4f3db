"""A version number per citizen, kept by the database itself (issue 16).

`burger_versies` holds one counter per BSN that every insert, update and delete of a table
the claims document is built from raises: `zaken` (the database backend's cases),
`betalingsregelingen`, `regeling_zaken` and `pauzes` (what records.py, lifecycle.py and
pause_limits.py read). Triggers keep it, so no writer can forget it — the source's own
code, a second process, or an organisation's import job writing `zaken` in plain SQL.
The row with the empty BSN counts what touches every citizen at once (a PostgreSQL
`TRUNCATE`, which fires no row triggers). The overview's cache is keyed by the sum of the
citizen's row and that one (both only grow, so the sum changes whenever either does),
read in the statement that records the request proof (request_proofs.py).

On PostgreSQL the row triggers are deferred constraint triggers: they raise the counter
at commit, in the writing transaction (so the new version and the new data become visible
together), and the counter's row lock is the last lock a transaction takes — a writer never
waits for it while holding a row another writer of that citizen needs later. SQLite has
one writer at a time: plain AFTER triggers. A later migration that rebuilds one of these
tables on SQLite (Alembic's batch mode copies it into a new table) must create its triggers
again; test_citizen_versions.py writes to every table at the newest revision and fails
otherwise.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Every table the claims document is read from; a table missing here is a stale-document
# bug (tests/reference_impl/source/test_citizen_versions.py compares with what an overview
# actually reads).
TABLES = ("zaken", "betalingsregelingen", "regeling_zaken", "pauzes")

_BUMP = ("INSERT INTO burger_versies (bsn, versie) VALUES ({bsn}, 1) "
         "ON CONFLICT (bsn) DO UPDATE SET versie = burger_versies.versie + 1")

_PG_FUNCTIONS = f"""
CREATE FUNCTION burger_versie_ophogen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {_BUMP.format(bsn="OLD.bsn")};
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.bsn IS DISTINCT FROM OLD.bsn) THEN
        {_BUMP.format(bsn="NEW.bsn")};
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION burger_versies_alle_ophogen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_BUMP.format(bsn="''")};
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "burger_versies",
        sa.Column("bsn", sa.String(9), primary_key=True),
        sa.Column("versie", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTIONS)
        for table in TABLES:
            op.execute(f"CREATE CONSTRAINT TRIGGER {table}_versie AFTER INSERT OR UPDATE OR "
                       f"DELETE ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                       "EXECUTE FUNCTION burger_versie_ophogen()")
            op.execute(f"CREATE TRIGGER {table}_versies_alle AFTER TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION burger_versies_alle_ophogen()")
        return
    for table in TABLES:
        for operation, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")),
                                ("DELETE", ("OLD",))):
            bumps = "".join(f"{_BUMP.format(bsn=f'{row}.bsn')};\n" for row in rows)
            op.execute(f"CREATE TRIGGER {table}_versie_{operation.lower()} AFTER {operation} "
                       f"ON {table} BEGIN\n{bumps}END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_versie ON {table}")
            op.execute(f"DROP TRIGGER {table}_versies_alle ON {table}")
        op.execute("DROP FUNCTION burger_versie_ophogen()")
        op.execute("DROP FUNCTION burger_versies_alle_ophogen()")
    else:
        for table in TABLES:
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_versie_{operation}")
    op.drop_table("burger_versies")
