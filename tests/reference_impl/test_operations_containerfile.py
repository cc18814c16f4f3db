"""reference_impl/Containerfile, linted statically (no container engine in CI): pinned base
images, the wheel installed with pip, a non-root user, a HEALTHCHECK on /livez at the port
the source listens on, no secret or key baked in, and the entry point a real command.
The linter is shown to fail on the mistakes it exists for."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from reference_impl.cli import main as cli

CONTAINERFILE = Path(__file__).resolve().parents[2] / "reference_impl" / "Containerfile"
PINNED = re.compile(r"^[\w./-]+(:[\w.-]*\d[\w.-]*)?(@sha256:[0-9a-f]{64})?$")
SECRET_NAME = re.compile(r"(PASSWORD|WACHTWOORD|SECRET|GEHEIM|TOKEN|PRIVATE|_KEY\b)", re.I)
SECRET_FILE = re.compile(r"\.(pem|key|p12|jwk\.json)\b|id_rsa|\.env\b", re.I)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")))
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def lint(text: str) -> list[str]:
    """Every problem found in a Containerfile's text (empty: it passes)."""
    found: list[str] = []
    steps = instructions(text)
    stages = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    if not stages:
        return ["no FROM"]
    for index in stages:
        image = steps[index][1].split()[0]
        has_pin = ("@sha256:" in image) or (":" in image.split("/")[-1])
        if not has_pin or image.endswith(":latest") or not PINNED.match(image):
            found.append(f"base image not pinned by version or digest: {image}")
    final = steps[stages[-1]:]
    users = [args for word, args in final if word == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        found.append("the final stage runs as root")
    last_user = max((i for i, (word, _) in enumerate(final) if word == "USER"), default=-1)
    if any(word == "RUN" for word, _ in final[last_user + 1:]):
        found.append("a RUN after the last USER runs as that user only by accident")
    if not any(word == "RUN" and re.search(r"pip install\b.*\.whl", args) for word, args in final):
        found.append("the final stage does not pip install the wheel")
    checks = [args for word, args in final if word == "HEALTHCHECK"]
    if not checks or "/livez" not in checks[-1]:
        found.append("no HEALTHCHECK on /livez")
    for word, args in steps:
        if word in ("ENV", "ARG"):
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args):
                if SECRET_NAME.search(name) and not name.endswith("_FILE"):
                    found.append(f"{word} {name}: a secret in the image")
        if word in ("COPY", "ADD") and SECRET_FILE.search(args):
            found.append(f"{word} {args}: a key or secret file in the image")
    return found


def test_the_containerfile_passes_the_lint() -> None:
    assert lint(CONTAINERFILE.read_text(encoding="utf-8")) == []


def test_the_healthcheck_probes_the_port_the_source_listens_on() -> None:
    steps = instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    env = " ".join(args for word, args in steps if word == "ENV")
    port = re.search(r"VORDERINGEN_BRON_PORT=(\d+)", env)
    check = next(args for word, args in steps if word == "HEALTHCHECK")
    assert port and f"127.0.0.1:{port.group(1)}/livez" in check
    exposed = [args for word, args in steps if word == "EXPOSE"]
    assert exposed == [port.group(1)]


def test_the_entry_point_is_a_real_command() -> None:
    steps = instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    entry = json.loads(next(args for word, args in steps if word == "ENTRYPOINT"))
    assert entry[0] == "vorderingen"
    result = CliRunner().invoke(cli, [*entry[1:], "--help"])
    assert result.exit_code == 0 and "--log-formaat" in result.output


def test_the_copied_paths_exist_in_the_repository() -> None:
    root = CONTAINERFILE.parents[1]
    steps = instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    for word, args in steps:
        if word == "COPY" and not args.startswith("--from"):
            for source in shlex.split(args)[:-1]:
                assert (root / source).exists(), source


GOOD = CONTAINERFILE.read_text(encoding="utf-8")


@pytest.mark.parametrize(("broken", "named"), [
    (GOOD.replace("USER 10001:10001", "USER root"), "runs as root"),
    (GOOD.replace("USER 10001:10001\n", ""), "runs as root"),
    (GOOD.replace("python:3.12.8-slim-bookworm AS build", "python:latest AS build"),
     "not pinned"),
    (GOOD.replace("FROM docker.io/library/python:3.12.8-slim-bookworm\n",
                  "FROM docker.io/library/python\n"), "not pinned"),
    (GOOD.replace("/livez", "/readyz"), "HEALTHCHECK"),
    (GOOD.replace("PYTHONUNBUFFERED=1", "PYTHONUNBUFFERED=1 DB_PASSWORD=hunter2"), "secret"),
    (GOOD.replace("COPY --from=build", "COPY bron.pem /run/bron.pem\nCOPY --from=build"),
     "key or secret file"),
    (GOOD.replace("/tmp/dist/vorderingen-*.whl", "vorderingen"), "wheel"),
    (GOOD.replace("EXPOSE 8001", "EXPOSE 8001\nRUN pip install debugpy"), "RUN after"),
])
def test_the_lint_fails_on_what_it_exists_for(broken: str, named: str) -> None:
    assert broken != GOOD
    assert any(named in problem for problem in lint(broken)), lint(broken)
