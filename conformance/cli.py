"""`vorderingen-conformance`: certify an endpoint of the Vorderingen API scheme.

Exit codes (EXIT_CODES_HELP): 0 conformant (also "conformant with waivers": every MUST
passed except ones listed in --expected-failures, which the verdict and badge name), 1 not
conformant, 2 usage or configuration error (one line naming the problem, before anything
runs), 3 could not run (endpoint unreachable, preflight failed, the run's --deadline passed,
internal error of the suite), 4 incomplete (a MUST check was not tested: missing test
citizens or data, a slow check not run, a --check subset), 130 interrupted (Ctrl-C; the
partial report is written). `certificeer` signs a certification run's result, `verifieer`
checks one offline (exit 0 verified, 1 not).
"""


from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from conformance import keys
from conformance.context import PROFILES
from conformance.errors import EXIT_COULD_NOT_RUN, EXIT_USAGE, CouldNotRun, UsageError
from conformance.model import EXIT_INTERRUPTED
from conformance.network import check_plain_http
from conformance.run_cli import (
    DEFAULT_SERVE_PORT,
    DOCS_URL_OPTION,
    PROG,
    TAAL_OPTION,
    _validate_oin,
    _validate_url,
    _writable_report_dir,
    finish,
    one_line,
    run_command,
)
from conformance.runner import DEFAULT_MAX_EXAMPLES


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vorderingen", prog_name=PROG, message="%(prog)s %(version)s")
def cli() -> None:
    """Conformance suite of the Vorderingen API: certify a source's endpoint, an App Manager,
    the scheme service or a citizen app.

    \b
    Exit codes of `run`, `demo` and `ci`:
      0  conformant (also: conformant with waivers, named in the report)
      1  not conformant (a MUST check failed)
      2  usage error (one line, before anything runs)
      3  could not run (unreachable, preflight failed, deadline passed)
      4  incomplete (a MUST check was not tested: test citizens, data, time, --check)
      130 interrupted (Ctrl-C; the partial report is written)
    """



cli.add_command(run_command)


@cli.command("sleutels")
@click.option("--oin", required=True, callback=_validate_oin, help="OIN of the organisation.")
@click.option("--api-url", required=True, callback=_validate_url, help="Its api_url (base URL).")
@click.option(
    "--bron-sleutel",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="File with the organisation's PUBLIC signing key: a JWK, a JWKS with one key, or PEM.",
)
@click.option(
    "--dir",
    "key_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=keys.DEFAULT_DIR,
    show_default=True,
)
@click.option(
    "--omgeving",
    default=keys.DEFAULT_OMGEVING,
    show_default=True,
    type=click.Choice(["test", "ontwikkeling", "acceptatie"]),
)
@click.option(
    "--dienst",
    "diensten",
    multiple=True,
    type=click.Choice(keys.ALL_DIENSTEN),
    help="Service the organisation offers (repeatable; default all four).",
)
@click.option(
    "--prive-netwerk",
    "private_network",
    is_flag=True,
    help="Allow a plain-http --api-url on a private test network (http://bron:8000; only "
    "with --omgeving test or ontwikkeling; spec/testomgeving.md §1).",
)
@click.option("--naam", default=keys.DEFAULT_ORG_NAME, show_default=True)
@click.option(
    "--soort",
    default=keys.DEFAULT_SOORT,
    show_default=True,
    type=click.Choice(["rijk", "gemeente", "waterschap", "provincie", "overig"]),
)
def sleutels_command(
    oin: str,
    api_url: str,
    bron_sleutel: Path,
    key_dir: Path,
    omgeving: str,
    diensten: tuple[str, ...],
    private_network: bool,
    naam: str,
    soort: str,
) -> None:
    """Create (or reuse) the suite's test keys and write a signed test scheme document naming
    the organisation. Re-run it to refresh the document (valid 24 h; volgnummer rises)."""
    if diensten and "vorderingenoverzicht" not in diensten:
        raise UsageError("--dienst must include vorderingenoverzicht (mandatory for a source)")
    check_plain_http(api_url, "--api-url", private_network=private_network)
    if private_network and omgeving == "acceptatie":
        raise UsageError("--prive-netwerk: only in a test or ontwikkeling scheme, not acceptatie")
    bron_jwk = keys.read_public_jwk(bron_sleutel)  # a bad key stops us before any key is made
    _writable_report_dir(key_dir, "--dir")
    suite_keys = keys.ensure_keys(key_dir)
    keys.write_scheme(
        suite_keys,
        oin=oin,
        api_url=api_url,
        bron_jwk=bron_jwk,
        diensten=tuple(diensten) or keys.ALL_DIENSTEN,
        omgeving=omgeving,
        naam=naam,
        soort=soort,
    )
    click.echo(instructions(suite_keys, omgeving))


