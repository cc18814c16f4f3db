"""The attack matrix proven both ways: every check passes on the gallery's correct source and
fails, naming its rule and the cause, on a source with exactly the defect it is about."""

from __future__ import annotations

import math

import pytest

from conformance.checks import bewijs, sessie, trust
from conformance.model import Outcome
from tests.conformance.gallery_harness import (
    CORRECT_SOURCES,
    TEST_BSNS,
    Before,
    Federation,
    assert_fails,
    assert_passes,
    build,
    certificates_unchecked,
    check_id,
    claims_of,
    gallery_source,
    problem,
    rewrite_json,
    run,
    session_body_answered,
    session_opened_anyway,
)

FAST_CHECKS = [
    trust.session_without_certificate_rejected,
    trust.session_without_proof_rejected,
    trust.unknown_app_manager_rejected,
    trust.rogue_key_of_known_app_manager_rejected,
    trust.forged_certificate_signature_rejected,
    trust.tampered_certificate_signature_rejected,
    trust.tampered_certificate_payload_rejected,
    trust.unsigned_certificate_rejected,
    trust.hmac_certificate_rejected,
    trust.unsigned_proof_rejected,
    trust.proof_as_certificate_rejected,
    trust.certificate_typ_on_proof_rejected,
    trust.certificate_with_jku_rejected,
    trust.certificate_with_jwk_rejected,
    trust.certificate_with_x5u_rejected,
    trust.certificate_with_crit_rejected,
    trust.proof_with_embedded_jwk_rejected,
    trust.expired_certificate_rejected,
    trust.not_yet_valid_certificate_rejected,
    trust.long_lived_certificate_rejected,
    trust.revoked_certificate_rejected,
    bewijs.session_proof_by_other_key_rejected,
    bewijs.proof_with_forged_kid_rejected,
    bewijs.proof_kid_mismatch_rejected,
    bewijs.proof_for_other_organisation_rejected,
    bewijs.stale_proof_rejected,
    bewijs.future_proof_rejected,
    bewijs.replayed_nonce_rejected,
    bewijs.concurrent_nonce_use_opens_one_session,
    bewijs.unknown_nonce_rejected,
    bewijs.failed_attempt_keeps_nonce,
    trust.malformed_certificate_rejected,
    trust.malformed_proof_rejected,
    trust.certificate_without_kid_rejected,
    trust.der_encoded_signature_rejected,
    trust.certificate_with_invalid_claims_rejected,
    trust.clock_skew_exactly_tolerated,
    trust.first_failing_step_reported,
    bewijs.challenge_issued,
    bewijs.session_proof_with_invalid_claims_rejected,
]


# --- broken sources the gallery does not list ----------------------------------------------------


def nonces_never_expire(fed: Federation):
    """A source that never compares a nonce's age with NONCE_TTL_S."""
    app = fed.source()

    def hook(_scope):
        for nonce in gallery_source(app).store.nonces.values():
            nonce.expires = math.inf

    return Before(app, hook)


def ignores_nbf(fed: Federation):
    """A source that does not check a certificate's nbf/iat against its clock."""
    def change(claims):
        claims["iat"] = claims["nbf"] = int(fed.clock())
        claims["exp"] = claims["iat"] + 600
        claims["inlogmoment"] = claims["iat"] - 30

    return certificates_unchecked(fed.source(), fed, change)


def clock_ten_minutes_fast(fed: Federation):
    """A source whose clock runs 10 minutes ahead (no time synchronisation)."""
    return fed.source(clock_offset_s=trust.FAR_OFF_S)


def missing_member_as_bad_token(fed: Federation):
    """A source that treats a missing certificate or proof as a malformed token (401)."""
    def when(body):
        for member, prefix in (("certificaat", "certificaat"), ("bewijs", "bewijs")):
            if isinstance(body, dict) and member not in body:
                return problem(401, f"{prefix}/ongeldig-formaat")
        return None

    return session_body_answered(fed, when)


def certificate_signature_unchecked(fed: Federation):
    return certificates_unchecked(fed.source(), fed)


def malformed_token_as_bad_request(fed: Federation):
    """A source that answers a malformed token as a schema error (400) instead of 401."""
    def when(body):
        for member in ("certificaat", "bewijs"):
            token = body.get(member, "") if isinstance(body, dict) else ""
            if token.count(".") != 2 or "=" in token:
                return problem(400, "verzoek/ongeldig")
        return None

    return session_body_answered(fed, when)


