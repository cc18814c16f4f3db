"""The small command line every example shares: `python -m examples.<name> ...`.

    init DIR [--poort N]         a working directory with a copy of the example's bron.yaml
                                 (on port N): run the other commands inside it
    sleutel --config bron.yaml   create the source's signing key (once) and print where its
                                 PUBLIC half is: the file `vorderingen-conformance sleutels
                                 --bron-sleutel` and the scheme operator need
    burgers [--suite-args]       the seeded test citizens and what the suite uses them for;
                                 `--suite-args` prints just `--test-bsn ... --test-bsn ...`
    serve --config bron.yaml     run the source (the same as `vorderingen bron serve`)

Errors are one line on stderr and exit 2 (a bad configuration) or 1.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from reference_impl.common.errors import ConfigError, KeyFileError, VorderingenError

PORT_LINE = re.compile(r"^port: *[0-9]+ *$", re.MULTILINE)
EXIT_FAILURE = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class TestCitizen:
    """A citizen seeded in an example's data, documented for the conformance suite."""

    __test__ = False  # not a pytest test class, despite the name

    bsn: str
    naam: str
    rol: str  # what the suite uses this citizen for
    inhoud: str  # what is in their claims document


def build_cli(prog: str, citizens: Sequence[TestCitizen], template: Path) -> click.Group:
    """The example's click group (see the module docstring); `template` is its bron.yaml."""

    @click.group(help=f"{prog}: an example source of the Vorderingen API.")
    def cli() -> None:
        pass

    @cli.command()
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--poort", type=click.IntRange(1, 65535), default=None,
                  help="Port of the source (default: the one in the example's bron.yaml).")
    def init(directory: Path, poort: int | None) -> None:
        """Create DIRECTORY with a copy of the example's bron.yaml (never overwriting one)."""
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / template.name
        if target.exists():
            raise click.ClickException(f"{target} exists already; remove it or use another DIR")
        text = template.read_text(encoding="utf-8")
        if poort is not None:
            text = PORT_LINE.sub(f"port: {poort}", text)
        target.write_text(text, encoding="utf-8")
        click.echo(target)

    config_option = click.option(
        "--config", "config_path", required=True,
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="The source's YAML configuration (copy the example's bron.yaml).")

    @cli.command()
    @config_option
    def sleutel(config_path: Path) -> None:
        """Create the signing key (kept if it exists) and print its public JWK file."""
        from reference_impl.source.app import signing_key
        from reference_impl.source.config import load_config

        config = load_config(config_path)
        config.signing_key_path.parent.mkdir(parents=True, exist_ok=True)
        signing_key(config)
        public = config.signing_key_path.with_suffix(".jwk.json")
        click.echo(public if config.key_file is None else
                   f"{config.key_file} is your own key: export its PUBLIC half as a JWK yourself")

    @cli.command()
    @click.option("--suite-args", is_flag=True,
                  help="Print only the --test-bsn options for vorderingen-conformance run.")
    def burgers(suite_args: bool) -> None:
        """The seeded test citizens, in the order the suite wants them."""
        if suite_args:
            click.echo(" ".join(f"--test-bsn {c.bsn}" for c in citizens if c.rol))
            return
        for citizen in citizens:
            click.echo(f"{citizen.bsn}  {citizen.naam:<16} {citizen.rol or '(not for the suite)'}")
            click.echo(f"           {citizen.inhoud}")

    @cli.command()
    @config_option
    def serve(config_path: Path) -> None:
        """Run the source until interrupted (Ctrl+C)."""
        from reference_impl.source.__main__ import serve as serve_source
        from reference_impl.source.config import load_config

        serve_source(load_config(config_path))

    return cli


def run(cli: click.Group, prog: str, argv: Sequence[str] | None = None) -> None:
    """Run `cli`, turning every error into one line on stderr and an exit code."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name=prog,
                 standalone_mode=False)
    except click.ClickException as exc:
        click.echo(f"{prog}: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(EXIT_USAGE)
    except (ConfigError, KeyFileError) as exc:
        click.echo(f"{prog}: {' '.join(str(exc).split())}", err=True)
        sys.exit(EXIT_USAGE)
    except VorderingenError as exc:
        click.echo(f"{prog}: {' '.join(str(exc).split())}", err=True)
        sys.exit(EXIT_FAILURE)
    except click.exceptions.Abort:
        sys.exit(EXIT_FAILURE)
