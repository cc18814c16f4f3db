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


async def test_a_2_1_database_keeps_its_arrangements_and_can_hold_a_reservation(
        tmp_path: Path):
    """Revision 0004 (standard 2.2): existing arrangements and their holds stay as they are;
    a case can now be held by a reservation alone, still one holder per case."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade_to, "0003")
        await connection.execute(sa.text(
            "INSERT INTO voorstellen (id, bsn, created_at, expires_at, body, saldi) "
            "VALUES ('v', '999993653', 1, 2, '{}', '{}')"))
        await connection.execute(sa.text(
            "INSERT INTO betalingsregelingen (id, bsn, voorstel_id, idempotency_key, "
            "request_hash, status, body, aangegaan_at, bedenktijd_tot_at) VALUES "
            "('a', '999993653', 'v', 'k', 'h', 'actief', '{}', 1, 2)"))
        await connection.execute(sa.text(
            "INSERT INTO regeling_zaken (bsn, zaakkenmerk, betalingsregeling_id) "
            "VALUES ('999993653', 'Z-1', 'a')"))
    await engine.dispose()

    database = await Database.open(url, MIGRATIONS)
    try:
        async with database.engine.begin() as connection:
            row = (await connection.execute(sa.text(
                "SELECT status, beeindiging, reservering_id FROM betalingsregelingen"))).one()
            assert tuple(row) == ("actief", None, None)
            hold = (await connection.execute(sa.text(
                "SELECT betalingsregeling_id, reservering_id FROM regeling_zaken"))).one()
            assert tuple(hold) == ("a", None)
            await connection.execute(sa.text(
                "INSERT INTO reserveringen (id, bsn, voorstel_id, idempotency_key, "
                "request_hash, groep_id, groep_omvang, status, gereserveerd_at, vervalt_at) "
                "VALUES ('r', '999993653', 'v2', 'k', 'h', 'g', 2, 'gereserveerd', 1, 9)"))
            await connection.execute(sa.text(
                "INSERT INTO regeling_zaken (bsn, zaakkenmerk, reservering_id, vervalt_at) "
                "VALUES ('999993653', 'Z-2', 'r', 9)"))
        with pytest.raises(IntegrityError):  # still one holder per case
            async with database.engine.begin() as connection:
                await connection.execute(sa.text(
                    "INSERT INTO regeling_zaken (bsn, zaakkenmerk, reservering_id, vervalt_at) "
                    "VALUES ('999993653', 'Z-1', 'r', 9)"))
    finally:
        await database.close()