def claims_unchecked(fed: Federation):
    """A source that does not validate the certificate's claims against the schema."""
    def change(claims):
        claims.pop("rol", None)
        claims["bsn"] = TEST_BSNS[0]

    return certificates_unchecked(fed.source(), fed, change)


def clock_45_seconds_fast(fed: Federation):
    """A source whose clock runs 45 s ahead: in effect it tolerates only 15 s of skew."""
    return fed.source(clock_offset_s=45)


def revocation_checked_first(fed: Federation):
    """A source that checks revocation before the certificate's times."""
    def when(body):
        if claims_of(body.get("certificaat", "")).get("jti") == fed.suite_keys.revoked_jti:
            return problem(401, "certificaat/ingetrokken")
        return None

    return session_body_answered(fed, when)


def challenge_lives_an_hour(fed: Federation):
    def change(status, body):
        if status == 201:
            body["verloopt_op"] = "2999-01-01T00:00:00Z"
    return rewrite_json(fed.source(), "POST", "/sessies/uitdagingen", change)


def proof_claims_unchecked(fed: Federation):
    """A source that does not validate the proof's claims (extra or missing members)."""
    def when(body):
        return set(claims_of(body.get("bewijs", ""))) != {"nonce", "aud", "api_url", "iat", "jti"}

    return session_opened_anyway(fed, when)


ACCEPTED = "got status 201"

