"""A throw-away PostgreSQL 15 server for tests and benchmarks, started from the binaries.

`PostgresServer.start()` runs `initdb` into a fresh temporary directory and `pg_ctl start`
with a Unix socket in that directory only (no TCP listener) on a free port number; as
root (CI containers) the server runs as `nobody` via `runuser`, since PostgreSQL refuses
to run as root. `create_database()` gives a fresh database and its SQLAlchemy URL.
`stop()` stops the server and removes the directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

BIN_DIRS = ("/usr/local/bin", "/usr/lib/postgresql/15/bin")
START_TIMEOUT_S = 60
UNPRIVILEGED_USER = "nobody"


def _binary(name: str) -> str:
    for directory in BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"PostgreSQL binary {name} not found in {BIN_DIRS} or PATH")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="vorderingen-pg-"))
        self.data = self.directory / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", UNPRIVILEGED_USER, "--"] if self.as_root else []
        subprocess.run([*prefix, *command], check=True, capture_output=True,
                       timeout=START_TIMEOUT_S)

    def start(self) -> PostgresServer:
        if self.as_root:
            shutil.chown(self.directory, UNPRIVILEGED_USER)
        self._run(_binary("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-sync")
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses='' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.directory / "server.log"), "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.directory}&port={self.port}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=str(self.directory), port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)
