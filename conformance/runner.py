"""Run the selected checks against one actor under test and emit events to reporters.

Generic over the actor: `run_checks(ctx, checks, report=, reporters=, options=)` runs
checks one at a time, in profile order (trust checks must not interfere with each other),
into ``report.results`` — except that a check waiting out a lifetime that no other check
can change is parked meanwhile (`conformance.overlap`: the run takes the longest wait
instead of the sum of them). `ctx` is any object with ``exchanges`` (a list-like of
httpx.Response, cleared per check; its last one is the evidence), ``api_versie`` (the
version the actor announces, for rule-version selection; None = current) and
``async unmet_need(need) -> str | None``. `run` is the source's (``bron``) run; the other
actors' packages build theirs on `new_report` + `run_checks` (conformance.profiles
dispatches).

Each check ends in exactly one `CheckResult`: passed, failed (it raised CheckFailed),
skipped — ``not_tested`` (CheckSkipped, an unmet data need), ``not_applicable``
(NotApplicable, a ``dienst:`` need the endpoint does not offer, a rule of a later version)
or ``not_run`` (left out by a --check subset, not reached after Ctrl-C) — or error
(anything else: never nonconformance, but an untested MUST). Events: RunStarted,
CheckStarted, CheckFinished, RunFinished; a reporter is anything with ``handle(event)``.

Ctrl-C (the task cancelled) ends the run at once: the check running and the ones after it
are reported as not run, ``report.interrupted`` is set (verdict incomplete, exit 130) and
`run_checks` returns normally, so the caller still writes the partial report.

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

from conformance import expected, keys, overlap, rule_versions, specfiles
from conformance.checks.base import CheckMeta, meta_of
from conformance.context import REQUEST_TIMEOUT_S, CheckContext
from conformance.errors import (
    CheckError,
    CheckFailed,
    CheckSkipped,
    CouldNotRun,
    NotApplicable,
    UsageError,
)
from conformance.model import CheckResult, Evidence, Outcome, RunReport, Skip
from conformance.network import NetworkOptions

CHECK_TIMEOUT_S = 600.0
RATE_LIMIT_RULE = "/http/te-veel-verzoeken"  # the one check whose subject is a 429
SLOW_CHECK_TIMEOUT_S = 1200.0  # the expired-session check waits SESSION_TTL_S (900 s) + skew
DEFAULT_MAX_EXAMPLES = 10
RUN_DEADLINE_S = 3600.0  # a full run takes minutes; --slow adds about 20
PACKAGE_NAME = "vorderingen"
NOT_RUN = "not run:"


@dataclass(frozen=True)
class RunOptions:
    """What a run needs; `checks` overrides the profile selection (tests, demo);
    `check_names` (--check) narrows it to a subset, which is at best incomplete."""

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
    app_command: tuple[str, ...] = ()  # the app under test (profile `app`)
    check_names: tuple[str, ...] = ()  # --check: run only these (by function name)
    stelsel_url: str | None = None  # the scheme document's URL (profile app-manager)
    stelsel_keys: Path | None = None  # the pinned scheme-operator key(s): a JWK or JWK set
    overlap: bool = True  # park checks that wait out a lifetime (conformance.overlap)


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


class ActorContext(Protocol):
    """What `run_checks` needs of any actor's context."""

    exchanges: Any  # list-like of httpx.Response: clear(), [-1]
    api_versie: str | None

    async def unmet_need(self, need: str) -> str | None: ...


def suite_version() -> str:
    try:
        return metadata.version(PACKAGE_NAME)
    except metadata.PackageNotFoundError:
        return "0+unknown"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


_now_iso = now_iso


def new_report(options: RunOptions, *, actor: str, target: str, profiles: Sequence[str],
               oin: str = "") -> RunReport:
    """An empty report of a run of `actor` with `options` (results follow by `run_checks`)."""
    report = RunReport(
        suite_version=suite_version(),
        spec_version=specfiles.spec_version(),
        target=target.rstrip("/"),
        oin=oin,
        profiles=sorted(profiles),
        seed=options.seed,
        max_examples=options.max_examples,
        started_at=now_iso(),
        expected_failures=list(options.expected_failures),
        actor=actor,
        selection=sorted(options.check_names),
    )
    report.network = options.network.summary()  # header names only, never their values
    return report