BROKEN = [
    (trust.session_without_certificate_rejected, missing_member_as_bad_token,
     "/sessie/certificaat-vereist", "got status 401 (expected 400)"),
    (trust.session_without_proof_rejected, missing_member_as_bad_token,
     "/sessie/certificaat-vereist", "got status 401 (expected 400)"),
    (trust.session_without_proof_rejected, "sessie-zonder-bewijs",
     "/sessie/certificaat-vereist", "got status 201"),
    (trust.unknown_app_manager_rejected, "onbekende-app-manager-geaccepteerd",
     "/certificaat/uitgever-in-stelsel", ACCEPTED),
    (trust.rogue_key_of_known_app_manager_rejected, certificate_signature_unchecked,
     "/certificaat/uitgever-in-stelsel", ACCEPTED),
    (trust.forged_certificate_signature_rejected, certificate_signature_unchecked,
     "/certificaat/uitgever-in-stelsel", ACCEPTED),
    (trust.tampered_certificate_signature_rejected, certificate_signature_unchecked,
     "/token/handtekening", ACCEPTED),
    (trust.tampered_certificate_payload_rejected, certificate_signature_unchecked,
     "/token/handtekening", ACCEPTED),
    (trust.unsigned_certificate_rejected, "alg-none-geaccepteerd", "/token/alg-es256", ACCEPTED),
    (trust.hmac_certificate_rejected, "hs256-geaccepteerd", "/token/alg-es256", ACCEPTED),
    (trust.unsigned_proof_rejected, "alg-none-geaccepteerd", "/token/alg-es256", ACCEPTED),
    (trust.proof_as_certificate_rejected, "typ-niet-gecontroleerd", "/token/typ-per-type",
     "expected 'certificaat/verkeerd-type'"),
    (trust.certificate_typ_on_proof_rejected, "typ-niet-gecontroleerd", "/token/typ-per-type",
     ACCEPTED),
    (trust.certificate_with_jku_rejected, "verboden-header-geaccepteerd",
     "/token/verboden-headers", ACCEPTED),
    (trust.certificate_with_jwk_rejected, "verboden-header-geaccepteerd",
     "/token/verboden-headers", ACCEPTED),
    (trust.certificate_with_x5u_rejected, "verboden-header-geaccepteerd",
     "/token/verboden-headers", ACCEPTED),
    (trust.certificate_with_crit_rejected, "verboden-header-geaccepteerd",
     "/token/verboden-headers", ACCEPTED),
    (trust.proof_with_embedded_jwk_rejected, "verboden-header-geaccepteerd",
     "/token/verboden-headers", ACCEPTED),
    (trust.expired_certificate_rejected, "verlopen-certificaat-geaccepteerd",
     "/certificaat/geldigheid", ACCEPTED),
    (trust.not_yet_valid_certificate_rejected, ignores_nbf, "/certificaat/geldigheid", ACCEPTED),
    (trust.long_lived_certificate_rejected, "looptijd-niet-gecontroleerd",
     "/certificaat/looptijd", ACCEPTED),
    (trust.revoked_certificate_rejected, "intrekking-genegeerd",
     "/certificaat/niet-ingetrokken", ACCEPTED),
    (bewijs.session_proof_by_other_key_rejected, "bewijs-sleutel-niet-gecontroleerd",
     "/sessie/bewijs-sleutel", ACCEPTED),
    (bewijs.proof_with_forged_kid_rejected, "bewijs-sleutel-niet-gecontroleerd",
     "/sessie/bewijs-sleutel", ACCEPTED),
    (bewijs.proof_kid_mismatch_rejected, "bewijs-sleutel-niet-gecontroleerd",
     "/sessie/bewijs-sleutel", ACCEPTED),
    (bewijs.proof_for_other_organisation_rejected, "aud-niet-gecontroleerd",
     "/sessie/bewijs-ontvanger", ACCEPTED),
    (bewijs.stale_proof_rejected, "oud-bewijs-geaccepteerd", "/sessie/bewijs-vers",
     "made 121 s ago is beyond the bound but got 201"),
    (bewijs.stale_proof_rejected, "bewijs-leeftijd-exclusief", "/sessie/bewijs-vers",
     "made exactly 120 s ago is within the bound but was refused"),
    (bewijs.stale_proof_rejected, "bewijs-leeftijd-ruim", "/sessie/bewijs-vers",
     "made 121 s ago is beyond the bound but got 201"),
    (bewijs.future_proof_rejected, clock_ten_minutes_fast, "/sessie/bewijs-vers",
     "dated exactly 60 s ahead is within the bound but was refused"),
    (bewijs.replayed_nonce_rejected, "nonce-herbruikbaar", "/sessie/nonce-eenmalig", ACCEPTED),
    (bewijs.concurrent_nonce_use_opens_one_session, "nonce-herbruikbaar",
     "/sessie/nonce-eenmalig", "2 of two concurrent requests"),
    (bewijs.unknown_nonce_rejected, "onbekende-nonce-geaccepteerd", "/sessie/nonce-bekend",
     ACCEPTED),
    (bewijs.failed_attempt_keeps_nonce, "nonce-verbruikt-bij-fout", "/sessie/nonce-geldigheid",
     "consumed the nonce"),
    (trust.malformed_certificate_rejected, malformed_token_as_bad_request,
     "/token/compact-serialisatie", "got status 400 (expected 401)"),
    (trust.malformed_proof_rejected, malformed_token_as_bad_request,
     "/token/compact-serialisatie", "got status 400 (expected 401)"),
    (trust.certificate_without_kid_rejected, certificate_signature_unchecked,
     "/token/kid-thumbprint", ACCEPTED),
    (trust.der_encoded_signature_rejected, certificate_signature_unchecked,
     "/token/handtekening", ACCEPTED),
    (trust.certificate_with_invalid_claims_rejected, claims_unchecked, "/certificaat/claims",
     ACCEPTED),
    (trust.clock_skew_exactly_tolerated, clock_45_seconds_fast, "/token/klokafwijking",
     "expired exactly 60 s ago is within the bound but was refused"),
    (trust.clock_skew_exactly_tolerated, "klokafwijking-exclusief", "/token/klokafwijking",
     "expired exactly 60 s ago is within the bound but was refused"),
    (trust.clock_skew_exactly_tolerated, "klokafwijking-te-ruim", "/token/klokafwijking",
     "expired 61 s ago is beyond the bound but got 201"),
    (trust.first_failing_step_reported, revocation_checked_first, "/token/verificatievolgorde",
     "code 'certificaat/ingetrokken' (expected 'certificaat/verlopen')"),
    (bewijs.challenge_issued, challenge_lives_an_hour, "/sessie/uitdaging",
     "is not 120 s after issue"),
    (bewijs.session_proof_with_invalid_claims_rejected, proof_claims_unchecked,
     "/sessie/bewijs-claims", ACCEPTED),
    # the same rules against the gallery's own broken sources
    (trust.certificate_without_kid_rejected, "kid-optioneel", "/token/kid-thumbprint", ACCEPTED),
    (trust.der_encoded_signature_rejected, "der-handtekening-geaccepteerd", "/token/handtekening",
     ACCEPTED),
    (trust.certificate_with_invalid_claims_rejected, "certificaat-claims-niet-gecontroleerd",
     "/certificaat/claims", ACCEPTED),
    (bewijs.session_proof_with_invalid_claims_rejected, "bewijs-claims-niet-gecontroleerd",
     "/sessie/bewijs-claims", ACCEPTED),
    (trust.malformed_certificate_rejected, "padding-geaccepteerd", "/token/compact-serialisatie",
     "expected 'certificaat/ongeldig-formaat'"),
    (trust.clock_skew_exactly_tolerated, "geen-klokafwijking", "/token/klokafwijking",
     "within the bound but was refused"),
    (trust.long_lived_certificate_rejected, "looptijd-met-klokafwijking",
     "/certificaat/looptijd", ACCEPTED),
    (trust.first_failing_step_reported, "nonce-voor-ontvanger", "/token/verificatievolgorde",
     "code 'bewijs/nonce-onbekend' (expected 'bewijs/verkeerde-ontvanger')"),
    (bewijs.challenge_issued, "lange-nonce-geldigheid", "/sessie/uitdaging",
     "is not 120 s after issue"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", FAST_CHECKS, ids=check_id)
async def test_passes_on_correct_source(fn, correct, suite_keys):
    await assert_passes(fn, correct, suite_keys)


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "rule", "fragment"), BROKEN, ids=check_id)
async def test_fails_on_broken_source(fn, broken_source, rule, fragment, suite_keys):
    await assert_fails(fn, broken_source, rule, fragment, suite_keys)


