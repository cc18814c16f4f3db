"""Running the source as an operator does: keys fail closed, start-up failures are one line,
configuration from the environment, /livez and /readyz, JSON logs with a request id, one
log line for an invalid backend document, and the 1.0.0 database upgraded with its data."""

from __future__ import annotations

import dataclasses
import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from click.testing import CliRunner
from postgres_server import PostgresServer
from source_support import GEMEENTE, SANNE, build_source, problem

from reference_impl.cli import main as cli
from reference_impl.common.db import Database, create_engine
from reference_impl.common.errors import ConfigError
from reference_impl.common.logs import JsonFormatter, Redactor
from reference_impl.source.app import MIGRATIONS, Source
from reference_impl.source.config import config_from_mapping, load_config
from reference_impl.source.errors import SourceError
from reference_impl.source.health import check_start

pytestmark = pytest.mark.anyio
OIN = "00000001001234567000"
MINIMAL = {"oin": OIN, "naam": "Gemeente Voorbeeldstad", "soort": "gemeente",
           "contact": {"telefoon": "14 0123"}, "scheme": "stelsel.jwt"}


def _config(tmp_path: Path, **settings: Any) -> Any:
    scheme_keys = tmp_path / "stelsel.jwks"
    run = CliRunner().invoke(cli, ["stelsel", "sleutel", "--uit", str(tmp_path / "stelsel")])
    assert run.exit_code == 0, run.output
    public = json.loads((tmp_path / "stelsel" / "stelsel-sleutel.jwk.json").read_text())
    scheme_keys.write_text(json.dumps({"keys": [public]}))
    mapping = {**MINIMAL, "database_url": f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}",
               "scheme_key_file": str(scheme_keys), **settings}
    return config_from_mapping(mapping, base_dir=tmp_path)


# --- keys fail closed -------------------------------------------------------------------------


async def test_a_configured_key_that_is_missing_stops_the_start_and_is_not_made(tmp_path: Path):
    missing = tmp_path / "geheim" / "bron.pem"
    config = _config(tmp_path, key_file=str(missing))
    with pytest.raises(SourceError) as stopped:
        await check_start(Source(config))
    message = str(stopped.value)
    assert message.startswith("sleutel: ") and "\n" not in message
    assert f"{missing} bestaat niet" in message and "vorderingen bron sleutel" in message
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.parametrize("omgeving", ["productie", "acceptatie"])
async def test_key_dir_makes_no_key_outside_test(tmp_path: Path, omgeving: str):
    config = _config(tmp_path, key_dir="keys", omgeving=omgeving)
    with pytest.raises(SourceError, match="sleutel"):
        await check_start(Source(config))
    assert not (tmp_path / "keys" / "bron.pem").exists()


def test_bron_sleutel_makes_a_private_key_once(tmp_path: Path):
    made = CliRunner().invoke(cli, ["bron", "sleutel", "--uit", str(tmp_path / "k")])
    assert made.exit_code == 0, made.output
    paths = json.loads(made.stdout)
    private = Path(paths["prive_sleutel"])
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert json.loads(Path(paths["publieke_sleutel"]).read_text())["kid"] == paths["kid"]
    before = private.read_bytes()
    again = CliRunner().invoke(cli, ["bron", "sleutel", "--uit", str(tmp_path / "k")])
    assert again.exit_code == 1 and "niet overschreven" in again.stderr
    assert private.read_bytes() == before


async def test_a_key_file_that_holds_no_private_key_is_named(tmp_path: Path):
    (tmp_path / "bron.pem").write_text("geen sleutel\n")
    config = _config(tmp_path, key_file="bron.pem")
    with pytest.raises(SourceError, match=r"bron\.pem is geen EC P-256-privésleutel in PEM"):
        await check_start(Source(config))


