#!/usr/bin/env bash
# Certify a source organisation's TEST endpoint with the Vorderingen API conformance suite:
# start the source (optional), write the suite's test scheme naming it, run the suite, keep
# the reports and the badge. Used by github-actions.yml and gitlab-ci.yml; runs locally too.
#
# Environment:
#   BRON_URL           the endpoint's base URL (its api_url)                         [required]
#                      e.g. http://127.0.0.1:8101/vorderingen/v2
#   TEST_BSNS          the seeded test citizens, space-separated, in the suite's order
#                      (the first with an open case offering betalingsregeling and pauze)
#   BRON_SLEUTEL       the source's PUBLIC signing JWK (file). When set, the suite first
#                      (re)writes its test scheme naming the source (`sleutels`); leave it
#                      empty when SUITE_KEYS was restored with a current scheme document.
#   BRON_OIN           the source's OIN                        [required with BRON_SLEUTEL]
#   BRON_NAAM, BRON_SOORT, BRON_DIENSTEN (space-separated)  how the test scheme lists it
#                      (optional; default: the suite's defaults, every dienst)
#   BRON_START         a command that starts the source, run in the background for the length
#                      of this script, after the test scheme is written (the source pins the
#                      suite's scheme key when it starts). Leave empty for an endpoint that is
#                      already up (a deployed test environment).
#   SUITE_KEYS         the suite's key directory        (default: .vorderingen-conformance)
#   REPORT_DIR         where the reports and the badge go        (default: reports/conformance)
#   EXPECTED_FAILURES  a file of known failures, one check name or rule id a line (optional)
#   BRON_LOG           where the started source logs                      (default: bron.log)
#   STARTUP_TIMEOUT_S  how long to wait for the endpoint to answer          (default: 60)
#
# Exit code: the suite's own. 0 conformant, 1 not conformant, 2 usage error, 3 could not run.
set -euo pipefail

: "${BRON_URL:?set BRON_URL to the base URL of the endpoint}"
TEST_BSNS="${TEST_BSNS:-}"
BRON_START="${BRON_START:-}"
BRON_SLEUTEL="${BRON_SLEUTEL:-}"
SUITE_KEYS="${SUITE_KEYS:-.vorderingen-conformance}"
REPORT_DIR="${REPORT_DIR:-reports/conformance}"
EXPECTED_FAILURES="${EXPECTED_FAILURES:-}"
BRON_LOG="${BRON_LOG:-bron.log}"
STARTUP_TIMEOUT_S="${STARTUP_TIMEOUT_S:-60}"
PYTHON="${PYTHON:-python}"

mkdir -p "$REPORT_DIR"
source_pid=""
stop_source() {
    if [ -n "$source_pid" ]; then
        kill "$source_pid" 2>/dev/null || true
        wait "$source_pid" 2>/dev/null || true
    fi
}
trap stop_source EXIT

if [ -n "$BRON_SLEUTEL" ]; then
    : "${BRON_OIN:?set BRON_OIN (20 digits) to write the test scheme}"
    scheme_args=(--oin "$BRON_OIN")
    if [ -n "${BRON_NAAM:-}" ]; then scheme_args+=(--naam "$BRON_NAAM"); fi
    if [ -n "${BRON_SOORT:-}" ]; then scheme_args+=(--soort "$BRON_SOORT"); fi
    for dienst in ${BRON_DIENSTEN:-}; do scheme_args+=(--dienst "$dienst"); done
    vorderingen-conformance sleutels --dir "$SUITE_KEYS" --api-url "$BRON_URL" \
        --bron-sleutel "$BRON_SLEUTEL" "${scheme_args[@]}" >/dev/null
fi

if [ -n "$BRON_START" ]; then
    echo "certify: starting the source: $BRON_START (log: $BRON_LOG)"
    bash -c "exec $BRON_START" >"$BRON_LOG" 2>&1 &
    source_pid=$!
fi

# Wait until GET /configuratie answers (the suite itself reports an unreachable endpoint).
wait_for_endpoint() {
    "$PYTHON" - "$BRON_URL" "$STARTUP_TIMEOUT_S" <<'PY'
import sys, time, urllib.request
url, deadline = sys.argv[1].rstrip("/") + "/configuratie", time.monotonic() + float(sys.argv[2])
while True:
    try:
        with urllib.request.urlopen(url, timeout=5):
            break
    except OSError as exc:
        if time.monotonic() > deadline:
            print(f"certify: {url} does not answer: {exc}", file=sys.stderr)
            break
        time.sleep(0.5)
PY
}
wait_for_endpoint

run_args=(run "$BRON_URL" --sleutels "$SUITE_KEYS" --report-dir "$REPORT_DIR")
for bsn in $TEST_BSNS; do
    run_args+=(--test-bsn "$bsn")
done
if [ -n "$EXPECTED_FAILURES" ]; then
    run_args+=(--expected-failures "$EXPECTED_FAILURES")
fi

status=0
vorderingen-conformance "${run_args[@]}" || status=$?

# A short summary for the CI page (GitHub shows $GITHUB_STEP_SUMMARY on the run).
summarise() {
    "$PYTHON" - "$REPORT_DIR/report.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as handle:
    report = json.load(handle)
counts = report["counts"]
print(f"### Vorderingen API conformance: {report['verdict']}")
print(f"{report['target']} (OIN {report['oin']}), profiles {', '.join(report['profiles'])}")
print(f"{counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, "
      f"{counts.get('skipped', 0)} skipped, {counts.get('error', 0)} errors")
for check in report["checks"]:
    if check["outcome"] in ("failed", "error"):
        print(f"- {check['outcome']}: `{check['check']}` ({check['rule']}): {check['message']}")
PY
}
if [ -f "$REPORT_DIR/report.json" ]; then
    summarise | tee "$REPORT_DIR/summary.md"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
        cat "$REPORT_DIR/summary.md" >>"$GITHUB_STEP_SUMMARY"
    fi
fi
exit "$status"
