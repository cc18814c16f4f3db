"""The reference source's long fuzz: schemathesis over every operation of
spec/openapi/bron.yaml, with real sessions, until at least `--requests` generated requests.

    .venv/bin/python bench/fuzz_bench.py                    # >= 10,000 generated requests
    .venv/bin/python bench/fuzz_bench.py --requests 50000 --examples 50
    .venv/bin/python bench/fuzz_bench.py --quick            # a smoke run of ~200

The target is the one tests/reference_impl/source/test_source_schemathesis.py fuzzes (shared
through its `schemathesis_support`): a real source for the demo municipality on SQLite, the
test clock facility on, generous arrangement limits, called in-process through its ASGI app.
Every generated request carries a real session token for the demo citizen, opened just
before it through `POST /sessies/uitdagingen` + `POST /sessies` as an app does, and a request
proof signed for its method and URL (`Authorization: Sessie` + `Verzoek-Bewijs`); a request
that ends its session ends no other's. Those session openings are not counted.

Rounds of three phases repeat (a new seed each round) until the count is reached:
**positive** (valid data, every operation), **negative** (invalid data, every operation that
has something to make invalid) and **stateful** (scenarios along the OpenAPI links: overview
→ quote → arrangement → withdrawal, pauses, …). Every response is counted by status class,
per operation, and checked against the document (`response_schema_conformance`). One line per
phase, then a table; exit 1 when any 5xx or schema violation was seen (the first few are
printed with method, path and status), or an error (a session that could not be opened, a
scenario that crashed). The per-client session rate limit is raised for the
run (every generated request opens a session).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "reference_impl"))  # shared test support, as
sys.path.insert(0, str(ROOT / "tests" / "reference_impl" / "source"))  # source_bench does

import schemathesis  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.core.failures import FailureGroup  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402
from schemathesis_support import BASE_URL, build_target, open_session, sign_case  # noqa: E402

from reference_impl.common.spec import openapi_path  # noqa: E402

SAMPLES = 5  # 5xx and violations shown in full
STEPS = 6  # steps per stateful scenario


@dataclass
class Tally:
    """What the generated requests got back."""

    requests: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    by_operation: Counter[tuple[str, str]] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # no session, a scenario that crashed
    not_generated: list[str] = field(default_factory=list)

    def record(self, case: Any, response: Any) -> None:
        self.requests += 1
        status = response.status_code
        self.classes[f"{status // 100}xx"] += 1
        self.by_operation[(f"{case.method} {case.path}", f"{status // 100}xx")] += 1
        label = f"{case.method} {case.formatted_path} -> {status}"
        if status >= 500:
            self.server_errors.append(label)
        try:
            case.validate_response(response, checks=[response_schema_conformance])
        # A FailureGroup is a BaseExceptionGroup, not an Exception; a check that could not
        # run at all is counted too (it is no evidence of conformance).
        except (FailureGroup, Exception) as exc:
            failure = getattr(exc, "exceptions", [exc])[0]
            message = getattr(failure, "message", None) or str(failure)
            first = next((line.strip() for line in message.splitlines() if line.strip()), "")
            title = getattr(failure, "title", type(failure).__name__)
            self.violations.append(f"{label}: {title}: {first}"[:200])


def load_schema(target: Any) -> Any:
    config = schemathesis.Config.from_dict({"generation": {"database": "none"}})
    schema = schemathesis.openapi.from_path(openapi_path("bron"), config=config)
    schema.config.update(base_url=BASE_URL)
    schema.app = target.app
    return schema


def authenticate(target: Any, case: Any, tally: Tally) -> None:
    try:
        sign_case(target, case, open_session(target))
    except Exception as exc:  # the session could not be opened
        tally.errors.append(f"session for {case.method} {case.formatted_path}: {exc!r}"[:200])


def send(target: Any, case: Any, tally: Tally) -> None:
    authenticate(target, case, tally)
    try:
        response = case.call()
    except Exception as exc:  # the app raised instead of answering: a 5xx at best
        tally.requests += 1
        tally.classes["5xx"] += 1
        tally.server_errors.append(f"{case.method} {case.formatted_path} -> raised {exc!r}"[:200])
        return
    tally.record(case, response)


def _settings(examples: int) -> settings:
    # Only generation: a case never fails (it is counted), so there is nothing to shrink.
    return settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                    phases=[Phase.generate], suppress_health_check=list(HealthCheck))


def fuzz_phase(schema: Any, target: Any, mode: GenerationMode, examples: int, seed: int,
               tally: Tally) -> None:
    """Up to `examples` generated cases of `mode` for every operation."""
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            strategy = operation.as_strategy(generation_mode=mode)

            @hypothesis_seed(seed)
            @_settings(examples)
            @given(strategy)
            def run(case: Any) -> None:
                send(target, case, tally)

            run()
        except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
            tally.not_generated.append(f"{mode.value} {operation.label}")
        except Exception as exc:
            tally.errors.append(f"{mode.value} {operation.label}: {exc!r}"[:200])


def stateful_phase(schema: Any, target: Any, scenarios: int, tally: Tally) -> None:
    class Scenarios(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            authenticate(target, case, tally)

        def after_call(self, response: Any, case: Any) -> None:
            tally.record(case, response)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            """Counted in `after_call`; a scenario goes on after a failure."""

    try:
        Scenarios.run(settings=settings(
            max_examples=scenarios, stateful_step_count=STEPS, database=None, deadline=None,
            derandomize=False, suppress_health_check=list(HealthCheck)))
    except (FailureGroup, Exception) as exc:  # e.g. the app raised instead of answering
        tally.errors.append(f"stateful scenario: {exc!r}"[:200])


def fuzz(requests: int, examples: int, scenarios: int, first_seed: int) -> Tally:
    work = Path(tempfile.mkdtemp(prefix="vorderingen-fuzz-"))
    try:
        # Every generated request opens a session: far more than one app's share.
        target = build_target(work, rate_limit={"aantal": 1_000_000, "periode_s": 1})
        schema = load_schema(target)
        tally = Tally()
        print(f"{'round':>5} {'phase':<9} {'requests':>8} {'5xx':>5} {'violations':>10} "
              f"{'s':>7} {'req/s':>7}", flush=True)
        round_ = 0
        while tally.requests < requests:
            seed = first_seed + round_
            phases = [
                ("positive", partial(fuzz_phase, schema, target, GenerationMode.POSITIVE,
                                     examples, seed, tally)),
                ("negative", partial(fuzz_phase, schema, target, GenerationMode.NEGATIVE,
                                     examples, seed, tally)),
                ("stateful", partial(stateful_phase, schema, target, scenarios, tally))]
            for name, phase in phases:
                before = (tally.requests, len(tally.server_errors), len(tally.violations))
                started = time.perf_counter()
                phase()
                seconds = time.perf_counter() - started
                sent = tally.requests - before[0]
                print(f"{round_:>5} {name:<9} {sent:>8} "
                      f"{len(tally.server_errors) - before[1]:>5} "
                      f"{len(tally.violations) - before[2]:>10} {seconds:>7.1f} "
                      f"{sent / seconds if seconds else 0:>7.1f}", flush=True)
                if tally.requests >= requests:
                    break
            round_ += 1
        return tally
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(tally: Tally, seconds: float) -> None:
    operations = sorted({operation for operation, _ in tally.by_operation})
    classes = sorted(tally.classes)
    print()
    print(f"{'operation':<48}" + "".join(f"{c:>7}" for c in classes))
    for operation in operations:
        print(f"{operation:<48}"
              + "".join(f"{tally.by_operation[(operation, c)]:>7}" for c in classes))
    print()
    print(f"requests sent (generated)  {tally.requests}")
    for status_class in sorted(tally.classes):
        print(f"  {status_class:<24} {tally.classes[status_class]}")
    print(f"5xx                        {len(tally.server_errors)}")
    for label in tally.server_errors[:SAMPLES]:
        print(f"  {label}")
    print(f"schema violations          {len(tally.violations)}")
    for label in tally.violations[:SAMPLES]:
        print(f"  {label}")
    print(f"errors (no response)       {len(tally.errors)}")
    for label in tally.errors[:SAMPLES]:
        print(f"  {label}")
    not_generated = sorted(set(tally.not_generated))
    more = " …" if len(not_generated) > SAMPLES else ""
    print(f"not generated (per round)  {len(not_generated)}"
          + (f"  ({'; '.join(not_generated[:SAMPLES])}{more})" if not_generated else ""))
    print(f"wall time                  {seconds:.1f} s")
    print(f"requests/s                 {tally.requests / seconds:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000,
                        help="generated requests to send at least (default 10000)")
    parser.add_argument("--examples", type=int, default=25,
                        help="cases per operation and mode in each round (default 25)")
    parser.add_argument("--scenarios", type=int, default=40,
                        help=f"stateful scenarios (up to {STEPS} steps) per round (default 40)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first round")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 200 requests, 3 cases per operation, 5 scenarios")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.examples, args.scenarios = 200, 3, 5
    if min(args.requests, args.examples, args.scenarios) < 1:
        parser.error("--requests, --examples and --scenarios must be at least 1")
    started = time.perf_counter()
    tally = fuzz(args.requests, args.examples, args.scenarios, args.seed)
    report(tally, time.perf_counter() - started)
    return 1 if tally.server_errors or tally.violations or tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
