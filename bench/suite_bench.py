"""Benchmark of the conformance suite's own speed against the bundled reference source.

    .venv/bin/python bench/suite_bench.py                 # basis alone, then every profile
    .venv/bin/python bench/suite_bench.py --runs all      # only the run of every profile

Each run is `vorderingen-conformance demo` at default settings in a child process (the
reference source in that process, loopback), exactly what `python3 dev.py demo` does. Per
run it prints the wall time, the CPU time of the process, from `report.json` how long the
checks took and the sum of the checks' own durations (when checks waiting out a lifetime
overlap the others, conformance/overlap.py, the sum exceeds the time the checks took; wall
minus the checks' time is the start-up: imports, keys and starting the source), and the
machine's load average over the minute before the run ended (other work on the machine
shows in wall times, hardly in CPU times). Per profile (each check
counted in the first profile that lists it, basis first) it prints the number of checks,
their summed time and the share of the schemathesis layer (`openapi_*` checks). Targets
(issue 16): basis under 30 s, every profile under 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.profiles import BASIS, PROFILES  # noqa: E402

TARGETS_S = {"basis": 30.0, "all": 60.0}
SCHEMATHESIS_PREFIX = "openapi_"


def run_demo(profiles: list[str], report_dir: Path) -> tuple[float, float, dict]:
    """Wall and CPU seconds of one demo run, and its report."""
    command = [str(ROOT / ".venv" / "bin" / "vorderingen-conformance"), "demo",
               "--report-dir", str(report_dir)]
    for profile in profiles:
        command += ["--profile", profile]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"the demo run failed (exit {done.returncode}):\n{done.stdout[-3000:]}"
                         f"{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads((report_dir / "report.json").read_text())


def checks_took_s(report: dict) -> float:
    started = datetime.fromisoformat(report["started_at"])
    finished = datetime.fromisoformat(report["finished_at"])
    return (finished - started).total_seconds()


def profile_of(check: str) -> str:
    for name in [BASIS, *sorted(p for p in PROFILES if p != BASIS)]:
        if any(fn.__name__ == check for fn in PROFILES[name]):
            return name
    return BASIS  # the preflight's checks run with every profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", default="basis,all", help="comma-separated: basis, all")
    args = parser.parse_args(argv)
    runs = [r for r in args.runs.split(",") if r]
    print(f"{'run':<6} {'checks':>6} {'wall s':>7} {'CPU s':>6} {'checks took s':>13} "
          f"{'sum of checks s':>15} {'load':>5} {'target s':>8}")
    last: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        for run in runs:
            profiles = [BASIS] if run == "basis" else []  # none named: every profile
            wall, cpu, report = run_demo(profiles, Path(scratch) / run)
            total = sum(c["duration_s"] for c in report["checks"])
            verdict = "met" if wall < TARGETS_S[run] else "NOT met"
            print(f"{run:<6} {len(report['checks']):>6} {wall:>7.1f} {cpu:>6.1f} "
                  f"{checks_took_s(report):>13.0f} {total:>15.1f} {os.getloadavg()[0]:>5.1f} "
                  f"{TARGETS_S[run]:>8.0f} {verdict}", flush=True)
            last = report
    print(f"\nper profile (the last run):\n{'profile':<20} {'checks':>6} {'sum s':>7} "
          f"{'schemathesis s':>14} {'share':>6}")
    rows: dict[str, list[dict]] = {}
    for check in last.get("checks", []):
        rows.setdefault(profile_of(check["check"]), []).append(check)
    for name in sorted(rows, key=lambda p: (p != BASIS, p)):
        checks = rows[name]
        total = sum(c["duration_s"] for c in checks)
        layer = sum(c["duration_s"] for c in checks if c["check"].startswith(SCHEMATHESIS_PREFIX))
        share = layer / total if total else 0.0
        print(f"{name:<20} {len(checks):>6} {total:>7.1f} {layer:>14.1f} {share:>6.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
