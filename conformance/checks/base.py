"""The check decorator and the helpers checks use to fail with evidence.

``@check(rule=..., area=...)`` attaches a `CheckMeta` as ``fn.__check__`` and returns the
function unchanged: importing a module registers nothing; profiles list checks explicitly.

A check::

    @check(rule="/sessie/nonce-eenmalig", area="sessie", needs=("test_bsn",))
    async def replayed_nonce_rejected(ctx: CheckContext) -> None:
        \"\"\"A nonce is accepted once; a second session with it is refused.\"\"\"
        ...
        expect_problem(resp, 401, "bewijs/nonce-gebruikt")

`needs` values the runner understands: ``"test_bsn"`` (at least one --test-bsn),
``"second_bsn"`` (two), ``"dienst:<name>"`` (the service is in /configuratie's `diensten`
and in the selected profiles), ``"arrangement_case"`` (the first test citizen has an open
case with saldo > 0 whose `acties` include `betalingsregeling`), ``"pause_case"``
(likewise with `pauze`); the other actors' contexts interpret ``"am:…"`` (App Manager),
``"stelsel:…"`` (scheme service) and ``"app:…"`` (citizen app). An unmet need skips the
check with the reason: an unmet ``dienst:`` as not applicable (the rule does not bind), any
other as not tested (the run is incomplete).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import httpx

from conformance.errors import CheckFailed
from conformance.model import Evidence, Finding, Severity

if TYPE_CHECKING:
    from conformance.context import CheckContext

PROBLEM_MEDIA_TYPE = "application/problem+json"
KNOWN_NEEDS_PREFIXES = ("test_bsn", "second_bsn", "dienst:", "arrangement_case", "pause_case",
                        "am:", "stelsel:", "app:")

CheckFn = Callable[["CheckContext"], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Awaitable[None]])


@dataclass(frozen=True)
class CheckMeta:
    """Metadata of one check: its name (the function name), the rule it proves, the rule's
    weight, the spec area, what it needs to run, and its statement (docstring paragraph 1)."""

    name: str
    rule: str
    severity: str
    area: str
    needs: tuple[str, ...]
    statement: str


def check(
    *, rule: str, severity: str = "must", area: str, needs: tuple[str, ...] = ()
) -> Callable[[F], F]:
    """Attach `CheckMeta` to an ``async def fn(ctx)``; registers nothing."""
    weight = Severity(severity).value  # a typo raises ValueError at import, not at run time
    for need in needs:
        if not need.startswith(KNOWN_NEEDS_PREFIXES):
            raise ValueError(f"unknown need {need!r} for rule {rule}")

    def decorate(fn: F) -> F:
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(f"check {fn.__name__} must be an async function")
        fn.__check__ = CheckMeta(  # type: ignore[attr-defined]
            name=fn.__name__,
            rule=rule,
            severity=weight,
            area=area,
            needs=tuple(needs),
            statement=_first_paragraph(fn.__doc__),
        )
        return fn

    return decorate


def meta_of(fn: Callable[..., Any]) -> CheckMeta:
    """The `CheckMeta` of a decorated check; TypeError for an undecorated function."""
    meta = getattr(fn, "__check__", None)
    if not isinstance(meta, CheckMeta):
        raise TypeError(f"{getattr(fn, '__name__', fn)!r} is not decorated with @check")
    return meta


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n", 1)[0].split())


def fail(
    rule_or_msg: str,
    message: str | httpx.Response | None = None,
    *responses: httpx.Response | Evidence,
) -> NoReturn:
    """Fail the running check.

    ``fail(rule, message, *responses)`` names the rule broken; ``fail(message, *responses)``
    uses the check's own rule. Evidence is built from each httpx.Response (its request
    included), redacted; ready-made `Evidence` is passed through.
    """
    if isinstance(message, str):
        rule, text = rule_or_msg, message
        items: tuple[httpx.Response | Evidence, ...] = responses
    else:
        rule, text = "", rule_or_msg
        items = ((message,) if message is not None else ()) + responses
    evidence = [i if isinstance(i, Evidence) else Evidence.from_response(i) for i in items]
    raise CheckFailed(Finding(rule=rule, message=text, evidence=evidence))


def problem_code(resp: httpx.Response) -> str | None:
    """The `code` of a problem document, or None when the body is not one."""
    try:
        body = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def media_type(resp: httpx.Response) -> str:
    """The response's media type without parameters, lower case."""
    return resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def expect_status(resp: httpx.Response, status: int, *, rule: str = "") -> None:
    """Fail unless the response has the given status."""
    if resp.status_code != status:
        fail(rule, f"expected HTTP {status}, got {resp.status_code}", resp)


def expect_problem(resp: httpx.Response, status: int, code: str, *, rule: str = "") -> None:
    """Fail unless `resp` is an ``application/problem+json`` with this status and `code`.

    The message names expected versus actual (status, media type and code).
    """
    actual_code = problem_code(resp)
    actual_type = media_type(resp)
    problems = []
    if resp.status_code != status:
        problems.append(f"status {resp.status_code} (expected {status})")
    if actual_type != PROBLEM_MEDIA_TYPE:
        problems.append(f"content-type {actual_type or 'none'!r} (expected {PROBLEM_MEDIA_TYPE})")
    if actual_code != code:
        problems.append(f"code {actual_code!r} (expected {code!r})")
    if problems:
        fail(rule, f"expected problem {status} {code}; got " + ", ".join(problems), resp)
