"""Traceability between the standard's rules and the suite's checks.

Every MUST rule of spec/rules.yaml that is testable from outside (``testable: external``) is
proven by at least one check of a profile, or is listed in conformance/untestable.yaml with
the reason; every check (and every untestable entry) names a rule that exists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import profiles, specfiles
from conformance.checks.base import meta_of
from conformance.checks.preflight import PREFLIGHT_CHECKS

UNTESTABLE = Path(profiles.__file__).with_name("untestable.yaml")
RULES_FILE = specfiles.spec_dir() / "rules.yaml"
pytestmark = pytest.mark.skipif(not RULES_FILE.is_file(), reason="spec/rules.yaml not written yet")


def _rules() -> dict[str, dict[str, Any]]:
    """Rule id → its index entry, whatever the index's top-level shape (a list, or a mapping
    under `rules`, keyed by id or not)."""
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    entries = data.get("rules", data) if isinstance(data, dict) else data
    if isinstance(entries, dict):
        return {rule_id: {"id": rule_id, **(entry or {})} for rule_id, entry in entries.items()}
    return {entry["id"]: entry for entry in entries}


def _untestable() -> dict[str, str]:
    data = yaml.safe_load(UNTESTABLE.read_text(encoding="utf-8")) or {}
    return {entry["rule"]: entry["reason"] for entry in data.get("untestable") or []}


def _checks() -> list[Any]:
    return [*PREFLIGHT_CHECKS, *profiles.every_check()]


def _is_must(entry: dict[str, Any]) -> bool:
    return str(entry.get("level", entry.get("niveau", ""))).upper() in {"MUST", "MUST NOT"}


def test_every_external_must_rule_has_a_check_or_a_reason():
    covered = {meta_of(fn).rule for fn in _checks()}
    reasons = _untestable()
    missing = sorted(
        rule_id for rule_id, entry in _rules().items()
        if _is_must(entry) and entry.get("testable") == "external"
        and entry.get("status") != "withdrawn"
        and rule_id not in covered and rule_id not in reasons
    )
    assert missing == [], "MUST rules without a check or an untestable.yaml reason"


def test_every_check_names_an_existing_rule():
    known = set(_rules())
    unknown = sorted({(meta_of(fn).rule, meta_of(fn).name) for fn in _checks()
                      if meta_of(fn).rule not in known})
    assert unknown == []


def test_untestable_entries_are_real_rules_with_reasons():
    rules = _rules()
    for rule_id, reason in _untestable().items():
        assert rule_id in rules, rule_id
        assert isinstance(reason, str) and len(reason.split()) >= 5, rule_id


def test_untestable_rules_really_have_no_check():
    """An entry that a check now proves is stale: remove it."""
    covered = {meta_of(fn).rule for fn in _checks()}
    assert sorted(set(_untestable()) & covered) == []


def test_withdrawn_rules_have_no_check():
    """A withdrawn rule keeps its id and entry but nothing certifies it any more."""
    withdrawn = {rule_id for rule_id, entry in _rules().items()
                 if entry.get("status") == "withdrawn"}
    assert sorted(withdrawn & {meta_of(fn).rule for fn in _checks()}) == []
    assert sorted(withdrawn & set(_untestable())) == []


def test_every_rule_has_a_lifecycle():
    for rule_id, entry in _rules().items():
        assert entry.get("status") in {"in-force", "withdrawn"}, rule_id
        assert entry.get("since"), rule_id
        assert entry.get("status") != "withdrawn" or entry.get("withdrawn_in"), rule_id


# --- every broken source of the gallery is caught by a check of the rule it breaks ----------------

def _flaws_with_checks():
    from conformance import broken
    from conformance.checks import openapi

    by_rule: dict[str, list[Any]] = {}
    for fn in profiles.all_checks():
        if fn.__module__ != openapi.__name__:  # the schemathesis layer needs a real socket
            by_rule.setdefault(meta_of(fn).rule, []).append(fn)
    return [pytest.param(name, by_rule.get(broken.rule_broken(name), []), id=name)
            for name in broken.list_broken()]


OPENAPI_ONLY_RULES = {"/http/openapi-conform", "/http/openapi-links"}


@pytest.mark.anyio
@pytest.mark.parametrize(("flaw", "checks"), _flaws_with_checks())
async def test_every_gallery_flaw_fails_a_check_of_its_rule(flaw, checks, suite_keys,
                                                           monkeypatch):
    """The suite catches each deliberately broken source on the rule it breaks (run with the
    clock jump, so slow checks are included)."""
    from conformance import broken
    from conformance.model import Outcome
    from tests.conformance.gallery_harness import Federation, run

    rule = broken.rule_broken(flaw)
    if rule in OPENAPI_ONLY_RULES:
        pytest.skip(f"{rule} is proven by the OpenAPI layer's own tests (needs a socket)")
    assert checks, f"no check of the suite has rule {rule}"
    monkeypatch.setenv("VORDERINGEN_CONFORMANCE_SLOW", "1")
    outcomes = []
    for fn in checks:
        fed = Federation(suite_keys)
        result = await run(fn, fed.source(flaw), fed, monkeypatch=monkeypatch)
        outcomes.append((result.check, result.outcome.value, result.rule))
        if result.outcome is Outcome.FAILED and result.rule == rule:
            return
    pytest.fail(f"{flaw}: no check failed on {rule}: {outcomes}")
