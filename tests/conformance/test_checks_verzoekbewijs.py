"""The request-proof checks proven both ways: every check passes on the correct sources and
fails, naming its rule and the cause, on a source with exactly the defect it is about (the
gallery's flaws of `flaws_verzoekbewijs.py`, plus a few made here with `Rewrite`)."""

from __future__ import annotations

import json

import pytest

from conformance import broken, jose
from conformance.broken.flaws_verzoekbewijs import VERZOEKBEWIJS_FLAWS
from conformance.checks import verzoekbewijs as vb
from conformance.checks.base import meta_of
from conformance.checks.trust import CLOCK_SKEW_S, PROOF_MAX_AGE_S
from conformance.model import Outcome
from tests.conformance.gallery_harness import (
    CORRECT_SOURCES,
    Federation,
    Rewrite,
    build,
    check_id,
    header,
    problem,
    run,
    without,
)

CHECKS = [
    vb.request_without_proof_rejected,
    vb.ending_session_needs_proof,
    vb.repeated_proof_header_rejected,
    vb.bearer_scheme_refused,
    vb.refusals_challenge_sessie,
    vb.replayed_read_rejected,
    vb.concurrent_replays_read_once,
    vb.replayed_write_rejected,
    vb.proof_for_other_method_rejected,
    vb.proof_for_other_url_rejected,
    vb.proof_for_other_token_rejected,
    vb.proof_by_other_key_rejected,
    vb.proof_with_forged_signature_rejected,
    vb.proof_algorithm_restricted,
    vb.proof_forbidden_headers_rejected,
    vb.proof_of_other_type_rejected,
    vb.proof_not_a_jws_rejected,
    vb.proof_with_invalid_claims_rejected,
    vb.proof_extensions_ignored,
    vb.old_proof_refused_at_limit,
    vb.future_proof_refused_at_limit,
    vb.session_proof_for_other_endpoint_rejected,
    vb.session_ends_with_certificate,
    vb.session_refused_after_certificate_exp,
]
PROOF = vb.HEADER.lower()


# --- broken sources the gallery does not list ----------------------------------------------------


def _proof_request(answer):
    """A source answering `answer(proof header values)` (when not None) for every request."""
    def factory(fed: Federation):
        def intercept(_body: bytes, scope: dict):
            values = [v.decode() for k, v in scope["headers"] if k.decode().lower() == PROOF]
            return answer(values) if values else None
        return Rewrite(fed.source(), method="GET", path=r".*", answer=intercept)
    return factory


def first_proof_only(fed: Federation):
    """A source that reads the first Verzoek-Bewijs and ignores any further one."""
    async def request(body, headers, _scope):
        kept = header(headers, vb.HEADER)
        return body, [*without(headers, PROOF), *([(PROOF, kept)] if kept else [])]
    return Rewrite(fed.source(), method="GET", path=r".*", request=request)


def _not_compact(values: list[str]) -> bool:
    return any(v.count(".") != 2 or "=" in v for v in values)


# A source that answers a malformed proof as a bad request (400) instead of 401.
malformed_proof_as_bad_request = _proof_request(
    lambda values: problem(400, "verzoek/ongeldig") if _not_compact(values) else None)


def _claims(value: str) -> dict:
    try:
        return json.loads(jose.b64d(value.split(".")[1]))
    except (ValueError, IndexError):
        return {}


# A source whose proof schema is closed without the extension object `uitbreidingen`.
extensions_refused = _proof_request(
    lambda values: problem(401, "verzoekbewijs/claims-ongeldig")
    if any("uitbreidingen" in _claims(v) for v in values) else None)


def clock_five_seconds_fast(fed: Federation):
    """A source whose clock runs 5 s ahead: it refuses proofs a few seconds early."""
    return fed.source(clock_offset_s=5)


def clock_five_seconds_slow(fed: Federation):
    """A source whose clock runs 5 s behind: it refuses proofs dated just inside the skew."""
    return fed.source(clock_offset_s=-5)


ACCEPTED = "status 200 (expected 401)"
BEYOND_ACCEPTED = "is beyond the bound but got 200"