def end_without_checks(report: RunReport, reporters: Sequence[Reporter], error: str) -> RunReport:
    """Finish a run that could not start (verdict error, exit 3): `error` says why."""
    report.error = error
    report.finished_at = now_iso()
    _emit(reporters, RunStarted(report, ()))
    _emit(reporters, RunFinished(report))
    return report


def interrupted_before_checks(report: RunReport,
                              reporters: Sequence[Reporter] = ()) -> RunReport:
    """Finish a run interrupted (Ctrl-C) before any check ran: marked interrupted, with no
    results (verdict error, exit 130), so the caller still writes a report that replaces
    a previous run's badge instead of leaving it standing."""
    task = asyncio.current_task() if _loop_running() else None
    if task is not None and task.cancelling():
        task.uncancel()  # consumed: the caller gets the report, asyncio.run no error
    report.interrupted = True
    report.finished_at = now_iso()
    _emit(reporters, RunStarted(report, ()))
    _emit(reporters, RunFinished(report))
    return report


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def select_checks(profiles: frozenset[str]) -> tuple[Callable[..., Any], ...]:
    """The source's preflight checks, then the profiles' checks, without repeats."""
    from conformance import profiles as profile_table  # late: it imports every check module
    from conformance.checks.preflight import PREFLIGHT_CHECKS

    chosen: list[Callable[..., Any]] = list(PREFLIGHT_CHECKS)
    for fn in profile_table.checks_for(set(profiles)):
        if fn not in chosen:
            chosen.append(fn)
    return tuple(chosen)


def narrow(checks: Sequence[Callable[..., Any]], names: Sequence[str]) -> tuple[Any, ...]:
    """The checks named (--check), in run order; UsageError naming an unknown name."""
    if not names:
        return tuple(checks)
    known = {meta_of(fn).name for fn in checks}
    unknown = sorted(set(names) - known)
    if unknown:
        raise UsageError(f"--check {', '.join(unknown)}: no such check in the selected "
                         "profiles (see --list-checks)")
    return tuple(fn for fn in checks if meta_of(fn).name in names)


async def unmet_need(ctx: CheckContext, need: str) -> str | None:
    """Why `need` is not met (a skip reason), or None when it is (the source's context)."""
    return await ctx.unmet_need(need)


async def run_check(ctx: ActorContext, fn: Callable[..., Any], timeout_s: float) -> CheckResult:
    """Run one check and classify how it ended."""
    meta = meta_of(fn)
    if isinstance(ctx.exchanges, overlap.TaskExchanges):
        ctx.exchanges.start_check()  # this task's own log (overlapping checks keep theirs)
    else:
        ctx.exchanges.clear()
    started = time.monotonic()
    rate_limited_before = getattr(ctx, "rate_limited", 0)
    outcome, message, evidence, rule, skip = Outcome.PASSED, "", [], meta.rule, ""
    try:
        async with asyncio.timeout(timeout_s):
            reason = rule_versions.not_applicable(meta.rule, ctx.api_versie)
            if reason:
                raise NotApplicable(reason)
            for need in meta.needs:
                reason = await ctx.unmet_need(need)
                if reason:  # a service not offered does not bind; missing data is untested
                    raise (NotApplicable if need.startswith("dienst:") else CheckSkipped)(reason)
            await fn(ctx)
    except CheckFailed as exc:
        outcome, message = Outcome.FAILED, exc.finding.message
        rule = exc.finding.rule or meta.rule
        evidence = list(exc.finding.evidence) or _last_exchange(ctx)
        if _rate_limited(ctx, meta, evidence, rate_limited_before):
            outcome, rule = Outcome.ERROR, meta.rule
            message = (f"rate-limited: the source answered 429 during this check, so it was "
                       f"not tested (no finding; re-run after Retry-After): {message}")
    except CheckSkipped as exc:
        outcome, message = Outcome.SKIPPED, exc.reason
        skip = Skip.NOT_TESTED.value if exc.applicable else Skip.NOT_APPLICABLE.value
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
        skip=skip,
    )