def test_every_fast_check_is_proven_broken():
    assert {fn for fn, *_ in BROKEN} == set(FAST_CHECKS)


@pytest.mark.anyio
async def test_expired_nonce_skipped_unless_slow_checks_enabled(suite_keys, monkeypatch):
    monkeypatch.delenv(trust.SLOW_ENV, raising=False)
    fed = Federation(suite_keys)
    result = await run(bewijs.expired_nonce_rejected, fed.source(), fed)
    assert result.outcome is Outcome.SKIPPED
    assert trust.SLOW_ENV in result.message and "123 s" in result.message


@pytest.mark.anyio
@pytest.mark.parametrize(("broken_source", "outcome"), [
    (None, Outcome.PASSED), (nonces_never_expire, Outcome.FAILED),
    ("nonce-verloopt-met-klokafwijking", Outcome.FAILED)])
async def test_expired_nonce_proven_with_a_clock_jump(broken_source, outcome, suite_keys,
                                                       monkeypatch):
    monkeypatch.setenv(trust.SLOW_ENV, "1")
    fed = Federation(suite_keys)
    result = await run(bewijs.expired_nonce_rejected, build(fed, broken_source), fed,
                       monkeypatch=monkeypatch)
    assert result.outcome is outcome, result.message
    assert trust.NONCE_TTL_S < fed.clock.offset < trust.NONCE_TTL_S + trust.CLOCK_SKEW_S
    if outcome is Outcome.FAILED:
        assert result.rule == "/sessie/nonce-geldigheid"
        assert "bewijs/nonce-verlopen" in result.message


# --- using a session (checks/sessie.py) ----------------------------------------------------------

OTHER_VALID_BSN = "111222333"  # passes the elfproef; no test citizen of the gallery


def session_answer_changed(**changes):
    def factory(fed: Federation):
        def change(status, body):
            if status == 201:
                body.update(changes)
        return rewrite_json(fed.source(), "POST", "/sessies", change)
    return factory


def sessions_never_expire(fed: Federation):
    app = fed.source()

    def hook(_scope):
        for session in gallery_source(app).store.sessions.values():
            session.expires = math.inf

    return Before(app, hook)


SESSION_FAST_CHECKS = [
    sessie.valid_session_opened,
    sessie.session_token_is_random,
    sessie.session_lifetime_bounded,
    sessie.missing_token_rejected,
    sessie.unknown_token_rejected,
    sessie.ended_session_token_rejected,
    sessie.session_level_enforced,
    sessie.bsn_parameters_ignored,
]

