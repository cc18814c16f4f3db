"""The onboarding guide (examples/README.md) works as written, and stays in step with the
examples and the suite.

Every ```bash block of the guide is run, in order, as one script: in a temporary HOME, with
the project's .venv/bin first on PATH (what `source .venv/bin/activate` does), and with the
guide's port 8101 replaced by a free one. ```sh blocks are shown to the reader only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
import yaml
from example_support import CITIZENS, EXAMPLES, REPO, loopback
from test_examples_ci import green_but_for_the_waits

from conformance.cli import cli as conformance_cli
from examples.source_cli import TestCitizen

GUIDE = EXAMPLES / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
GUIDE_PORT = "8101"
SCRIPT_TIMEOUT_S = 600
STOP_TIMEOUT_S = 15.0
POLL_S = 0.1


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(path.read_text(encoding="utf-8"))
            if lang == language]


@pytest.mark.live
@pytest.mark.slow
def test_guide_walkthrough_runs_green(tmp_path: Path) -> None:
    with loopback() as (sock, _url):
        port = str(sock.getsockname()[1])
    script = "set -euo pipefail\n" + "\n".join(blocks(GUIDE, "bash")).replace(GUIDE_PORT, port)
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    work = home / "vorderingen-proef" / "lindeoord"
    try:
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=SCRIPT_TIMEOUT_S,
                              check=False)
        stopped = _gone(work / "bron.pid")
    finally:
        _stop_left_behind(work / "bron.pid")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((work / "reports" / "report.json").read_text(encoding="utf-8"))
    verdict = green_but_for_the_waits(report)  # every check that ran passed
    # test clock and short lifetimes in bron.yaml, a test citizen for every check: complete
    assert verdict == "conformant", report["counts"]
    assert f"exit code {report['exit_code']}\n" in done.stdout
    badge = json.loads((work / "reports" / "badge.json").read_text(encoding="utf-8"))
    assert done.stdout.rstrip().endswith(badge["message"])  # the guide prints the badge
    assert badge["message"].startswith(f"self-tested: {verdict}")
    assert (work / "reports" / "report.html").is_file()
    # without test citizens: never a pass
    assert "without test citizens: exit code 4\n" in done.stdout
    bare = json.loads((work / "reports-zonder-burgers" / "report.json").read_text("utf-8"))
    assert bare["verdict"] == "incomplete" and bare["counts"]["untested_musts"] > 20
    assert f"{bare['counts']['untested_musts']} MUST not tested" in done.stdout
    assert "999991012" not in (work / "bron.log").read_text(encoding="utf-8")  # no BSN logged
    assert stopped, "the guide's last step did not stop the source"


def _pid(pid_file: Path) -> int | None:
    return int(pid_file.read_text(encoding="utf-8")) if pid_file.is_file() else None


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper counts as stopped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.is_file() and "\nState:\tZ" in status.read_text(encoding="utf-8"))


def _gone(pid_file: Path) -> bool:
    """True when the source the guide started has stopped (within STOP_TIMEOUT_S)."""
    pid = _pid(pid_file)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while pid is not None and _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)
    return pid is not None


def _stop_left_behind(pid_file: Path) -> None:
    """Stop the source the guide started (by its id) when the script ended early."""
    pid = _pid(pid_file)
    if pid is not None and _alive(pid):
        os.kill(pid, signal.SIGTERM)


def test_guide_uses_only_options_the_suite_has() -> None:
    """Every `vorderingen-conformance <command> --option` in the guide and in the examples'
    READMEs exists."""
    code = "\n".join(line.split(" #", 1)[0]  # without shell comments
                     for p in (GUIDE, *EXAMPLES.glob("*/README.md"))
                     for lang in ("bash", "sh") for body in blocks(p, lang)
                     for line in body.splitlines())
    commands = re.findall(r"vorderingen-conformance (\w+)((?:[^\n]|\\\n)*)", code)
    assert commands
    for name, rest in commands:
        command = conformance_cli.commands.get(name)
        assert isinstance(command, click.Command), name
        known = {opt for p in command.params for opt in getattr(p, "opts", [])}
        used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest))
        assert used <= known, (name, used - known)


def test_guide_links_resolve() -> None:
    for path in (GUIDE, *EXAMPLES.glob("*/README.md")):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://")):
                continue
            assert (path.parent / target).exists(), (path.name, target)


def test_rule_ids_in_the_guide_exist() -> None:
    index = yaml.safe_load((REPO / "spec" / "rules.yaml").read_text(encoding="utf-8"))
    known = {rule["id"] for rule in index["rules"]}
    areas = "|".join(sorted({rule["area"] for rule in index["rules"]}))
    for path in (GUIDE, *EXAMPLES.glob("*/README.md")):
        text = path.read_text(encoding="utf-8")
        cited = set(re.findall(rf"`(/(?:{areas})/[a-z0-9-]+)`", text))
        assert cited <= known, (path.name, cited - known)


def _table_rows(readme: Path) -> list[tuple[str, str, str]]:
    rows = re.findall(r"^\| (\d{9}) \| ([^|]+?) \| ([^|]+?) \|", readme.read_text("utf-8"),
                      re.MULTILINE)
    return [(bsn, name, role) for bsn, name, role in rows]


@pytest.mark.parametrize("example", sorted(CITIZENS))
def test_readme_lists_the_seeded_test_citizens(example: str) -> None:
    documented = _table_rows(EXAMPLES / example / "README.md")
    seeded: tuple[TestCitizen, ...] = CITIZENS[example]
    assert [(bsn, name) for bsn, name, _role in documented] == [(c.bsn, c.naam) for c in seeded]
    roles = [role for _bsn, _name, role in documented]
    others = len(seeded) - 2  # citizens beyond the suite's two show more of the example
    assert roles == ["first `--test-bsn`", "second `--test-bsn`"] + ["—"] * others
    assert [c.rol for c in seeded] == ["first --test-bsn", "second --test-bsn"] + [""] * others


def test_guide_names_the_gemeente_example_citizens_in_order() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    first, second = (c.bsn for c in CITIZENS["gemeente"][:2])
    assert f"--test-bsn {first} --test-bsn {second}" in text
