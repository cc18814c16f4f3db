"""The `vorderingen` console script: one click group for every reference actor.

    vorderingen demo [--json] [--poort-basis N] [--staat DIR] [--interval S]
    vorderingen stelsel sleutel --uit DIR
    vorderingen stelsel onderteken BESCHRIJVING.yaml --sleutel KEY.pem --uit OUT.jwt
                                   [--volgnummer N]
    vorderingen stelsel serve --config stelsel.yaml
    vorderingen app-manager serve --config app-manager.yaml
    vorderingen bron serve --config bron.yaml

Errors are one line on stderr, `vorderingen: <what is wrong>`: exit 2 for a usage error
(a missing or bad option, an unreadable configuration), 1 when the work itself failed.
Example configurations are in `reference_impl/demo/examples/`; each actor's `config.py`
documents every key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from reference_impl.app.cli import TEST_BROWSER, app
from reference_impl.common.errors import ConfigError, KeyFileError, VorderingenError

PROG = "vorderingen"
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _one_line(text: str) -> str:
    return " ".join(text.split())


class OneLineErrors(click.Group):
    """A click group whose errors are one line on stderr (and never a traceback)."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        try:
            result = super().main(args=args, prog_name=prog_name or PROG,
                                  standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else "", err=True)
            sys.exit(EXIT_USAGE)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else PROG
            click.echo(f"{where}: {_one_line(exc.format_message())}", err=True)
            sys.exit(EXIT_USAGE)
        except click.exceptions.Abort:
            click.echo(f"{PROG}: afgebroken", err=True)
            sys.exit(EXIT_FAILURE)
        except click.ClickException as exc:
            click.echo(f"{PROG}: {_one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except (ConfigError, KeyFileError) as exc:
            click.echo(f"{PROG}: {_one_line(str(exc))}", err=True)
            sys.exit(EXIT_USAGE)
        except VorderingenError as exc:
            click.echo(f"{PROG}: {_one_line(str(exc))}", err=True)
            sys.exit(EXIT_FAILURE)
        sys.exit(result if isinstance(result, int) else 0)


def test_citizen_browser(bsn: str, *, niveau: str | None, omgeving: str) -> Any:
    """The test citizen's browser `vorderingen app … --test-bsn` logs in with (it refuses a
    productie scheme); imported only when used, so `--help` stays fast."""
    from reference_impl.demo.test_citizen import TestCitizenBrowser

    return TestCitizenBrowser(bsn, niveau=niveau, omgeving=omgeving)


@click.group(cls=OneLineErrors)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Reference implementation of the Vorderingen API: scheme, App Manager, sources, demo."""
    ctx.meta[TEST_BROWSER] = test_citizen_browser


# --- demo ---------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True,
              help="One JSON line per service and per test citizen, then {\"klaar\": true}.")
@click.option("--poort-basis", type=click.IntRange(1024, 65000), default=None,
              help="Use consecutive ports from here (default: free ports chosen at start).")
@click.option("--staat", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for keys and SQLite databases (default: a fresh temporary one).")
@click.option("--data", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Demo data file (default: reference_impl/demo/data.yaml).")
@click.option("--interval", "interval_s", type=click.FloatRange(0.1, 120), default=2.0,
              show_default=True, help="Seconds between the scheme service's revocation pulls "
              "and between the sources' scheme refreshes (a short revocation latency).")
def demo(as_json: bool, poort_basis: int | None, staat: Path | None, data: Path | None,
         interval_s: float) -> None:
    """Start the whole demo federation on loopback until interrupted (Ctrl+C)."""
    from reference_impl.demo.announce import run_demo

    run_demo(as_json=as_json, port_base=poort_basis, state_dir=staat, data_path=data,
             interval_s=interval_s)


# --- stelsel (scheme operator) ---------------------------------------------------------------


@main.group()
def stelsel() -> None:
    """The scheme operator: its key pair, signing a scheme document, the scheme service."""


@stelsel.command("sleutel")
@click.option("--uit", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for stelsel-sleutel.pem (0600) and stelsel-sleutel.jwk.json.")
def stelsel_sleutel(out: Path) -> None:
    """Create the scheme operator's key pair (the public JWK is what apps and sources pin)."""
    from reference_impl.scheme.signing import create_operator_key

    private, public = create_operator_key(out)
    click.echo(json.dumps({"prive_sleutel": str(private), "publieke_sleutel": str(public)}))


@stelsel.command("onderteken")
@click.argument("beschrijving", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sleutel", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The scheme operator's private key (PEM).")
@click.option("--uit", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the signed scheme document (compact JWS).")
@click.option("--volgnummer", type=click.IntRange(1, 9_007_199_254_740_991), default=None,
              help="Sequence number (default: the current Unix time, so it always rises).")
def stelsel_onderteken(beschrijving: Path, sleutel: Path, out: Path,
                       volgnummer: int | None) -> None:
    """Sign a scheme document from a YAML or JSON description."""
    from reference_impl.scheme.signing import sign_description_file

    claims = sign_description_file(beschrijving, sleutel, out, volgnummer=volgnummer)
    click.echo(json.dumps({"uit": str(out), "volgnummer": claims["volgnummer"],
                           "exp": claims["exp"], "organisaties": len(claims["organisaties"])}))


@stelsel.command("serve")
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="YAML configuration file.")
def stelsel_serve(config_path: Path) -> None:
    """Run the scheme service (GET /stelsel/v2/stelseldocument)."""
    from reference_impl.scheme.app import serve
    from reference_impl.scheme.config import load_config

    serve(load_config(config_path))


# --- app-manager -----------------------------------------------------------------------------


@main.group("app-manager")
def app_manager() -> None:
    """The App Manager: registration, DigiD login, app certificates, revocation."""


@app_manager.command("serve")
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="YAML configuration file.")
def app_manager_serve(config_path: Path) -> None:
    """Run the App Manager (/app-manager/v2)."""
    from reference_impl.app_manager.app import serve
    from reference_impl.app_manager.config import load_config

    serve(load_config(config_path))


# --- bron (source organisation) --------------------------------------------------------------


@main.group()
def bron() -> None:
    """A source organisation (bronorganisatie)."""


@bron.command("serve")
@click.option("--config", "config_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="YAML configuration file.")
def bron_serve(config_path: Path) -> None:
    """Run a source organisation (/vorderingen/v2)."""
    from reference_impl.source.__main__ import serve
    from reference_impl.source.config import load_config

    serve(load_config(config_path))


main.add_command(app)


if __name__ == "__main__":  # pragma: no cover
    main()
