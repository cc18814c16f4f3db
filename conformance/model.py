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
import re
import shlex
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

EXCERPT_MAX_CHARS = 2000
REDACTED = "<redacted>"
_AUTH_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,19}$")  # a scheme name worth showing

# header.payload.signature, base64url parts; the header starts with "eyJ" ('{"').
_JWS = re.compile(r"(eyJ[A-Za-z0-9_-]{4,})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{8,})")
_SECRET_MEMBER = re.compile(r'("(?:sessietoken|nonce)"\s*:\s*")[^"]*(")')
_BSN_MEMBER = re.compile(r'("bsn"\s*:\s*")[0-9]*([0-9]{2})(")')
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})


class Outcome(enum.StrEnum):
    """What happened to one check. Only `failed` can count as nonconformance."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"


class Severity(enum.StrEnum):
    """RFC 2119 weight of a rule: a failed `must` is nonconformance, a failed `should` a warning."""

    MUST = "must"
    SHOULD = "should"


def redact_text(text: str) -> str:
    """Redact JWS payloads/signatures, session tokens and nonces; mask BSNs."""
    text = _JWS.sub(lambda m: f"{m.group(1)}.{REDACTED if m.group(2) else ''}.{REDACTED}", text)
    text = _SECRET_MEMBER.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(2)}", text)
    return _BSN_MEMBER.sub(lambda m: f"{m.group(1)}*******{m.group(2)}{m.group(3)}", text)


def redact_headers(headers: dict[str, str] | httpx.Headers) -> dict[str, str]:
    """Headers as a plain dict (lower-case names) with credentials redacted."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key == "authorization":
            scheme = value.split(" ", 1)[0] if value else ""
            out[key] = f"{scheme} {REDACTED}" if _AUTH_SCHEME.match(scheme) else REDACTED
        elif key in _SECRET_HEADERS:
            out[key] = REDACTED
        else:
            out[key] = redact_text(value)
    return out


def excerpt(content: bytes | str | None, limit: int = EXCERPT_MAX_CHARS) -> str:
    """A redacted, bounded text excerpt of a body (binary bodies are summarised)."""
    if not content:
        return ""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(content)} bytes, not UTF-8>"
    else:
        text = content
    text = redact_text(text)
    return text if len(text) <= limit else text[:limit] + f"… <{len(text) - limit} more>"


def curl_line(method: str, url: str, headers: dict[str, str], body: str) -> str:
    """A curl command reproducing a request (credentials shown as placeholders)."""
    parts = ["curl", "-sS", "-i", "-X", method.upper(), shlex.quote(url)]
    for name, value in headers.items():
        if name in {"host", "content-length", "accept-encoding", "connection", "user-agent"}:
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-raw", shlex.quote(body)]
    return " ".join(parts)


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
        )


def json_excerpt(obj: Any) -> str:
    """A redacted excerpt of a JSON value (for evidence built without an HTTP exchange)."""
    return excerpt(json.dumps(obj, ensure_ascii=False, sort_keys=True))


class Verdict(enum.StrEnum):
    """The run's verdict; `error` only when nothing could be checked."""

    CONFORMANT = "conformant"
    NOT_CONFORMANT = "not_conformant"
    ERROR = "error"


EXIT_CODES = {Verdict.CONFORMANT: 0, Verdict.NOT_CONFORMANT: 1, Verdict.ERROR: 3}
REPORT_FORMAT_VERSION = 1


@dataclass
class RunReport:
    """Everything report.json holds; every other report is rendered from it.

    Verdict: `error` when the run could not start (`error` set) or when no check passed or
    failed but at least one errored; otherwise `not_conformant` when a MUST check failed
    (expected failures excluded), else `conformant`. Failed SHOULD checks are warnings.
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

    @property
    def verdict(self) -> Verdict:
        if self.error:
            return Verdict.ERROR
        if any(r.counts_against for r in self.results):
            return Verdict.NOT_CONFORMANT
        decided = any(r.outcome in (Outcome.PASSED, Outcome.FAILED) for r in self.results)
        if not decided and any(r.outcome is Outcome.ERROR for r in self.results):
            return Verdict.ERROR
        if not decided:
            return Verdict.ERROR if not self.results else Verdict.CONFORMANT
        return Verdict.CONFORMANT

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def counts(self) -> dict[str, int]:
        """Number of results per outcome, plus ``warnings`` (failed SHOULD checks) and
        ``expected_failures`` (failed but listed)."""
        out = {o.value: 0 for o in Outcome}
        for result in self.results:
            out[result.outcome.value] += 1
        out["warnings"] = sum(
            1 for r in self.results if r.outcome is Outcome.FAILED and r.severity == Severity.SHOULD
        )
        out["expected_failures"] = sum(1 for r in self.results if r.expected_failure)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_FORMAT_VERSION,
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
        )