BROKEN = [
    (vb.request_without_proof_rejected, "verzoekbewijs-niet-vereist", ACCEPTED),
    (vb.ending_session_needs_proof, "verzoekbewijs-niet-vereist", "status 204 (expected 401)"),
    (vb.repeated_proof_header_rejected, first_proof_only, ACCEPTED),
    (vb.bearer_scheme_refused, "bearer-geaccepteerd", ACCEPTED),
    (vb.refusals_challenge_sessie, "geen-www-authenticate", "carries WWW-Authenticate None"),
    (vb.replayed_read_rejected, "verzoekbewijs-herbruikbaar", ACCEPTED),
    (vb.concurrent_replays_read_once, "verzoekbewijs-cache-niet-atomair",
     f"of {vb.CONCURRENT_REPLAYS} concurrent requests with one request proof were served"),
    (vb.replayed_write_rejected, "verzoekbewijs-herbruikbaar", "status 201 (expected 401)"),
    (vb.proof_for_other_method_rejected, "verzoekbewijs-htm-niet-gecontroleerd", ACCEPTED),
    (vb.proof_for_other_url_rejected, "verzoekbewijs-htu-niet-gecontroleerd", ACCEPTED),
    (vb.proof_for_other_token_rejected, "verzoekbewijs-ath-niet-gecontroleerd", ACCEPTED),
    (vb.proof_by_other_key_rejected, "verzoekbewijs-sleutel-niet-gecontroleerd", ACCEPTED),
    (vb.proof_with_forged_signature_rejected, "verzoekbewijs-sleutel-niet-gecontroleerd",
     ACCEPTED),
    (vb.proof_algorithm_restricted, "verzoekbewijs-alg-none-geaccepteerd", ACCEPTED),
    (vb.proof_algorithm_restricted, "alg-niet-exact", ACCEPTED),
    (vb.proof_forbidden_headers_rejected, "verzoekbewijs-verboden-header-geaccepteerd",
     ACCEPTED),
    (vb.proof_forbidden_headers_rejected, "verboden-headers-zwarte-lijst", ACCEPTED),
    (vb.proof_of_other_type_rejected, "verzoekbewijs-typ-niet-gecontroleerd", ACCEPTED),
    (vb.proof_not_a_jws_rejected, malformed_proof_as_bad_request, "status 400 (expected 401)"),
    (vb.proof_with_invalid_claims_rejected, "verzoekbewijs-claims-niet-gecontroleerd",
     "expected 'verzoekbewijs/claims-ongeldig'"),
    (vb.proof_extensions_ignored, extensions_refused, "a proof with uitbreidingen was refused"),
    (vb.old_proof_refused_at_limit, "verzoekbewijs-oud-geaccepteerd", BEYOND_ACCEPTED),
    (vb.old_proof_refused_at_limit, "verzoekbewijs-leeftijd-exclusief",
     f"made exactly {PROOF_MAX_AGE_S + CLOCK_SKEW_S} s ago is within the bound but was "
     "refused"),
    (vb.old_proof_refused_at_limit, clock_five_seconds_fast,
     f"made exactly {PROOF_MAX_AGE_S + CLOCK_SKEW_S} s ago is within the bound but was "
     "refused"),
    (vb.future_proof_refused_at_limit, "verzoekbewijs-toekomst-geaccepteerd", BEYOND_ACCEPTED),
    (vb.future_proof_refused_at_limit, clock_five_seconds_slow,
     f"dated exactly {CLOCK_SKEW_S} s ahead is within the bound but was refused"),
    (vb.session_proof_for_other_endpoint_rejected, "sessie-bewijs-api-url-niet-gecontroleerd",
     "status 201 (expected 401)"),
    (vb.session_ends_with_certificate, "sessie-langer-dan-certificaat",
     "after the certificate's exp"),
    (vb.session_refused_after_certificate_exp, "sessie-einde-alleen-vermeld",
     "the session still served the overview 2 s after its certificate's exp"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", CHECKS, ids=check_id)
async def test_passes_on_correct_source(fn, correct, suite_keys, monkeypatch):
    fed = Federation(suite_keys)  # waits (a certificate running out) jump the clock
    result = await run(fn, CORRECT_SOURCES[correct](fed), fed, monkeypatch=monkeypatch)
    assert result.outcome is Outcome.PASSED, result.message


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "fragment"), BROKEN, ids=check_id)
async def test_fails_on_broken_source(fn, broken_source, fragment, suite_keys, monkeypatch):
    fed = Federation(suite_keys)
    result = await run(fn, build(fed, broken_source), fed, monkeypatch=monkeypatch)
    assert result.outcome is Outcome.FAILED, result.message
    assert (result.rule, fragment in result.message) == (meta_of(fn).rule, True), result.message
    assert result.evidence, "a failure carries the exchange that shows it"


def test_every_check_is_listed_and_proven_broken():
    defined = {fn for fn in vars(vb).values() if callable(fn) and hasattr(fn, "__check__")}
    assert set(CHECKS) == defined
    assert {fn for fn, *_ in BROKEN} == defined
    in_profiles = [fn for checks in vb.PROFILE_CHECKS.values() for fn in checks]
    assert sorted(map(check_id, in_profiles)) == sorted(map(check_id, defined))


def test_every_request_proof_flaw_is_caught_by_a_check_of_its_rule():
    """Each flaw of `flaws_verzoekbewijs.py` is a broken source above, for a check of the very
    rule the gallery says it breaks."""
    caught = {name: meta_of(fn).rule for fn, name, _ in BROKEN if isinstance(name, str)}
    for flaw in (*VERZOEKBEWIJS_FLAWS, broken.get("verzoekbewijs-leeftijd-exclusief")):
        assert caught.get(flaw.name) == flaw.rule == broken.rule_broken(flaw.name), flaw.name
