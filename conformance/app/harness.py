"""Running the app under test: the command given with `--app-command`, started with the
documented environment (spec/testomgeving.md, "An app under test") and a `BROWSER` that is
the suite's login driver, its stdout read as the overview JSON.

Every run ends: the command is killed (with its process group) after `hard_limit_s`, and
at most `MAX_OUTPUT_BYTES` of each stream are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import specfiles
from conformance.errors import CheckError

MAX_OUTPUT_BYTES = 4 * 1024 * 1024
STDERR_TAIL_CHARS = 400
# Variables that would let the app reach anything but the suite's federation are dropped.
DROPPED_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
               "all_proxy", "VORDERINGEN_DEMO_FILE", "DISPLAY", "WAYLAND_DISPLAY")


def login_driver() -> str:
    """The `BROWSER` command line: `%s` stands for the login URL."""
    return f"{shlex.quote(sys.executable)} -m conformance.app.browser %s"


@dataclass
class AppRun:
    """One run of the app: exit status, output, wall time; the overview when it printed one."""

    command: tuple[str, ...]
    returncode: int | None  # None: killed at the hard limit
    stdout: str
    stderr: str
    elapsed_s: float
    overview: dict[str, Any] | None = None
    schema_errors: list[str] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.returncode is not None

    def stderr_tail(self) -> str:
        text = " ".join(self.stderr.split())
        return text[-STDERR_TAIL_CHARS:] if text else "(nothing on stderr)"

    def summary(self) -> str:
        status = "killed" if self.returncode is None else f"exit {self.returncode}"
        return f"{status} after {self.elapsed_s:.1f} s; stderr: {self.stderr_tail()}"

    def source(self, oin: str) -> list[dict[str, Any]]:
        """The `bronnen` entries the app printed for `oin`."""
        entries = (self.overview or {}).get("bronnen", [])
        return [e for e in entries if isinstance(e, dict) and e.get("oin") == oin]

    def cases_of(self, oin: str) -> list[dict[str, Any]]:
        groups = (self.overview or {}).get("groepen", {})
        return [case for group in groups.values() if isinstance(group, list)
                for case in group
                if isinstance(case, dict) and (case.get("organisatie") or {}).get("oin") == oin]


async def _read(stream: asyncio.StreamReader | None) -> bytes:
    if stream is None:
        return b""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < MAX_OUTPUT_BYTES:
            kept += chunk[:MAX_OUTPUT_BYTES - len(kept)]
    return bytes(kept)


def _kill(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def cannot_start(command: tuple[str, ...]) -> str | None:
    """Why `command` cannot start at all (its program missing or not executable), or None:
    a set-up mistake, never the app's nonconformance."""
    program = command[0]
    if "/" in program:  # a path, resolved as exec would (from the working directory)
        path = Path(program)
        if not path.exists():
            return f"{program}: no such file"
        if not path.is_file() or not os.access(path, os.X_OK):
            return f"{program}: not an executable file"
        return None
    if shutil.which(program) is None:
        return f"{program}: not found on PATH"
    return None


async def run_app(command: tuple[str, ...], env: dict[str, str], *,
                  hard_limit_s: float, cwd: Path) -> AppRun:
    """Start `command` with `env` over the suite's own environment; wait at most
    `hard_limit_s`; parse stdout as the overview (`app-overzicht.schema.json`)."""
    full_env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    full_env.update(env)
    full_env["BROWSER"] = login_driver()
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *command, env=full_env, cwd=cwd, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)
    except OSError as exc:  # the set-up's fault, not the app's: outcome error, not failed
        raise CheckError(f"cannot start {command[0]}: {exc.strerror or exc}") from None
    reading = asyncio.gather(_read(process.stdout), _read(process.stderr))
    returncode: int | None
    try:
        # both the output and the exit within the limit (an app may close its streams early)
        async with asyncio.timeout(hard_limit_s):
            out, err = await asyncio.shield(reading)
            returncode = await process.wait()
    except TimeoutError:
        _kill(process)
        out, err = await reading
        await process.wait()
        returncode = None
    finally:
        _kill(process)  # whatever it left behind in its group (a browser, a helper)
    run = AppRun(command, returncode, out.decode("utf-8", "replace"),
                 err.decode("utf-8", "replace"), time.monotonic() - started)
    if returncode == 0:
        _parse(run)
    return run


def _parse(run: AppRun) -> None:
    try:
        data = json.loads(run.stdout)
    except ValueError as exc:
        run.schema_errors.append(f"stdout is not JSON ({exc.msg} at {exc.pos})")
        return
    errors = sorted(specfiles.validator("app-overzicht").iter_errors(data), key=str)
    for error in errors[:5]:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        run.schema_errors.append(f"{where}: {error.message[:200]}")
    run.overview = data if isinstance(data, dict) else None
