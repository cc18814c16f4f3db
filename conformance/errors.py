"""Errors of the conformance suite.

Exception tree::

    ConformanceError                 base of everything the suite raises on purpose
    ├── UsageError                   bad command line or configuration → exit 2
    ├── CouldNotRun                  the run as a whole cannot proceed (endpoint unreachable,
    │                                /configuratie unusable, internal error) → exit 3
    ├── CheckError                   one check could not do its work (a precondition the
    │   │                            endpoint refused, a network failure): outcome `error`,
    │   │                            never counted as nonconformance
    │   └── SessionUnavailable       the endpoint refused a VALID session; the session checks
    │                                report that as a failure, every other check as an error
    ├── JoseError                    a token or envelope the suite parsed is malformed or does
    │                                not verify; `.code` is the problem code the standard
    │                                assigns (e.g. ``envelop/handtekening-ongeldig``)
    ├── CheckFailed(finding)         raised by a check to fail: outcome `failed`
    └── CheckSkipped(reason)         raised by a check that could not be tested (no test data,
        │                            setup or time): outcome `skipped`; a skipped MUST makes
        │                            the run incomplete, never conformant
        └── NotApplicable(reason)    raised by a check whose rule does not bind this endpoint
                                     (a service it does not offer, a rule of a later
                                     version): outcome `skipped`, not counted against it

Anything else a check raises is a bug of the suite or the network: outcome `error`.

An answer that breaks the suite's bounds (`conformance.http_limits`: the request deadline,
the body size, the JSON depth) raises an httpx error there (`DeadlineExceeded`,
`ResponseRefused`) or a requests error in the OpenAPI layer, so it takes the network-error
path: outcome `error`, or CouldNotRun when /configuratie itself breaks them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.model import Finding

EXIT_CONFORMANT = 0
EXIT_NOT_CONFORMANT = 1
EXIT_USAGE = 2
EXIT_COULD_NOT_RUN = 3


class ConformanceError(Exception):
    """Base of every error the suite raises on purpose."""


class UsageError(ConformanceError):
    """A bad command line or configuration value; the message names the key and the value."""

    exit_code = EXIT_USAGE


class CouldNotRun(ConformanceError):
    """The run as a whole cannot proceed; no verdict about the endpoint is possible."""

    exit_code = EXIT_COULD_NOT_RUN


class CheckError(ConformanceError):
    """A check could not do its work; reported as outcome `error`, never as `failed`."""


class SessionUnavailable(CheckError):
    """The endpoint refused a session the suite built correctly (or answered unusably)."""


class JoseError(ConformanceError):
    """A token or envelope that is malformed or does not verify.

    `code` is the problem code of spec/trust-model.md, e.g. ``envelop/sleutel-onbekend``.
    """

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class CheckFailed(ConformanceError):
    """Raised by a check to report nonconformance; carries the finding with its evidence."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


class CheckSkipped(ConformanceError):
    """Raised by a check that could not be tested; `reason` (what to supply) is shown in every
    report. A MUST skipped this way leaves the run incomplete."""

    applicable = True

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotApplicable(CheckSkipped):
    """Raised by a check whose rule does not bind this endpoint; `reason` says why. Skipped,
    and not counted against completeness."""

    applicable = False
