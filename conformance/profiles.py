"""Profiles: which checks certify which service, listed explicitly.

A profile is named after the service of /configuratie's `diensten` it certifies
(`vorderingenoverzicht` → ``basis``, which every source offers and every run includes).
Each profile lists its check functions by name, in the order they run; nothing is
discovered or registered by import. `checks_for` returns the selected profiles' checks,
``basis`` first, without repeats.

The other actors under test — an App Manager, the scheme service, a citizen app — each
have one package exposing ``PROFILES`` and ``async run(options, reporters) -> RunReport``;
`ACTOR_PROFILES` maps their profile names to it, imported only when used (`run_profiles`
dispatches a run to the actor of the selected profiles; one actor per run).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from conformance.checks import betalingsregelingen as br
from conformance.checks import (
    bewijs,
    certificaat,
    document,
    http,
    hulpvraag_enveloppen,
    hulpvragen,
    levenscyclus,
    niveaus,
    openapi,
    pauzegrenzen,
    pauzes,
    rekenregel,
    reserveringen,
    sessie,
    sleutelvensters,
    tokenprofiel,
    transport,
    trust,
    versie_regels,
    versies,
    verzoekbewijs,
    verzoeklimiet,
    voorstellen,
    zaakleden,
)
from conformance.checks import testklok as testklok_checks
from conformance.errors import UsageError

if TYPE_CHECKING:
    from conformance.model import RunReport
    from conformance.runner import Reporter, RunOptions

Check = Callable[..., Awaitable[None]]

BASIS = "basis"
PROFILE_OF_DIENST = {
    "vorderingenoverzicht": BASIS,
    "betalingsregelingen": "betalingsregelingen",
    "pauzes": "pauzes",
    "hulpvragen": "hulpvragen",
}

PROFILES: dict[str, tuple[Check, ...]] = {
    BASIS: (
        # the public configuration and the HTTP conventions
        http.configuratie_public,
        http.configuratie_valid,
        http.diensten_match_operations,
        http.api_version_on_success,
        http.api_version_on_errors,
        http.unknown_path_not_found,
        http.wrong_method_refused,
        http.errors_are_problem_documents,
        http.problem_documents_valid,
        http.trailing_slash_not_served,
        http.cors_on_responses,
        http.cors_on_authenticated_answers,
        http.cors_preflight_answered,
        http.security_headers_present,
        http.authenticated_answers_not_stored,
        http.non_json_body_refused,
        http.malformed_json_refused,
        http.schema_breaking_body_refused,
        http.bad_requests_never_5xx,
        verzoeklimiet.rate_limit_answered_with_429,
        versie_regels.unknown_request_members_refused,
        versie_regels.unknown_enum_value_refused,
        transport.https_with_hsts,
        transport.old_tls_refused,
        transport.tls13_offered,
        # opening a session, the attack matrix: the request, tokens and certificate ...
        trust.session_without_certificate_rejected,
        trust.session_without_proof_rejected,
        trust.malformed_certificate_rejected,
        trust.malformed_proof_rejected,
        trust.unknown_app_manager_rejected,
        trust.rogue_key_of_known_app_manager_rejected,
        trust.forged_certificate_signature_rejected,
        trust.certificate_without_kid_rejected,
        trust.tampered_certificate_signature_rejected,
        trust.tampered_certificate_payload_rejected,
        trust.der_encoded_signature_rejected,
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
        trust.certificate_with_invalid_claims_rejected,
        trust.expired_certificate_rejected,
        trust.not_yet_valid_certificate_rejected,
        trust.long_lived_certificate_rejected,
        trust.revoked_certificate_rejected,
        trust.clock_skew_exactly_tolerated,
        trust.first_failing_step_reported,
        # the test clock of a test environment (not applicable where none is offered)
        testklok_checks.test_clock_is_per_citizen,
        testklok_checks.test_clock_moves_administrative_time_only,
        *certificaat.CHECKS,
        # ... the proof of possession and the nonce
        bewijs.challenge_issued,
        bewijs.session_proof_by_other_key_rejected,
        bewijs.proof_with_forged_kid_rejected,
        bewijs.proof_kid_mismatch_rejected,
        bewijs.session_proof_with_invalid_claims_rejected,
        bewijs.proof_for_other_organisation_rejected,
        bewijs.stale_proof_rejected,
        bewijs.future_proof_rejected,
        bewijs.replayed_nonce_rejected,
        bewijs.concurrent_nonce_use_opens_one_session,
        bewijs.unknown_nonce_rejected,
        bewijs.failed_attempt_keeps_nonce,
        bewijs.expired_nonce_rejected,
        # using a session
        sessie.valid_session_opened,
        sessie.session_token_is_random,
        sessie.session_lifetime_bounded,
        sessie.announced_lifetimes_kept,
        sessie.expired_session_token_rejected,
        sessie.missing_token_rejected,
        sessie.unknown_token_rejected,
        sessie.ended_session_token_rejected,
        sessie.session_level_enforced,
        sessie.bsn_parameters_ignored,
        # the signed claims document
        document.envelope_signature_valid,
        document.envelope_source_in_scheme,
        document.envelope_detached_over_jcs,
        document.document_dated_when_signed,
        document.citizen_without_claims_gets_signed_document,
        document.document_matches_schema,
        document.amounts_in_cents,
        document.datetimes_with_offset,
        document.event_ids_unique,
        document.case_ids_unique,
        document.references_resolve,
        document.verplicht_is_sum,
        document.vereffend_is_sum,
        document.saldo_adds_up,
        document.arrears_bounded,
        document.balance_time_after_events,
        document.bsn_passes_elfproef,
        document.bsn_is_certificates,
        document.settled_without_balance,
        document.enums_closed,
        document.event_ids_stable,
        document.case_ids_stable,
        # the OpenAPI layer (schemathesis): last, it generates many requests
        openapi.openapi_positive_conformant,
        openapi.openapi_negative_rejected,
        openapi.openapi_stateful_links,
    ),
    "betalingsregelingen": (
        # quotes (change nothing)
        voorstellen.quote_by_amount_follows_schedule,
        voorstellen.quote_by_count_follows_schedule,
        voorstellen.quote_validity_announced,
        voorstellen.arrangement_limits_applied,
        voorstellen.low_instalment_refused,
        voorstellen.too_many_instalments_refused,
        voorstellen.unknown_case_refused,
        voorstellen.all_reasons_reported,
        voorstellen.other_citizens_case_not_quoted,
        # acceptance; withdrawal first: every later check that accepts withdraws again
        br.missing_idempotency_key_refused,
        br.malformed_idempotency_key_refused,
        br.unknown_quote_refused,
        br.withdrawal_within_cooling_off,
        br.withdrawal_bounded_by_cooling_off,
        br.arrangement_shown_in_document,
        br.acceptance_is_idempotent,
        br.reused_idempotency_key_refused,
        br.idempotency_key_scoped_to_citizen,
        br.used_quote_refused,
        br.changed_case_refused,
        br.concurrent_acceptances_create_one,
        br.concurrent_keys_accept_quote_once,
        br.concurrent_overlapping_quotes_accept_once,
        br.other_citizens_quote_refused,
        br.expired_quote_refused,
        sessie.other_citizens_arrangement_not_found,
    ),
    "pauzes": (
        pauzes.pause_beyond_limit_refused,
        pauzes.pause_not_after_today_refused,
        pauzes.pause_limit_applied,
        pauzes.ended_pause_lifted,
        pauzes.pause_holds_through_its_end_date,
        pauzes.pause_shown_in_document,
        pauzes.pause_covers_named_cases,
        pauzes.pause_without_cases_covers_all,
        pauzes.no_surcharges_while_paused,
        pauzes.other_citizens_case_not_paused,
        sessie.other_citizens_pause_not_found,
    ),
    "hulpvragen": (
        hulpvragen.own_envelope_accepted,
        hulpvragen.consent_required,
        hulpvragen.tampered_envelope_refused,
        hulpvragen.unknown_source_envelope_refused,
        hulpvragen.other_citizens_envelope_refused,
        *hulpvraag_enveloppen.CHECKS,
        versie_regels.bundle_data_stays_open,
        versie_regels.unknown_enum_in_envelope_refused,
    ),
}



def _add(profile: str, checks: tuple[Check, ...]) -> None:
    """Add checks to a profile; in basis before the OpenAPI layer, which stays last."""
    current = PROFILES[profile]
    cut = next((i for i, fn in enumerate(current) if fn.__module__ == openapi.__name__),
               len(current))
    PROFILES[profile] = (*current[:cut], *checks, *current[cut:])


# The checks of standard 2.0.0's sender-constrained sessions and versioning, and of the
# 2.2 members of the claims document, per profile.
for _module in (verzoekbewijs, versies, tokenprofiel, niveaus, sleutelvensters, zaakleden,
                rekenregel, reserveringen, levenscyclus, pauzegrenzen):
    for _profile, _checks in getattr(_module, "PROFILE_CHECKS", {}).items():
        _add(_profile, tuple(_checks))

# The lifetime waits first: they park (conformance/overlap.py) and the checks after them run
# meanwhile. Each uses its own key, certificate and session, so the checks before them
# in the list cannot change what they test.
_LIFETIME_WAITS = (sessie.expired_session_token_rejected, bewijs.expired_nonce_rejected,
                   verzoekbewijs.session_refused_after_certificate_exp)
_rest = tuple(fn for fn in PROFILES[BASIS] if fn not in _LIFETIME_WAITS)
_after = _rest.index(http.configuratie_valid) + 1
PROFILES[BASIS] = (*_rest[:_after], *_LIFETIME_WAITS, *_rest[_after:])


def profiles_for_diensten(diensten: Iterable[str]) -> set[str]:
    """The profiles certifying the services a /configuratie announces (basis always)."""
    return {BASIS} | {PROFILE_OF_DIENST[d] for d in diensten if d in PROFILE_OF_DIENST}


def checks_for(profiles: set[str] | frozenset[str]) -> list[Check]:
    """The checks of ``basis`` plus the given profiles, in profile order, without repeats,
    the OpenAPI layer last of all: its generated writes (pauses, arrangements) would use up
    a source's bounded pause budget and hold cases before the domain checks ran.

    UsageError naming an unknown profile."""
    unknown = set(profiles) - set(PROFILES)
    if unknown:
        raise UsageError(f"unknown profile(s) {sorted(unknown)}; known: {sorted(PROFILES)}")
    chosen: list[Check] = []
    for name in PROFILES:
        if name == BASIS or name in profiles:
            chosen.extend(fn for fn in PROFILES[name] if fn not in chosen)
    generated = [fn for fn in chosen if fn.__module__ == openapi.__name__]
    return [fn for fn in chosen if fn not in generated] + generated


def all_checks() -> list[Check]:
    """Every check of every profile, once."""
    return checks_for(set(PROFILES))


SOURCE_ACTOR = "bron"
# profile → (actor, package): the actors besides the source, imported lazily
ACTOR_PROFILES: dict[str, tuple[str, str]] = {
    "app-manager": ("app-manager", "conformance.app_manager"),
    "stelsel": ("stelsel", "conformance.stelsel"),
    "app": ("app", "conformance.app"),
}
PROFILE_NAMES: tuple[str, ...] = (*PROFILES, *ACTOR_PROFILES)


def actor_of(profiles: Iterable[str]) -> str:
    """The one actor the profiles certify (``bron`` for none or the source's); UsageError for
    an unknown profile or profiles of two actors."""
    names = set(profiles)
    unknown = names - set(PROFILE_NAMES)
    if unknown:
        raise UsageError(f"unknown profile(s) {sorted(unknown)}; known: {list(PROFILE_NAMES)}")
    actors = {ACTOR_PROFILES[n][0] if n in ACTOR_PROFILES else SOURCE_ACTOR for n in names}
    if len(actors) > 1:
        raise UsageError(f"--profile {', '.join(sorted(names))}: these certify different actors "
                         f"({', '.join(sorted(actors))}); run each actor separately")
    return actors.pop() if actors else SOURCE_ACTOR


def actor_package(profile: str) -> ModuleType:
    """The package of a non-source profile; UsageError when it is not available."""
    _actor, module = ACTOR_PROFILES[profile]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise UsageError(f"profile {profile} is not available in this version of the "
                             "suite") from None
        raise


def profile_checks(profile: str) -> tuple[Check, ...]:
    """The checks of one profile, in run order (a source profile without ``basis``)."""
    if profile in PROFILES:
        return PROFILES[profile]
    actor_of([profile])
    table: dict[str, Any] = getattr(actor_package(profile), "PROFILES", {})
    return tuple(table.get(profile, ()))


async def run_profiles(options: RunOptions, reporters: Sequence[Reporter] = ()) -> RunReport:
    """Run the actor the selected profiles certify (the source when none is selected)."""
    chosen = sorted(options.profiles or ())
    if actor_of(chosen) == SOURCE_ACTOR:
        from conformance.runner import run

        return await run(options, reporters)
    report: RunReport = await actor_package(chosen[0]).run(options, reporters)
    return report


def every_check() -> list[Check]:
    """Every check of every actor's profiles, once (an actor package not available in this
    version is left out): what the traceability of rules to checks counts."""
    chosen = list(all_checks())
    for profile in ACTOR_PROFILES:
        try:
            checks = profile_checks(profile)
        except UsageError:
            continue
        chosen.extend(fn for fn in checks if fn not in chosen)
    return chosen


def validate_check_names(profiles: Iterable[str], names: Iterable[str]) -> None:
    """UsageError naming a --check that is no check of the selected actor's profiles."""
    wanted = set(names)
    if not wanted:
        return
    from conformance.checks.preflight import PREFLIGHT_CHECKS

    actor = actor_of(profiles)
    if actor == SOURCE_ACTOR:
        pool = [*PREFLIGHT_CHECKS, *all_checks()]
    else:
        pool = [fn for p in ACTOR_PROFILES if ACTOR_PROFILES[p][0] == actor
                for fn in profile_checks(p)]
    unknown = sorted(wanted - {fn.__check__.name for fn in pool})  # type: ignore[attr-defined]
    if unknown:
        raise UsageError(f"--check {', '.join(unknown)}: no such check of the {actor} "
                         "profiles (see --list-checks)")


def listing(profiles: Iterable[str] = ()) -> str:
    """Every check of the profiles (all when none given): per profile, each check's name,
    severity and rule id, one a line."""
    from conformance.checks.preflight import PREFLIGHT_CHECKS

    names = list(profiles) or list(PROFILE_NAMES)
    actor_of(names[:1])  # an unknown name is a usage error
    lines: list[str] = []
    for name in names:
        actor = ACTOR_PROFILES[name][0] if name in ACTOR_PROFILES else SOURCE_ACTOR
        try:
            checks = profile_checks(name)
        except UsageError as exc:
            lines += [f"{name} ({actor}): {exc}", ""]
            continue
        if name == BASIS:
            checks = (*PREFLIGHT_CHECKS, *checks)
        lines.append(f"{name} ({actor}, {len(checks)} checks)")
        for fn in checks:
            meta = fn.__check__  # type: ignore[attr-defined]
            lines.append(f"  {meta.name:<52} {meta.severity.upper():<6} {meta.rule}")
        lines.append("")
    return "\n".join(lines)