async def test_a_key_made_by_the_command_is_the_one_the_source_signs_with(tmp_path: Path):
    made = CliRunner().invoke(cli, ["bron", "sleutel", "--uit", str(tmp_path / "k")])
    config = _config(tmp_path, key_file=json.loads(made.stdout)["prive_sleutel"],
                     omgeving="productie")
    source = Source(config)
    await check_start(source)
    try:
        assert source.key.thumbprint() == json.loads(made.stdout)["kid"]
    finally:
        await source.close()


# --- start-up failures are one line -----------------------------------------------------------


async def test_a_corrupt_volgnummer_file_stops_the_start_in_one_line(tmp_path: Path):
    """/stelsel/volgnummer-bewaard: never read as 0 (a rolled-back scheme would pass), never
    overwritten."""
    made = CliRunner().invoke(cli, ["bron", "sleutel", "--uit", str(tmp_path / "k")])
    config = _config(tmp_path, key_file=json.loads(made.stdout)["prive_sleutel"],
                     state_dir="toestand")
    (tmp_path / "toestand").mkdir()
    volgnummer = tmp_path / "toestand" / "stelsel-volgnummer"
    volgnummer.write_bytes(b"1796\xff")
    source = Source(config)
    try:
        with pytest.raises(SourceError) as stopped:
            await check_start(source)
    finally:
        await source.close()
    message = str(stopped.value)
    assert str(volgnummer) in message and "state_dir" in message and "\n" not in message
    assert volgnummer.read_bytes() == b"1796\xff"



def _serve(tmp_path: Path, config: dict[str, Any]) -> str:
    path = tmp_path / "bron.yaml"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(cli, ["bron", "serve", "--config", str(path)])
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(("change", "named"), [
    ({"key_file": "ontbreekt.pem"}, "key_file"),
    ({"scheme_key_file": "ontbreekt.jwks"}, "scheme_key_file"),
    ({"backend": "bestaat.niet:fabriek"}, "claims-backend"),
    ({"database_url": "postgresql://bron:wachtwoord@127.0.0.1:1/bron"}, "onbereikbaar"),
    ({"database_url": "sqlite+aiosqlite:///bestand-geen-map/x/bron.db"}, "onbereikbaar"),
])
def test_every_start_failure_is_one_line_naming_what_to_fix(tmp_path: Path,
                                                            change: dict[str, str], named: str):
    made = CliRunner().invoke(cli, ["bron", "sleutel", "--uit", str(tmp_path / "k")])
    (tmp_path / "bestand-geen-map").write_text("")  # a file where a directory is needed
    base = dataclasses.asdict(_config(tmp_path, key_file="k/bron.pem"))
    config = {**MINIMAL, "scheme_key_file": base["scheme_key_file"].as_posix(),
              "key_file": json.loads(made.stdout)["prive_sleutel"],
              "database_url": base["database_url"], **change}
    line = _serve(tmp_path, config)
    assert line.startswith("vorderingen: ") and named in line
    assert "wachtwoord" not in line


# --- configuration from the environment -------------------------------------------------------


def test_the_environment_and_secret_files_configure_the_source(tmp_path: Path):
    secret = tmp_path / "db-url"
    secret.write_text(f"sqlite+aiosqlite:///{tmp_path / 'uit-geheim.db'}\n")
    (tmp_path / "keys.jwks").write_text("{}")
    environ = {
        "VORDERINGEN_BRON_OIN": OIN, "VORDERINGEN_BRON_NAAM": "Gemeente Voorbeeldstad",
        "VORDERINGEN_BRON_SOORT": "gemeente", "VORDERINGEN_BRON_CONTACT": "{telefoon: 14 0123}",
        "VORDERINGEN_BRON_SCHEME": "https://stelsel.example.nl/stelsel/v2/stelseldocument",
        "VORDERINGEN_BRON_SCHEME_KEY_FILE": str(tmp_path / "keys.jwks"),
        "VORDERINGEN_BRON_KEY_FILE": "/run/secrets/bron.pem",
        "VORDERINGEN_BRON_DATABASE_URL_FILE": str(secret),
        "VORDERINGEN_BRON_PORT": "8080", "VORDERINGEN_BRON_DIENSTEN": "[vorderingenoverzicht]",
    }
    config = load_config(None, environ)
    assert config.oin == OIN  # text, leading zeros kept
    assert config.port == 8080 and config.diensten == ("vorderingenoverzicht",)
    assert config.database_url.endswith("uit-geheim.db")
    assert config.key_file == Path("/run/secrets/bron.pem")
    path = tmp_path / "bron.yaml"
    path.write_text(json.dumps({**MINIMAL, "port": 9000, "key_file": "k.pem",
                                "scheme_key_file": "keys.jwks"}))
    over_file = load_config(path, {"VORDERINGEN_BRON_PORT": "8081"})
    assert over_file.port == 8081 and over_file.naam == MINIMAL["naam"]


