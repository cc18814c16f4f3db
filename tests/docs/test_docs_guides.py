"""The offline site carries what an onboarding organisation reads besides the standard: the
guide, the bron.yaml reference and a command-line reference that cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import click
from docs_support import REPO

from conformance.cli import cli as conformance_cli
from reference_impl.cli import main as reference_cli
from reference_impl.source.config import SourceConfig

BRON_YAML_REFERENCE = REPO / "examples" / "bron-yaml.md"


def _commands(command: click.Command, path: str, parent: click.Context | None = None):
    ctx = click.Context(command, info_name=path.split(" ")[-1], parent=parent)
    yield path, command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _commands(sub, f"{path} {name}", ctx)


def test_every_bron_yaml_key_is_in_the_reference() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", BRON_YAML_REFERENCE.read_text("utf-8"),
                                flags=re.MULTILINE))
    assert documented == set(SourceConfig.__dataclass_fields__)


def test_the_cli_page_has_every_command_and_option_of_both_scripts(site: Path) -> None:
    page = (site / "cli.html").read_text("utf-8")
    for script, root in (("vorderingen-conformance", conformance_cli),
                         ("vorderingen", reference_cli)):
        for path, command, ctx in _commands(root, script):
            assert f'id="cli-{path.replace(" ", "-")}"' in page, path
            for param in command.get_params(ctx):
                if isinstance(param, click.Option) and not param.hidden:
                    assert param.opts[0] in page, (path, param.opts[0])


def test_the_guides_link_into_the_site_not_to_a_missing_checkout(site: Path) -> None:
    guide = (site / "onboarding.html").read_text("utf-8")
    assert 'href="bron.html"' in guide  # ../spec/openapi/bron.yaml became the API page
    assert 'href="cli.html"' in guide  # every page's navigation reaches the CLI reference
    for page in ("bron-yaml.html", "handshake.html", "ci.html"):
        assert "<h1" in (site / page).read_text("utf-8")


def test_the_package_index_page_has_no_links_into_a_checkout() -> None:
    """pyproject's `readme` is what a package index shows: a relative link there is dead, and
    every command it names must exist."""
    import tomllib

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    page = (REPO / pyproject["project"]["readme"]).read_text("utf-8")
    assert not re.findall(r"\]\((?!https://)[^)]*\)", page)
    for script, root in (("vorderingen-conformance", conformance_cli),
                         ("vorderingen", reference_cli)):
        named = set(re.findall(rf"^\s*{script} ([a-z-]+)", page, flags=re.MULTILINE))
        known = {path.split(" ")[1] for path, _c, _x in _commands(root, script) if " " in path}
        assert named and named <= known, (script, named - known)
