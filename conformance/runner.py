"""Run the selected checks against one endpoint and emit events to reporters.

Checks run one at a time, in profile order (trust checks must not interfere with each
other). Each check ends in exactly one `CheckResult`: passed, failed (it raised
CheckFailed), skipped (CheckSkipped, or an unmet `needs`), or error (anything else —
never counted as nonconformance). Events: RunStarted, CheckStarted, CheckFinished,
RunFinished; a reporter is anything with ``handle(event)``.

Every run ends: each HTTP exchange within the request timeout (`http_limits`), each check
within its timeout, and the run within `deadline_s` — past it, the checks not yet run are
reported as errors ("not run") and the report's `error` says so (verdict `error`, exit 3).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import httpx

from conformance import expected, keys, rule_versions, specfiles
from conformance.checks.base import CheckMeta, meta_of
from conformance.checks.preflight import PREFLIGHT_CHECKS
from conformance.context import REQUEST_TIMEOUT_S, CheckContext
from conformance.errors import CheckError, CheckFailed, CheckSkipped, CouldNotRun, UsageError
from conformance.model import CheckResult, Evidence, Outcome, RunReport
from conformance.network import NetworkOptions

CHECK_TIMEOUT_S = 600.0
SLOW_CHECK_TIMEOUT_S = 1200.0  # the expired-session check waits SESSION_TTL_S (900 s) + skew
DEFAULT_MAX_EXAMPLES = 10
RUN_DEADLINE_S = 3600.0  # a full run takes minutes; --slow adds about 20
PACKAGE_NAME = "vorderingen"


@dataclass(frozen=True)
class RunOptions:
    """What a run needs; `checks` overrides the profile selection (tests, demo)."""

    base_url: str
    key_dir: Path
    profiles: frozenset[str] | None = None
    oin: str | None = None
    test_bsns: tuple[str, ...] = ()
    seed: int = 0
    max_examples: int = DEFAULT_MAX_EXAMPLES
    timeout_s: float = REQUEST_TIMEOUT_S
    expected_failures: tuple[str, ...] = ()
    transport: httpx.AsyncBaseTransport | None = None
    checks: tuple[Callable[..., Any], ...] | None = None
    check_timeout_s: float = CHECK_TIMEOUT_S
    slow: bool = False  # run the checks that wait out a nonce's or session's lifetime
    network: NetworkOptions = field(default_factory=NetworkOptions)
    deadline_s: float | None = RUN_DEADLINE_S  # the whole run; None: no deadline


@dataclass(frozen=True)
class RunStarted:
    report: RunReport
    checks: tuple[CheckMeta, ...]


@dataclass(frozen=True)
class CheckStarted:
    meta: CheckMeta
    index: int
    total: int


@dataclass(frozen=True)
class CheckFinished:
    result: CheckResult
    index: int
    total: int


@dataclass(frozen=True)
class RunFinished:
    report: RunReport


Event = RunStarted | CheckStarted | CheckFinished | RunFinished


class Reporter(Protocol):
    def handle(self, event: Event) -> None: ...


def suite_version() -> str:
    try:
        return metadata.version(PACKAGE_NAME)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def select_checks(profiles: frozenset[str]) -> tuple[Callable[..., Any], ...]:
    """Preflight checks, then the profiles' checks (conformance.profiles), without repeats."""
    from conformance import profiles as profile_table  # the checks helper's explicit lists

    chosen: list[Callable[..., Any]] = list(PREFLIGHT_CHECKS)
    for fn in profile_table.checks_for(set(profiles)):
        if fn not in chosen:
            chosen.append(fn)
    return tuple(chosen)


async def unmet_need(ctx: CheckContext, need: str) -> str | None:
    """Why `need` is not met (a skip reason), or None when it is."""
    bsns = ctx.target.test_bsns
    if need == "test_bsn" and not bsns:
        return "needs a test citizen (--test-bsn)"
    if need == "second_bsn" and len(bsns) < 2:
        return "needs a second test citizen (a second --test-bsn)"
    if need.startswith("dienst:"):
        dienst = need.removeprefix("dienst:")
        if dienst not in (ctx.config.get("diensten") or []):
            return f"the endpoint does not offer {dienst} (/configuratie diensten)"
    if need in ("arrangement_case", "pause_case"):
        if not bsns:
            return "needs a test citizen (--test-bsn)"
        action = "betalingsregeling" if need == "arrangement_case" else "pauze"
        if await ctx.eligible_case(action) is None:
            return f"the first test citizen has no open case with saldo > 0 offering {action}"
    return None


async def run_check(ctx: CheckContext, fn: Callable[..., Any], timeout_s: float) -> CheckResult:
    """Run one check and classify how it ended."""
    meta = meta_of(fn)
    ctx.exchanges.clear()
    started = time.monotonic()
    outcome, message, evidence, rule = Outcome.PASSED, "", [], meta.rule
    try:
        async with asyncio.timeout(timeout_s):
            reason = rule_versions.not_applicable(meta.rule, ctx.config.get("api_versie"))
            if reason:
                raise CheckSkipped(reason)
            for need in meta.needs:
                reason = await unmet_need(ctx, need)
                if reason:
                    raise CheckSkipped(reason)
            await fn(ctx)
    except CheckFailed as exc:
        outcome, message = Outcome.FAILED, exc.finding.message
        rule = exc.finding.rule or meta.rule
        evidence = list(exc.finding.evidence) or _last_exchange(ctx)
    except CheckSkipped as exc:
        outcome, message = Outcome.SKIPPED, exc.reason
    except TimeoutError:
        outcome, message = Outcome.ERROR, f"check did not finish within {timeout_s:g} s"
        evidence = _last_exchange(ctx)
    except RecursionError:  # http_limits refuses deep answers; this is the last line
        outcome, message = Outcome.ERROR, "an answer nested too deeply to process"
    except (CheckError, httpx.HTTPError) as exc:
        outcome, message, evidence = Outcome.ERROR, _describe(exc), _last_exchange(ctx)
    except Exception as exc:  # a bug of the suite or check: error, never failed
        outcome, message = Outcome.ERROR, f"internal error: {_describe(exc)}"
        evidence = _last_exchange(ctx)
    return CheckResult(
        check=meta.name,
        rule=rule,
        severity=meta.severity,
        outcome=outcome,
        message=message,
        evidence=evidence,
        duration_s=round(time.monotonic() - started, 3),
        area=meta.area,
        statement=meta.statement,
    )


