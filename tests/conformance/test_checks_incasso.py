"""The checks of standard 2.2 (collection as it really is) proven both ways: each passes on
the gallery's correct source — leaving no arrangement, reservation, pause or clock shift
behind — and fails, naming its rule and the cause, on the gallery's source with that one
defect (`conformance/broken/flaws_incasso.py`). Clock-driven checks run with the
federation's clock jumping instead of waiting."""

from __future__ import annotations

import pytest

from conformance.broken.store import Pause
from conformance.checks import levenscyclus, pauzegrenzen, rekenregel, reserveringen, zaakleden
from conformance.model import Outcome, Skip
from tests.conformance.gallery_harness import (
    Federation,
    build,
    gallery_source,
    run,
    without_test_clock,
)

# (check, flaw, rule, a fragment of the finding)
BROKEN = [
    (zaakleden.counter_entries_reverse_a_settlement, "storno-als-kosten",
     "/document/tegenboeking", "categorie hoofdsom, not 'kosten'"),
    (zaakleden.moved_payments_leave_their_case, "herboeking-zonder-tegenboeking",
     "/document/herboeking", "no counter-entry verkeerd_geboekt"),
    (zaakleden.offsets_say_against_what, "verrekening-zonder-omschrijving",
     "/document/verrekening", "verrekend_met and betaalwijze verrekening"),
    (zaakleden.garnished_payments_have_a_garnishment, "beslag-niet-vermeld",
     "/document/beslag", "a payment by beslag in a case without beslag"),
    (zaakleden.creditors_named_per_line, "kwijtschelding-zonder-schuldeiser",
     "/document/schuldeiser-per-regel", "schuldeiser None differs"),
    (zaakleden.arrangeable_amount_bounded, "regelbaar-uit-verplicht",
     "/document/regelbaar-bedrag-begrensd", "is outside 0…max(saldo"),
    (zaakleden.arrangement_lifecycle_consistent, "gemiste-termijnen-niet-geteld",
     "/document/regeling-levenscyclus", "gemiste_termijnen is 0, 3 termijnen"),
    (zaakleden.arrangement_matches_case_status, "regeling-blijft-actief",
     "/document/regeling-en-zaakstatus", "an active arrangement on a case with status"),
    (zaakleden.remedy_means_in_bezwaar, "beroep-zonder-bezwaarstatus",
     "/document/rechtsmiddel-status", "rechtsmiddel on a case with status 'open'"),
    (zaakleden.debt_scheme_freezes_case, "schuldregeling-met-acties",
     "/document/schuldregeling-bevroren", "offers ['betalen']"),
    (zaakleden.pause_possibility_explained, "pauze-onmogelijk-zonder-reden",
     "/document/pauze-mogelijkheid", "mogelijk False without a reden"),
    (zaakleden.actions_offered_only_when_accepted, "betalen-bij-afgelost",
     "/document/acties-betekenis", "acties offers betalen with saldo 0"),
    (rekenregel.quote_follows_rule_2_2, "aanlooptijd-genegeerd",
     "/betalingsregeling/rekenregel-2-2", "differ from the rule's"),
    (rekenregel.limits_2_2_published_as_applied, "rente-niet-gepubliceerd",
     "/configuratie/limieten-2-2", "/configuratie publishes 0 (absent: 0)"),
    (pauzegrenzen.pause_stops_what_it_promises, "planning-negeert-pauze",
     "/pauze/wat-een-pauze-stopt", "was imposed on case"),
    (rekenregel.quote_interest_on_outstanding_principal, "rente-over-hoofdsom",
     "/betalingsregeling/rente", "rente_totaal is"),
    (rekenregel.nothing_arrangeable_refused, "niets-regelbaar-zonder-detail",
     "/betalingsregeling/rekenregel-2-2", "not refused with zaak-afgelost, detail"),
    (reserveringen.reservation_holds_its_cases, "reservering-houdt-zaken-niet-vast",
     "/betalingsregeling/reservering", "got status 201"),
    (reserveringen.reservations_refused_when_not_announced, "reserveringen-niet-aangekondigd",
     "/betalingsregeling/reservering", "expected problem 404 algemeen/dienst-niet-aangeboden"),
    (reserveringen.reservation_keys_shared_with_acceptances, "sleutels-per-operatie",
     "/betalingsregeling/reservering", "expected problem 422 idempotentie/sleutel-hergebruikt"),
    (reserveringen.unconfirmed_reservation_lapses, "reservering-vervalt-niet",
     "/betalingsregeling/reservering-vervalt", "not vervallen"),
    (reserveringen.confirmation_makes_the_arrangement_once, "bevestiging-niet-herhaalbaar",
     "/betalingsregeling/bevestiging", "expected HTTP 200, got 409"),
    (reserveringen.cancelled_reservation_not_confirmed, "geannuleerde-reservering-bevestigd",
     "/betalingsregeling/bevestiging", "expected problem 409"),
    (reserveringen.cancellation_frees_the_cases, "annuleren-na-bevestiging",
     "/betalingsregeling/reservering-annuleren", "reservering-bevestigd"),
    (reserveringen.group_arrangement_withdrawable, "groep-zonder-annuleerbaar-tot",
     "/betalingsregeling/groep-intrekbaar", "not for reservering_geldigheid_s"),
    (levenscyclus.amendment_replaces_atomically, "oude-regeling-blijft-actief",
     "/betalingsregeling/wijziging", "the old arrangement is 'actief'"),
    (levenscyclus.unpaid_instalment_missed_after_grace, "respijt-genegeerd",
     "/betalingsregeling/termijnstatus", "expected open, 0 and 0"),
    (levenscyclus.arrangement_lapses_after_missed_instalments, "regeling-vervalt-niet",
     "/betalingsregeling/vervallen", "expected beeindigd, vervallen"),
    (levenscyclus.instalment_in_pause_not_missed, "pauze-telt-termijn-als-gemist",
     "/betalingsregeling/pauze-en-termijnen", "is 'gemist'"),
    (pauzegrenzen.pauses_bounded_in_number, "pauze-aantal-onbegrensd",
     "/pauze/aantal-en-wachttijd", "expected problem 422 pauze/niet-toegestaan"),
    (pauzegrenzen.pause_waits_after_the_previous, "wachttijd-vanaf-begin",
     "/pauze/aantal-en-wachttijd", "expected problem 422 pauze/niet-toegestaan"),
    (pauzegrenzen.barred_case_refused_when_named, "pauze-in-schuldregeling",
     "/pauze/per-zaak", "expected problem 422 pauze/niet-toegestaan"),
    (pauzegrenzen.pause_everything_follows_acties, "alles-pauzeren-negeert-acties",
     "/pauze/alles-volgt-acties", "the cases whose acties offer pauze are"),
]
# Bound only by a source that offers no reservations: proven on one below.
UNANNOUNCED_ONLY = (reserveringen.reservations_refused_when_not_announced,)
CHECKS = [fn for fn in dict.fromkeys(fn for fn, *_ in BROKEN) if fn not in UNANNOUNCED_ONLY]


