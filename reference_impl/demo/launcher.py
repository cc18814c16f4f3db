"""The demo federation: scheme service, App Manager and every demo source, on loopback.

    async with Federation() as federation:          # or: await federation.start() / stop()
        federation.services        # [Service(rol, naam, url, oin, details)], scheme first
        federation.citizens        # [DemoCitizen(bsn, naam, omschrijving)]
        federation.scheme_key_path # the scheme operator's public JWK file (pin this)
        federation.scheme_url      # .../stelsel/v2/stelseldocument
        federation.app_manager_url, federation.app_manager_id
        federation.revocation_latency_s   # the demo's bound from revocation to refusal
        await federation.scheme_service.refresh()   # pull revocations and re-sign now

`BackgroundFederation` runs one in a thread of its own for synchronous callers
(`start()` → the `Federation`, `stop()`). Everything runs in one process: one uvicorn
server per service in one event loop, each on its own loopback port (free ports, or
consecutive from `port_base`), with fresh keys and SQLite databases in `state_dir` (a new
temporary directory unless given; removed again at `stop()` when it was temporary).

Everything speaks 2.0: a format-2 scheme document (key entries, `eindpunten`), the App
Manager's login protocol and per-request proofs at the sources. A demo shortens the
revocation chain of design §5 so its latency is observable: the scheme service pulls the
App Manager's revocation list every `poll_interval_s` (default 2 s) and re-signs at once,
and every source refreshes the scheme every `scheme_refresh_s` (default 2 s), so a
revoked certificate is refused everywhere within `revocation_latency_s` (the standard
allows `INTREKKING_MAX_LATENTIE_S` = 900 s). `source_majors` lets one organisation serve
more majors side by side (the rollout of a next major): `{"voorbeeldstad": (2, 3)}` lists
it with one endpoint per major in the one scheme document.

`reference_impl.demo.announce.run_demo()` is `vorderingen demo`: a federation that writes
the discovery file (`discovery_path()`), announced on stdout, until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reference_impl.app_manager.app import create_app as create_app_manager
from reference_impl.app_manager.config import BASE_PATH as APP_MANAGER_PATH
from reference_impl.app_manager.config import config_from_mapping as app_manager_config
from reference_impl.common.jose import ensure_private_key, public_jwk
from reference_impl.common.scheme import key_entry
from reference_impl.common.serving import server_config
from reference_impl.common.versions import MAJOR
from reference_impl.demo.data import DEMO_DATA, TEST_FACILITIES, TEST_OMGEVINGEN, load_demo
from reference_impl.demo.servers import (
    HOST,
    SERVER_START_TIMEOUT_S,
    SERVER_STOP_TIMEOUT_S,
    Background,
    EmbeddedServer,
    FederationError,
    bind_port,
)
from reference_impl.scheme.app import create_app as create_scheme_app
from reference_impl.scheme.config import BASE_PATH as SCHEME_PATH
from reference_impl.scheme.config import SchemeServiceConfig
from reference_impl.scheme.description import SchemeDescription, contact_extension
from reference_impl.scheme.service import SchemeService
from reference_impl.scheme.signing import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    create_operator_key,
    write_public_jwk,
)
from reference_impl.source.app import create_app as create_source_app
from reference_impl.source.config import DEFAULT_BASE_PATH as SOURCE_PATH
from reference_impl.source.config import config_from_mapping as source_config

SCHEME_ISS = "demo-stelselbeheerder"
SCHEME_NAAM = "Stelselbeheerder (demo)"
APP_MANAGER_ID = "demo-app-manager"
APP_MANAGER_NAAM = "Demo App Manager"
DEMO_OMGEVING = "test"
DEMO_POLL_INTERVAL_S = 2.0  # the scheme service pulls revocation lists this often
DEMO_SCHEME_REFRESH_S = 2.0  # every source refreshes the scheme document this often
LATENCY_SLACK_S = 3.0  # scheduling and request time on top of the two intervals
DISCOVERY_ENV = "VORDERINGEN_DEMO_FILE"
DISCOVERY_FILE_NAME = "vorderingen-demo.json"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Service:
    """A started service: its role (`stelsel`, `app-manager`, `bron`), name and base URL."""

    rol: str
    naam: str
    url: str
    oin: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def json_line(self) -> dict[str, Any]:
        line: dict[str, Any] = {"rol": self.rol, "naam": self.naam}
        if self.oin is not None:
            line["oin"] = self.oin
        return {**line, "url": self.url, **self.details}


@dataclass(frozen=True)
class DemoCitizen:
    """A test citizen with demo data (fictional; the BSN passes the elfproef)."""

    bsn: str
    naam: str
    omschrijving: str


def discovery_path() -> Path:
    """Where `vorderingen demo` announces itself: `$VORDERINGEN_DEMO_FILE`, else a file in
    the system's temporary directory (`vorderingen-demo.json`)."""
    configured = os.environ.get(DISCOVERY_ENV)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / DISCOVERY_FILE_NAME


