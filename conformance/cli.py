"""`vorderingen-conformance`: certify a source organisation's endpoint.

Exit codes: 0 conformant, 1 not conformant, 2 usage or configuration error (one line naming
the problem), 3 could not run (endpoint unreachable, the run's --deadline passed, internal
error of the suite).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import click

from conformance import expected, keys
from conformance.context import PROFILES, REQUEST_TIMEOUT_S
from conformance.errors import EXIT_COULD_NOT_RUN, EXIT_USAGE, CouldNotRun, UsageError
from conformance.model import RunReport
from conformance.network import NetworkOptions, parse_header
from conformance.reporting import LANGUAGES, read_previous, render_all, write_report
from conformance.reporting.console import ConsoleReporter
from conformance.reporting.i18n import DEFAULT_LANGUAGE
from conformance.runner import DEFAULT_MAX_EXAMPLES, RUN_DEADLINE_S, RunOptions, run

PROG = "vorderingen-conformance"
TAAL_OPTION = click.option(
    "--taal", type=click.Choice(LANGUAGES), default=DEFAULT_LANGUAGE, show_default=True,
    help="Language of report.html and samenvatting.html (report.json does not change).")
DOCS_URL_OPTION = click.option(
    "--docs-url", help="Address of the offline docs' rules.html (docs/build.py); rule ids "
    "in the reports link to it.")
OIN_PATTERN = re.compile(r"^[0-9]{20}$")
BSN_PATTERN = re.compile(r"^[0-9]{9}$")
DEFAULT_SERVE_PORT = 8765

TEST_BSN_HELP = (
    "A test citizen known to the endpoint (repeatable). The FIRST needs at least one open "
    "case with saldo > 0 that offers a betalingsregeling and a pauze (its acties); the "
    "SECOND (a different citizen with at least one case) is used for cross-citizen checks "
    "(another citizen's arrangement or pause must be answered as unknown). Checks that need "
    "a citizen are skipped without one. The BSN is never printed or put in a URL."
)


def _validate_oin(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not OIN_PATTERN.match(value):
        raise click.BadParameter(f"{value!r} is not an OIN of 20 digits")
    return value


def _validate_bsns(
    _ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    for bsn in value:
        if not BSN_PATTERN.match(bsn):
            raise click.BadParameter("a test BSN is 9 digits")
    if len(set(value)) != len(value):
        raise click.BadParameter("the test BSNs must differ")
    return value


def _validate_url(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value or ""):
        raise click.BadParameter(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vorderingen", prog_name=PROG, message="%(prog)s %(version)s")
def cli() -> None:
    """Conformance suite of the Vorderingen API: certify a source organisation's endpoint."""


