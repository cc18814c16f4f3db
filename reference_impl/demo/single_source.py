"""One reference source on loopback that trusts a scheme someone else signs.

For the conformance suite's `demo` (the one place the suite may start the reference
implementation): the suite plays scheme operator and App Manager, so the source must pin
the suite's scheme key and read the suite's scheme document, which in turn must name the
source's URL and key. `SourceLauncher` does that in three steps, synchronously:

    launcher = SourceLauncher("voorbeeldstad")
    started = launcher.start(material)   # material: .scheme_keys, .scheme_document_path,
                                         # .write_scheme(oin=, api_url=, bron_jwk=, diensten=)
    started.base_url, started.oin, started.test_bsns, started.signing_jwk
    launcher.stop()

The source's key and SQLite database live in a temporary directory (removed at `stop()`),
with the demo data of that organisation seeded.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.common.jose import ensure_private_key, public_jwk
from reference_impl.common.serving import server_config
from reference_impl.demo.data import DEMO_DATA, TEST_FACILITIES, TEST_OMGEVINGEN, load_demo
from reference_impl.demo.servers import HOST, Background, EmbeddedServer, bind_port
from reference_impl.source.app import create_app
from reference_impl.source.config import DEFAULT_BASE_PATH, config_from_mapping

DEFAULT_ORGANISATION = "voorbeeldstad"


@dataclass(frozen=True)
class StartedSource:
    """What a caller needs to know about the started source."""

    base_url: str
    oin: str
    test_bsns: tuple[str, ...]
    signing_jwk: dict[str, Any]


class _SingleSource:
    def __init__(self, organisation: str, material: Any, omgeving: str,
                 quote_validity_s: int | None) -> None:
        self.organisation = organisation
        self.material = material
        self.omgeving = omgeving
        self.quote_validity_s = quote_validity_s
        self.state_dir = Path(tempfile.mkdtemp(prefix="vorderingen-bron-"))
        self.started: StartedSource | None = None
        self._server: EmbeddedServer | None = None
        self._task: Any = None

    async def start(self) -> StartedSource:
        demo = load_demo()
        organisation = demo.organisation(self.organisation)
        sock = bind_port(HOST, 0)
        api_url = f"http://{HOST}:{sock.getsockname()[1]}{DEFAULT_BASE_PATH}"
        key = await asyncio.to_thread(ensure_private_key, self.state_dir / "bron.pem")
        # Pin the whole set the suite publishes (current + backup), as an organisation would.
        pinned = self.state_dir / "stelsel-sleutels.jwks"
        pinned.write_text(json.dumps({"keys": self.material.scheme_keys}), encoding="utf-8")
        self.material.write_scheme(oin=organisation.oin, api_url=api_url,
                                   bron_jwk=public_jwk(key), diensten=organisation.diensten)
        mapping = organisation.config_mapping(
            database_url=f"sqlite+aiosqlite:///{self.state_dir / 'bron.db'}",
            key_dir=str(self.state_dir), state_dir=str(self.state_dir),
            scheme=str(self.material.scheme_document_path), scheme_key_file=str(pinned),
            omgeving=self.omgeving, seed_file=str(DEMO_DATA))
        if self.omgeving in TEST_OMGEVINGEN:  # spec/testomgeving.md: never in production
            mapping["testomgeving"] = TEST_FACILITIES
        if self.quote_validity_s is not None and "betalingsregeling" in mapping:
            mapping["betalingsregeling"] = {**mapping["betalingsregeling"],
                                            "voorstel_geldigheid_s": self.quote_validity_s}
        config = config_from_mapping(mapping)
        self._server = EmbeddedServer(server_config(
            create_app(config), host=HOST, port=sock.getsockname()[1], lifespan="on",
            log_config=None, log_level="warning"))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                raise RuntimeError("the reference source did not start")
            await asyncio.sleep(0.01)
        bsns = tuple(c.bsn for c in demo.citizens if c.cases.get(organisation.oin))
        self.started = StartedSource(api_url, organisation.oin, bsns, public_jwk(key))
        return self.started

    async def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            await self._task
            self._server = None
        shutil.rmtree(self.state_dir, ignore_errors=True)


class SourceLauncher:
    """Starts and stops one reference source for a synchronous caller; see the module doc."""

    def __init__(self, organisation: str = DEFAULT_ORGANISATION, *, omgeving: str = "test",
                 quote_validity_s: int | None = None) -> None:
        """`quote_validity_s` shortens the quotes' validity (a test environment's setting)
        so that a certification run can see a quote expire."""
        self.organisation = organisation
        self.omgeving = omgeving
        self.quote_validity_s = quote_validity_s
        self._background: Background | None = None

    def start(self, material: Any) -> StartedSource:
        self._background = Background(_SingleSource(self.organisation, material, self.omgeving,
                                                     self.quote_validity_s))
        self._background.start()
        return self._background.service.started

    def stop(self) -> None:
        if self._background is not None:
            self._background.stop()
            self._background = None
