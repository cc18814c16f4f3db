"""`vorderingen-conformance ci`: the one CI entry point. It does what a pipeline needs in one
step, configured by environment variables (or a small YAML file), so any CI system that can
`pip install` the released package can run it: write the suite's test scheme naming the
source (when its public key is given), start the source (when a start command is given),
wait until it answers, run the suite, write every report and the badge, compare with the
previous run, and exit with the verdict's code: 0 conformant (or conformant with waivers),
1 not conformant, 2 a bad setting, 3 could not run, 4 incomplete (a MUST check not tested —
fails the job unless ``VORDERINGEN_ALLOW_INCOMPLETE=true``, e.g. for a job on every commit
that leaves the slow checks to a nightly one), 130 interrupted.

Every setting is checked before anything starts (exit 2, one line naming the variable).

Settings: environment variable ``VORDERINGEN_<NAME>``, or key ``<name>`` (lower case) of the
file named by ``--config`` / ``VORDERINGEN_CI_CONFIG``; the environment wins.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import httpx
import yaml

from conformance import expected, keys
from conformance.checks.preflight import validate_test_bsns
from conformance.context import PROFILES, REQUEST_TIMEOUT_S
from conformance.errors import CouldNotRun, UsageError
from conformance.model import RunReport, Verdict
from conformance.network import NetworkOptions, check_plain_http, parse_header, url_problem
from conformance.reporting import read_previous, write_all
from conformance.reporting.console import ConsoleReporter
from conformance.reporting.i18n import DEFAULT_LANGUAGE, LANGUAGES, plain
from conformance.run_cli import PROG, one_line
from conformance.runner import (
    DEFAULT_MAX_EXAMPLES,
    RunOptions,
    end_without_checks,
    interrupted_before_checks,
    new_report,
    run,
)

ENV_PREFIX = "VORDERINGEN_"
CONFIG_ENV = "VORDERINGEN_CI_CONFIG"
DEFAULT_REPORT_DIR = Path("reports/conformance")
DEFAULT_LOG = Path("bron.log")
DEFAULT_STARTUP_TIMEOUT_S = 60.0
POLL_INTERVAL_S = 0.5
STOP_GRACE_S = 10.0
SUMMARY_MD = "summary.md"
OIN_PATTERN = re.compile(r"^[0-9]{20}$")
BSN_PATTERN = re.compile(r"^[0-9]{9}$")
LOG_TAIL_CHARS = 1500

# name → what it means; the order is the documented order (`ci --help` prints it).
SETTINGS = {
    "url": "the endpoint's base URL, its api_url (required)",
    "test_bsns": "seeded test citizens, space-separated, in the suite's order",
    "bron_sleutel": "file with the source's PUBLIC key (JWK, JWKS or PEM); when set, the "
                    "suite first (re)writes its test scheme naming the source",
    "oin": "the source's OIN (required with bron_sleutel)",
    "naam": "the source's name in the test scheme",
    "soort": "its kind: rijk, gemeente, waterschap, provincie, overig",
    "diensten": "the services it offers, space-separated (default all four)",
    "start": "a command that starts the source; it runs in the background for the length "
             "of the job, after the test scheme is written",
    "log": f"where the started source logs (default {DEFAULT_LOG})",
    "startup_timeout_s": f"how long to wait for /configuratie (default "
                         f"{DEFAULT_STARTUP_TIMEOUT_S:g})",
    "sleutels": f"the suite's key directory (default {keys.DEFAULT_DIR})",
    "report_dir": f"where the reports and the badge go (default {DEFAULT_REPORT_DIR})",
    "expected_failures": "file of known failures, a check name or rule id a line",
    "profielen": "profiles to test, space-separated (default: what the source announces)",
    "taal": f"language of the pages for people: {' or '.join(LANGUAGES)} "
            f"(default {DEFAULT_LANGUAGE})",
    "docs_url": "address of the offline docs' rules.html the rule ids link to",
    "seed": "seed of generated data (default 0)",
    "max_examples": f"generated examples per operation (default {DEFAULT_MAX_EXAMPLES})",
    "timeout_s": f"timeout of each request in seconds (default {REQUEST_TIMEOUT_S:g})",
    "slow": "true: also run the checks that wait out a lifetime (about 20 minutes)",
    "allow_incomplete": "true: exit 0 when the verdict is incomplete (a MUST not tested); "
                        "the report still says incomplete (default false: exit 4)",
    "ca_bundle": "PEM file of the CAs to trust instead of the system's",
    "proxy": "proxy URL (http://host:port)",
    "prive_netwerk": "true: allow plain http to a private test network, e.g. http://bron:8000 "
                     "in a container pipeline (spec/testomgeving.md §1; the report says so)",
    "headers": "extra request headers, one 'Name: value' a line (an API gateway key)",
}


@dataclass(frozen=True)
class CiSettings:
    """The validated settings of a CI run."""

    url: str
    test_bsns: tuple[str, ...] = ()
    bron_sleutel: Path | None = None
    oin: str | None = None
    bron_jwk: dict[str, Any] | None = None  # bron_sleutel's key, read while validating
    naam: str = keys.DEFAULT_ORG_NAME
    soort: str = keys.DEFAULT_SOORT
    diensten: tuple[str, ...] = keys.ALL_DIENSTEN
    start: str = ""
    log: Path = DEFAULT_LOG
    startup_timeout_s: float = DEFAULT_STARTUP_TIMEOUT_S
    sleutels: Path = keys.DEFAULT_DIR
    report_dir: Path = DEFAULT_REPORT_DIR
    expected_failures: tuple[str, ...] = ()
    profielen: frozenset[str] | None = None
    taal: str = DEFAULT_LANGUAGE
    docs_url: str | None = None
    seed: int = 0
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout_s: float = REQUEST_TIMEOUT_S
    slow: bool = False
    network: NetworkOptions = field(default_factory=NetworkOptions)
    allow_incomplete: bool = False


def raw_settings(config: Path | None, environ: dict[str, str]) -> dict[str, str]:
    """The settings as text: the config file's, overridden by the environment's."""
    found: dict[str, str] = {}
    if config is not None:
        try:
            data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        except UnicodeDecodeError:
            raise UsageError(f"--config {config}: not UTF-8 text") from None
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"--config {config}: {plain(str(exc)).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise UsageError(f"--config {config}: expected a mapping of settings")
        for key, value in data.items():
            if key not in SETTINGS:
                raise UsageError(f"--config {config}: unknown setting {key!r}")
            if isinstance(value, list):
                value = ("\n" if key == "headers" else " ").join(str(v) for v in value)
            found[key] = "" if value is None else str(value)
    for key in SETTINGS:
        value = environ.get(ENV_PREFIX + key.upper())
        if value is not None and value != "":
            found[key] = value
    return found


def _name(key: str) -> str:
    return f"{ENV_PREFIX}{key.upper()}"


def _number(raw: dict[str, str], key: str, kind: type, default: Any, minimum: float) -> Any:
    if key not in raw:
        return default
    try:
        value = kind(raw[key])
    except ValueError:
        raise UsageError(f"{_name(key)}={raw[key]!r}: not a number") from None
    if not math.isfinite(value):  # nan passes every comparison; inf never ends a wait
        raise UsageError(f"{_name(key)}={raw[key]!r}: not a finite number")
    if value < minimum:
        raise UsageError(f"{_name(key)}={raw[key]!r}: must be at least {minimum:g}")
    return value


def _file(raw: dict[str, str], key: str) -> Path | None:
    if key not in raw:
        return None
    path = Path(raw[key])
    if not path.is_file():
        raise UsageError(f"{_name(key)}={raw[key]}: no such file")
    return path


def _writable_dir(raw: dict[str, str], key: str, default: Path) -> Path:
    directory = Path(raw.get(key, default))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".vorderingen-write-probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"{_name(key)}={directory}: cannot write there ({exc.strerror})") from None
    return directory


def validate(raw: dict[str, str]) -> CiSettings:
    """Every setting checked before anything runs; UsageError names the variable."""
    url = raw.get("url", "").rstrip("/")
    if not url:
        raise UsageError(f"{_name('url')} is not set (the endpoint's base URL)")
    if problem := url_problem(url):
        raise UsageError(f"{_name('url')}={url!r}: {problem}")
    private_network = _flag(raw, "prive_netwerk")
    try:
        check_plain_http(url, _name("url"), private_network=private_network)
    except UsageError as exc:
        raise UsageError(str(exc).replace("--prive-netwerk", f"{_name('prive_netwerk')}=true"))\
            from None
    bsns = tuple(raw.get("test_bsns", "").replace(",", " ").split())
    for bsn in bsns:
        if not BSN_PATTERN.match(bsn):
            raise UsageError(f"{_name('test_bsns')}: {bsn!r} is not a BSN of 9 digits")
    if len(set(bsns)) != len(bsns):
        raise UsageError(f"{_name('test_bsns')}: the test BSNs must differ")
    try:
        validate_test_bsns(bsns)
    except UsageError as exc:
        raise UsageError(f"{_name('test_bsns')}: {exc}") from None
    bron_sleutel = _file(raw, "bron_sleutel")
    oin = raw.get("oin")
    if oin is not None and not OIN_PATTERN.match(oin):
        raise UsageError(f"{_name('oin')}={oin!r}: not an OIN of 20 digits")
    if bron_sleutel is not None and oin is None:
        raise UsageError(f"{_name('oin')} is required with {_name('bron_sleutel')}")
    soort = raw.get("soort", keys.DEFAULT_SOORT)
    if soort not in ("rijk", "gemeente", "waterschap", "provincie", "overig"):
        raise UsageError(f"{_name('soort')}={soort!r}: not a kind of organisation")
    diensten = tuple(raw.get("diensten", "").split()) or keys.ALL_DIENSTEN
    unknown = [d for d in diensten if d not in keys.ALL_DIENSTEN]
    if unknown or "vorderingenoverzicht" not in diensten:
        raise UsageError(f"{_name('diensten')}: {', '.join(unknown) or 'must include'} "
                         f"{'unknown' if unknown else 'vorderingenoverzicht'}")
    profielen = tuple(raw.get("profielen", "").split())
    if bad := [p for p in profielen if p not in PROFILES]:
        raise UsageError(f"{_name('profielen')}: unknown profile {bad[0]!r} "
                         f"(one of {', '.join(PROFILES)})")
    taal = raw.get("taal", DEFAULT_LANGUAGE)
    if taal not in LANGUAGES:
        raise UsageError(f"{_name('taal')}={taal!r}: choose {' or '.join(LANGUAGES)}")
    slow, allow_incomplete = _flag(raw, "slow"), _flag(raw, "allow_incomplete")
    expected_path = _file(raw, "expected_failures")
    return CiSettings(
        url=url, test_bsns=bsns, bron_sleutel=bron_sleutel, oin=oin,
        bron_jwk=_public_key(bron_sleutel),
        naam=raw.get("naam", keys.DEFAULT_ORG_NAME), soort=soort, diensten=diensten,
        start=raw.get("start", ""), log=Path(raw.get("log", DEFAULT_LOG)),
        startup_timeout_s=_number(raw, "startup_timeout_s", float,
                                  DEFAULT_STARTUP_TIMEOUT_S, 0),
        sleutels=Path(raw.get("sleutels", keys.DEFAULT_DIR)),
        report_dir=_writable_dir(raw, "report_dir", DEFAULT_REPORT_DIR),
        expected_failures=expected.load(expected_path, _name("expected_failures"))
        if expected_path else (),
        profielen=frozenset(profielen) or None, taal=taal, docs_url=raw.get("docs_url"),
        seed=_number(raw, "seed", int, 0, 0),
        max_examples=_number(raw, "max_examples", int, DEFAULT_MAX_EXAMPLES, 1),
        timeout_s=_number(raw, "timeout_s", float, REQUEST_TIMEOUT_S, 0.1),
        slow=slow, network=_network(raw, private_network), allow_incomplete=allow_incomplete,
    )


def _public_key(path: Path | None) -> dict[str, Any] | None:
    """The source's public key, read now: a bad file must stop the run before the suite
    creates its key directory."""
    if path is None:
        return None
    try:
        return keys.read_public_jwk(path)
    except UsageError as exc:
        raise UsageError(f"{_name('bron_sleutel')}: {exc}") from None


# the network options' messages name the `run` option; ci names the variable instead
_NETWORK_VARIABLES = {"--ca-bundle": "ca_bundle", "--proxy": "proxy", "--header": "headers"}


def _network(raw: dict[str, str], private_network: bool) -> NetworkOptions:
    try:
        return NetworkOptions(
            ca_bundle=_file(raw, "ca_bundle"),
            proxy=raw.get("proxy"),
            headers=tuple(parse_header(line) for line in raw.get("headers", "").splitlines()
                          if line.strip()),
            private_network=private_network,
        ).validate()
    except UsageError as exc:
        message = str(exc)
        for option, key in _NETWORK_VARIABLES.items():
            if message.startswith(option):
                raise UsageError(_name(key) + message[len(option):]) from None
        raise


def _flag(raw: dict[str, str], key: str) -> bool:
    value = raw.get(key, "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise UsageError(f"{_name(key)}={value!r}: true or false")
    return value in ("true", "1", "yes")


def exit_code(report: RunReport, settings: CiSettings) -> int:
    """The job's exit code: the verdict's, but 0 for incomplete when allowed."""
    if settings.allow_incomplete and report.verdict is Verdict.INCOMPLETE \
            and not report.interrupted:
        return 0
    return report.exit_code


class SourceProcess:
    """The source under test, started by a shell command in its own process group, so
    stopping it stops whatever the command started."""

    def __init__(self, command: str, log: Path) -> None:
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S602 - the pipeline's own command
                command, shell=True, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)

    def exited(self) -> int | None:
        return self.process.poll()

    def log_tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL_CHARS:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def wait_for_endpoint(settings: CiSettings, source: SourceProcess | None) -> None:
    """Until GET /configuratie answers at all; CouldNotRun when it never does."""
    url = f"{settings.url}/configuratie"
    deadline = time.monotonic() + settings.startup_timeout_s
    network = settings.network
    with httpx.Client(verify=network.ssl_context(), proxy=network.proxy_for(url),
                      headers=dict(network.headers), timeout=settings.timeout_s) as client:
        while True:
            if source is not None and (code := source.exited()) is not None:
                raise CouldNotRun(f"the source stopped (exit {code}) before it answered; "
                                  f"its log {source.log} ends: {source.log_tail()}")
            try:
                client.get(url)
                return
            except httpx.HTTPError as exc:
                if time.monotonic() > deadline:
                    raise CouldNotRun(f"{url} does not answer after "
                                      f"{settings.startup_timeout_s:g} s: {exc}") from None
            time.sleep(POLL_INTERVAL_S)


def summary_markdown(report: RunReport) -> str:
    """A short Markdown summary for the CI page (GitHub's step summary, a GitLab note)."""
    counts = report.counts()
    lines = [f"### Vorderingen API conformance: {report.verdict.value.replace('_', ' ')}",
             f"{report.target} (OIN {report.oin}), profiles {', '.join(report.profiles)}, "
             f"standard {report.spec_version}",
             f"{counts['passed']} of {counts['applicable']} passed, {counts['failed']} failed "
             f"({counts['waived']} MUSTs waived), {counts['not_tested']} not tested, "
             f"{counts['not_applicable']} not applicable, {counts['error']} errors"]
    if report.error:
        lines.append(f"- could not run: {report.error}")
    lines += [f"- {r.outcome.value}: `{r.check}` ({r.rule}): "
              + plain(r.message).replace("\n", "\n  ")
              for r in report.results if r.counts_against or r.outcome.value == "error"]
    lines += [f"- waived: `{r.check}` ({r.rule})" for r in report.results if r.waived]
    lines += [f"- not tested: `{r.check}` ({r.rule}): {plain(r.message)}"
              for r in report.results if r.untested_must and r.outcome.value == "skipped"]
    return "\n".join(lines) + "\n"


def certify(settings: CiSettings) -> RunReport:
    """Scheme, source, run, reports; returns the report (the caller exits with its code)."""
    if settings.bron_sleutel is not None:
        suite_keys = keys.ensure_keys(settings.sleutels)
        keys.write_scheme(suite_keys, oin=settings.oin, api_url=settings.url,
                          bron_jwk=settings.bron_jwk or keys.read_public_jwk(settings.bron_sleutel),
                          diensten=settings.diensten, omgeving=keys.DEFAULT_OMGEVING,
                          naam=settings.naam, soort=settings.soort)
    source = None
    if settings.start:
        click.echo(f"ci: starting the source: {settings.start} (log: {settings.log})")
        source = SourceProcess(settings.start, settings.log)
    options = RunOptions(
        base_url=settings.url, key_dir=settings.sleutels, profiles=settings.profielen,
        oin=settings.oin, test_bsns=settings.test_bsns, seed=settings.seed,
        max_examples=settings.max_examples, timeout_s=settings.timeout_s,
        expected_failures=settings.expected_failures, slow=settings.slow,
        network=settings.network)
    reporters = [ConsoleReporter()]
    try:
        wait_for_endpoint(settings, source)
        report = asyncio.run(run(options, reporters))
    except CouldNotRun as exc:  # as `run` does: an error report replaces the old badge
        report = end_without_checks(_report_before_run(options), reporters, str(exc))
    except KeyboardInterrupt:  # Ctrl-C while waiting for the endpoint
        report = interrupted_before_checks(_report_before_run(options), reporters)
    finally:
        if source is not None:
            source.stop()
    previous = read_previous(settings.report_dir / "report.json")
    write_all(report, settings.report_dir, settings.taal, previous=previous,
              docs_url=settings.docs_url)
    summary = summary_markdown(report)
    (settings.report_dir / SUMMARY_MD).write_text(summary, encoding="utf-8")
    if step_summary := os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(step_summary, "a", encoding="utf-8") as out:
            out.write(summary)
    click.echo(f"reports written to {settings.report_dir}/ (report.json, report.html, "
               f"samenvatting.html, junit.xml, requests.har, badge)")
    return report


def _report_before_run(options: RunOptions) -> RunReport:
    return new_report(options, actor="bron", target=options.base_url,
                      profiles=sorted(options.profiles or ()), oin=options.oin or "")


def _help() -> str:
    rows = "\n".join(f"  {_name(k):<34} {v}" for k, v in SETTINGS.items())
    intro = (__doc__ or "").split("\n\n")[0].replace("`vorderingen-conformance ci`: the one",
                                                     "The one", 1)
    return intro + "\n\nSettings:\n\n\b\n" + rows


@click.command("ci", help=_help())
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              envvar=CONFIG_ENV, help="YAML file of settings (keys as listed, lower case).")
def ci(config: Path | None) -> None:
    settings = validate(raw_settings(config, dict(os.environ)))
    report = certify(settings)
    if report.error:
        click.echo(f"{PROG}: could not run: {one_line(report.error)}", err=True)
    elif report.interrupted:
        click.echo(f"{PROG}: interrupted", err=True)
    raise SystemExit(exit_code(report, settings))


__all__ = ["SETTINGS", "CiSettings", "certify", "ci", "raw_settings", "validate"]