@pytest.mark.parametrize(("environ", "named"), [
    ({"VORDERINGEN_BRON_PORT": "1", "VORDERINGEN_BRON_PORT_FILE": "/x"}, "VORDERINGEN_BRON_PORT"),
    ({"VORDERINGEN_BRON_DATABASE_URL_FILE": "/bestaat/niet"},
     "VORDERINGEN_BRON_DATABASE_URL_FILE"),
    ({"VORDERINGEN_BRON_PORT": "99999"}, "port"),
])
def test_a_bad_environment_value_names_the_variable(tmp_path: Path, environ: dict[str, str],
                                                    named: str):
    path = tmp_path / "bron.yaml"
    path.write_text(json.dumps({**MINIMAL, "key_file": "k.pem", "scheme_key_file": "k.jwks"}))
    with pytest.raises(ConfigError) as refused:
        load_config(path, environ)
    assert refused.value.key == named


# --- liveness and readiness -------------------------------------------------------------------


async def test_livez_and_readyz_outside_the_base_path(make_source):
    running = await make_source(GEMEENTE)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=running.app))
    live = await client.get("http://testserver/livez")
    assert (live.status_code, live.json()) == (200, {"status": "levend"})
    ready = await client.get("http://testserver/readyz")
    assert (ready.status_code, ready.json()) == (
        200, {"status": "gereed", "database": "ok", "stelsel": "ok"})
    # The scheme operator stops publishing: once the last document expires, not ready.
    running.clock.advance(8 * 24 * 3600)
    stale = await client.get("http://testserver/readyz")
    assert (stale.status_code, stale.json()) == (
        503, {"status": "niet-gereed", "database": "ok", "stelsel": "niet-beschikbaar"})
    assert (await client.get("http://testserver/livez")).status_code == 200
    await client.aclose()


async def test_readyz_says_the_database_is_unreachable(tmp_path: Path):
    (tmp_path / "geen-map").write_text("")
    built = build_source(tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path}/geen-map/x.db")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=built.app),
                                 base_url="http://testserver") as client:
        ready = await client.get("/readyz")
        live = await client.get("/livez")
    assert (ready.status_code, ready.json()) == (
        503, {"status": "niet-gereed", "database": "onbereikbaar",
              "stelsel": "niet-gecontroleerd"})
    assert live.status_code == 200


