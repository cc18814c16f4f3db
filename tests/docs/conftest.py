"""Fixtures of the docs-build tests (helpers live in docs_support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from docs_support import run_build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built once from this checkout's spec/; the build itself must be clean."""
    out = tmp_path_factory.mktemp("docs") / "_build"
    done = run_build(out)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return out