SESSION_BROKEN = [
    (sessie.session_token_is_random, session_answer_changed(sessietoken="A" * 43),
     "/sessie/token-willekeurig", "sharing 43 of 43 characters"),
    (sessie.session_token_is_random, "voorspelbaar-sessietoken", "/sessie/token-willekeurig",
     "carries the citizen's BSN"),
    (sessie.valid_session_opened, session_answer_changed(betrouwbaarheidsniveau="basis"),
     "/sessie/certificaat-vereist", "betrouwbaarheidsniveau is 'basis'"),
    (sessie.valid_session_opened, clock_ten_minutes_fast, "/sessie/certificaat-vereist",
     "did not open a session"),
    (sessie.session_lifetime_bounded, "lange-sessie", "/sessie/token-verloopt",
     "more than 900 s away"),
    (sessie.missing_token_rejected, "geen-www-authenticate", "/sessie/token-schema-sessie",
     "WWW-Authenticate is None"),
    (sessie.unknown_token_rejected, "geen-www-authenticate", "/sessie/token-schema-sessie",
     "WWW-Authenticate is None"),
    (sessie.ended_session_token_rejected, "sessie-niet-beeindigd", "/sessie/token-beeindigd",
     "got status 200"),
    (sessie.session_level_enforced, "niveau-niet-gecontroleerd", "/sessie/niveau-minimum",
     "with a basis session answered 200"),
    (sessie.bsn_parameters_ignored, "bsn-uit-query", "/sessie/bsn-alleen-uit-certificaat",
     "not the certificate holder's"),
    (sessie.bsn_parameters_ignored, "bsn-uit-header-bekende-burger",
     "/sessie/bsn-alleen-uit-certificaat", "not the certificate holder's"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", SESSION_FAST_CHECKS, ids=check_id)
async def test_session_check_passes_on_correct_source(fn, correct, suite_keys):
    await assert_passes(fn, correct, suite_keys)


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "rule", "fragment"), SESSION_BROKEN, ids=check_id)
async def test_session_check_fails_on_broken_source(fn, broken_source, rule, fragment,
                                                    suite_keys):
    fed = Federation(suite_keys)
    result = await run(fn, build(fed, broken_source), fed)
    assert result.outcome is Outcome.FAILED, result.message
    assert (result.rule, fragment in result.message) == (rule, True), result.message


# Short test lifetimes (spec/testomgeving.md §5): announced but not kept is caught; a source
# announcing none is not judged by the rule (the reference, which keeps them, passes in the
# demo run of tests/conformance/test_cli.py).
LIFETIME_BROKEN = [
    (sessie.announced_lifetimes_kept, "korte-levensduur-niet-gehouden",
     "/testomgeving/korte-levensduur", "not the announced nonce_geldigheid_s"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "rule", "fragment"), LIFETIME_BROKEN,
                         ids=check_id)
async def test_lifetime_check_fails_on_broken_source(fn, broken_source, rule, fragment,
                                                     suite_keys):
    await test_session_check_fails_on_broken_source(fn, broken_source, rule, fragment,
                                                    suite_keys)


@pytest.mark.anyio
async def test_lifetime_check_does_not_apply_without_announced_lifetimes(suite_keys):
    fed = Federation(suite_keys)
    result = await run(sessie.announced_lifetimes_kept, build(fed, None), fed)
    assert (result.outcome, result.skip) == (Outcome.SKIPPED, "not_applicable"), result.message


def test_every_fast_session_check_is_proven_broken():
    assert {fn for fn, *_ in SESSION_BROKEN} == set(SESSION_FAST_CHECKS)


@pytest.mark.anyio
async def test_level_check_skipped_when_basis_suffices(suite_keys):
    """With every minimum at basis there is no lower level to try: skipped, with the reason."""
    fed = Federation(suite_keys)

    def all_basis(_status, body):
        body["minimaal_betrouwbaarheidsniveau"] = dict.fromkeys(
            body["minimaal_betrouwbaarheidsniveau"], "basis")

    app = rewrite_json(fed.source(), "GET", "/configuratie", all_basis)
    result = await run(sessie.session_level_enforced, app, fed)
    assert result.outcome is Outcome.SKIPPED
    assert "basis" in result.message


@pytest.mark.anyio
@pytest.mark.parametrize(("broken_source", "outcome"), [
    (None, Outcome.PASSED), (sessions_never_expire, Outcome.FAILED),
    ("sessie-verloopt-met-klokafwijking", Outcome.FAILED)])
async def test_expired_session_proven_with_a_clock_jump(broken_source, outcome, suite_keys,
                                                         monkeypatch):
    monkeypatch.setenv(trust.SLOW_ENV, "1")
    fed = Federation(suite_keys)
    result = await run(sessie.expired_session_token_rejected, build(fed, broken_source), fed,
                       monkeypatch=monkeypatch)
    assert result.outcome is outcome, result.message
    if outcome is Outcome.FAILED:
        assert result.rule == "/sessie/token-verloopt"
        assert "sessie/token-ongeldig" in result.message


@pytest.mark.anyio
async def test_expired_session_skipped_unless_slow_checks_enabled(suite_keys, monkeypatch):
    monkeypatch.delenv(trust.SLOW_ENV, raising=False)
    fed = Federation(suite_keys)
    result = await run(sessie.expired_session_token_rejected, fed.source(), fed)
    assert result.outcome is Outcome.SKIPPED
    assert "903 s" in result.message
