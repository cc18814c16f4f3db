"""The sharper trust checks of standard 2.1.0 proven both ways: the full JWS profile (every
algorithm, every forbidden header member, issuer-scoped keys) and the level on writes pass on
the correct sources and fail, naming their rule and the cause, on a source with exactly the
defect they are about (`conformance/broken/flaws_tokens.py`). Every flaw of that registry is
caught by a check of the rule it breaks (here or in the other check tests), and the BSNs the
suite forges are no citizen of any data set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conformance import broken
from conformance.broken import sessions
from conformance.broken.flaws_tokens import TOKENS_FLAWS
from conformance.checks import niveaus, sleutelvensters, tokenprofiel
from conformance.checks.base import meta_of
from conformance.checks.trust import FORGED_BSN, FORGED_BSNS
from conformance.document_rules import passes_elfproef
from conformance.model import Outcome
from tests.conformance import test_checks_trust, test_checks_v2, test_checks_verzoekbewijs
from tests.conformance.gallery_harness import (
    CORRECT_SOURCES,
    Federation,
    Rewrite,
    assert_fails,
    assert_passes,
    check_id,
    checks_defined_in,
    gallery_source,
    problem,
    rewrite_json,
    run,
)

ROOT = Path(__file__).resolve().parents[2]
CHECKS = [*checks_defined_in(tokenprofiel), *checks_defined_in(niveaus)]
REFUSED = "expected 401"
TOO_LOW = "expected 403 sessie/niveau-te-laag"

def quotes_checked_acceptance_not(fed: Federation):
    """A source that refuses low-level quotes but lets a low-level session accept one."""
    app = fed.source("niveau-alleen-bij-lezen")

    def answer(_body: bytes, scope: dict):
        auth = dict(scope["headers"]).get(b"authorization", b"").decode()
        session = gallery_source(app).store.sessions.get(
            sessions._hash(auth.removeprefix("Sessie ")))
        if session is not None and session.niveau == "midden":
            return problem(403, "sessie/niveau-te-laag")
        return None

    return Rewrite(app, method="POST", path="/betalingsregelingen/voorstellen", answer=answer)


BROKEN = [
    (tokenprofiel.certificate_algorithms_restricted, "alg-niet-exact", REFUSED),
    (tokenprofiel.session_proof_algorithms_restricted, "alg-niet-exact", REFUSED),
    (tokenprofiel.session_proof_algorithms_restricted, "hs256-geaccepteerd", REFUSED),
    (tokenprofiel.certificate_forbidden_headers_rejected, "verboden-headers-zwarte-lijst",
     "with header 'x5c' got 201"),
    (tokenprofiel.session_proof_forbidden_headers_rejected, "verboden-headers-zwarte-lijst",
     "with header 'x5c' got 201"),
    (tokenprofiel.key_of_other_party_rejected, "sleutel-uit-hele-stelsel",
     "signed by the suspended App Manager's key got 201"),
    (tokenprofiel.envelope_algorithms_restricted, "alg-niet-exact",
     "with alg 'RS256' was accepted"),
    (tokenprofiel.envelope_forbidden_headers_rejected, "verboden-headers-zwarte-lijst",
     "with header 'x5c' was accepted"),
    (tokenprofiel.envelope_wrong_type_rejected, "typ-niet-gecontroleerd",
     "with typ 'JWT' was accepted"),
    (tokenprofiel.envelope_key_of_other_party_rejected, "sleutel-uit-hele-stelsel",
     "signed by the App Manager's key was accepted"),
    (niveaus.arrangement_writes_need_level, "niveau-alleen-bij-lezen",
     "asking a quote (minimum substantieel) with a midden session answered 201"),
    (niveaus.arrangement_writes_need_level, quotes_checked_acceptance_not,
     "accepting a quote (minimum substantieel) with a midden session answered 201"),
    (niveaus.arrangement_withdrawal_needs_level, "niveau-alleen-bij-lezen",
     "withdrawing an arrangement (minimum substantieel) with a midden session answered 204"),
    (niveaus.pause_writes_need_level, "niveau-alleen-bij-lezen",
     "starting a pause (minimum substantieel) with a midden session answered 201"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", CHECKS, ids=check_id)
async def test_passes_on_correct_source(fn, correct, suite_keys):
    await assert_passes(fn, correct, suite_keys)


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "fragment"), BROKEN, ids=check_id)
async def test_fails_on_broken_source(fn, broken_source, fragment, suite_keys):
    await assert_fails(fn, broken_source, meta_of(fn).rule, fragment, suite_keys)


def test_every_new_check_is_proven_broken_and_in_a_profile():
    assert {fn for fn, *_ in BROKEN} == set(CHECKS)
    listed = [fn for module in (tokenprofiel, niveaus)
              for checks in module.PROFILE_CHECKS.values() for fn in checks]
    assert sorted(map(check_id, listed)) == sorted(map(check_id, CHECKS))


@pytest.mark.anyio
async def test_level_checks_do_not_apply_when_basis_suffices(suite_keys):
    fed = Federation(suite_keys)

    def all_basis(_status, body):
        body["minimaal_betrouwbaarheidsniveau"] = dict.fromkeys(
            body["minimaal_betrouwbaarheidsniveau"], "basis")

    app = rewrite_json(fed.source(), "GET", "/configuratie", all_basis)
    result = await run(niveaus.pause_writes_need_level, app, fed)
    assert result.outcome is Outcome.SKIPPED and "no lower level" in result.message


def _proven() -> dict[str, set[str]]:
    """flaw name → the rules of the checks proven to fail on it, over every check test."""
    proven: dict[str, set[str]] = {}
    rows = [(fn, src) for fn, src, *_ in (*test_checks_trust.BROKEN,
                                         *test_checks_trust.SESSION_BROKEN,
                                         *test_checks_trust.LIFETIME_BROKEN,
                                         *test_checks_v2.BROKEN,
                                         *test_checks_verzoekbewijs.BROKEN, *BROKEN,
                                         *WINDOW_BROKEN)]
    for fn, src in rows:
        if isinstance(src, str):
            proven.setdefault(src, set()).add(meta_of(fn).rule)
    for name in ("nonce-verloopt-met-klokafwijking", "sessie-verloopt-met-klokafwijking"):
        # proven with a clock jump in test_checks_trust (slow checks)
        proven.setdefault(name, set()).add(broken.rule_broken(name))
    return proven


def test_every_token_flaw_is_caught_by_a_check_of_its_rule():
    proven = _proven()
    for flaw in TOKENS_FLAWS:
        assert flaw.rule in proven.get(flaw.name, set()), flaw.name


def _demo_and_example_bsns() -> set[str]:
    found: set[str] = set(broken.DEFAULT_TEST_BSNS)
    for path in [ROOT / "reference_impl" / "demo" / "data.yaml",
                 *sorted((ROOT / "examples").rglob("*.yaml")),
                 *sorted((ROOT / "examples").rglob("*.md")), ROOT / "README.md"]:
        found |= set(_nine_digit_numbers(path.read_text(encoding="utf-8")))
    data = yaml.safe_load((ROOT / "reference_impl" / "demo" / "data.yaml").read_text("utf-8"))
    assert data, "the demo data set is readable"
    return found


def _nine_digit_numbers(text: str) -> list[str]:
    return re.findall(r"(?<!\d)\d{9}(?!\d)", text)


def test_forged_bsns_pass_the_elfproef_and_are_nobodys():
    """A forged token that a source wrongly accepted must never look like a working one, and
    --test-bsn must never collide with it (the preflight refuses these)."""
    assert FORGED_BSN in FORGED_BSNS and len(set(FORGED_BSNS)) == len(FORGED_BSNS)
    assert all(passes_elfproef(bsn) for bsn in FORGED_BSNS)
    assert not set(FORGED_BSNS) & _demo_and_example_bsns()


# --- key windows and freshness of envelopes (checks/sleutelvensters.py) -------------------------

WINDOW_CHECKS = checks_defined_in(sleutelvensters)
WINDOW_BROKEN = [
    (sleutelvensters.key_window_end_exact, "sleutelvenster-zonder-klokafwijking",
     "60 s after geldig_tot (inside the window, to the second) was refused"),
    (sleutelvensters.key_window_start_exact, "sleutelvenster-zonder-klokafwijking",
     "60 s before geldig_vanaf (inside the window, to the second) was refused"),
    (sleutelvensters.key_window_start_exact, "geldig-vanaf-genegeerd",
     "got status 201"),
    (sleutelvensters.key_revocation_exact, "intrekking-exclusief", "got status 201"),
    (sleutelvensters.freshness_exact, "versheid-met-klokafwijking",
     "signed 1209601 s ago is beyond the bound but got 201"),
    (sleutelvensters.key_window_end_exact, "hulpvraag-zonder-verificatie", "got status 201"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", WINDOW_CHECKS, ids=check_id)
async def test_window_check_passes_on_correct_source(fn, correct, suite_keys):
    await assert_passes(fn, correct, suite_keys)


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "fragment"), WINDOW_BROKEN, ids=check_id)
async def test_window_check_fails_on_broken_source(fn, broken_source, fragment, suite_keys):
    await assert_fails(fn, broken_source, meta_of(fn).rule, fragment, suite_keys)


def test_every_window_check_is_proven_broken_and_in_a_profile():
    assert {fn for fn, *_ in WINDOW_BROKEN} == set(WINDOW_CHECKS)
    listed = [fn for checks in sleutelvensters.PROFILE_CHECKS.values() for fn in checks]
    assert sorted(map(check_id, listed)) == sorted(map(check_id, WINDOW_CHECKS))
