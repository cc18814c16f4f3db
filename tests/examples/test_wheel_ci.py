"""The CI entry points as an organisation uses them: the wheel built from this repository,
installed with its constraints into a clean virtual environment, and the GitHub Action's
and the GitLab component's own commands run against a reference source started from that
environment — from a temporary directory, without PYTHONPATH, so nothing of the checkout is
on the path. pip may fetch the pinned dependencies from the package index (cached after the
first run)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CI = REPO / "examples" / "ci"
INSTALL_TIMEOUT_S = 600
RUN_TIMEOUT_S = 600
ORGANISATION_OIN = "00000001001234567000"  # Gemeente Voorbeeldstad of the demo data
TEST_BSNS = "999993653 999990032"  # its citizens with cases
GITHUB_EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
GITLAB_INPUT = re.compile(r"\$\[\[\s*inputs\.([a-z-]+)\s*\]\]")
# A short run: the basis profile with few generated examples (the full matrix is proven
# elsewhere); what this test shows is the install and the entry point.
QUICK = {"VORDERINGEN_PROFIELEN": "basis", "VORDERINGEN_MAX_EXAMPLES": "3"}

BRON_YAML = """\
oin: "{oin}"
naam: Gemeente Voorbeeldstad
soort: gemeente
diensten: [vorderingenoverzicht, betalingsregelingen, pauzes, hulpvragen]
betalingsregeling: {{minimum_termijnbedrag: 2500, maximum_aantal_termijnen: 12,
                    bedenktijd_dagen: 14, voorstel_geldigheid_s: 900}}
pauze: {{maximum_duur_dagen: 90}}
contact: {{telefoon: "14 0999", url: "https://www.voorbeeldstad.example/belastingen"}}
database_url: sqlite+aiosqlite:///var/bron-{job}.db
key_file: var/keys/bron.pem
scheme: .vorderingen-conformance/stelseldocument.jwt
scheme_key_file: .vorderingen-conformance/stelsel-sleutels.jwks
omgeving: test
seed_file: {seed_file}
host: 127.0.0.1
port: {port}
"""

pytestmark = [pytest.mark.live, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env(bin_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a CI runner with only the clean venv's Python on PATH."""
    here = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != here]
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")
           and not k.startswith("VORDERINGEN_")}
    return env | {"PATH": os.pathsep.join([str(bin_dir), *path]),
                  "PIP_DISABLE_PIP_VERSION_CHECK": "1"} | extra