def _id(value):
    return getattr(value, "__name__", value)


@pytest.mark.anyio
@pytest.mark.parametrize("fn", CHECKS, ids=_id)
async def test_passes_on_correct_source_and_cleans_up(fn, suite_keys, monkeypatch):
    fed = Federation(suite_keys)
    app = fed.source()
    result = await run(fn, app, fed, monkeypatch=monkeypatch)
    assert result.outcome is Outcome.PASSED, result.message
    source = gallery_source(app)
    assert source.store.clock_shifts == {}, "the check left the test clock moved"
    assert [r.id for r in source.store.reservations.values() if r.state == "gereserveerd"
            and r.expires_at > source.admin_now(r.bsn)] == [], "a reservation still holds"
    assert [a.id for a in source.store.arrangements.values()
            if source.store.is_active(a)] == [], "an arrangement is still active"
    today = source.clock.today()
    assert [p.id for p in source.store.pauses.values() if p.active(today)] == []


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "flaw", "rule", "fragment"), BROKEN, ids=_id)
async def test_fails_on_its_flaw(fn, flaw, rule, fragment, suite_keys, monkeypatch):
    fed = Federation(suite_keys)
    result = await run(fn, build(fed, flaw), fed, monkeypatch=monkeypatch)
    assert result.outcome is Outcome.FAILED, result.message
    assert (result.rule, fragment in result.message) == (rule, True), result.message


def _lapse_kept_when_clock_goes_back(fed: Federation):
    """A source that writes a lapse it saw ahead on the test clock into its records."""
    app = fed.source()
    source = gallery_source(app)
    computed = source.store.lapse_of

    def kept(arrangement):
        ending = computed(arrangement)
        if ending is not None:
            arrangement.ending = ending  # written down, never undone
        return ending

    source.store.lapse_of = kept
    return app


@pytest.mark.anyio
async def test_a_lapse_seen_ahead_must_leave_no_trace(suite_keys, monkeypatch):
    fed = Federation(suite_keys)
    result = await run(levenscyclus.arrangement_lapses_after_missed_instalments,
                       build(fed, _lapse_kept_when_clock_goes_back), fed, monkeypatch=monkeypatch)
    assert result.outcome is Outcome.FAILED, result.message
    assert result.rule == "/testomgeving/klok-verschuift-domeintijd", result.message