def _rate_limited(ctx: ActorContext, meta: CheckMeta, evidence: list[Evidence],
                  before: int) -> bool:
    """Whether a failure of a source's check met a 429 (in its evidence, or any answer since
    the check began): a source limiting the suite's rate (on opening sessions, design §9)
    says nothing about the rule under test, so it is no finding — except for the rule about
    the 429 itself. Contexts that count no 429s (the other actors', whose checks may judge
    a 429 as such) are left as they are."""
    count = getattr(ctx, "rate_limited", None)
    if count is None or meta.rule == RATE_LIMIT_RULE:
        return False
    return count > before or any(
        e.response_status == httpx.codes.TOO_MANY_REQUESTS for e in evidence)


def _describe(exc: BaseException) -> str:
    text = str(exc) or repr(exc)
    return text if isinstance(exc, CheckError) else f"{type(exc).__name__}: {text}"


def _last_exchange(ctx: ActorContext) -> list[Evidence]:
    return [Evidence.from_response(ctx.exchanges[-1])] if ctx.exchanges else []


def _emit(reporters: Sequence[Reporter], event: Event) -> None:
    for reporter in reporters:
        reporter.handle(event)


async def run_checks(
    ctx: ActorContext,
    checks: Sequence[Callable[..., Any]],
    *,
    report: RunReport,
    reporters: Sequence[Reporter],
    options: RunOptions,
    deadline_at: float | None = None,
) -> None:
    """Run `checks` in order into ``report.results``, emitting RunStarted … RunFinished.

    One check runs at a time, except that a check waiting for time to pass with
    `overlap.waiting(..., others_may_run=True)` is parked and the next checks start
    meanwhile (``options.overlap``); results stay in profile order, CheckFinished comes
    when a check ends. `deadline_at` (time.monotonic()) defaults to now +
    ``options.deadline_s``; past it the rest is reported as errors "not run" and
    ``report.error`` says so. On Ctrl-C (the task cancelled) every unfinished check is
    reported as skipped ``not_run``, ``report.interrupted`` is set, and this returns
    normally (the cancellation is consumed) so the partial report is kept.
    """
    if deadline_at is None and options.deadline_s:
        deadline_at = time.monotonic() + options.deadline_s
    metas = tuple(meta_of(fn) for fn in checks)
    _emit(reporters, RunStarted(report, metas))
    check_timeout_s = max(options.check_timeout_s, SLOW_CHECK_TIMEOUT_S) \
        if options.slow else options.check_timeout_s
    total = len(checks)
    if options.overlap and not isinstance(ctx.exchanges, overlap.TaskExchanges):
        ctx.exchanges = overlap.TaskExchanges(getattr(ctx.exchanges, "maxlen", None))
    slots: list[CheckResult | None] = [None] * total
    parked: dict[asyncio.Task[CheckResult], int] = {}

    def finish(index: int, result: CheckResult) -> None:
        slots[index - 1] = result
        _emit(reporters, CheckFinished(result, index, total))

    def collect_parked() -> None:
        for task in [t for t in parked if t.done()]:
            finish(parked.pop(task), task.result())

    running: asyncio.Task[CheckResult] | None = None
    try:
        for index, fn in enumerate(checks, start=1):
            _emit(reporters, CheckStarted(metas[index - 1], index, total))
            remaining = None if deadline_at is None else deadline_at - time.monotonic()
            if remaining is not None and remaining <= 0:
                finish(index, _deadline_not_run(metas[index - 1], options.deadline_s or 0))
                collect_parked()
                continue
            budget = check_timeout_s if remaining is None else min(check_timeout_s, remaining)
            running = overlap.start(run_check(ctx, fn, budget), meta_of(fn).name,
                                    allow=options.overlap)
            if await overlap.parked_or_done(running):
                parked[running] = index
            else:
                finish(index, running.result())
            running = None
            collect_parked()
        while parked:
            await asyncio.wait(parked, return_when=asyncio.FIRST_COMPLETED)
            collect_parked()
    except asyncio.CancelledError:
        await overlap.cancel([*parked, *([running] if running else [])])
        _interrupted(report, reporters, metas, slots, total)
    report.results.extend(r for r in slots if r is not None)
    not_run = sum(1 for r in report.results if r.message.startswith(NOT_RUN)
                  and r.outcome is Outcome.ERROR)
    if not report.interrupted and deadline_at is not None and time.monotonic() >= deadline_at:
        report.error = (f"the run's deadline of {options.deadline_s:g} s passed: {not_run} of "
                        f"{total} checks not run")
    report.results = expected.apply(report.results, options.expected_failures,
                                    options.check_names)
    report.finished_at = now_iso()
    _emit(reporters, RunFinished(report))


