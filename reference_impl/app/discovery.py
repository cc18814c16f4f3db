"""Finding a running `vorderingen demo` so the app needs no options against it.

The demo writes a discovery document (reference_impl/demo/launcher.py) to
`$VORDERINGEN_DEMO_FILE`, else to `vorderingen-demo.json` in the system's temporary
directory. The app reads that JSON file only — it never imports the demo: the scheme
document's URL, the file of the public key to pin, the environment and the App Manager.
A document whose process (`pid`) no longer runs is stale and ignored.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DISCOVERY_ENV = "VORDERINGEN_DEMO_FILE"
DISCOVERY_FILE_NAME = "vorderingen-demo.json"


@dataclass(frozen=True)
class DemoInfo:
    """What the app takes from a running demo."""

    stelsel_url: str
    stelsel_sleutel: Path
    omgeving: str
    app_manager_url: str


def discovery_path() -> Path:
    configured = os.environ.get(DISCOVERY_ENV)
    return Path(configured) if configured else Path(tempfile.gettempdir()) / DISCOVERY_FILE_NAME


def find_demo(path: Path | None = None) -> DemoInfo | None:
    """The running demo's details, or None when there is none (or it is stale)."""
    try:
        data = json.loads((path or discovery_path()).read_text(encoding="utf-8"))
        return _info(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _info(data: dict[str, Any]) -> DemoInfo | None:
    if not _alive(data.get("pid")):
        return None
    scheme, manager = data["stelsel"], data["app_manager"]
    return DemoInfo(stelsel_url=str(scheme["stelseldocument_url"]),
                    stelsel_sleutel=Path(scheme["sleutel_bestand"]),
                    omgeving=str(scheme["omgeving"]), app_manager_url=str(manager["url"]))


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, but belongs to someone else
        return True
    return True
