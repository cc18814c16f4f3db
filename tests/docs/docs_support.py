"""Helpers of the docs-build tests: the one build command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "docs" / "build.py"
BUILD_TIMEOUT_S = 120


def run_build(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`python docs/build.py --out OUT ...`, the one command, as a subprocess."""
    return subprocess.run([sys.executable, str(BUILD), "--out", str(out), *extra], cwd=REPO,
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT_S, check=False)