def read_discovery(path: Path | None = None) -> dict[str, Any] | None:
    """The running demo's discovery document (see `Federation.discovery()`), or None."""
    try:
        return json.loads((path or discovery_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def major_path(base_path: str, major: int) -> str:
    """`/vorderingen/v2` → `/vorderingen/v<major>` (where a source serves another major)."""
    return base_path.rsplit("/v", 1)[0] + f"/v{major}"


class Federation:
    """The whole demo federation in this process; see the module docstring."""

    def __init__(
        self,
        *,
        state_dir: Path | None = None,
        data_path: Path | None = None,
        port_base: int | None = None,
        host: str = HOST,
        omgeving: str = DEMO_OMGEVING,
        poll_interval_s: float = DEMO_POLL_INTERVAL_S,
        scheme_refresh_s: float = DEMO_SCHEME_REFRESH_S,
        source_majors: dict[str, tuple[int, ...]] | None = None,
        discovery_file: Path | None = None,
    ) -> None:
        self._state_dir = state_dir
        self.data_path = Path(data_path or DEMO_DATA)
        self.port_base = port_base
        self.host = host
        self.omgeving = omgeving
        self.poll_interval_s = poll_interval_s
        self.scheme_refresh_s = scheme_refresh_s
        self.source_majors = dict(source_majors or {})
        self.discovery_file = discovery_file
        self.services: list[Service] = []
        self.citizens: list[DemoCitizen] = []
        self._servers: list[tuple[EmbeddedServer, asyncio.Task[None]]] = []
        self._temporary = False
        self._scheme_app: Any = None

    # --- what callers read ------------------------------------------------------------------

    @property
    def state_dir(self) -> Path:
        if self._state_dir is None:
            raise FederationError("de federatie is niet gestart")
        return self._state_dir

    @property
    def scheme_key_path(self) -> Path:
        """The scheme operator's public JWK file: what apps and sources pin."""
        return self.state_dir / "stelsel" / PUBLIC_KEY_FILE

    @property
    def scheme_url(self) -> str:
        return self._service("stelsel").details["stelseldocument_url"]

    @property
    def app_manager_url(self) -> str:
        return self._service("app-manager").url

    @property
    def app_manager_id(self) -> str:
        return APP_MANAGER_ID

    @property
    def revocation_latency_s(self) -> float:
        """How long after a revocation at the App Manager every source refuses it, at most."""
        return self.poll_interval_s + self.scheme_refresh_s + LATENCY_SLACK_S

    @property
    def scheme_service(self) -> SchemeService:
        return self._scheme_app.state.service

    @property
    def sources(self) -> list[Service]:
        return [s for s in self.services if s.rol == "bron"]

    def _service(self, rol: str) -> Service:
        return next(s for s in self.services if s.rol == rol)

    def json_lines(self) -> list[dict[str, Any]]:
        """What `vorderingen demo --json` prints before `{"klaar": true}`."""
        return [s.json_line() for s in self.services] + [
            {"testburger": {"bsn": c.bsn, "naam": c.naam, "omschrijving": c.omschrijving}}
            for c in self.citizens]

    def discovery(self) -> dict[str, Any]:
        """The discovery document: every line of `json_lines()`, grouped, plus our pid."""
        lines = [s.json_line() for s in self.services]
        return {
            "pid": os.getpid(),
            "stelsel": next(x for x in lines if x["rol"] == "stelsel"),
            "app_manager": next(x for x in lines if x["rol"] == "app-manager"),
            "bronnen": [x for x in lines if x["rol"] == "bron"],
            "testburgers": [{"bsn": c.bsn, "naam": c.naam, "omschrijving": c.omschrijving}
                            for c in self.citizens],
        }

    # --- starting and stopping --------------------------------------------------------------

    async def __aenter__(self) -> Federation:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Generate keys, sign the scheme, start every service; raises `FederationError`."""
        if self._state_dir is None:
            self._state_dir = Path(tempfile.mkdtemp(prefix="vorderingen-demo-"))
            self._temporary = True
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        demo = load_demo(self.data_path)
        self.citizens = [DemoCitizen(c.bsn, c.naam, " ".join(c.omschrijving.split()))
                         for c in demo.citizens]
        count = 2 + len(demo.organisations)
        sockets = [bind_port(self.host, self.port_base + i if self.port_base else 0)
                   for i in range(count)]
        urls = [f"http://{self.host}:{s.getsockname()[1]}" for s in sockets]
        state = self.state_dir
        scheme_url, manager_url = urls[0] + SCHEME_PATH, urls[1] + APP_MANAGER_PATH

        operator_dir = state / "stelsel"
        if not (operator_dir / PRIVATE_KEY_FILE).exists():
            create_operator_key(operator_dir)
        manager_dir = state / "app-manager"
        manager_key = await asyncio.to_thread(ensure_private_key, manager_dir / "app-manager.pem")
        write_public_jwk(manager_dir / "app-manager.jwk.json", manager_key)

        organisations, source_apps = [], []
        for organisation, base in zip(demo.organisations, urls[2:], strict=True):
            key_dir = state / "bronnen" / organisation.key
            key = await asyncio.to_thread(ensure_private_key, key_dir / "bron.pem")
            majors = self.source_majors.get(organisation.key, (MAJOR,))
            api_url = base + SOURCE_PATH
            endpoints = [{"api_url": base + major_path(SOURCE_PATH, major), "major": major}
                         for major in majors]
            organisations.append({
                "oin": organisation.oin, "naam": organisation.naam, "soort": organisation.soort,
                "eindpunten": endpoints, "sleutels": [key_entry(public_jwk(key), 0)],
                "diensten": list(organisation.diensten), "status": "actief",
                # the scheme lists how to reach each organisation (an app shows it when the
                # source does not answer)
                **({"uitbreidingen": contact_extension(organisation.settings["contact"])}
                   if "contact" in organisation.settings else {}),
            })
            config = source_config(organisation.config_mapping(
                database_url=f"sqlite+aiosqlite:///{key_dir / 'bron.db'}",
                key_dir=str(key_dir), state_dir=str(key_dir),
                scheme=scheme_url + "/stelseldocument", scheme_key_file=str(self.scheme_key_path),
                scheme_refresh_s=self.scheme_refresh_s,
                omgeving=self.omgeving, seed_file=str(self.data_path),
                host=self.host, port=int(base.rsplit(":", 1)[1]),
                # the test facilities (spec/testomgeving.md), only in a test environment
                **({"testomgeving": TEST_FACILITIES} if self.omgeving in TEST_OMGEVINGEN
                   else {})))
            source_apps.append(create_source_app(config, **(
                {"majors": majors} if organisation.key in self.source_majors else {})))
            details: dict[str, Any] = {"soort": organisation.soort,
                                       "diensten": list(organisation.diensten)}
            if len(endpoints) > 1:
                details["eindpunten"] = endpoints
            self.services.append(Service("bron", organisation.naam, api_url, organisation.oin,
                                         details))

        description = SchemeDescription(
            iss=SCHEME_ISS, omgeving=self.omgeving, organisaties=tuple(organisations),
            app_managers=({"id": APP_MANAGER_ID, "naam": APP_MANAGER_NAAM, "api_url": manager_url,
                           "sleutels": [key_entry(public_jwk(manager_key), 0)],
                           "status": "actief"},))
        description.claims(now=0, volgnummer=1)  # a demo that cannot be signed fails here
        self._scheme_app = create_scheme_app(SchemeServiceConfig(
            description=description, key_file=operator_dir / PRIVATE_KEY_FILE,
            state_dir=operator_dir, poll_interval_s=self.poll_interval_s))
        manager_app = create_app_manager(app_manager_config({
            "id": APP_MANAGER_ID, "naam": APP_MANAGER_NAAM, "omgeving": self.omgeving,
            "database_url": f"sqlite+aiosqlite:///{manager_dir / 'app-manager.db'}",
            "key_dir": str(manager_dir), "public_url": manager_url,
            "identity_provider": {"type": "test", "burgers": str(self.data_path)},
            # the conformance suite's app-manager profile registers about 60 times a run
            "registratie_limiet": {"aantal": 200, "periode_s": 60},
            "host": self.host, "port": int(urls[1].rsplit(":", 1)[1]),
        }))
        self.services[:0] = [
            Service("stelsel", SCHEME_NAAM, scheme_url, None, {
                "stelseldocument_url": scheme_url + "/stelseldocument", "iss": SCHEME_ISS,
                "omgeving": self.omgeving, "sleutel_bestand": str(self.scheme_key_path)}),
            Service("app-manager", APP_MANAGER_NAAM, manager_url, None, {
                "app_manager_id": APP_MANAGER_ID, "omgeving": self.omgeving,
                "test_idp_url": manager_url + "/test-idp/inloggen"}),
        ]
        # The App Manager first (the scheme pulls its revocation list), then the scheme
        # (sources fetch it), then every source — one after another: Alembic keeps global
        # state, so two migrations in one process must never overlap.
        await self._serve(manager_app, sockets[1], "app-manager")
        await self._serve(self._scheme_app, sockets[0], "stelsel")
        for app, sock in zip(source_apps, sockets[2:], strict=True):
            await self._serve(app, sock, "bron")
        if self.discovery_file is not None:
            _write_json(self.discovery_file, self.discovery())
        _write_json(state / "demo.json", self.discovery())

    async def _serve(self, app: Any, sock: socket.socket, rol: str) -> None:
        # The same protections as a served actor (head timeout, connection and head limits).
        config = server_config(app, host=HOST, port=sock.getsockname()[1], lifespan="on",
                               log_config=None, log_level="warning")
        server = EmbeddedServer(config)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        self._servers.append((server, task))
        deadline = asyncio.get_running_loop().time() + SERVER_START_TIMEOUT_S
        while not server.started:
            if task.done() or asyncio.get_running_loop().time() > deadline:
                sock.close()
                raise FederationError(f"de dienst {rol} op {sock.getsockname()} is niet gestart")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop every service (sources first), remove the discovery file and a temporary dir."""
        for server, _task in self._servers:
            server.should_exit = True
        for _server, task in reversed(self._servers):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, SERVER_STOP_TIMEOUT_S)
        self._servers.clear()
        if self.discovery_file is not None:
            current = read_discovery(self.discovery_file)
            if current is not None and current.get("pid") == os.getpid():
                self.discovery_file.unlink(missing_ok=True)
        if self._temporary and self._state_dir is not None:
            shutil.rmtree(self._state_dir, ignore_errors=True)
            self._state_dir, self._temporary = None, False


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


class BackgroundFederation(Background):
    """A `Federation` in a thread of its own: `start()` returns the `Federation`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(Federation(**options))
        self.federation: Federation = self.service
