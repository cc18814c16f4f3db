"""`python3 dev.py test` runs the tests in parallel unless told otherwise, and every
generated schemathesis test keeps an id of its own (tests/conftest.py), which the parallel
run schedules by."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tests_run_in_one_worker_per_core_and_at_least_two(dev, monkeypatch) -> None:
    monkeypatch.delenv(dev.WORKERS_ENV, raising=False)
    monkeypatch.setattr(dev.os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert dev.parallel_arguments([]) == ["-n", "2", "--dist", "loadscope"]
    monkeypatch.setattr(dev.os, "sched_getaffinity", lambda _pid: set(range(6)), raising=False)
    assert dev.parallel_arguments(["-x", "tests/spec"])[:2] == ["-n", "6"]


@pytest.mark.parametrize("extra", [["-n", "3"], ["-n3"], ["--numprocesses=4"],
                                   ["-p", "no:xdist"]])
def test_an_explicit_choice_is_left_alone(dev, extra) -> None:
    assert dev.parallel_arguments(extra) == []


def test_the_environment_chooses_the_workers(dev, monkeypatch) -> None:
    monkeypatch.setenv(dev.WORKERS_ENV, "1")
    assert dev.parallel_arguments([]) == []
    monkeypatch.setenv(dev.WORKERS_ENV, "3")
    assert dev.parallel_arguments([])[:2] == ["-n", "3"]
    monkeypatch.setenv(dev.WORKERS_ENV, "drie")
    with pytest.raises(SystemExit, match="whole number"):
        dev.parallel_arguments([])


TINY_API = """
import schemathesis

schema = schemathesis.openapi.from_dict({
    "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
    "paths": {p: {"get": {"responses": {"200": {"description": "ok"}}}}
              for p in ("/a", "/b", "/c")}})


@schema.parametrize()
def test_every_operation(case):
    pass
"""


def test_every_generated_schemathesis_test_has_an_id_of_its_own(tmp_path) -> None:
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text())
    (tmp_path / "test_tiny.py").write_text(TINY_API)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"), str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert ids == [f"test_tiny.py::test_every_operation[GET {p}]" for p in ("/a", "/b", "/c")], \
        collected.stdout[-2000:] + collected.stderr[-2000:]
