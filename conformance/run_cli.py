"""`vorderingen-conformance run`: certify one actor under test, with every option checked
before anything runs, and `finish`: write the reports and exit with the verdict's code.

The options shared with the other commands (the validators, --taal, --docs-url) live here
too; conformance.cli assembles the command group."""

from __future__ import annotations

import asyncio
import math
import re
import shlex
import sys
from pathlib import Path

import click

from conformance import expected, keys
from conformance import profiles as profile_table
from conformance.checks.preflight import validate_test_bsns
from conformance.context import REQUEST_TIMEOUT_S
from conformance.errors import UsageError
from conformance.model import RunReport
from conformance.network import NetworkOptions, check_plain_http, parse_header, url_problem
from conformance.reporting import LANGUAGES, read_previous, write_all
from conformance.reporting.console import ConsoleReporter
from conformance.reporting.i18n import DEFAULT_LANGUAGE
from conformance.runner import (
    DEFAULT_MAX_EXAMPLES,
    RUN_DEADLINE_S,
    RunOptions,
    interrupted_before_checks,
    new_report,
)

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
    "a citizen are not tested without one: the run is then incomplete (exit 4). The BSN "
    "must pass the elfproef and is never printed or put in a URL."
)
EXIT_CODES_HELP = (
    "Exit codes: 0 conformant (or conformant with waivers), 1 not conformant, 2 usage error, "
    "3 could not run, 4 incomplete (a MUST not tested), 130 interrupted."
)


class FiniteFloatRange(click.FloatRange):
    """click.FloatRange without nan and inf: nan passes every comparison and inf would
    never end a wait, while every run must end."""

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return float(number)


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
    if problem := url_problem(value or ""):
        raise click.BadParameter(f"{value!r}: {problem}")
    return value.rstrip("/")


def _validate_optional_url(ctx: click.Context, param: click.Parameter,
                           value: str | None) -> str | None:
    return None if value is None else _validate_url(ctx, param, value)


def _writable_report_dir(report_dir: Path | None, option: str = "--report-dir") -> None:
    """UsageError now, not after the run, when the files cannot be written there."""
    if report_dir is None:
        return
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        probe = report_dir / ".vorderingen-conformance-probe"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{option} {report_dir}: cannot write there "
                         f"({exc.strerror or exc})") from None


def _app_command(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    try:
        parts = tuple(shlex.split(value))
    except ValueError as exc:
        raise UsageError(f"--app-command: {exc}") from None
    if not parts:
        raise UsageError("--app-command is empty")
    return parts


def _startable(command: tuple[str, ...]) -> None:
    """UsageError now when the app's program is missing or not executable: a set-up
    mistake, not the app's nonconformance."""
    from conformance.app.harness import cannot_start  # late: the app package is large

    if problem := cannot_start(command):
        raise UsageError(f"--app-command: {problem}")



@click.command("run", epilog=EXIT_CODES_HELP)
@click.argument("base_url", required=False, callback=_validate_optional_url)
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    type=click.Choice(profile_table.PROFILE_NAMES),
    help="Profile to test (repeatable). Default: what /configuratie announces in diensten. "
    "app-manager, stelsel and app certify those actors (one actor per run).",
)
@click.option("--app-command", help="Profile app: the command that runs the app under test "
              "(quoted as a shell would split it).")
@click.option("--stelsel-url", callback=_validate_optional_url, help="Profile app-manager: the "
              "URL of the scheme document that lists the App Manager and its keys.")
@click.option("--stelsel-sleutels", "stelsel_keys",
              type=click.Path(path_type=Path, dir_okay=False, exists=True, readable=True),
              help="Profiles app-manager, stelsel: the pinned scheme-operator key(s), a JWK or "
              "a JWK set file.")
@click.option("--check", "check_names", multiple=True, help="Run only this check (repeatable; "
              "names from --list-checks). A subset run is at best incomplete (exit 4).")
