"""The fan-out benches' own stubs and helpers, for the tests that check them
(test_app_fanout.py, test_app_web_fanout.py): bench/ is scripts, not a package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parents[3] / "bench"


def load_bench(name: str) -> Any:
    """The module bench/<name>.py, registered under `name` (its dataclasses look themselves
    up in sys.modules, and browser_fanout_bench imports fanout_bench by that name)."""
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
