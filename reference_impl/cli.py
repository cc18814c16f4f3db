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
from reference_impl.click_catalogue import dutch_click, dutch_placeholders
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
        dutch_placeholders(self)
        with dutch_click():  # click's own words (Usage:, No such option ...) in Dutch
            self._main(args, prog_name, **extra)

    def _main(self, args: Any, prog_name: str | None, **extra: Any) -> None:
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
                        help="Logregels als tekst of als één JSON-object per regel.")(command)


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
@click.version_option(package_name="vorderingen", prog_name=PROG, message="%(prog)s %(version)s",
                      help="Toon de versie en stop.")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Referentie-implementatie van de Vorderingen API: stelsel, App Manager, bronnen, demo."""
    ctx.meta[TEST_BROWSER] = test_citizen_browser


# --- demo ---------------------------------------------------------------------------------


@main.command()
@click.option("--json", "as_json", is_flag=True,
              help="Eén JSON-regel per dienst en per testburger, dan {\"klaar\": true}.")
@click.option("--poort-basis", type=click.IntRange(1024, 65000), default=None,
              help="Opeenvolgende poorten vanaf hier (standaard: vrije poorten bij de start).")
@click.option("--staat", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Map voor sleutels en SQLite-databases (standaard: een nieuwe tijdelijke).")
@click.option("--data", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Demobestand (standaard: reference_impl/demo/data.yaml).")
@click.option("--interval", "interval_s", type=click.FloatRange(0.1, 120), default=2.0,
              show_default=True, help="Seconden tussen het ophalen van intrekkingen door de "
              "stelseldienst en tussen het verversen van het stelsel door de bronnen (een korte "
              "intrekkingsvertraging).")
def demo(as_json: bool, poort_basis: int | None, staat: Path | None, data: Path | None,
         interval_s: float) -> None:
    """Start het hele demostelsel op loopback, tot het wordt onderbroken (Ctrl+C)."""
    from reference_impl.demo.announce import run_demo

    run_demo(as_json=as_json, port_base=poort_basis, state_dir=staat, data_path=data,
             interval_s=interval_s)


# --- stelsel (scheme operator) ---------------------------------------------------------------


@main.group()
def stelsel() -> None:
    """De stelselbeheerder: zijn sleutelpaar, een stelseldocument ondertekenen, de
    stelseldienst."""


@stelsel.command("sleutel")
@click.option("--uit", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Map voor stelsel-sleutel.pem (0600) en stelsel-sleutel.jwk.json.")
def stelsel_sleutel(out: Path) -> None:
    """Maak het sleutelpaar van de stelselbeheerder (apps en bronnen pinnen de publieke
    JWK)."""
    from reference_impl.scheme.signing import create_operator_key

    private, public = create_operator_key(out)
    click.echo(json.dumps({"prive_sleutel": str(private), "publieke_sleutel": str(public)}))


@stelsel.command("onderteken")
@click.argument("beschrijving", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sleutel", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="De privésleutel van de stelselbeheerder (PEM).")
@click.option("--uit", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Waar het ondertekende stelseldocument komt (compacte JWS).")
@click.option("--volgnummer", type=click.IntRange(1, 9_007_199_254_740_991), default=None,
              help="Volgnummer (standaard: de huidige Unix-tijd, zodat het altijd stijgt).")
def stelsel_onderteken(beschrijving: Path, sleutel: Path, out: Path,
                       volgnummer: int | None) -> None:
    """Onderteken een stelseldocument vanuit een beschrijving in YAML of JSON."""
    from reference_impl.scheme.signing import sign_description_file

    claims = sign_description_file(beschrijving, sleutel, out, volgnummer=volgnummer)
    click.echo(json.dumps({"uit": str(out), "volgnummer": claims["volgnummer"],
                           "exp": claims["exp"], "organisaties": len(claims["organisaties"])}))


@stelsel.command("serve")
@click.option("--config", "config_path", default=None, envvar="VORDERINGEN_STELSEL_CONFIG",
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML-configuratiebestand (VORDERINGEN_STELSEL_*-variabelen gaan voor).")
@log_format_option
def stelsel_serve(config_path: Path | None, log_format: str) -> None:
    """Draai de stelseldienst (GET /stelsel/v2/stelseldocument)."""
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
    """De App Manager: registratie, DigiD-inlog, app-certificaten, intrekking."""


@app_manager.command("serve")
@click.option("--config", "config_path", default=None, envvar="VORDERINGEN_APP_MANAGER_CONFIG",
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML-configuratiebestand (VORDERINGEN_APP_MANAGER_*-variabelen gaan "
              "voor).")
@log_format_option
def app_manager_serve(config_path: Path | None, log_format: str) -> None:
    """Draai de App Manager (/app-manager/v2)."""
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
    """Een bronorganisatie."""


@bron.command("sleutel")
@click.option("--uit", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Map voor bron.pem (0600) en bron.jwk.json.")
@click.option("--naam", default="bron", show_default=True,
              help="Bestandsnaam zonder extensie (een volgende sleutel bij een wissel krijgt "
              "een eigen naam).")
def bron_sleutel(out: Path, naam: str) -> None:
    """Maak het ondertekensleutelpaar van de bron; de publieke JWK gaat naar de
    stelselbeheerder. Een bestaande sleutel wordt nooit overschreven."""
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
              help="De bron.yaml van de bron (de adapter mag ernaast staan).")
@click.option("--bsn", required=True, help="Een testburger (elfproef).")
@click.option("--stil", is_flag=True, help="Alleen het oordeel, niet het document.")
def bron_document(config_path: Path, bsn: str, stil: bool) -> None:
    """Toon het vorderingendocument dat deze bron voor BSN zou ondertekenen, zonder HTTP,
    en noem elke geschonden schemaregel of invariant (exitcode 1 als er een is)."""
    from reference_impl.source.document_check import run_cli

    sys.exit(run_cli(config_path, bsn, quiet=stil))


@bron.command("serve")
@click.option("--config", "config_path", default=None, envvar="VORDERINGEN_BRON_CONFIG",
              type=click.Path(dir_okay=False, path_type=Path),
              help="YAML-configuratiebestand (VORDERINGEN_BRON_*-variabelen gaan voor).")
@log_format_option
def bron_serve(config_path: Path | None, log_format: str) -> None:
    """Draai een bronorganisatie (/vorderingen/v2), met /livez en /readyz."""
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
