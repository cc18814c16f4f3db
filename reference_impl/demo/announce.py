"""`vorderingen demo`: start the federation, announce it, run until SIGINT or SIGTERM.

With `--json`, stdout carries nothing but JSON objects, one per line, before anything else:
one per service (`Federation.json_lines()`: `rol`, `naam`, `url`, `oin` for a source, and
the details a separate app needs), one `{"testburger": {...}}` per test citizen, then
`{"klaar": true}`. Without it, a readable summary (rich). Logs go to stderr. The discovery
file (`launcher.discovery_path()`) exists while the demo runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

from reference_impl.demo.launcher import DEMO_POLL_INTERVAL_S, Federation, discovery_path


def run_demo(*, as_json: bool, port_base: int | None = None, state_dir: Path | None = None,
             data_path: Path | None = None, interval_s: float = DEMO_POLL_INTERVAL_S) -> None:
    """Start the federation, announce it, and run until SIGINT or SIGTERM. `interval_s` is
    both the revocation pull interval and the sources' scheme refresh interval."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(_run(as_json=as_json, port_base=port_base, state_dir=state_dir,
                     data_path=data_path, interval_s=interval_s))


async def _run(*, as_json: bool, port_base: int | None, state_dir: Path | None,
               data_path: Path | None, interval_s: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    federation = Federation(state_dir=state_dir, data_path=data_path, port_base=port_base,
                            poll_interval_s=interval_s, scheme_refresh_s=interval_s,
                            discovery_file=discovery_path())
    await federation.start()
    try:
        if as_json:
            for line in [*federation.json_lines(), {"klaar": True}]:
                print(json.dumps(line, ensure_ascii=False), flush=True)
        else:
            _print_summary(federation)
        await stop.wait()
    finally:
        await federation.stop()


def _print_summary(federation: Federation) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    services = Table(title="Vorderingen-demo: de federatie draait", title_justify="left")
    longest_url = max(len(s.url) for s in federation.services)
    services.add_column("rol", no_wrap=True)
    services.add_column("naam (OIN)", min_width=20)  # never cut a URL or an OIN short
    services.add_column("url", no_wrap=True, min_width=longest_url)
    for service in federation.services:
        name = f"{service.naam}\n{service.oin}" if service.oin else service.naam
        services.add_row(service.rol, name, service.url)
    console.print(services)
    citizens = Table(title="Testburgers (inloggen via de test-DigiD)", title_justify="left")
    citizens.add_column("BSN", no_wrap=True, min_width=9)
    citizens.add_column("naam")
    citizens.add_column("wat de demo laat zien")
    for citizen in federation.citizens:
        citizens.add_row(citizen.bsn, citizen.naam, citizen.omschrijving)
    console.print(citizens)
    for line in (f"Stelselsleutel (pinnen): {federation.scheme_key_path}",
                 f"App Manager: {federation.app_manager_url} (id {federation.app_manager_id})",
                 f"Certificaten intrekken zonder app: {federation.app_manager_url}/burger "
                 f"(binnen {federation.revocation_latency_s:g} s weigert elke bron ze)",
                 f"Ontdekkingsbestand: {discovery_path()}", "Stoppen: Ctrl+C"):
        console.print(line, soft_wrap=True, highlight=False)