def _describe(exc: BaseException) -> str:
    text = str(exc) or repr(exc)
    return text if isinstance(exc, CheckError) else f"{type(exc).__name__}: {text}"


def _last_exchange(ctx: CheckContext) -> list[Evidence]:
    return [Evidence.from_response(ctx.exchanges[-1])] if ctx.exchanges else []


def _emit(reporters: Sequence[Reporter], event: Event) -> None:
    for reporter in reporters:
        reporter.handle(event)


async def run(options: RunOptions, reporters: Sequence[Reporter] = ()) -> RunReport:
    """Certify one endpoint. Raises UsageError for bad configuration; an endpoint that cannot
    be reached yields a report whose `error` is set (verdict `error`)."""
    suite_keys = keys.load_keys(options.key_dir)
    scheme = keys.load_scheme(suite_keys)
    report = RunReport(
        suite_version=suite_version(),
        spec_version=specfiles.spec_version(),
        target=options.base_url.rstrip("/"),
        oin=options.oin or "",
        profiles=sorted(options.profiles or ()),
        seed=options.seed,
        max_examples=options.max_examples,
        started_at=_now_iso(),
        expected_failures=list(options.expected_failures),
    )
    report.network = options.network.summary()  # header names only, never their values
    deadline_at = time.monotonic() + options.deadline_s if options.deadline_s else None

    def left() -> float | None:
        return None if deadline_at is None else deadline_at - time.monotonic()

    try:
        async with asyncio.timeout(left()):
            ctx = await _connect(options, suite_keys, scheme)
    except TimeoutError:
        report.error = f"the run's deadline of {options.deadline_s:g} s passed while connecting"
    except CouldNotRun as exc:
        report.error = str(exc)
    if report.error:
        report.finished_at = _now_iso()
        _emit(reporters, RunStarted(report, ()))
        _emit(reporters, RunFinished(report))
        return report
    async with ctx:
        _check_scheme_names(scheme, ctx.target.oin, suite_keys.directory)
        report.oin, report.profiles = ctx.target.oin, sorted(ctx.target.profile)
        checks = options.checks if options.checks is not None else select_checks(ctx.target.profile)
        metas = tuple(meta_of(fn) for fn in checks)
        _emit(reporters, RunStarted(report, metas))
        results: list[CheckResult] = []
        check_timeout_s = max(options.check_timeout_s, SLOW_CHECK_TIMEOUT_S) \
            if options.slow else options.check_timeout_s
        for index, fn in enumerate(checks, start=1):
            _emit(reporters, CheckStarted(metas[index - 1], index, len(checks)))
            remaining = left()
            if remaining is not None and remaining <= 0:
                result = _not_run(metas[index - 1], options.deadline_s or 0)
            else:
                budget = check_timeout_s if remaining is None else min(check_timeout_s, remaining)
                result = await run_check(ctx, fn, budget)
            results.append(result)
            _emit(reporters, CheckFinished(result, index, len(checks)))
        not_run = sum(1 for r in results if r.message.startswith(NOT_RUN))
        if deadline_at is not None and time.monotonic() >= deadline_at:
            report.error = (f"the run's deadline of {options.deadline_s:g} s passed: {not_run} of "
                            f"{len(checks)} checks not run")
    report.results = expected.apply(results, options.expected_failures)
    report.finished_at = _now_iso()
    _emit(reporters, RunFinished(report))
    return report


NOT_RUN = "not run:"


def _not_run(meta: CheckMeta, deadline_s: float) -> CheckResult:
    return CheckResult(
        check=meta.name, rule=meta.rule, severity=meta.severity, outcome=Outcome.ERROR,
        message=f"{NOT_RUN} the run's deadline of {deadline_s:g} s passed",
        area=meta.area, statement=meta.statement,
    )


async def _connect(
    options: RunOptions, suite_keys: keys.SuiteKeys, scheme: dict[str, Any]
) -> CheckContext:
    return await CheckContext.create(
        options.base_url,
        keys=suite_keys,
        scheme=scheme,
        oin=options.oin,
        test_bsns=list(options.test_bsns),
        profile=options.profiles,
        seed=options.seed,
        max_examples=options.max_examples,
        timeout_s=options.timeout_s,
        transport=options.transport,
        slow=options.slow,
        network=options.network,
    )


def _check_scheme_names(scheme: dict[str, Any], oin: str, directory: Path) -> None:
    oins = [o.get("oin") for o in scheme.get("organisaties", []) if o.get("oin") != keys.SUITE_OIN]
    if oin not in oins:
        raise UsageError(
            f"the test scheme in {directory} names OIN {', '.join(map(str, oins))}, not the "
            f"endpoint's {oin}: re-run `vorderingen-conformance sleutels --oin {oin}`"
        )
