"""The OpenAPI layer: schemathesis against the live endpoint, openapi-core as second oracle.

Three runs, each seeded (``--seed``) and bounded (``--max-examples`` per operation):

- positive: schema-valid requests to every operation of the selected profiles;
- negative: schema-INVALID requests, which the endpoint must reject with a documented 4xx;
- stateful: scenarios that follow the OpenAPI `links` (session → overview → quote →
  arrangement → read/withdraw; overview → pause → end), starting from a REAL session.

Built-in checks used, and why:
  not_a_server_error            never a 5xx (bad input is a 4xx problem document)
  status_code_conformance       only documented status codes
  content_type_conformance      the documented media type (problem+json for errors)
  response_headers_conformance  documented required headers (API-Version, Location …)
  response_schema_conformance   bodies match the schemas
  negative_data_rejection       (negative run) invalid input is refused with a 4xx
  missing_required_header       (positive run) leaving out Idempotency-Key is refused
  ensure_resource_availability  (stateful run) a created arrangement/pause can be read
Not used: positive_data_acceptance (schema-valid requests are routinely and rightly
refused on semantics: an unknown zaakkenmerk is 422, a random certificate 401),
use_after_free (a withdrawn arrangement stays readable, by design), ignored_auth and the
other auth checks (the trust-model checks cover authentication far more precisely).
Every response is also validated by openapi-core (`conformance.openapi_oracle`).

Authentication: every authenticated operation gets a real session (``Authorization:
Sessie``), opened through the CheckContext on the runner's event loop, and a fresh request
proof (``Verzoek-Bewijs``) signed with that session's app key for exactly the request sent
(method, URL, time, a new jti): a generated request is never a replay. `DELETE
/sessies/huidige` always gets a fresh session, shared ones are renewed well before
SESSION_TTL_S. `POST /sessies` in the stateful run carries a valid certificate and proof so
the links after it are exercised.

schemathesis is synchronous (requests); the layer runs in a worker thread. Its requests go
through a `http_limits.LimitedAdapter` session carrying the run's network options (CA
bundle, gateway headers, proxy, client certificate), so both HTTP stacks reach and bound the
endpoint alike. A cancelled check sets `Layer.stop`: the thread ends after the request in
flight (itself bounded by the request deadline), so a run never waits on a stray thread.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import Unsatisfiable
from hypothesis.stateful import get_state_machine_test
from requests.exceptions import RequestException
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conformance import specfiles
from conformance.context import PROOF_HEADER, CheckContext, Session
from conformance.errors import CheckError
from conformance.http_limits import limited_session
from conformance.model import Evidence
from conformance.openapi_oracle import MESSAGE_MAX_CHARS, evidence_of, openapi_core_oracle

SESSION_REFRESH_S = 600  # renew shared tokens well before SESSION_TTL_S (900 s) ...
SESSION_RENEW_MARGIN_S = 10  # ... and before a short test lifetime ends (testomgeving.md §5)
STATEFUL_STEPS = 6
MAX_FAILURES_KEPT = 50
CUSTOM_FAILURE_CODE = "ST901"  # schemathesis' code for a failure raised by a custom check
ORACLE = "openapi-core"
OPERATIONS_BY_PROFILE = {
    "basis": (
        "getConfiguratie",
        "getOpenapiDocument",
        "createUitdaging",
        "createSessie",
        "deleteHuidigeSessie",
        "getVorderingenoverzicht",
    ),
    "betalingsregelingen": (
        "createBetalingsregelingVoorstel",
        "createBetalingsregeling",
        "listBetalingsregelingen",
        "getBetalingsregeling",
        "deleteBetalingsregeling",
    ),
    "pauzes": ("createPauze", "listPauzes", "getPauze", "deletePauze"),
    "hulpvragen": ("createHulpvraag",),
}
FRESH_TOKEN_OPERATIONS = frozenset({"deleteHuidigeSessie"})
FRESH_AHEAD = 2  # sessions opened ahead for those operations (see TokenSource)
OWNED_HEADERS = frozenset({"authorization", PROOF_HEADER.lower()})
# Generating a help-request bundle (nested signed documents) costs ~0.5 s a case: cap it so
# a full run stays within minutes whatever --max-examples says.
MAX_EXAMPLES_CAP = {"createHulpvraag": 3}
SESSION_OPERATION = "createSessie"
QUOTE_OPERATION = "createBetalingsregelingVoorstel"
PAUSE_OPERATION = "createPauze"
APP_PAUSE_DAYS = 30
BASE_CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)
POSITIVE_CHECKS = (*BASE_CHECKS, missing_required_header)
NEGATIVE_CHECKS = (*BASE_CHECKS, negative_data_rejection)
STATEFUL_CHECKS = (*BASE_CHECKS, ensure_resource_availability)


@dataclass(frozen=True)
class Problem:
    """One distinct failure: where, which check, what, and the exchange that shows it."""

    operation: str
    check: str
    title: str
    message: str
    evidence: Evidence | None


@dataclass
class Outcome:
    """What one run found: distinct problems, errors of the suite, operations exercised."""

    problems: list[Problem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exercised: set[str] = field(default_factory=set)
    _keys: set[tuple[str, str, str]] = field(default_factory=set)

    def error(self, text: str) -> None:
        """Note an error of the suite or the network; bounded in number and length."""
        if len(self.errors) < MAX_FAILURES_KEPT:
            self.errors.append(text[:MESSAGE_MAX_CHARS])

    def add(self, problem: Problem) -> None:
        key = (problem.operation, problem.check, problem.title)
        if key not in self._keys and len(self.problems) < MAX_FAILURES_KEPT:
            self._keys.add(key)
            self.problems.append(problem)


def operation_ids(profiles: frozenset[str]) -> list[str]:
    """The operations of `profiles` plus basis, which every run includes (its session
    operations start every link)."""
    chosen = sorted({"basis", *profiles})
    return [op for p in chosen for op in OPERATIONS_BY_PROFILE.get(p, ())]


class TokenSource:
    """Sessions for the worker thread, opened via CheckContext on the runner's loop.

    Operations that end their session (`FRESH_TOKEN_OPERATIONS`) need a new one each time;
    opening one costs a key, a certificate, a challenge and POST /sessies (≈ 0.1 s), and the
    loop is idle while the thread runs, so `FRESH_AHEAD` of them are opened ahead and the
    thread takes one that is ready (one that expired meanwhile is dropped)."""

    def __init__(self, ctx: CheckContext, loop: asyncio.AbstractEventLoop, timeout_s: float):
        self._ctx, self._loop, self._timeout_s = ctx, loop, timeout_s
        self._session: Session | None = None
        self._opened = 0.0
        self._lock = threading.Lock()
        self._ahead: collections.deque[concurrent.futures.Future[Session]] = collections.deque()

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self._timeout_s)

    def _open(self) -> concurrent.futures.Future[Session]:
        return asyncio.run_coroutine_threadsafe(self._ctx.session(), self._loop)

    def fresh(self) -> Session:
        """A session no request has used yet."""
        with self._lock:
            while len(self._ahead) < FRESH_AHEAD:
                self._ahead.append(self._open())
            ready = self._ahead.popleft()
            self._ahead.append(self._open())
        session = ready.result(self._timeout_s)
        if time.time() > session.expires_at - SESSION_RENEW_MARGIN_S:
            return self._call(self._ctx.session())  # waited too long in line
        return session

    def shared(self) -> Session:
        with self._lock:
            if (self._session is None or time.monotonic() - self._opened > SESSION_REFRESH_S
                    or time.time() > self._session.expires_at - SESSION_RENEW_MARGIN_S):
                self._session, self._opened = self._call(self._ctx.session()), time.monotonic()
            return self._session

    def close(self) -> None:
        """Stop opening sessions ahead (those open expire by themselves)."""
        with self._lock:
            for pending in self._ahead:
                pending.cancel()
            self._ahead.clear()

    def session_body(self) -> dict[str, str]:
        """A valid POST /sessies body (certificate by the suite's App Manager, fresh proof)."""
        ctx = self._ctx
        key = ctx.actors.new_app_key()
        nonce = self._call(ctx.challenge())
        return {
            "certificaat": ctx.actors.certificate(ctx.target.test_bsns[0], key),
            "bewijs": ctx.actors.proof(key, nonce),
        }


class LayerStopped(Exception):
    """The run no longer waits for this layer (its check was cancelled)."""


class Layer:
    """One schemathesis session against the target; `run(kind)` is synchronous (run it in a
    worker thread) and returns the `Outcome`."""

    def __init__(self, ctx: CheckContext, loop: asyncio.AbstractEventLoop) -> None:
        target = ctx.target
        self.ctx = ctx
        self.base_url = target.base_url
        self.timeout_s = target.timeout_s
        self.seed = target.seed
        self.max_examples = target.max_examples
        self.tokens = TokenSource(ctx, loop, timeout_s=4 * target.timeout_s)
        self.stop = threading.Event()
        self.http = limited_session(target.timeout_s, target.network.headers)
        self.call_kwargs: dict[str, Any] = {
            "session": self.http,
            "timeout": self.timeout_s,
            **target.network.requests_kwargs(self.base_url),
        }
        self.oracle = openapi_core_oracle(self.base_url)
        config = schemathesis.Config.from_dict({})  # never auto-discover a schemathesis.toml
        schema = schemathesis.openapi.from_path(specfiles.openapi_path(), config=config)
        schema.config.update(base_url=self.base_url)
        schema.config.generation.update(
            max_examples=self.max_examples,
            with_security_parameters=False,
            database="none",
            no_shrink=True,
        )
        self.ids = operation_ids(target.profile)
        self.schema = schema.include(operation_id=self.ids)
        self.secured = self._secured_operations()

    def _secured_operations(self) -> set[str]:
        """operationIds whose effective `security` requires a scheme (not empty, no `{}`)."""
        raw = specfiles.openapi()
        out = set()
        for item in raw.get("paths", {}).values():
            for op in item.values():
                if isinstance(op, dict) and "operationId" in op:
                    security = op.get("security", raw.get("security", []))
                    if security and all(security):
                        out.add(op["operationId"])
        return out

    # -- one request ----------------------------------------------------------------------

    def prepare(self, case: Any, *, as_app: bool = False) -> None:
        """Put a real session and a fresh request proof for this very request on
        authenticated operations (a fresh session where the operation ends it). With `as_app`
        also make the choices the links leave to the app: a valid POST /sessies body, one
        instalment for a quote, a pause end date within the limits (the cases still come from
        the links)."""
        op_id = case.operation.definition.raw.get("operationId")
        headers = {k: v for k, v in (case.headers or {}).items()
                   if k.lower() not in ("authorization", PROOF_HEADER.lower())}
        if op_id in self.secured:
            fresh = op_id in FRESH_TOKEN_OPERATIONS
            session = self.tokens.fresh() if fresh else self.tokens.shared()
            headers["Authorization"] = f"Sessie {session.token}"
            headers[PROOF_HEADER] = self.ctx.request_proof(
                session, case.method.upper(), case.formatted_path)
        case.headers = headers
        if not as_app:
            return
        body = case.body if isinstance(case.body, dict) else {}
        if op_id == SESSION_OPERATION and self.ctx.target.test_bsns:
            case.body = self.tokens.session_body()
        elif op_id == QUOTE_OPERATION and isinstance(body.get("zaakkenmerken"), list):
            case.body = {"zaakkenmerken": body["zaakkenmerken"], "aantal_termijnen": 1}
        elif op_id == PAUSE_OPERATION and isinstance(body.get("zaakkenmerken"), list):
            limits = self.ctx.config.get("pauze") or {}
            days = min(APP_PAUSE_DAYS, int(limits.get("maximum_duur_dagen", APP_PAUSE_DAYS)))
            end = datetime.now(UTC).date() + timedelta(days=days)
            case.body = {"zaakkenmerken": body["zaakkenmerken"], "einddatum": end.isoformat()}

    def validate(self, case: Any, response: Any, checks: tuple, outcome: Outcome, **kw: Any):
        outcome.exercised.add(case.operation.label)
        try:
            case.validate_response(response, checks=[*checks, self.oracle], **kw)
        except FailureGroup as group:
            for failure in group.exceptions:
                self._record(case, response, failure, outcome)
        except Failure as failure:
            self._record(case, response, failure, outcome)
        except AssertionError as exc:
            self._record(case, response, exc, outcome)

    def _record(self, case: Any, response: Any, failure: Exception, outcome: Outcome) -> None:
        message = " ".join(str(getattr(failure, "message", None) or failure).split())
        code = getattr(failure, "code", "")
        if code == CUSTOM_FAILURE_CODE or not code:  # our openapi-core oracle
            title, _, rest = message.partition(": ")
            check, message = ORACLE, rest or message
        else:
            check, title = code, str(getattr(failure, "title", None) or type(failure).__name__)
        outcome.add(
            Problem(
                operation=case.operation.label,
                check=check,
                title=title,
                message=message[:MESSAGE_MAX_CHARS],
                evidence=evidence_of(response),
            )
        )

    @staticmethod
    def mutates_owned_header(case: Any) -> bool:
        """True when schemathesis generated this case to vary a header the layer sets itself
        (Authorization, Verzoek-Bewijs): prepare() would undo the variation, so the case
        would no longer be what its check expects."""
        data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
        parameter = str(getattr(data, "parameter", None) or "").lower()
        return parameter in OWNED_HEADERS

    def exercise(self, case: Any, checks: tuple, outcome: Outcome, **prepare: Any) -> None:
        if self.stop.is_set():
            raise LayerStopped
        if self.mutates_owned_header(case):
            return
        try:
            self.prepare(case, **prepare)
            response = case.call(**self.call_kwargs)
        except (RequestException, TimeoutError, CheckError) as exc:
            outcome.error(f"{case.operation.label}: {type(exc).__name__}: {exc}")
            return
        self.validate(case, response, checks, outcome)

    # -- runs -----------------------------------------------------------------------------

    def _settings(self, operation_id: str | None = None) -> hypothesis.settings:
        cap = MAX_EXAMPLES_CAP.get(operation_id or "", self.max_examples)
        return hypothesis.settings(
            max_examples=min(self.max_examples, cap),
            database=None,
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
            report_multiple_bugs=False,
            print_blob=False,
            verbosity=hypothesis.Verbosity.quiet,
            stateful_step_count=STATEFUL_STEPS,
        )

    def run_operations(self, mode: GenerationMode) -> Outcome:
        """Every operation of the profiles with generated data of `mode`."""
        outcome = Outcome()
        checks = POSITIVE_CHECKS if mode is GenerationMode.POSITIVE else NEGATIVE_CHECKS
        for result in self.schema.get_all_operations():
            if self.stop.is_set():
                break
            try:
                operation = result.ok()
            except Exception as exc:  # the spec itself is unusable for this operation
                outcome.error(f"schema: {exc}")
                continue

            op_id = operation.definition.raw.get("operationId")

            @hypothesis.seed(self.seed)
            @self._settings(op_id)
            @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
            def test(case: Any) -> None:
                self.exercise(case, checks, outcome)

            try:
                test()
            except LayerStopped:
                break
            except Unsatisfiable:
                pass  # nothing to vary (e.g. no parameters to make invalid): not a problem
            except Exception as exc:  # generation impossible, not a failure of the endpoint
                outcome.error(f"{operation.label}: {type(exc).__name__}: {exc}")
            if (
                mode is GenerationMode.POSITIVE
                and operation.definition.raw.get("operationId") == SESSION_OPERATION
                and self.ctx.target.test_bsns
            ):
                self.exercise(operation.Case(body={}), checks, outcome, as_app=True)
        return outcome

    def run_stateful(self) -> Outcome:
        """Scenarios along the OpenAPI links, starting with a real session."""
        outcome = Outcome()
        layer = self

        class Workflow(self.schema.as_state_machine()):  # type: ignore[misc]
            def before_call(self, case: Any) -> None:
                if layer.stop.is_set():
                    raise LayerStopped
                layer.prepare(case, as_app=True)

            def get_call_kwargs(self, case: Any) -> dict[str, Any]:
                return dict(layer.call_kwargs)

            def validate_response(self, response: Any, case: Any, *args: Any, **kw: Any) -> None:
                recorder = getattr(self, "recorder", None)
                layer.validate(case, response, STATEFUL_CHECKS, outcome, recorder=recorder)

        test = get_state_machine_test(Workflow, settings=self._settings(), _min_steps=2)
        try:
            hypothesis.seed(self.seed)(test)()
        except LayerStopped:
            pass
        except (RequestException, CheckError) as exc:
            outcome.error(f"stateful: {type(exc).__name__}: {exc}")
        except Exception as exc:
            outcome.error(f"stateful: {type(exc).__name__}: {exc}")
        return outcome


async def run_layer(ctx: CheckContext, kind: str) -> Outcome:
    """Run `kind` (``positive``, ``negative`` or ``stateful``) in a worker thread."""
    loop = asyncio.get_running_loop()
    layer = Layer(ctx, loop)
    mode = GenerationMode.POSITIVE if kind == "positive" else GenerationMode.NEGATIVE
    try:
        if kind == "stateful":
            return await asyncio.to_thread(layer.run_stateful)
        return await asyncio.to_thread(layer.run_operations, mode)
    finally:
        layer.stop.set()  # cancelled (check timeout, run deadline): the thread ends soon
        layer.tokens.close()
        layer.http.close()