def instructions(suite_keys: keys.SuiteKeys, omgeving: str) -> str:
    d = suite_keys.directory
    return (
        f"Suite key material in {d}/ (private keys in {d}/{keys.PRIVATE_DIR}/, mode 0600).\n"
        "Configure the organisation's TEST environment:\n"
        f"  1. pin the scheme operator key SET (current + backup, a JWKS):\n"
        f"     {suite_keys.scheme_key_path} (signing kid {suite_keys.scheme_key.kid}),\n"
        f"     expected omgeving: {omgeving}\n"
        f"  2. load the scheme document from {suite_keys.scheme_document_path}\n"
        f"     or from a URL: `{PROG} stelsel serve --dir {d}` serves it at\n"
        f"     http://127.0.0.1:{DEFAULT_SERVE_PORT}/stelsel/v2/stelseldocument\n"
        "  3. refresh it: the document is valid 24 h; re-run this command for a new one\n"
        f"     (its volgnummer rises). App Manager in it: {suite_keys.app_manager_id}.\n"
        "Never pin these keys in production: they are the suite's test keys."
    )


@cli.group("stelsel")
def stelsel_group() -> None:
    """The suite's test scheme document."""


@stelsel_group.command("serve")
@click.option(
    "--dir",
    "key_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=keys.DEFAULT_DIR,
    show_default=True,
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=DEFAULT_SERVE_PORT, show_default=True
)
def serve_command(key_dir: Path, host: str, port: int) -> None:
    """Serve stelseldocument.jwt at /stelsel/v2/stelseldocument (ETag, If-None-Match)."""
    import uvicorn

    from conformance.scheme_server import SCHEME_PATH, build_app

    suite_keys = keys.load_keys(key_dir)
    click.echo(f"serving http://{host}:{port}{SCHEME_PATH} (Ctrl-C stops)")
    uvicorn.run(
        build_app(suite_keys.scheme_document_path), host=host, port=port, log_level="warning"
    )


@cli.command("demo")
@click.option("--broken", help="Certify this deliberately broken source (see --list-broken).")
@click.option("--list-broken", is_flag=True, help="List the broken sources and exit.")
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    type=click.Choice(PROFILES),
    help="Profile to test (repeatable; default: all the source offers).",
)
@click.option("--report-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--max-examples", type=click.IntRange(min=1), default=DEFAULT_MAX_EXAMPLES, show_default=True
)
@TAAL_OPTION
@DOCS_URL_OPTION
def demo_command(
    broken: str | None,
    list_broken: bool,
    profiles: tuple[str, ...],
    report_dir: Path | None,
    seed: int,
    max_examples: int,
    taal: str,
    docs_url: str | None,
) -> None:
    """Start a source on a loopback port and certify it: green for the correct source, red
    (exit 1) naming what is wrong with --broken."""
    from conformance import demo

    if list_broken:
        for name, description in demo.broken_sources():
            click.echo(f"{name}\t{description}")
        return
    _writable_report_dir(report_dir)  # now, not after the whole demo ran
    report = demo.run_demo(
        broken=broken, profiles=frozenset(profiles) or None, seed=seed, max_examples=max_examples
    )
    finish(report, report_dir, taal, docs_url)


from conformance.ci import ci  # noqa: E402 - registered once `cli` exists

cli.add_command(ci)

from conformance.certification_cli import certificeer, verifieer  # noqa: E402

cli.add_command(certificeer)
cli.add_command(verifieer)


def keep_caches_out_of_the_working_directory() -> None:
    """Hypothesis caches character tables under `.hypothesis/` in the working directory by
    default; a run must leave the user's directory (a CI checkout) as it found it, so the
    cache goes to the user's cache directory instead."""
    from hypothesis.configuration import set_hypothesis_home_dir

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    set_hypothesis_home_dir(cache / PROG / "hypothesis")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point; maps every error to its exit code and a one-line message."""
    keep_caches_out_of_the_working_directory()
    try:
        cli.main(args=argv, prog_name=PROG, standalone_mode=False)
        sys.exit(0)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:  # the help as help, not as one line
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo(f"{PROG}: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        click.echo(f"{PROG}: error: {one_line(exc.format_message())}", err=True)
        sys.exit(EXIT_USAGE)
    except UsageError as exc:
        click.echo(f"{PROG}: error: {one_line(str(exc))}", err=True)
        sys.exit(EXIT_USAGE)
    except CouldNotRun as exc:
        click.echo(f"{PROG}: could not run: {one_line(str(exc))}", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    except KeyboardInterrupt:  # before the run started (options, keys): no report yet
        click.echo(f"{PROG}: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # the suite's own bug: exit 3, never "not conformant"
        click.echo(f"{PROG}: internal error: {type(exc).__name__}: {one_line(str(exc))}", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)


if __name__ == "__main__":
    main()