@cli.command("run")
@click.argument("base_url", callback=_validate_url)
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    type=click.Choice(PROFILES),
    help="Profile to test (repeatable). Default: what /configuratie announces in diensten.",
)
@click.option(
    "--oin", callback=_validate_oin, help="The organisation's OIN (default: /configuratie)."
)
@click.option("--test-bsn", "test_bsns", multiple=True, callback=_validate_bsns, help=TEST_BSN_HELP)
@click.option(
    "--sleutels",
    "key_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=keys.DEFAULT_DIR,
    show_default=True,
    help="The suite's key material and test scheme (made by `sleutels`).",
)
@click.option(
    "--report-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write report.json, junit.xml, report.html, badge.svg and badge.json here.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of generated data.")
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Generated examples per operation and mode (OpenAPI layer).",
)
@click.option(
    "--expected-failures",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File of known failures (exact check names or rule ids, one a line). An entry that "
    "no longer fails is reported as the failure `stale_expected_failure`.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=REQUEST_TIMEOUT_S,
    show_default=True,
    help="Deadline of each HTTP exchange (connect, head and whole body), in seconds.",
)
@click.option(
    "--deadline",
    type=click.FloatRange(min=1),
    default=RUN_DEADLINE_S,
    show_default=True,
    help="Deadline of the whole run, in seconds. Past it the checks not yet run are reported "
    "as errors, the reports are still written, and the exit code is 3 (could not run).",
)
@click.option(
    "--ca-bundle",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM file of the CA certificates to trust instead of the system's (an internal CA); "
    "used by every HTTP stack of the suite.",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    help='Extra header on every request, "Name: value" (repeatable), e.g. an API gateway '
    "key. report.json records the names only.",
)
@click.option("--proxy", help="HTTP(S) proxy URL for every request (default: HTTPS_PROXY …).")
@click.option(
    "--client-cert",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM client certificate for mTLS (may hold the key too).",
)
@click.option(
    "--client-key",
    type=click.Path(path_type=Path, dir_okay=False),
    help="PEM private key of --client-cert, when it is a separate file (unencrypted).",
)
@click.option(
    "--slow",
    is_flag=True,
    help="Also run the checks that wait out a lifetime: an expired nonce (about 3 minutes) "
    "and an expired session token (about 16 minutes). Without it they are skipped.",
)
@TAAL_OPTION
@DOCS_URL_OPTION
def run_command(
    base_url: str,
    profiles: tuple[str, ...],
    oin: str | None,
    test_bsns: tuple[str, ...],
    key_dir: Path,
    report_dir: Path | None,
    seed: int,
    max_examples: int,
    expected_failures: Path | None,
    timeout: float,
    slow: bool,
    deadline: float,
    ca_bundle: Path | None,
    headers: tuple[str, ...],
    proxy: str | None,
    client_cert: Path | None,
    client_key: Path | None,
    taal: str,
    docs_url: str | None,
) -> None:
    """Certify the endpoint at BASE_URL (the organisation's api_url, e.g.
    https://api.example.nl/vorderingen/v2).

    Only a failed MUST check makes the endpoint not conformant (exit 1); failed SHOULD checks
    are warnings; errors of the suite or the network are reported but never count as
    nonconformance (exit 3 only when nothing could be checked, or past --deadline)."""
    network = NetworkOptions(
        ca_bundle=ca_bundle,
        headers=tuple(parse_header(h) for h in headers),
        proxy=proxy,
        client_cert=client_cert,
        client_key=client_key,
    ).validate()
    options = RunOptions(
        base_url=base_url,
        key_dir=key_dir,
        profiles=frozenset(profiles) or None,
        oin=oin,
        test_bsns=test_bsns,
        seed=seed,
        max_examples=max_examples,
        timeout_s=timeout,
        expected_failures=expected.load(expected_failures) if expected_failures else (),
        slow=slow,
        network=network,
        deadline_s=deadline,
    )
    report = asyncio.run(run(options, [ConsoleReporter()]))
    finish(report, report_dir, taal, docs_url)


def finish(report: RunReport, report_dir: Path | None, taal: str = DEFAULT_LANGUAGE,
           docs_url: str | None = None) -> None:
    """Write the reports (when asked) and exit with the verdict's code."""
    if report_dir is not None:
        previous = read_previous(report_dir / "report.json")  # the comparison's baseline
        path = write_report(report, report_dir)
        render_all(path, taal, previous=previous, docs_url=docs_url)
        click.echo(f"reports written to {report_dir}/ (report.json, report.html, "
                   "samenvatting.html, junit.xml, requests.har, badge)")
    if report.error:
        click.echo(f"{PROG}: could not run: {_one_line(report.error)}", err=True)
    sys.exit(report.exit_code)


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
    naam: str,
    soort: str,
) -> None:
    """Create (or reuse) the suite's test keys and write a signed test scheme document naming
    the organisation. Re-run it to refresh the document (valid 24 h; volgnummer rises)."""
    if diensten and "vorderingenoverzicht" not in diensten:
        raise UsageError("--dienst must include vorderingenoverzicht (mandatory for a source)")
    suite_keys = keys.ensure_keys(key_dir)
    keys.write_scheme(
        suite_keys,
        oin=oin,
        api_url=api_url,
        bron_jwk=keys.read_public_jwk(bron_sleutel),
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
    report = demo.run_demo(
        broken=broken, profiles=frozenset(profiles) or None, seed=seed, max_examples=max_examples
    )
    finish(report, report_dir, taal, docs_url)


from conformance.ci import ci  # noqa: E402 - registered once `cli` exists

cli.add_command(ci)


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
    except click.exceptions.Abort:
        click.echo(f"{PROG}: aborted", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    except click.ClickException as exc:
        click.echo(f"{PROG}: error: {_one_line(exc.format_message())}", err=True)
        sys.exit(EXIT_USAGE)
    except UsageError as exc:
        click.echo(f"{PROG}: error: {_one_line(str(exc))}", err=True)
        sys.exit(EXIT_USAGE)
    except CouldNotRun as exc:
        click.echo(f"{PROG}: could not run: {_one_line(str(exc))}", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    except KeyboardInterrupt:
        click.echo(f"{PROG}: interrupted", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)
    except Exception as exc:  # the suite's own bug: exit 3, never "not conformant"
        click.echo(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(str(exc))}", err=True)
        sys.exit(EXIT_COULD_NOT_RUN)


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    main()
