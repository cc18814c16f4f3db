"""Comparison with the previous run: which checks newly fail and which got fixed.

Checks are matched by name. "Failing" means counting against the verdict (a failed MUST
that is not an expected failure) or a suite error; a check the previous run did not have is
"new", one it had that this run lacks is "gone"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.model import CheckResult, Outcome, RunReport


@dataclass(frozen=True)
class Comparison:
    previous_started_at: str
    previous_verdict: str
    newly_failing: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    new_checks: list[str] = field(default_factory=list)
    gone_checks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"previous_started_at": self.previous_started_at,
                "previous_verdict": self.previous_verdict,
                "newly_failing": self.newly_failing, "fixed": self.fixed,
                "new_checks": self.new_checks, "gone_checks": self.gone_checks}


def _failing(result: CheckResult) -> bool:
    return result.counts_against or result.outcome is Outcome.ERROR


def compare(current: RunReport, previous: RunReport) -> Comparison:
    before = {r.check: r for r in previous.results}
    now = {r.check: r for r in current.results}
    newly = [n for n, r in now.items() if _failing(r) and n in before and not _failing(before[n])]
    newly += [n for n, r in now.items() if _failing(r) and n not in before]
    fixed = [n for n, r in now.items()
             if n in before and _failing(before[n]) and r.outcome is Outcome.PASSED]
    return Comparison(
        previous_started_at=previous.started_at,
        previous_verdict=previous.verdict.value,
        newly_failing=sorted(newly),
        fixed=sorted(fixed),
        new_checks=sorted(set(now) - set(before)),
        gone_checks=sorted(set(before) - set(now)),
    )