def _interrupted(report: RunReport, reporters: Sequence[Reporter], metas: Sequence[CheckMeta],
                 slots: list[CheckResult | None], total: int) -> None:
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()  # consumed: the caller gets the partial report, asyncio.run no error
    report.interrupted = True
    for index, meta in enumerate(metas, start=1):
        if slots[index - 1] is None:
            slots[index - 1] = result = not_run_result(meta, "the run was interrupted (Ctrl-C)")
            _emit(reporters, CheckFinished(result, index, total))


def not_run_result(meta: CheckMeta, why: str) -> CheckResult:
    """A check that was not run (skipped, kind not_run): --check left it out, or Ctrl-C."""
    return CheckResult(
        check=meta.name, rule=meta.rule, severity=meta.severity, outcome=Outcome.SKIPPED,
        message=f"{NOT_RUN} {why}", area=meta.area, statement=meta.statement,
        skip=Skip.NOT_RUN.value,
    )


def _deadline_not_run(meta: CheckMeta, deadline_s: float) -> CheckResult:
    return CheckResult(
        check=meta.name, rule=meta.rule, severity=meta.severity, outcome=Outcome.ERROR,
        message=f"{NOT_RUN} the run's deadline of {deadline_s:g} s passed",
        area=meta.area, statement=meta.statement,
    )


async def run(options: RunOptions, reporters: Sequence[Reporter] = ()) -> RunReport:
    """Certify one source endpoint (actor ``bron``). Raises UsageError for bad configuration;
    an endpoint that cannot be reached yields a report whose `error` is set (verdict
    `error`)."""
    from conformance.checks import preflight

    preflight.validate_test_bsns(options.test_bsns)
    suite_keys = keys.load_keys(options.key_dir)
    scheme = keys.load_scheme(suite_keys)
    report = new_report(options, actor="bron", target=options.base_url,
                        profiles=sorted(options.profiles or ()), oin=options.oin or "")
    deadline_at = time.monotonic() + options.deadline_s if options.deadline_s else None
    left = None if deadline_at is None else deadline_at - time.monotonic()
    try:
        async with asyncio.timeout(left):
            ctx = await _connect(options, suite_keys, scheme)
    except TimeoutError:
        return end_without_checks(
            report, reporters,
            f"the run's deadline of {options.deadline_s:g} s passed while connecting")
    except CouldNotRun as exc:
        return end_without_checks(report, reporters, str(exc))
    except asyncio.CancelledError:  # Ctrl-C while connecting
        return interrupted_before_checks(report, reporters)
    async with ctx:
        _check_scheme_names(scheme, ctx.target.oin, suite_keys.directory)
        report.oin, report.profiles = ctx.target.oin, sorted(ctx.target.profile)
        announced = ctx.config.get("diensten")
        report.diensten = sorted(d for d in announced if isinstance(d, str)) \
            if isinstance(announced, list) else []
        if options.checks is None:  # a profile run; explicit checks (tests) set themselves up
            checks = narrow(select_checks(ctx.target.profile), options.check_names)
            try:
                async with asyncio.timeout(None if deadline_at is None
                                           else deadline_at - time.monotonic()):
                    await preflight.preflight(ctx)
            except TimeoutError:
                return end_without_checks(report, reporters, "preflight: the run's deadline "
                                          f"of {options.deadline_s:g} s passed")
            except CouldNotRun as exc:
                return end_without_checks(report, reporters, str(exc))
            except asyncio.CancelledError:  # Ctrl-C during the preflight
                return interrupted_before_checks(report, reporters)
        else:
            checks = narrow(options.checks, options.check_names)
        await run_checks(ctx, checks, report=report, reporters=reporters, options=options,
                         deadline_at=deadline_at)
    return report


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
