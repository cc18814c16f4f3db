"""The checks added for standard 2.0.0 by the suite's core (certificates' login evidence and
issuer status, help-request envelopes in and out of key windows, the bundle's schema, closed
requests and enums beside open data, rate limits), proven both ways: each passes on the gallery's
correct source and fails, naming its rule and the cause, on a source broken in exactly that
respect."""

from __future__ import annotations

import json

import pytest

from conformance.checks import certificaat, hulpvraag_enveloppen, versie_regels, verzoeklimiet
from conformance.checks.base import meta_of
from tests.conformance.gallery_harness import (
    CORRECT_SOURCES,
    Federation,
    Rewrite,
    assert_fails,
    assert_passes,
    check_id,
    problem,
)

CHECKS = [*certificaat.CHECKS, *hulpvraag_enveloppen.CHECKS, *versie_regels.CHECKS,
          verzoeklimiet.rate_limit_answered_with_429]


def help_requests_answered(answer):
    """A source answering every POST /hulpvragen with `answer` (status, headers, body)."""
    return lambda fed: Rewrite(fed.source(), method="POST", path="/hulpvragen",
                               answer=lambda _body, _scope: answer)


def refuses_everything_signed_by_a_revoked_key(fed: Federation):
    """A source that treats a revoked key as if nothing it ever signed were valid."""
    body = {**json.loads(problem(422, "hulpvraag/envelop-ongeldig")[2]),
            "ongeldige_enveloppen": [{"index": 0, "code": "envelop/sleutel-ingetrokken"}]}
    status, headers, _ = problem(422, "hulpvraag/envelop-ongeldig")
    return help_requests_answered((status, headers, json.dumps(body).encode()))(fed)


def challenges_limited_badly(fed: Federation):
    """A source whose rate limit answers 503 instead of 429."""
    return Rewrite(fed.source(), method="POST", path="/sessies/uitdagingen",
                   answer=lambda _b, _s: problem(503, "algemeen/stelsel-niet-beschikbaar"))


def challenges_limited_without_retry_after(fed: Federation):
    status, headers, body = problem(429, "algemeen/te-veel-verzoeken")
    return Rewrite(fed.source(), method="POST", path="/sessies/uitdagingen",
                   answer=lambda _b, _s: (status, headers, body))


BROKEN = [
    (certificaat.login_evidence_checked, "certificaat-claims-niet-gecontroleerd", "got 201"),
    (certificaat.inactive_app_manager_rejected, "onbekende-app-manager-geaccepteerd",
     "got status 201"),
    (certificaat.inactive_app_manager_rejected, "status-app-manager-genegeerd",
     "got status 201"),
    (certificaat.app_manager_key_window_checked, "appmanager-sleutelvenster-genegeerd",
     "signed now by the App Manager's key revoked at"),
    (certificaat.not_before_checked_apart, "alleen-iat-gecontroleerd",
     "valid from 10 minutes ahead (nbf) got 201"),
    (hulpvraag_enveloppen.envelope_after_key_window_refused, "hulpvraag-zonder-verificatie",
     "got status 201"),
    (hulpvraag_enveloppen.envelope_of_compromised_key_refused, "hulpvraag-zonder-verificatie",
     "got status 201"),
    (hulpvraag_enveloppen.envelope_signed_before_compromise_accepted,
     refuses_everything_signed_by_a_revoked_key, "expected HTTP 201, got 422"),
    (hulpvraag_enveloppen.stale_envelope_refused, "hulpvraag-zonder-verificatie",
     "got status 201"),
    (hulpvraag_enveloppen.envelope_of_other_major_refused, "hulpvraag-zonder-verificatie",
     "got status 201"),
    (hulpvraag_enveloppen.malformed_bundle_refused,
     help_requests_answered(problem(422, "hulpvraag/envelop-ongeldig")),
     "got status 422 (expected 400)"),
    (versie_regels.unknown_request_members_refused, "onbekende-velden-geaccepteerd",
     "got status 401 (expected 400)"),
    (versie_regels.bundle_data_stays_open,
     help_requests_answered(problem(400, "verzoek/ongeldig")), "refused as a closed request"),
    (versie_regels.unknown_enum_value_refused, "certificaat-claims-niet-gecontroleerd",
     "got 201"),
    (versie_regels.unknown_enum_in_envelope_refused, "hulpvraag-zonder-verificatie",
     "got status 201"),
    (verzoeklimiet.rate_limit_answered_with_429, challenges_limited_badly, "answered 503"),
    (verzoeklimiet.rate_limit_answered_with_429, challenges_limited_without_retry_after,
     "Retry-After None"),
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


def test_every_new_check_is_proven_broken():
    assert {fn for fn, *_ in BROKEN} == set(CHECKS)
