"""The result model of a conformance run: outcomes, evidence, findings and check results.

Guarantees:

- Evidence never carries a secret in clear: an ``Authorization`` header keeps only its scheme
  (``Sessie <redacted>``); in headers (``Verzoek-Bewijs``) and bodies every compact JWS keeps
  only its header part
  (``<header>.<redacted>.<redacted>``), a ``sessietoken`` or ``nonce`` value is redacted,
  and a ``bsn`` value is masked to its last two digits (no BSN in any report).
- Excerpts are bounded (``EXCERPT_MAX_CHARS``), so a report stays small whatever the
  endpoint answers.
"""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

# re-exported: evidence is built and shown with them (reporting, the OpenAPI oracle)
from conformance.redaction import (  # noqa: F401
    EXCERPT_MAX_CHARS,
    REDACTED,
    curl_line,
    excerpt,
    redact_headers,
    redact_text,
)


class Outcome(enum.StrEnum):
    """What happened to one check. Only `failed` can count as nonconformance."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class Skip(enum.StrEnum):
    """Why a check was skipped. Only `not_applicable` leaves a run complete: the others mean
    a MUST was not tested (missing test data, setup or time; a run stopped early)."""

    NOT_TESTED = "not_tested"  # CheckSkipped, an unmet test-data need, a slow check not run
    NOT_APPLICABLE = "not_applicable"  # NotApplicable: the rule does not bind this endpoint
    NOT_RUN = "not_run"  # left out by --check, or not reached (Ctrl-C)


class Severity(enum.StrEnum):
    """RFC 2119 weight of a rule: a failed `must` is nonconformance, a failed `should` a warning."""

    MUST = "must"
    SHOULD = "should"


@dataclass(frozen=True)
class Evidence:
    """One HTTP exchange, redacted, as shown in reports."""

    request_method: str
    request_url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body_excerpt: str = ""
    response_status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body_excerpt: str = ""
    curl: str = ""

    @classmethod
    def from_response(cls, response: httpx.Response) -> Evidence:
        """Evidence of an httpx exchange (uses ``response.request``); the body must be read."""
        request = response.request
        req_headers = redact_headers(request.headers)
        req_body = excerpt(_request_content(request))
        try:
            resp_body = excerpt(response.content)
        except httpx.ResponseNotRead:
            resp_body = "<not read>"
        url = str(request.url)
        return cls(
            request_method=request.method,
            request_url=url,
            request_headers=req_headers,
            request_body_excerpt=req_body,
            response_status=response.status_code,
            response_headers=redact_headers(response.headers),
            response_body_excerpt=resp_body,
            curl=curl_line(request.method, url, req_headers, req_body),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _request_content(request: httpx.Request) -> bytes:
    try:
        return request.content
    except httpx.RequestNotRead:
        return b""


@dataclass(frozen=True)
class Finding:
    """Why a check failed: the rule broken (empty = the check's own rule), a message that
    names expected versus actual, and the exchanges that show it."""

    rule: str
    message: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, as it appears in every report."""

    check: str
    rule: str
    severity: str
    outcome: Outcome
    message: str = ""
    evidence: list[Evidence] = field(default_factory=list)
    duration_s: float = 0.0
    area: str = ""
    statement: str = ""
    expected_failure: bool = False
    skip: str = ""  # a `Skip` value when outcome is skipped

    @property
    def untested_must(self) -> bool:
        """True when this MUST was not tested (skipped for want of data, setup or time, not
        reached, or the suite erred): such a result leaves the run incomplete."""
        if self.severity != Severity.MUST or self.expected_failure:
            return False
        if self.outcome is Outcome.ERROR:
            return True
        return self.outcome is Outcome.SKIPPED and self.skip != Skip.NOT_APPLICABLE

    @property
    def waived(self) -> bool:
        """A failed MUST listed in the expected-failures file."""
        return self.expected_failure and self.severity == Severity.MUST

    @property
    def counts_against(self) -> bool:
        """True when this result makes the endpoint not conformant."""
        return (
            self.outcome is Outcome.FAILED
            and self.severity == Severity.MUST
            and not self.expected_failure
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        data["evidence"] = [e.to_dict() for e in self.evidence]
        data["waived"] = self.waived  # derived: a failed MUST listed in --expected-failures
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            check=data["check"],
            rule=data.get("rule", ""),
            severity=data.get("severity", Severity.MUST.value),
            outcome=Outcome(data["outcome"]),
            message=data.get("message", ""),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence", [])],
            duration_s=float(data.get("duration_s", 0.0)),
            area=data.get("area", ""),
            statement=data.get("statement", ""),
            expected_failure=bool(data.get("expected_failure", False)),
            skip=_skip_of(data),
        )


def _skip_of(data: dict[str, Any]) -> str:
    """The skip kind; a skipped result of a report without one counts as not tested."""
    if data.get("outcome") != Outcome.SKIPPED.value:
        return ""
    value = data.get("skip") or Skip.NOT_TESTED.value
    return value if value in {k.value for k in Skip} else Skip.NOT_TESTED.value


def json_excerpt(obj: Any) -> str:
    """A redacted excerpt of a JSON value (for evidence built without an HTTP exchange)."""
    return excerpt(json.dumps(obj, ensure_ascii=False, sort_keys=True))


class Verdict(enum.StrEnum):
    """The run's verdict (see `RunReport.verdict`)."""

    CONFORMANT = "conformant"
    CONFORMANT_WITH_WAIVERS = "conformant_with_waivers"
    NOT_CONFORMANT = "not_conformant"
    INCOMPLETE = "incomplete"
    ERROR = "error"


# 2 is a usage error (errors.EXIT_USAGE); a run waived into green stays green in CI (0), its
# verdict and badge say so; an incomplete run fails CI unless `ci --allow-incomplete`.
EXIT_CODES = {
    Verdict.CONFORMANT: 0,
    Verdict.CONFORMANT_WITH_WAIVERS: 0,
    Verdict.NOT_CONFORMANT: 1,
    Verdict.ERROR: 3,
    Verdict.INCOMPLETE: 4,
}
EXIT_INTERRUPTED = 130  # Ctrl-C: the partial report is written, its verdict is incomplete
REPORT_FORMAT_VERSION = 2
ACTORS = ("bron", "app-manager", "stelsel", "app")


@dataclass
class RunReport:
    """Everything report.json holds; every other report is rendered from it.

    Verdict, first match wins:

    - `error` — the run could not start (`error` set), nothing was checked, or every check
      that ran errored;
    - `not_conformant` — a MUST check failed (waived ones excluded);
    - `incomplete` — a MUST check was not tested: skipped for want of test data, setup or
      time (not `not_applicable`), errored, left out by a --check subset, or not reached
      because the run was interrupted;
    - `conformant_with_waivers` — every applicable MUST passed except waived ones
      (--expected-failures);
    - `conformant` — every applicable MUST check ran and passed.

    Failed SHOULD checks are warnings.
    """

    suite_version: str
    spec_version: str
    target: str
    oin: str
    profiles: list[str]
    seed: int
    max_examples: int
    started_at: str
    finished_at: str = ""
    results: list[CheckResult] = field(default_factory=list)
    expected_failures: list[str] = field(default_factory=list)
    error: str = ""
    network: dict[str, Any] = field(default_factory=dict)  # names only: no header values
    actor: str = "bron"
    selection: list[str] = field(default_factory=list)  # --check names; empty: every check
    interrupted: bool = False
    diensten: list[str] = field(default_factory=list)  # what /configuratie announced (bron)

    @property
    def verdict(self) -> Verdict:
        if self.error or not self.results:
            return Verdict.ERROR
        if any(r.counts_against for r in self.results):
            return Verdict.NOT_CONFORMANT
        decided = any(r.outcome in (Outcome.PASSED, Outcome.FAILED) for r in self.results)
        if not decided and any(r.outcome is Outcome.ERROR for r in self.results):
            return Verdict.ERROR
        if self.interrupted or self.selection or any(r.untested_must for r in self.results):
            return Verdict.INCOMPLETE
        if any(r.waived for r in self.results):
            return Verdict.CONFORMANT_WITH_WAIVERS
        return Verdict.CONFORMANT

    @property
    def exit_code(self) -> int:
        if self.interrupted and not self.error:
            return EXIT_INTERRUPTED
        return EXIT_CODES[self.verdict]

    def counts(self) -> dict[str, int]:
        """Number of results per outcome, plus ``warnings`` (failed SHOULD checks),
        ``expected_failures`` (failed but listed; ``waived`` those of a MUST), the skips per
        kind (``not_tested``, ``not_applicable``, ``not_run``), ``untested_musts`` and
        ``applicable`` (every result but the not-applicable ones)."""
        out = {o.value: 0 for o in Outcome}
        for result in self.results:
            out[result.outcome.value] += 1
        out["warnings"] = sum(
            1 for r in self.results if r.outcome is Outcome.FAILED and r.severity == Severity.SHOULD
        )
        out["expected_failures"] = sum(1 for r in self.results if r.expected_failure)
        out["waived"] = sum(1 for r in self.results if r.waived)
        for kind in Skip:
            out[kind.value] = sum(
                1 for r in self.results if r.outcome is Outcome.SKIPPED and r.skip == kind
            )
        out["untested_musts"] = sum(1 for r in self.results if r.untested_must)
        out["applicable"] = len(self.results) - out[Skip.NOT_APPLICABLE.value]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "actor": self.actor,
            "suite_version": self.suite_version,
            "spec_version": self.spec_version,
            "target": self.target,
            "oin": self.oin,
            "profiles": list(self.profiles),
            "seed": self.seed,
            "max_examples": self.max_examples,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "verdict": self.verdict.value,
            "exit_code": self.exit_code,
            "error": self.error,
            "network": dict(self.network),
            "counts": self.counts(),
            "expected_failures": list(self.expected_failures),
            "selection": list(self.selection),
            "interrupted": self.interrupted,
            "diensten": list(self.diensten),
            "checks": [r.to_dict() for r in self.results],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        return cls(
            suite_version=data.get("suite_version", ""),
            spec_version=data.get("spec_version", ""),
            target=data.get("target", ""),
            oin=data.get("oin", ""),
            profiles=list(data.get("profiles", [])),
            seed=int(data.get("seed", 0)),
            max_examples=int(data.get("max_examples", 0)),
            started_at=data.get("started_at", ""),
            finished_at=data.get("finished_at", ""),
            results=[CheckResult.from_dict(c) for c in data.get("checks", [])],
            expected_failures=list(data.get("expected_failures", [])),
            error=data.get("error", ""),
            network=dict(data.get("network") or {}),
            actor=str(data.get("actor") or "bron"),
            selection=list(data.get("selection") or []),
            interrupted=bool(data.get("interrupted", False)),
            diensten=[str(d) for d in data.get("diensten") or []],
        )
