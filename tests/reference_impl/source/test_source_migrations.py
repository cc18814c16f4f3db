"""A 1.0.0 database is migrated to 2.0.0 in place (Alembic revision 0002): its bearer
sessions end, sessions gain the certificate's `exp` and app key, and the replay cache table
exists with (session, jti) unique."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import IntegrityError

from reference_impl.common.db import Database, create_engine
from reference_impl.source.app import MIGRATIONS

pytestmark = pytest.mark.anyio


def _upgrade_to(connection: sa.Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_a_1_0_database_is_upgraded_and_its_bearer_sessions_end(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_to, "0001")
        await connection.execute(sa.text(
            "INSERT INTO sessions (token_hash, bsn, niveau, certificaat_jti, created_at, "
            "expires_at) VALUES ('h', '999993653', 'hoog', 'j', 1, 2)"))
    await engine.dispose()

    database = await Database.open(url, MIGRATIONS)  # what a 2.0.0 source does at start
    try:
        async with database.engine.begin() as connection:
            assert (await connection.scalar(sa.text("SELECT count(*) FROM sessions"))) == 0
            columns = await connection.run_sync(
                lambda sync: {c["name"] for c in sa.inspect(sync).get_columns("sessions")})
            assert {"certificaat_exp", "sleutel_thumbprint", "sleutel_jwk"} <= columns
            insert = sa.text("INSERT INTO verzoekbewijzen (sessie, jti, expires_at) "
                             "VALUES ('s', 'j', 1)")
            await connection.execute(insert)
        with pytest.raises(IntegrityError):
            async with database.engine.begin() as connection:
                await connection.execute(insert)
    finally:
        await database.close()
