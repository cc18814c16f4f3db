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


def action() -> dict[str, Any]:
    return yaml.safe_load((CI / "action.yml").read_text(encoding="utf-8"))


def component() -> tuple[dict[str, Any], dict[str, Any]]:
    spec, jobs = yaml.safe_load_all((CI / "gitlab-component.yml").read_text(encoding="utf-8"))
    return spec["spec"], jobs


def test_actions_are_pinned_to_a_version() -> None:
    steps = [s for job in github()["jobs"].values() for s in job["steps"]]
    steps += action()["runs"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s and not s["uses"].startswith("./")]
    assert uses and all(re.search(r"@v\d+$", u) for u in uses), uses


def test_both_pipelines_use_the_ci_entry_point() -> None:
    certify = next(s for s in github()["jobs"]["certify"]["steps"] if s.get("name") == "Certify")
    assert certify["uses"] == "./examples/ci"
    assert certify["with"]["working-directory"] == "work"
    assert "vorderingen-conformance ci" in gitlab()["certify"]["script"]
    runs = action()["runs"]
    assert runs["using"] == "composite"
    assert "vorderingen-conformance ci" in next(
        s for s in runs["steps"] if s.get("id") == "certify")["run"]
    _spec, jobs = component()
    assert "vorderingen-conformance ci" in next(iter(jobs.values()))["script"]
    assert not (CI / "certify.sh").exists()  # replaced by `vorderingen-conformance ci`


def test_every_setting_the_pipelines_pass_is_one_ci_reads() -> None:
    """A misspelt VORDERINGEN_* variable would be silently ignored by a pipeline."""
    from conformance.ci import ENV_PREFIX, SETTINGS

    known = {ENV_PREFIX + key.upper() for key in SETTINGS}
    step = next(s for s in action()["runs"]["steps"] if s.get("id") == "certify")
    passed = {k for k in step["env"] if k.startswith(ENV_PREFIX)}
    _spec, jobs = component()
    passed |= {k for k in next(iter(jobs.values()))["variables"]
               if k.startswith(ENV_PREFIX) and k != "VORDERINGEN_PACKAGE"}
    exported = re.findall(r"\b(VORDERINGEN_[A-Z_]+)=", "\n".join(gitlab()["certify"]["script"]))
    passed |= set(exported)
    assert passed and passed <= known, passed - known


def test_the_install_uses_the_constraints_shipped_in_the_package() -> None:
    install = next(s for s in action()["runs"]["steps"]
                   if s.get("name") == "Install the conformance suite")["run"]
    _spec, jobs = component()
    for script in (install, "\n".join(next(iter(jobs.values()))["script"])):
        assert 'files("conformance") / "constraints.txt"' in script
        assert '-c "$constraints"' in script
        assert "git clone" not in script and "checkout" not in script
    pins = (EXAMPLES.parent / "conformance" / "constraints.txt").read_text(encoding="utf-8")
    for name in ("schemathesis", "hypothesis", "openapi-core", "jsonschema", "httpx"):
        assert re.search(rf"^{name}==\d", pins, re.M), name


def test_the_pipelines_install_the_checkout_with_the_constraints() -> None:
    """pyproject.toml promises it: the CI examples install with conformance/constraints.txt,
    the versions a release is tested with."""
    install = next(s for s in github()["jobs"]["certify"]["steps"]
                   if s.get("name") == "Install the examples")["run"]
    script = "\n".join(gitlab()["certify"]["script"])
    for text in (install, script):
        assert "python -m pip install --quiet -e . -c conformance/constraints.txt" in text


def _action_install(package: str, tmp_path: Path) -> list[str]:
    """The commands the action's install step runs for `package`, with `python` and
    `vorderingen-conformance` stubbed (they only record how they were called)."""
    stubs, log = tmp_path / "stubs", tmp_path / "calls.log"
    stubs.mkdir(exist_ok=True)
    log.write_text("", encoding="utf-8")
    for name in ("python", "vorderingen-conformance"):
        stub = stubs / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "$CALLS"\necho /x/constraints.txt\n',
                        encoding="utf-8")
        stub.chmod(0o755)
    step = next(s for s in action()["runs"]["steps"]
                if s.get("name") == "Install the conformance suite")
    inputs = {"package": package}
    env = {"PATH": f"{stubs}{os.pathsep}/usr/bin{os.pathsep}/bin", "CALLS": str(log)} | {
        k: _substitute_inputs(str(v), inputs) for k, v in step["env"].items()}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                           _substitute_inputs(step["run"], inputs)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return log.read_text(encoding="utf-8").splitlines()


def test_the_workflow_certifies_the_checkout_it_installed(tmp_path: Path) -> None:
    """The workflow installs this checkout editable (the examples' adapters live in
    `examples`, which no wheel holds) and the action must not install over it: with the
    checkout as `package`, pip replaced the editable install with a wheel and the sources
    stopped at start, "No module named 'examples'"."""
    step = next(s for s in github()["jobs"]["certify"]["steps"]
                if s.get("uses") == "./examples/ci")
    assert step["with"]["package"] == "", step["with"]["package"]
    assert _action_install("", tmp_path) == ["vorderingen-conformance --version"]
    # for everyone else the action still installs the released suite, with its constraints
    default = str(action()["inputs"]["package"]["default"])
    calls = _action_install(default, tmp_path)
    assert f"python -m pip install --quiet --no-deps {default}" in calls
    assert f"python -m pip install --quiet -c /x/constraints.txt {default}" in calls
    assert calls[-1] == "vorderingen-conformance --version"


# A push: the job leaves the lifetime waits out and lets "incomplete" pass.
PUSH_EVENT = {"${{ github.event_name == 'schedule' }}": "false",
              "${{ github.event_name != 'schedule' }}": "true"}