@pytest.mark.anyio
async def test_group_withdrawal_is_not_tested_without_a_test_clock(suite_keys, monkeypatch):
    """The withdrawal inside the group's window is tested, the refusal after it cannot be
    reached without the test clock: not tested (the run is incomplete), never passed."""
    fed = Federation(suite_keys)
    result = await run(reserveringen.group_arrangement_withdrawable, without_test_clock(fed),
                       fed, monkeypatch=monkeypatch)
    assert (result.outcome, result.skip) == (Outcome.SKIPPED, Skip.NOT_TESTED), result.message
    assert "does not offer" in result.message


@pytest.mark.anyio
async def test_a_source_without_reservations_refuses_them(suite_keys, monkeypatch):
    """Passes on a source that announces no reservering_geldigheid_s (and holds nothing);
    not applicable to one that announces it."""
    fed = Federation(suite_keys)
    check = reserveringen.reservations_refused_when_not_announced
    app = fed.source(reserveringen=False)
    result = await run(check, app, fed, monkeypatch=monkeypatch)
    assert result.outcome is Outcome.PASSED, result.message
    assert gallery_source(app).store.reservations == {}
    result = await run(check, fed.source(), fed, monkeypatch=monkeypatch)
    assert (result.outcome, result.skip) == (Outcome.SKIPPED, Skip.NOT_APPLICABLE)


ZERO_DAY_CHECKS = [reserveringen.group_arrangement_withdrawable,
                   levenscyclus.amendment_replaces_atomically,
                   levenscyclus.unpaid_instalment_missed_after_grace,
                   levenscyclus.arrangement_lapses_after_missed_instalments]


@pytest.mark.anyio
@pytest.mark.parametrize("fn", ZERO_DAY_CHECKS, ids=_id)
async def test_with_a_zero_day_cooling_off_period_group_arrangements_carry_the_checks(
        fn, suite_keys, monkeypatch):
    """With bedenktijd_dagen 0 nothing accepted could be undone, so the checks make their
    arrangements by reserving and confirming (withdrawable until annuleerbaar_tot): they run,
    pass, and leave nothing active."""
    fed = Federation(suite_keys)
    app = fed.source(bedenktijd_dagen=0)
    result = await run(fn, app, fed, monkeypatch=monkeypatch)
    assert result.outcome is Outcome.PASSED, result.message
    source = gallery_source(app)
    assert [a.id for a in source.store.arrangements.values()
            if source.store.is_active(a)] == [], "an arrangement is still active"


def _end_unstarted_pauses_at_real_time(app) -> None:
    """What a clean-up between two runs does at a source like the reference: the full suite
    ends every pause listed `actief` at real time (`openapi.restore_state`), and a pause the
    count check left ahead on the test clock is ended today, before it began."""
    source = gallery_source(app)
    today = source.clock.today()
    for pause in source.store.pauses.values():
        if not pause.ended and pause.ingangsdatum > today:
            pause.ended, pause.einddatum = True, today


@pytest.mark.anyio
@pytest.mark.parametrize("ended_before_start", ["left-running", "counted", "not-counted"])
async def test_pause_count_check_repeatable_against_one_source(
        ended_before_start, suite_keys, monkeypatch):
    """A permanent test environment: the count check passes on the same source run after
    run, whatever the earlier run left — its pauses still ahead on the test clock, or ended at
    real time before they began, which the source may count (the standard excepts only a
    pause ended on its own first day) or not (it never held, as the reference sees it)."""
    fed = Federation(suite_keys)
    app = fed.source()
    if ended_before_start == "not-counted":
        monkeypatch.setattr(Pause, "withdrawn_same_day", property(
            lambda p: p.ended and p.einddatum <= p.ingangsdatum))
    for attempt in (1, 2, 3):
        result = await run(pauzegrenzen.pauses_bounded_in_number, app, fed,
                           monkeypatch=monkeypatch)
        assert result.outcome is Outcome.PASSED, f"run {attempt}: {result.message}"
        if ended_before_start != "left-running":
            _end_unstarted_pauses_at_real_time(app)


@pytest.mark.anyio
async def test_pause_count_check_fails_on_its_flaw_run_after_run(suite_keys, monkeypatch):
    fed = Federation(suite_keys)
    app = build(fed, "pauze-aantal-onbegrensd")
    for attempt in (1, 2):
        result = await run(pauzegrenzen.pauses_bounded_in_number, app, fed,
                           monkeypatch=monkeypatch)
        assert result.outcome is Outcome.FAILED, f"run {attempt}: {result.message}"
        assert "expected problem 422 pauze/niet-toegestaan" in result.message
        _end_unstarted_pauses_at_real_time(app)
