#!/usr/bin/env python3
"""Set-up and entry point for a fresh checkout: needs only Python 3.11+.

    python3 dev.py demo   # certify the bundled reference source (the embedded default)
    python3 dev.py test   # lint + the whole test suite

It creates `.venv` beside this file, installs the project into it (again whenever
`pyproject.toml` changes) and runs the command there. The browser tests need Debian's
`chromium`; when it is missing and we run as root, `test` installs it with apt-get.
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
        _run(BIN / "python", "-m", "pytest", *extra)


if __name__ == "__main__":
    main(sys.argv[1:])
