"""Console output: live progress with rich on a terminal, plain lines otherwise (CI logs).

One line per finished check (outcome, name, rule, and the message when it did not pass),
then a summary with the verdict, the failures, the waived MUSTs and — when the run is
incomplete — what the MUST checks not tested need. ``quiet`` prints the summary only."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from conformance.model import CheckResult, Outcome, RunReport, Severity
from conformance.reporting.badge import badge_message
from conformance.reporting.i18n import plain
from conformance.runner import CheckFinished, CheckStarted, Event, RunFinished, RunStarted

STYLES = {
    "passed": "green",
    "failed": "bold red",
    "warning": "yellow",
    "expected": "magenta",
    "skipped": "dim",
    "not-tested": "yellow",
    "not-applicable": "dim",
    "not-run": "yellow",
    "error": "bold magenta",
}
VERDICT_STYLES = {"conformant": "bold green", "not_conformant": "bold red", "error": "bold",
                  "incomplete": "bold yellow", "conformant_with_waivers": "bold yellow"}
UNTESTED_REASONS_SHOWN = 8


def _label(result: CheckResult) -> str:
    if result.expected_failure:
        return "expected"
    if result.outcome is Outcome.FAILED and result.severity == Severity.SHOULD:
        return "warning"
    if result.outcome is Outcome.SKIPPED and result.skip:
        return result.skip.replace("_", "-")
    return result.outcome.value


class ConsoleReporter:
    """Prints progress and the summary; `console` defaults to stdout."""

    def __init__(self, console: Console | None = None, *, quiet: bool = False) -> None:
        self.console = console or Console(highlight=False, soft_wrap=not sys.stdout.isatty())
        self.quiet = quiet
        self._progress: Progress | None = None
        self._task: int | None = None

    def handle(self, event: Event) -> None:
        if self.quiet and not isinstance(event, RunFinished):
            return
        if isinstance(event, RunStarted):
            self._started(event)
        elif isinstance(event, CheckStarted) and self._progress is not None:
            self._progress.update(self._task, description=event.meta.name)  # type: ignore[arg-type]
        elif isinstance(event, CheckFinished):
            self._finished(event)
        elif isinstance(event, RunFinished):
            self._stop_progress()
            self.summary(event.report)

    def _started(self, event: RunStarted) -> None:
        report = event.report
        self.console.print(
            f"vorderingen-conformance {escape(report.suite_version)} — standard "
            f"{escape(report.spec_version)}\n{escape(report.actor)} {escape(report.target)}  OIN "
            f"{escape(report.oin or '?')}  profiles {escape(', '.join(report.profiles))}  "
            f"seed {report.seed}"
        )
        if self.console.is_terminal and event.checks:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=self.console,
                transient=True,
            )
            self._task = self._progress.add_task("starting", total=len(event.checks))
            self._progress.start()

    def _finished(self, event: CheckFinished) -> None:
        result = event.result
        label = _label(result)
        width = len(str(event.total))
        line = (
            f"[{event.index:>{width}}/{event.total}] [{STYLES.get(label, 'dim')}]{label:<8}[/] "
            f"{escape(result.check)} [dim]{escape(result.rule)}[/]"
        )
        if result.outcome is not Outcome.PASSED and result.message:
            line += f"\n    {escape(result.message)}"
        self.console.print(line)
        if self._progress is not None:
            self._progress.advance(self._task)  # type: ignore[arg-type]

    def _stop_progress(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def summary(self, report: RunReport) -> None:
        counts = report.counts()
        if report.error:
            self.console.print(f"[bold]could not run:[/] {escape(report.error)}")
        self.console.print(
            f"\n{counts['passed']} passed, {counts['failed']} failed "
            f"({counts['warnings']} SHOULD warnings, {counts['waived']} MUSTs waived), "
            f"{counts['skipped']} skipped ({counts['not_tested']} not tested, "
            f"{counts['not_applicable']} not applicable, {counts['not_run']} not run), "
            f"{counts['error']} errors"
        )
        verdict = report.verdict.value
        style = VERDICT_STYLES.get(verdict, "bold")
        self.console.print(f"[{style}]{badge_message(report.verdict)}[/] (exit {report.exit_code})")
        for result in report.results:
            if result.counts_against:
                self.console.print(
                    f"  [red]✗[/] {escape(result.check)} ({escape(result.rule)}): "
                    f"{escape(plain(result.message))}"
                )
        for result in report.results:
            if result.waived:
                self.console.print(f"  [yellow]waived[/] {escape(result.check)} "
                                   f"({escape(result.rule)})")
        self._untested(report)

    def _untested(self, report: RunReport) -> None:
        groups: dict[str, int] = {}
        for result in report.results:
            if result.untested_must:
                groups[result.message or result.outcome.value] = \
                    groups.get(result.message or result.outcome.value, 0) + 1
        if not groups:
            if report.selection:
                self.console.print("  incomplete: only the checks named by --check ran")
            return
        self.console.print(f"  {sum(groups.values())} MUST checks not tested:")
        ranked = sorted(groups.items(), key=lambda item: -item[1])
        for reason, number in ranked[:UNTESTED_REASONS_SHOWN]:
            self.console.print(f"    {number} × {escape(plain(reason))}")
        if len(ranked) > UNTESTED_REASONS_SHOWN:
            self.console.print(f"    … and {len(ranked) - UNTESTED_REASONS_SHOWN} more reasons "
                               "(report.html)")
