#!/usr/bin/env python3
"""Set-up and entry point for a fresh checkout: needs only Python 3.11+.

    python3 dev.py demo   # certify the bundled reference source (the embedded default)
    python3 dev.py test   # lint + the whole test suite, in one worker process per core

It creates `.venv` beside this file, installs the project into it (again whenever
`pyproject.toml` changes) and runs the command there. The browser tests need Debian's
`chromium`; when it is missing and we run as root, `test` installs it with apt-get.

The tests run in parallel (pytest-xdist), one worker per usable core and at least two: most
of a test's time is waiting for a server, a browser or a subprocess, so two workers halve
the run even on one core. Each test module stays in one worker (`--dist loadscope`): a
module's fixtures start once and its tests run in order. `VORDERINGEN_TEST_WORKERS=1` (or
an explicit `-n`/`-p no:xdist` among the extra arguments) runs them as asked instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"
# The exact runtime versions the suite is released with; the tests run on the same ones.
CONSTRAINTS = ROOT / "conformance" / "constraints.txt"
CHROMIUM_PACKAGES = ("chromium",)
WORKERS_ENV = "VORDERINGEN_TEST_WORKERS"
MIN_WORKERS = 2


def _run(*cmd: str | os.PathLike[str], **kwargs) -> None:
    # Only this script's own fixed commands run here, never user-supplied programs.
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, check=False, **kwargs)  # noqa: S603
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()
                            + CONSTRAINTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing the project and its dependencies into .venv", flush=True)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-c", CONSTRAINTS, "-e", ".[dev]")
    STAMP.write_text(wanted)


def ensure_chromium() -> None:
    if shutil.which("chromium") or os.environ.get("VORDERINGEN_SKIP_APT"):
        return
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        print("dev.py: Debian's chromium is missing; install it for the browser tests",
              file=sys.stderr)
        return
    print("dev.py: installing Debian's chromium for the browser tests", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run("apt-get", "update", "-qq", env=env)
    _run("apt-get", "install", "-y", "-qq", *CHROMIUM_PACKAGES, env=env,
         stdout=subprocess.DEVNULL)


def test_workers() -> int:
    """Worker processes for the test run: the environment's choice, else one per core."""
    chosen = os.environ.get(WORKERS_ENV, "").strip()
    if chosen:
        if not chosen.isdigit():
            sys.exit(f"dev.py: {WORKERS_ENV} must be a whole number, not {chosen!r}")
        return int(chosen)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(MIN_WORKERS, cores or 1)


def parallel_arguments(extra: list[str]) -> list[str]:
    """`-n N --dist loadscope`, unless the caller chose (extra arguments, one worker) or
    pytest-xdist is not installed (an environment from before it was a dependency)."""
    asked = any(a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numproc"))
                for a in extra)
    workers = test_workers()
    if asked or workers <= 1:
        return []
    probe = subprocess.run([str(BIN / "python"), "-c", "import xdist"], check=False,  # noqa: S603
                           capture_output=True)
    if probe.returncode != 0:
        print("dev.py: pytest-xdist is missing; the tests run in one process", flush=True)
        return []
    return ["-n", str(workers), "--dist", "loadscope"]


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"demo", "test"}:
        sys.exit("usage: python3 dev.py demo|test [extra arguments]")
    ensure_venv()
    command, extra = argv[0], argv[1:]
    if command == "demo":
        _run(BIN / "vorderingen-conformance", "demo", "--report-dir", "reports/demo", *extra)
    else:
        ensure_chromium()
        _run(BIN / "ruff", "check", ".")
        _run(BIN / "python", "-m", "pytest", *parallel_arguments(extra), *extra)


if __name__ == "__main__":
    main(sys.argv[1:])
