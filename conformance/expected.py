"""The expected-failures file: known deviations, listed exactly, that do not fail the run.

Format: one entry per line, a check name (``expired_session_rejected``) or a rule id
(``/sessie/nonce-eenmalig``); ``#`` starts a comment; blank lines are ignored. No wildcards:
an entry is matched exactly, so a list cannot silently swallow new failures.

An entry that no longer fails (its check passed, or it matches no check of the run) is
reported as a failed finding ``stale_expected_failure``: an allow-list must not rot. A
--check subset judges only the check names it selected; the rest is unknown, not stale.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from conformance.errors import UsageError
from conformance.model import CheckResult, Outcome, Severity

STALE_CHECK = "stale_expected_failure"
STALE_RULE = "/suite/verwachte-fouten-actueel"
_ENTRY = re.compile(r"^(/[a-z0-9-]+(/[a-z0-9-]+)*|[a-z_][a-z0-9_]*)$")


def load(path: Path, option: str = "--expected-failures") -> tuple[str, ...]:
    """The entries of an expected-failures file, in order; UsageError naming `option` (or
    the bad line)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {option} {path}: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise UsageError(f"{option} {path}: not UTF-8 text") from None
    entries: list[str] = []
    for number, raw in enumerate(lines, start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if not _ENTRY.match(entry):
            raise UsageError(
                f"{path}:{number}: {entry!r} is not a check name or rule id (no wildcards)"
            )
        if entry not in entries:
            entries.append(entry)
    return tuple(entries)


def apply(results: list[CheckResult], entries: tuple[str, ...],
          selection: tuple[str, ...] = ()) -> list[CheckResult]:
    """Mark expected failures and append one stale finding per entry that did not fail.

    `selection` is a --check subset: an entry this run did not select is not stale (the
    run is incomplete anyway), nor a rule id whose other checks were not selected."""
    if not entries:
        return results
    wanted = set(entries)
    out: list[CheckResult] = []
    failed_entries: set[str] = set()
    seen_entries: set[str] = set()
    for result in results:
        keys = {result.check, result.rule} & wanted
        seen_entries |= keys
        if keys and result.outcome is Outcome.FAILED:
            failed_entries |= keys
            result = _replace(result, expected_failure=True)
        out.append(result)
    for entry in entries:
        if entry in failed_entries:
            continue
        if entry in seen_entries and not _passed_only(results, entry):
            continue  # skipped or errored: unknown whether it still fails, not stale
        if selection and entry not in selection:
            continue  # not selected (or a rule only partly selected): unknown, not stale
        why = (
            "now passes" if entry in seen_entries else "matches no check of this run"
        )
        out.append(
            CheckResult(
                check=STALE_CHECK,
                rule=STALE_RULE,
                severity=Severity.MUST.value,
                outcome=Outcome.FAILED,
                message=f"expected failure {entry!r} {why}: remove it from the list",
                area="suite",
                statement="Every entry of the expected-failures file still fails.",
            )
        )
    return out


def _passed_only(results: list[CheckResult], entry: str) -> bool:
    matching = [r for r in results if entry in (r.check, r.rule)]
    return bool(matching) and all(r.outcome is Outcome.PASSED for r in matching)


def _replace(result: CheckResult, **changes: object) -> CheckResult:
    return dataclasses.replace(result, **changes)  # type: ignore[arg-type]