# --- logs -------------------------------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[list[str]]:
    """What the JSON handler writes, as `configure_logging("json")` installs it."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(Redactor())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


async def test_json_logs_carry_the_request_id_and_no_bsn_or_token(make_source, json_log):
    running = await make_source(GEMEENTE)
    token = await running.session(SANNE)
    response = await running.client.get("/vorderingenoverzicht", token=token,
                                        headers={"X-Request-Id": "lb-abcdef01"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "lb-abcdef01"
    entries = [json.loads(line) for line in json_log]
    access = [e for e in entries if e["logger"] == "vorderingen.access"]
    assert any(e["request_id"] == "lb-abcdef01" and "/vorderingenoverzicht 200" in e["bericht"]
               for e in access)
    assert {"tijd", "niveau", "logger", "bericht", "request_id"} <= set(access[0])
    generated = {e["request_id"] for e in access} - {"lb-abcdef01"}
    assert generated and all(len(rid) == 32 for rid in generated)  # one made per request
    text = "\n".join(json_log)
    assert SANNE not in text and token not in text


def test_the_redactor_blanks_a_bsn_and_tokens_that_slip_into_a_message(json_log):
    logging.getLogger("reference_impl.test").warning(
        "bsn %s token %s jwt %s", SANNE, "A" * 43, "eyJhbGciOi.eyJzdWIi.c2ln")
    entry = json.loads(json_log[-1])
    assert entry["bericht"] == "bsn [bsn] token [token] jwt [token]"


class InvalidCases:
    """A backend whose system reports an arrears larger than the balance."""

    def __init__(self, cases: list[Any]) -> None:
        self.cases = cases

    async def cases_for(self, bsn: str) -> list[Any]:
        return self.cases


async def test_an_invalid_backend_document_is_one_log_line_and_a_problem(
        make_source, caplog: pytest.LogCaptureFixture):
    good = await make_source(GEMEENTE)
    cases = list(await good.source.backend.cases_for(SANNE))
    broken = [dataclasses.replace(cases[0], achterstand=10**12), *cases[1:]]
    running = await make_source(GEMEENTE, database_url=None, backend=InvalidCases(broken))
    token = await running.session(SANNE)
    caplog.set_level(logging.INFO)
    caplog.clear()
    for _ in range(2):
        response = await running.client.get("/vorderingenoverzicht", token=token)
        assert problem(response) == (500, "algemeen/interne-fout")
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 2 and all(r.exc_info is None for r in errors)
    assert all("/document/achterstand-begrensd /financiele_zaken/0/achterstand"
               in r.getMessage() for r in errors)
    assert all(SANNE not in r.getMessage() for r in caplog.records)


async def test_an_invalid_backend_case_is_one_log_line_naming_the_field(
        make_source, caplog: pytest.LogCaptureFixture):
    good = await make_source(GEMEENTE)
    cases = list(await good.source.backend.cases_for(SANNE))
    broken = [dataclasses.replace(cases[0], looptijd="altijd")]
    running = await make_source(GEMEENTE, backend=InvalidCases(broken))
    token = await running.session(SANNE)
    caplog.set_level(logging.INFO)
    caplog.clear()
    response = await running.client.get("/vorderingenoverzicht", token=token)
    assert problem(response) == (500, "algemeen/interne-fout")
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.exc_info is None and "looptijd 'altijd'" in error.getMessage()


# --- the 1.0.0 database, upgraded in place ----------------------------------------------------


def _to_revision(connection: sa.Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


ZAAK = {"zaakkenmerk": "OZB-2025-1", "omschrijving": "OZB 2025", "looptijd": "eenmalig"}
ROWS_1_0 = [
    "INSERT INTO zaken (bsn, zaakkenmerk, volgorde, data) VALUES "
    "('999993653', 'OZB-2025-1', 0, :zaak)",
    "INSERT INTO betalingsregelingen (id, bsn, voorstel_id, idempotency_key, request_hash, "
    "status, body, aangegaan_at, bedenktijd_tot_at) VALUES ('r1', '999993653', 'v1', 'i1', "
    "'h1', 'actief', '{\"termijnen\": 3}', 1, 2)",
    "INSERT INTO pauzes (id, bsn, status, ingangsdatum, einddatum, zaakkenmerken, "
    "aangemaakt_at) VALUES ('p1', '999993653', 'actief', '2026-01-01', '2026-03-01', "
    "'[\"OZB-2025-1\"]', 1)",
    "INSERT INTO hulpvragen (id, bsn, ontvangen_at, aantal_enveloppen, bundel) VALUES "
    "('h1', '999993653', 1, 1, '{\"enveloppen\": []}')",
]


async def _upgrade_keeps_data(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_to_revision, "0001")
        for statement in ROWS_1_0:
            await connection.execute(sa.text(statement), {"zaak": json.dumps(ZAAK)}
                                     if ":zaak" in statement else {})
    await engine.dispose()
    database = await Database.open(url, MIGRATIONS)  # what the new release does at start
    try:
        async with database.engine.connect() as connection:
            version = await connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
            zaak = await connection.scalar(sa.text("SELECT data FROM zaken"))
            counts = {table: await connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))
                      for table in ("betalingsregelingen", "pauzes", "hulpvragen")}
            body = await connection.scalar(sa.text("SELECT body FROM betalingsregelingen"))
    finally:
        await database.close()
    heads = sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("0*.py"))
    assert version == heads[-1]
    assert (json.loads(zaak) if isinstance(zaak, str) else zaak) == ZAAK
    assert counts == {"betalingsregelingen": 1, "pauzes": 1, "hulpvragen": 1}
    assert (json.loads(body) if isinstance(body, str) else body) == {"termijnen": 3}


async def test_a_1_0_sqlite_database_is_upgraded_with_its_data(tmp_path: Path):
    await _upgrade_keeps_data(f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}")


@pytest.mark.postgres
async def test_a_1_0_postgresql_database_is_upgraded_with_its_data(postgres: PostgresServer):
    await _upgrade_keeps_data(postgres.create_database())


# --- a real process: JSON logs, probes, SIGTERM -----------------------------------------------


@pytest.mark.live
def test_a_served_source_logs_json_answers_probes_and_stops_on_sigterm(tmp_path: Path):
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    made = CliRunner().invoke(cli, ["bron", "sleutel", "--uit", str(tmp_path / "k")])
    base = _config(tmp_path, key_file="k/bron.pem")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {**os.environ, "VORDERINGEN_LOG_FORMAT": "json",
               **{f"VORDERINGEN_BRON_{k.upper()}": v for k, v in {
                   "oin": OIN, "naam": "Gemeente Voorbeeldstad", "soort": "gemeente",
                   "contact": "{telefoon: 14 0123}", "scheme": str(tmp_path / "geen.jwt"),
                   "scheme_key_file": str(base.scheme_key_file),
                   "key_file": json.loads(made.stdout)["prive_sleutel"],
                   "database_url": base.database_url, "port": str(port)}.items()}}
    server = subprocess.Popen([sys.executable, "-m", "reference_impl.cli", "bron", "serve"],
                              env=environ, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                live = httpx.get(f"http://127.0.0.1:{port}/livez", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert live.status_code == 200 and ready.status_code == 503
    assert ready.json()["stelsel"] == "niet-beschikbaar"
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit says why it stopped.
    assert server.returncode in (0, -signal.SIGTERM)
    entries = [json.loads(line) for line in stderr.splitlines()]  # every line is JSON
    assert any("Finished server process" in e["bericht"] for e in entries)
    assert any(e["logger"] == "vorderingen.access" and "/readyz 503" in e["bericht"]
               and len(e["request_id"]) == 32 for e in entries)
    assert any(e["logger"].startswith("uvicorn") for e in entries)


async def test_a_database_from_a_newer_release_stops_the_start_in_one_line(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}"
    await (await Database.open(url, MIGRATIONS)).close()
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    await engine.dispose()
    made = CliRunner().invoke(cli, ["bron", "sleutel", "--uit", str(tmp_path / "k")])
    config = _config(tmp_path, key_file=json.loads(made.stdout)["prive_sleutel"])
    with pytest.raises(SourceError) as stopped:
        await check_start(Source(config))
    assert str(stopped.value).startswith("databasemigratie op ")
    assert "9999" in str(stopped.value) and "\n" not in str(stopped.value)
