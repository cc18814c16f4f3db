"""What the checks of profile `app` share: the suite's federation, the app command, and
the app's runs — the main overview run (made once, inspected by most checks) and the runs
against a changed scheme document.

The context satisfies the runner's interface (`exchanges`, `api_versie`, `unmet_need`);
an app exchanges nothing with the suite over HTTP that a check could cite, so `exchanges`
stays empty and findings carry the app's output instead.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import httpx

from conformance import specfiles
from conformance.app.federation import SOURCES, Bron, Federation
from conformance.app.harness import AppRun, run_app
from conformance.checks.base import check

APP_TIMEOUT_S = 3.0  # VORDERINGEN_APP_TIMEOUT_S: the per-source timeout the app is given
HARD_LIMIT_S = 60.0  # an app still running then is killed (and fails the bound)
END_BOUND_S = 2 * APP_TIMEOUT_S + 20.0  # start, login, a timeout, verification, output


def severity_of(rule_id: str) -> str:
    """The check's weight from the rule's level in spec/rules.yaml, so that a rule of
    rules/app.md raised to MUST makes its checks MUST without touching them."""
    for rule in specfiles.rules().get("rules", []):
        if isinstance(rule, dict) and rule.get("id") == rule_id:
            return "must" if str(rule.get("level", "")).upper().startswith("MUST") else "should"
    raise ValueError(f"no rule {rule_id} in spec/rules.yaml")


def app_check(rule_id: str) -> Any:
    """`@check` for profile `app`: area `app`, the weight of the rule's level."""
    return check(rule=rule_id, severity=severity_of(rule_id), area="app")


class AppContext:
    """One federation and one app command for a whole profile run."""

    def __init__(self, command: tuple[str, ...], work_dir: Path, *,
                 timeout_s: float = APP_TIMEOUT_S, hard_limit_s: float = HARD_LIMIT_S,
                 sources: tuple[Bron, ...] = SOURCES) -> None:
        self.command = command
        self.work_dir = work_dir
        self.timeout_s = timeout_s
        self.hard_limit_s = hard_limit_s
        self.exchanges: list[httpx.Response] = []
        self.api_versie: str | None = None
        self.federation = Federation(work_dir / "federatie", sources=sources)
        self.runs: list[AppRun] = []
        self._main: AppRun | None = None
        self._main_state: Path | None = None
        self._lock = asyncio.Lock()
        self._numbers = itertools.count(1)

    async def unmet_need(self, need: str) -> str | None:
        return None  # the profile's checks need nothing beyond the app command

    async def __aenter__(self) -> AppContext:
        await asyncio.to_thread(self.federation.start)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await asyncio.to_thread(self.federation.stop)

    def new_state_dir(self) -> Path:
        path = self.work_dir / f"app-map-{next(self._numbers)}"
        path.mkdir(parents=True)
        return path

    async def run(self, *, scheme: str | None = None, state_dir: Path | None = None) -> AppRun:
        """Run the app once (serving `scheme` instead of the federation's document)."""
        async with self._lock:
            state = state_dir or self.new_state_dir()
            if scheme is not None:
                self.federation.publish(scheme)
            try:
                run = await run_app(self.command, self.federation.environment(state,
                                                                              self.timeout_s),
                                    hard_limit_s=self.hard_limit_s, cwd=Path.cwd())
            finally:
                self.federation.publish(self.federation.scheme_token)
            self.runs.append(run)
            return run

    async def main_run(self) -> AppRun:
        """The overview against the whole federation, made once."""
        if self._main is None:
            self._main_state = self.new_state_dir()
            self._main = await self.run(state_dir=self._main_state)
        return self._main

    @property
    def main_state_dir(self) -> Path | None:
        return self._main_state
