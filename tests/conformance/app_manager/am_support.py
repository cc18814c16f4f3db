"""The reference App Manager in-process for the app-manager profile's tests, and running
the profile (or some of its checks) against it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from conformance.app_manager import PROFILE, PROFILES, run
from conformance.checks.base import meta_of
from conformance.model import RunReport
from conformance.runner import RunOptions
from reference_impl.app_manager.app import create_app
from reference_impl.app_manager.config import config_from_mapping

BASE_URL = "http://127.0.0.1:8002/app-manager/v2"
MANAGER_ID = "profiel-app-manager"


def manager_app(tmp_path: Path, **settings: Any) -> Any:
    """A reference App Manager with the test identity provider, on SQLite."""
    return create_app(config_from_mapping({
        "id": MANAGER_ID, "naam": "Profiel App Manager", "omgeving": "test",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'app-manager.db'}",
        "key_dir": str(tmp_path / "keys"), "identity_provider": {"type": "test"},
        "registratie_limiet": {"aantal": 1000, "periode_s": 60},
        **settings,
    }))


def check_named(name: str) -> Any:
    return next(fn for fn in PROFILES[PROFILE] if meta_of(fn).name == name)


async def run_against(app: Any, tmp_path: Path, *names: str, **options: Any) -> RunReport:
    """The profile (or the checks `names`) against `app`, in-process."""
    checks = tuple(check_named(n) for n in names) if names else None
    return await run(RunOptions(base_url=BASE_URL, key_dir=tmp_path / "sleutels",
                                transport=httpx.ASGITransport(app=app), checks=checks,
                                deadline_s=None, **options))


def outcomes(report: RunReport) -> dict[str, tuple[str, str]]:
    return {r.check: (r.outcome.value, r.rule) for r in report.results}
