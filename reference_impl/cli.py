"""The `vorderingen` console script: one click group for every reference actor.

    vorderingen demo [--json] [--poort-basis N] [--staat DIR] [--interval S]
    vorderingen stelsel sleutel --uit DIR
    vorderingen stelsel onderteken BESCHRIJVING.yaml --sleutel KEY.pem --uit OUT.jwt
                                   [--volgnummer N]
    vorderingen stelsel serve --config stelsel.yaml [--log-formaat text|json]
    vorderingen app-manager serve --config app-manager.yaml [--log-formaat text|json]
    vorderingen bron sleutel --uit DIR
    vorderingen bron serve [--config bron.yaml] [--log-formaat text|json]

Errors are one line on stderr, `vorderingen: <what is wrong>`: exit 2 for a usage error
(a missing or bad option, an unreadable configuration), 1 when the work itself failed.
Example configurations are in `reference_impl/demo/examples/`; each actor's `config.py`
documents every key, reference_impl/OPERATIONS.md the environment variables. A server that
cannot start (key, configuration, database, backend) says so in one line before it listens.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click

from reference_impl.app.cli import TEST_BROWSER, app
from reference_impl.common.errors import ConfigError, KeyFileError, VorderingenError

PROG = "vorderingen"
LOG_FORMAT_ENV = "VORDERINGEN_LOG_FORMAT"
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


def log_format_option(command: Any) -> Any:
    """`--log-formaat text|json` (or $VORDERINGEN_LOG_FORMAT) on a serve command."""
    return click.option("--log-formaat", "log_format", type=click.Choice(["text", "json"]),
                        default="text", envvar=LOG_FORMAT_ENV, show_default=True,
                        help="Log lines as text or as one JSON object per line.")(command)


def _require_configuration(config_path: Path | None, prefix: str) -> None:
    """A usage error when there is neither a --config file nor any `<prefix>_*` variable."""
    if config_path is None and not any(name.startswith(f"{prefix}_") for name in os.environ):
        raise click.UsageError(f"geef --config BESTAND, of zet de {prefix}_*-variabelen "
                               "(zie reference_impl/OPERATIONS.md)")


def _start_once(actor: Any) -> None:
    """Start an actor (database, migrations, key) and stop it again, so that a failure is
    one line here instead of a traceback from the server's lifespan."""
    import asyncio

    async def check() -> None:
        try:
            await actor.start()
        finally:
            await actor.close()

    asyncio.run(check())


def test_citizen_browser(bsn: str, *, niveau: str | None, omgeving: str) -> Any:
    """The test citizen's browser `vorderingen app … --test-bsn` logs in with (it refuses a
    productie scheme); imported only when used, so `--help` stays fast."""
    from reference_impl.demo.test_citizen import TestCitizenBrowser

    return TestCitizenBrowser(bsn, niveau=niveau, omgeving=omgeving)


@click.group(cls=OneLineErrors)
@click.version_option(package_name="vorderingen", prog_name=PROG, message="%(prog)s %(version)s")
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
@click.option("--config", "config_path", default=None, envvar="VORDERINGEN_STELSEL_CONFIG",
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML configuration file (VORDERINGEN_STELSEL_* variables override it).")
@log_format_option
def stelsel_serve(config_path: Path | None, log_format: str) -> None:
    """Run the scheme service (GET /stelsel/v2/stelseldocument)."""
    from reference_impl.common.logs import configure_logging
    from reference_impl.scheme.app import serve
    from reference_impl.scheme.config import load_config

    _require_configuration(config_path, "VORDERINGEN_STELSEL")
    config = load_config(config_path)  # checks the key file: a missing one stops here
    configure_logging(log_format)
    serve(config)


# --- app-manager -----------------------------------------------------------------------------


@main.group("app-manager")
def app_manager() -> None:
    """The App Manager: registration, DigiD login, app certificates, revocation."""


@app_manager.command("serve")
@click.option("--config", "config_path", default=None, envvar="VORDERINGEN_APP_MANAGER_CONFIG",
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML configuration file (VORDERINGEN_APP_MANAGER_* variables override it).")
@log_format_option
def app_manager_serve(config_path: Path | None, log_format: str) -> None:
    """Run the App Manager (/app-manager/v2)."""
    from reference_impl.app_manager.app import AppManager, serve
    from reference_impl.app_manager.config import load_config
    from reference_impl.common.logs import configure_logging

    _require_configuration(config_path, "VORDERINGEN_APP_MANAGER")
    config = load_config(config_path)
    configure_logging(log_format)
    _start_once(AppManager(config))
    serve(config)


# --- bron (source organisation) --------------------------------------------------------------


@main.group()
def bron() -> None:
    """A source organisation (bronorganisatie)."""


@bron.command("sleutel")
@click.option("--uit", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for bron.pem (0600) and bron.jwk.json.")
@click.option("--naam", default="bron", show_default=True,
              help="File name without extension (a next key for a rotation gets its own).")
def bron_sleutel(out: Path, naam: str) -> None:
    """Create the source's signing key pair; the public JWK goes to the scheme operator.
    An existing key is never overwritten."""
    from reference_impl.common.jose import generate_key, public_jwk, save_private_key

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", naam):
        raise click.BadParameter("alleen letters, cijfers, punt, streep en liggend streepje",
                                 param_hint="--naam")
    private, public = out / f"{naam}.pem", out / f"{naam}.jwk.json"
    if private.exists() or public.exists():
        raise click.ClickException(f"{out} bevat al een sleutel {naam}; niet overschreven")
    key = generate_key()
    save_private_key(private, key)
    jwk = public_jwk(key)
    public.write_text(json.dumps(jwk, indent=2) + "\n", encoding="utf-8")
    click.echo(json.dumps({"prive_sleutel": str(private), "publieke_sleutel": str(public),
                           "kid": jwk["kid"]}))


@bron.command("document")
@click.option("--config", "config_path", required=True, envvar="VORDERINGEN_BRON_CONFIG",
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The source's bron.yaml (its adapter may sit next to it).")
@click.option("--bsn", required=True, help="A test citizen (elfproef).")
@click.option("--stil", is_flag=True, help="Only the verdict, not the document.")
def bron_document(config_path: Path, bsn: str, stil: bool) -> None:
    """Render the claims document this source would sign for BSN, without HTTP, and name
    every broken schema rule or invariant (exit 1 when there is one)."""
    from reference_impl.source.document_check import run_cli

    sys.exit(run_cli(config_path, bsn, quiet=stil))


@bron.command("serve")
@click.option("--config", "config_path", default=None, envvar="VORDERINGEN_BRON_CONFIG",
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML configuration file (VORDERINGEN_BRON_* variables override it).")
@log_format_option
def bron_serve(config_path: Path | None, log_format: str) -> None:
    """Run a source organisation (/vorderingen/v2), with /livez and /readyz."""
    from reference_impl.source.__main__ import serve
    from reference_impl.source.config import load_config

    _require_configuration(config_path, "VORDERINGEN_BRON")
    if config_path is not None:
        from reference_impl.source.document_check import adapter_importable

        adapter_importable(config_path)  # backend: my_adapter:factory beside bron.yaml
    serve(load_config(config_path), log_format=log_format)


main.add_command(app)


if __name__ == "__main__":  # pragma: no cover
    main()