def green_but_for_the_waits(report: dict[str, Any]) -> str:
    """The verdict, after asserting that nothing failed or errored: every check that ran
    passed. What a loopback run without --slow cannot test (the transport, the lifetime
    waits, a quote's expiry or a surcharge without a test clock) is skipped, and then — and
    only then — the verdict is incomplete rather than conformant."""
    bad = [(c["check"], c["message"]) for c in report["checks"]
           if c["outcome"] in ("failed", "error")]
    assert bad == []
    untested = [c["check"] for c in report["checks"] if c["severity"] == "must"
                and c["outcome"] == "skipped" and c.get("skip") != "not_applicable"]
    assert report["verdict"] == ("incomplete" if untested else "conformant"), untested
    assert report["counts"]["untested_musts"] == len(untested)
    return str(report["verdict"])


def test_the_pipelines_pass_incomplete_only_on_push_and_run_everything_daily() -> None:
    step = next(s for s in github()["jobs"]["certify"]["steps"]
                if s.get("uses") == "./examples/ci")
    assert PUSH_EVENT[step["with"]["slow"]] == "false"
    assert PUSH_EVENT[step["with"]["allow-incomplete"]] == "true"
    script = "\n".join(gitlab()["certify"]["script"])
    assert "VORDERINGEN_ALLOW_INCOMPLETE=true" in script
    assert 'CI_PIPELINE_SOURCE" = schedule ]; then export VORDERINGEN_SLOW=true ' \
           "VORDERINGEN_ALLOW_INCOMPLETE=false" in script
    assert action()["inputs"]["allow-incomplete"]["default"] == "false"  # strict by default


def _substitute(text: str, matrix: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("matrix."):
            return str(matrix[expression.removeprefix("matrix.")])
        raise AssertionError(f"the test cannot evaluate ${{{{ {expression} }}}}")

    return EXPRESSION.sub(value, text)


def _substitute_inputs(text: str, inputs: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        raise AssertionError(f"the test cannot evaluate ${{{{ {expression} }}}}")

    return EXPRESSION.sub(value, text)


@pytest.mark.live
@pytest.mark.slow
def test_github_workflow_steps_certify_the_water_board(tmp_path: Path) -> None:
    """Run the `certify` job's steps for the water board leg, as a runner would
    (bash -eo pipefail, step env, working-directory), here: `run:` steps as written, the
    action's steps with the job's `with:`; the workflow's install step is skipped (the
    project is installed; the action's installs nothing over it) and the port moved to a
    free one."""
    with loopback() as (sock, _url):
        port = sock.getsockname()[1]
    job = github()["jobs"]["certify"]
    leg = next(leg for leg in job["strategy"]["matrix"]["include"]
               if leg["example"] == "waterschap") | {"port": port}
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "examples").symlink_to(EXAMPLES)  # the checkout, as far as the job uses it
    summary, outputs = tmp_path / "step-summary.md", tmp_path / "outputs"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("VORDERINGEN_")} | {
        "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    defaults = {k: str(v.get("default", "")) for k, v in action()["inputs"].items()}
    runs: list[tuple[str, str, Path, dict[str, str]]] = []  # name, script, cwd, env
    for step in job["steps"]:
        if step.get("uses") == "./examples/ci":
            with_ = {k: PUSH_EVENT.get(str(v), v) for k, v in step["with"].items()}
            inputs = defaults | {k: _substitute(str(v), leg) for k, v in with_.items()
                                 if "github." not in str(v)}
            # anything else would pip-install over the project (and this environment)
            assert "package" in with_ and inputs["package"] == "", with_.get("package")
            for own in action()["runs"]["steps"]:
                if "run" in own:
                    runs.append((f"action: {own['name']}", _substitute_inputs(own["run"], inputs),
                                 workspace / _substitute_inputs(
                                     own.get("working-directory", "."), inputs),
                                 base_env | {k: _substitute_inputs(str(v), inputs)
                                             for k, v in own.get("env", {}).items()}))
        elif "run" in step and not step.get("name", "").startswith("Install"):
            runs.append((step["name"], _substitute(step["run"], leg),
                         workspace / step.get("working-directory", "."),
                         base_env | {k: _substitute(str(v), leg)
                                     for k, v in step.get("env", {}).items()}))
    assert [name for name, *_ in runs] == [
        "Prepare the test source", "action: Install the conformance suite", "action: Certify"]
    for name, script, cwd, env in runs:
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               script], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=STEP_TIMEOUT_S, check=False)
        assert done.returncode == 0, (name, done.stdout[-3000:], done.stderr[-2000:])
    reports = workspace / "work" / "reports"
    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    verdict = green_but_for_the_waits(report)
    # the example's test environment announces short lifetimes and a test clock: nothing waits
    assert verdict == "conformant", report["counts"]
    assert report["oin"] == "00000001999990002000"
    assert report["profiles"] == ["basis", "betalingsregelingen", "pauzes"]
    assert {p.name for p in reports.iterdir()} >= {
        "report.json", "report.html", "samenvatting.html", "junit.xml", "requests.har",
        "badge.svg", "badge.json", "summary.md"}
    assert summary.read_text(encoding="utf-8").startswith(
        f"### Vorderingen API conformance: {verdict}")
    assert f"verdict={verdict}" in outputs.read_text(encoding="utf-8")


def test_the_constraints_are_those_of_the_tested_environment() -> None:
    """conformance/constraints.txt pins what this environment runs; regenerate it with
    examples/ci/freeze_constraints.py when a dependency changes."""
    done = subprocess.run([sys.executable, str(CI / "freeze_constraints.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
