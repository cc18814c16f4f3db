"""Profile `app`: certifying a citizen app (spec/testomgeving.md, "An app under test").

The app is a command (`--app-command`) the suite starts with the documented environment
variables, pointing it at a federation the suite plays on loopback — the scheme service, an
App Manager, and correct, broken and hostile sources — with the suite's login driver as
`BROWSER`. The checks (conformance/app/checks.py) read the overview JSON the app prints and
the requests it sent.

    PROFILES = {"app": APP_CHECKS}
    report = await run(options, reporters)     # options.app_command: the app's argv
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.app.checks import APP_CHECKS
from conformance.errors import CouldNotRun
from conformance.model import RunReport
from conformance.runner import RunOptions, end_without_checks, narrow, new_report, run_checks

PROFILE = "app"
PROFILES: dict[str, tuple[Any, ...]] = {PROFILE: APP_CHECKS}


async def run(options: RunOptions, reporters: Sequence[Any] = ()) -> RunReport:
    """Run profile `app` against `options.app_command`; could-not-run when there is none."""
    from conformance.app.context import AppContext

    target = " ".join(options.app_command)
    report = new_report(options, actor="app", target=target, profiles=[PROFILE])
    if not options.app_command:
        return end_without_checks(report, reporters,
                                  "profile app needs the app's command (--app-command)")
    checks = narrow(PROFILES[PROFILE], options.check_names)
    with tempfile.TemporaryDirectory(prefix="vorderingen-app-") as work:
        try:
            ctx = AppContext(tuple(options.app_command), Path(work))
        except CouldNotRun as exc:
            return end_without_checks(report, reporters, str(exc))
        async with ctx:
            await run_checks(ctx, checks, report=report, reporters=reporters, options=options)
    return report
