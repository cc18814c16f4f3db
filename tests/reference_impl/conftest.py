"""Puts this folder on `sys.path`, so the support modules shared by the folders below
(`openapi_support`, `clock_support`) import as each folder's own (`source_support`, ...) do.

The test folders have no `__init__.py`; pytest's default import mode already prepends a
conftest's folder, the insert below says so explicitly and keeps it under other modes.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
