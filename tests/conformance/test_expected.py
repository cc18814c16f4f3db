"""The expected-failures file is exact, and stale entries fail the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import expected
from conformance.errors import UsageError
from conformance.model import CheckResult, Outcome


def _r(check: str, outcome: Outcome) -> CheckResult:
    return CheckResult(check=check, rule=f"/x/{check}", severity="must", outcome=outcome)


def test_load_reads_names_and_rules(tmp_path: Path) -> None:
    path = tmp_path / "expected.txt"
    path.write_text("# known\nexpired_session_rejected\n\n/sessie/nonce-eenmalig  # why\n")
    assert expected.load(path) == ("expired_session_rejected", "/sessie/nonce-eenmalig")


@pytest.mark.parametrize("line", ["session_*", "/sessie/*", "Bad Name"])
def test_load_refuses_wildcards_and_junk(tmp_path: Path, line: str) -> None:
    path = tmp_path / "expected.txt"
    path.write_text(line + "\n")
    with pytest.raises(UsageError, match=r"expected\.txt:1"):
        expected.load(path)


def test_listed_failure_is_expected_and_stale_entries_fail() -> None:
    results = [_r("a", Outcome.FAILED), _r("b", Outcome.PASSED), _r("c", Outcome.SKIPPED)]
    out = expected.apply(results, ("a", "/x/b", "c", "gone"))
    by_name = {r.check: r for r in out if r.check != expected.STALE_CHECK}
    assert by_name["a"].expected_failure and not by_name["a"].counts_against
    stale = [r for r in out if r.check == expected.STALE_CHECK]
    messages = sorted(r.message for r in stale)
    assert len(stale) == 2  # /x/b passes now, "gone" matches nothing; skipped "c" is unknown
    assert "'/x/b' now passes" in messages[0]
    assert "'gone' matches no check" in messages[1]
    assert all(r.counts_against for r in stale)


def test_a_check_subset_judges_only_the_checks_it_selected() -> None:
    """A waiver of a check the --check subset left out is unknown, not stale; one of a
    selected check that passes is stale; a full run still finds entries matching nothing."""
    results = [_r("a", Outcome.PASSED)]
    entries = ("b", "/x/a", "gone")
    assert expected.apply(results, entries, selection=("a",)) == results
    stale = expected.apply(results, ("a", "b"), selection=("a",))[1:]
    assert [r.message for r in stale] == [
        "expected failure 'a' now passes: remove it from the list"]
    assert len(expected.apply(results, entries)) == 1 + 3


def test_a_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "expected.txt"
    path.write_bytes(b"\xff\xfeexpired_session_rejected\n")
    with pytest.raises(UsageError, match=r"^--expected-failures .*expected\.txt: not UTF-8"):
        expected.load(path)