@click.option("--list-checks", is_flag=True, help="List the checks of the profiles (all, or "
              "those given with --profile) with their rule ids and severity, and exit.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary, not every check.")
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
    help="File of known failures (exact check names or rule ids, one a line): waived MUSTs. "
    "The verdict is then at best `conformant_with_waivers` (exit 0), named on the report and "
    "badge. An entry that no longer fails is reported as the failure `stale_expected_failure`.",
)
@click.option(
    "--timeout",
    type=FiniteFloatRange(min=0.1),
    default=REQUEST_TIMEOUT_S,
    show_default=True,
    help="Deadline of each HTTP exchange (connect, head and whole body), in seconds.",
)
@click.option(
    "--deadline",
    type=FiniteFloatRange(min=1),
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
    "--prive-netwerk",
    "private_network",
    is_flag=True,
    help="Allow plain http to a private test network (http://bron:8000 in a container "
    "pipeline; spec/testomgeving.md §1). The report and badge say so.",
)
@click.option(
    "--slow",
    is_flag=True,
    help="Also run the checks that wait out a lifetime: an expired nonce (about 2 minutes) "
    "and an expired session token (about 15 minutes). Without it they are not tested, and "
    "the verdict is at best incomplete (exit 4), unless the source announces shorter test "
    "lifetimes (spec/testomgeving.md §5).",
)
@TAAL_OPTION
@DOCS_URL_OPTION
def run_command(
    base_url: str | None,
    profiles: tuple[str, ...],
    app_command: str | None,
    stelsel_url: str | None,
    stelsel_keys: Path | None,
    check_names: tuple[str, ...],
    list_checks: bool,
    quiet: bool,
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
    private_network: bool,
    taal: str,
    docs_url: str | None,
) -> None:
    """Certify the endpoint at BASE_URL (a source's api_url, e.g.
    https://api.example.nl/vorderingen/v2; an App Manager's base URL for --profile
    app-manager; the scheme document's URL for --profile stelsel; none for --profile app,
    which runs --app-command).

    Only a failed MUST check makes the endpoint not conformant (exit 1); failed SHOULD checks
    are warnings. Every MUST must be tested for a conformant verdict: without test citizens,
    with a check that needs --slow, or with --check the run is incomplete (exit 4). Errors
    of the suite or the network never count as nonconformance."""
    if list_checks:
        click.echo(profile_table.listing(profiles), nl=False)
        return
    actor = profile_table.actor_of(profiles)
    command = _app_command(app_command)
    if actor == "app" and not command:
        raise UsageError("--profile app needs --app-command (the command of the app under test)")
    if actor != "app" and base_url is None:
        raise UsageError("missing BASE_URL: the endpoint's api_url, e.g. "
                         "https://api.example.nl/vorderingen/v2")
    if command and actor != "app":
        raise UsageError("--app-command is only for --profile app")
    if command:
        _startable(command)
    validate_test_bsns(test_bsns)
    profile_table.validate_check_names(profiles, check_names)
    _writable_report_dir(report_dir)
    network = NetworkOptions(
        ca_bundle=ca_bundle,
        headers=tuple(parse_header(h) for h in headers),
        proxy=proxy,
        client_cert=client_cert,
        client_key=client_key,
        private_network=private_network,
    ).validate()
    for option, url in (("BASE_URL", base_url), ("--stelsel-url", stelsel_url)):
        if url and actor != "app":
            check_plain_http(url, option, private_network=private_network)
    options = RunOptions(
        base_url=base_url or "",
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
        app_command=command,
        check_names=check_names,
        stelsel_url=stelsel_url,
        stelsel_keys=stelsel_keys,
    )
    try:
        report = asyncio.run(profile_table.run_profiles(options, [ConsoleReporter(quiet=quiet)]))
    except KeyboardInterrupt:  # before an actor's checks started: still replace the old badge
        report = interrupted_before_checks(new_report(
            options, actor=actor, target=base_url or " ".join(command), profiles=profiles))
    finish(report, report_dir, taal, docs_url)



def finish(report: RunReport, report_dir: Path | None, taal: str = DEFAULT_LANGUAGE,
           docs_url: str | None = None) -> None:
    """Write the reports (when asked) and exit with the verdict's code."""
    if report_dir is not None:
        previous = read_previous(report_dir / "report.json")  # the comparison's baseline
        write_all(report, report_dir, taal, previous=previous, docs_url=docs_url)
        click.echo(f"reports written to {report_dir}/ (report.json, report.html, "
                   "samenvatting.html, junit.xml, requests.har, badge)")
    if report.error:
        click.echo(f"{PROG}: could not run: {one_line(report.error)}", err=True)
    elif report.interrupted:
        click.echo(f"{PROG}: interrupted: the checks not reached are reported as not run",
                   err=True)
    sys.exit(report.exit_code)



def one_line(text: str) -> str:
    return " ".join(text.split())
