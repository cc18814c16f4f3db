"""The CI pipelines of examples/ci: the GitHub workflow's own steps certify the water board
green when run here, and both pipelines stay in step with the examples they certify."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from example_support import CITIZENS, EXAMPLES, example_config, loopback

CI = EXAMPLES / "ci"
STEP_TIMEOUT_S = 600
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def github() -> dict[str, Any]:
    return yaml.safe_load((CI / "github-actions.yml").read_text(encoding="utf-8"))


def gitlab() -> dict[str, Any]:
    return yaml.safe_load((CI / "gitlab-ci.yml").read_text(encoding="utf-8"))


def _expected(example: str) -> dict[str, Any]:
    config = example_config(example)
    return {
        "oin": config["oin"], "naam": config["naam"], "soort": config["soort"],
        "diensten": " ".join(config["diensten"]), "port": str(config["port"]),
        "test_bsns": " ".join(c.bsn for c in CITIZENS[example] if c.rol),
    }


def test_github_matrix_matches_the_examples() -> None:
    legs = github()["jobs"]["certify"]["strategy"]["matrix"]["include"]
    assert {leg["example"] for leg in legs} == set(CITIZENS)
    for leg in legs:
        found = {key: str(leg[key]) for key in _expected(leg["example"])}
        assert found == _expected(leg["example"]), leg["example"]


def test_gitlab_matrix_matches_the_examples() -> None:
    legs = gitlab()["certify"]["parallel"]["matrix"]
    assert {leg["EXAMPLE"] for leg in legs} == set(CITIZENS)
    for leg in legs:
        expected = _expected(leg["EXAMPLE"])
        assert {
            "oin": leg["BRON_OIN"], "naam": leg["BRON_NAAM"], "soort": leg["BRON_SOORT"],
            "diensten": leg["BRON_DIENSTEN"], "port": leg["PORT"], "test_bsns": leg["TEST_BSNS"],
        } == expected, leg["EXAMPLE"]


def test_reports_are_kept_and_published_also_when_red() -> None:
    jobs = github()["jobs"]
    keep = next(s for s in jobs["certify"]["steps"] if s.get("name") == "Keep the reports")
    assert keep["if"] == "${{ always() }}"
    assert keep["with"]["path"] == "work/reports/"
    publish = jobs["publish"]
    assert publish["needs"] == "certify" and "always()" in publish["if"]
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert github()["permissions"] == {"contents": "read"}
    job = gitlab()["certify"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "work/reports/*/junit.xml"
    assert gitlab()["pages"]["rules"][0]["when"] == "always"


def test_actions_are_pinned_to_a_version() -> None:
    uses = [s["uses"] for job in github()["jobs"].values() for s in job["steps"] if "uses" in s]
    assert uses and all(re.search(r"@v\d+$", u) for u in uses), uses


def test_both_pipelines_call_the_shared_script() -> None:
    certify = next(s for s in github()["jobs"]["certify"]["steps"] if s.get("name") == "Certify")
    assert certify["run"] == "bash ../examples/ci/certify.sh"
    assert certify["working-directory"] == "work"
    assert "bash ../examples/ci/certify.sh" in gitlab()["certify"]["script"]
    syntax = subprocess.run(["bash", "-n", str(CI / "certify.sh")], capture_output=True,
                            text=True, check=False)
    assert syntax.returncode == 0, syntax.stderr


def _substitute(text: str, matrix: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("matrix."):
            return str(matrix[expression.removeprefix("matrix.")])
        raise AssertionError(f"the test cannot evaluate ${{{{ {expression} }}}}")

    return EXPRESSION.sub(value, text)


@pytest.mark.live
@pytest.mark.slow
def test_github_workflow_steps_certify_the_water_board(tmp_path: Path) -> None:
    """Run the `certify` job's `run:` steps for the water board leg, as a runner would
    (bash -eo pipefail, step env, working-directory), here; the install step is skipped
    (the project is installed) and the port moved to a free one."""
    with loopback() as (sock, _url):
        port = sock.getsockname()[1]
    job = github()["jobs"]["certify"]
    leg = next(leg for leg in job["strategy"]["matrix"]["include"]
               if leg["example"] == "waterschap") | {"port": port}
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "examples").symlink_to(EXAMPLES)  # the checkout, as far as the job uses it
    summary = tmp_path / "step-summary.md"
    base_env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    for step in job["steps"]:
        if "run" not in step or step.get("name", "").startswith("Install"):
            continue
        env = base_env | {k: _substitute(str(v), leg) for k, v in step.get("env", {}).items()}
        cwd = workspace / step.get("working-directory", ".")
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               _substitute(step["run"], leg)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=STEP_TIMEOUT_S,
                              check=False)
        assert done.returncode == 0, (step["name"], done.stdout[-3000:], done.stderr[-2000:])
    reports = workspace / "work" / "reports"
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert report["verdict"] == "conformant"
    assert report["oin"] == "00000001999990002000"
    assert report["profiles"] == ["basis", "betalingsregelingen", "pauzes"]
    assert {p.name for p in reports.iterdir()} >= {
        "report.json", "report.html", "junit.xml", "badge.svg", "badge.json", "summary.md"}
    assert summary.read_text(encoding="utf-8").startswith(
        "### Vorderingen API conformance: conformant")