def _bash(script: str, cwd: Path, env: dict[str, str],
          timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def _action() -> dict[str, Any]:
    return yaml.safe_load((CI / "action.yml").read_text(encoding="utf-8"))


def _github_substitute(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        raise AssertionError(f"the test cannot evaluate ${{{{ {expression} }}}}")

    return GITHUB_EXPRESSION.sub(value, text)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The wheel installed the way the GitHub Action installs it, in a clean venv."""
    root = tmp_path_factory.mktemp("wheel-ci")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(root / "dist"), str(REPO)], capture_output=True, text=True,
                           timeout=INSTALL_TIMEOUT_S, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((root / "dist").glob("vorderingen-*.whl"))
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    bin_dir = root / "venv" / "bin"
    runner = root / "runner"
    runner.mkdir()
    action = _action()
    inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    inputs["package"] = str(wheel)
    step = next(s for s in action["runs"]["steps"] if s.get("name") == "Install the "
                "conformance suite")
    env = _clean_env(bin_dir, **{k: _github_substitute(str(v), inputs)
                                 for k, v in step.get("env", {}).items()})
    done = _bash(_github_substitute(step["run"], inputs), runner, env, INSTALL_TIMEOUT_S)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    located = _bash("python -c 'import conformance, reference_impl.demo.data as d; "
                    "print(conformance.__file__); print(d.DEMO_DATA)'", runner,
                    _clean_env(bin_dir))
    module, seed_file = located.stdout.split()
    assert Path(module).is_relative_to(root / "venv"), module  # not the checkout
    return {"root": root, "bin": bin_dir, "inputs": inputs, "seed_file": seed_file,
            "install_log": done.stdout}


def _prepare_source(workspace: dict[str, Any], job: str) -> tuple[Path, str]:
    """A working directory with bron.yaml and the source's key, as a pipeline prepares it."""
    cwd = workspace["root"] / job
    cwd.mkdir()
    port = _free_port()
    (cwd / "bron.yaml").write_text(BRON_YAML.format(
        oin=ORGANISATION_OIN, job=job, seed_file=workspace["seed_file"], port=port),
        encoding="utf-8")
    done = _bash("vorderingen bron sleutel --uit var/keys", cwd, _clean_env(workspace["bin"]))
    assert done.returncode == 0, done.stderr
    return cwd, f"http://127.0.0.1:{port}/vorderingen/v2"


def _assert_conformant(report_dir: Path) -> dict[str, Any]:
    """Everything passed but what a loopback run without --slow cannot test; the verdict is
    conformant, or incomplete when a MUST among those was not tested."""
    from test_examples_ci import green_but_for_the_waits

    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    green_but_for_the_waits(report)
    assert report["oin"] == ORGANISATION_OIN
    assert report["versions"]["schemathesis"] != "unknown"
    assert {p.name for p in report_dir.iterdir()} >= {
        "report.json", "report.html", "samenvatting.html", "junit.xml", "requests.har",
        "badge.svg", "badge.json", "summary.md"}
    return report


def test_installed_with_the_constraints(workspace: dict[str, Any]) -> None:
    pins = dict(line.split("==") for line in
                (REPO / "conformance" / "constraints.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    frozen = _bash("python -m pip freeze", workspace["root"], _clean_env(workspace["bin"]))
    installed = {k.lower(): v for k, v in (line.split("==") for line in
                                           frozen.stdout.splitlines() if "==" in line)}
    for name in ("schemathesis", "hypothesis", "openapi-core", "httpx", "jsonschema"):
        assert installed[name] == pins[name], name
    assert "vorderingen-conformance" in workspace["install_log"]  # `--version` printed


def test_github_action_certifies_the_reference_source(workspace: dict[str, Any]) -> None:
    cwd, url = _prepare_source(workspace, "github")
    inputs = workspace["inputs"] | {
        "url": url, "start": "vorderingen bron serve --config bron.yaml",
        "bron-sleutel": "var/keys/bron.jwk.json", "oin": ORGANISATION_OIN,
        "test-bsns": TEST_BSNS, "report-dir": "reports", "taal": "en",
        "allow-incomplete": "true",  # a push: the lifetime waits are left out
        "extra-env": "\n".join(f"{k}={v}" for k, v in QUICK.items())}
    step = next(s for s in _action()["runs"]["steps"] if s.get("id") == "certify")
    output = workspace["root"] / "github-output"
    env = _clean_env(workspace["bin"], GITHUB_OUTPUT=str(output),
                     GITHUB_STEP_SUMMARY=str(workspace["root"] / "step-summary.md"),
                     **{k: _github_substitute(str(v), inputs)
                        for k, v in step["env"].items()})
    done = _bash(_github_substitute(step["run"], inputs), cwd, env)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-2000:])
    report = _assert_conformant(cwd / "reports")
    assert f"verdict={report['verdict']}" in output.read_text(encoding="utf-8")
    assert 'lang="en"' in (cwd / "reports" / "report.html").read_text(encoding="utf-8")


def test_gitlab_component_certifies_the_reference_source(workspace: dict[str, Any]) -> None:
    cwd, url = _prepare_source(workspace, "gitlab")
    text = (CI / "gitlab-component.yml").read_text(encoding="utf-8")
    spec, _job = yaml.safe_load_all(text)
    inputs = {name: str(value.get("default", "")) for name, value in
              spec["spec"]["inputs"].items()} | {
        "url": url, "start": "vorderingen bron serve --config bron.yaml",
        "bron-sleutel": "var/keys/bron.jwk.json", "oin": ORGANISATION_OIN,
        "test-bsns": TEST_BSNS, "report-dir": "reports", "allow-incomplete": "true",
        "package": str(next((workspace["root"] / "dist").glob("*.whl")))}
    body = text.split("\n---\n", 1)[1]
    jobs = yaml.safe_load(GITLAB_INPUT.sub(lambda m: inputs[m.group(1)], body))
    job = jobs[inputs["job-name"]]
    env = _clean_env(workspace["bin"], **QUICK,
                     **{k: str(v) for k, v in job["variables"].items()})
    done = _bash("\n".join(job["script"]), cwd, env)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-2000:])
    _assert_conformant(cwd / "reports")
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "reports/junit.xml"
    assert 'lang="nl"' in (cwd / "reports" / "report.html").read_text(encoding="utf-8")
