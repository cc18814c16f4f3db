"""Behaviour checks (arrangements, pauses, help requests) proven both ways: each passes on the
gallery's correct source — leaving it as it found it — and fails, naming its rule and the
cause, on a source with that one defect."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from conformance.checks import betalingsregelingen as br
from conformance.checks import hulpvragen, pauzes, sessie, testklok, voorstellen
from conformance.context import CheckContext
from conformance.model import Outcome, Skip
from tests.conformance.gallery_harness import (
    BASE_URL,
    CORRECT_SOURCES,
    OIN,
    TEST_BSNS,
    Federation,
    Rewrite,
    build,
    gallery_source,
    problem,
    rewrite_document,
    rewrite_json,
    run,
    without_test_clock,
)

CHECKS = [
    voorstellen.quote_by_amount_follows_schedule,
    voorstellen.quote_by_count_follows_schedule,
    voorstellen.quote_validity_announced,
    voorstellen.low_instalment_refused,
    voorstellen.too_many_instalments_refused,
    voorstellen.unknown_case_refused,
    voorstellen.all_reasons_reported,
    br.missing_idempotency_key_refused,
    br.malformed_idempotency_key_refused,
    br.idempotency_key_scoped_to_citizen,
    br.acceptance_is_idempotent,
    br.reused_idempotency_key_refused,
    br.concurrent_acceptances_create_one,
    br.withdrawal_within_cooling_off,
    br.arrangement_shown_in_document,
    br.expired_quote_refused,
    sessie.other_citizens_arrangement_not_found,
    voorstellen.arrangement_limits_applied,
    br.unknown_quote_refused,
    br.other_citizens_quote_refused,
    br.used_quote_refused,
    br.changed_case_refused,
    br.concurrent_keys_accept_quote_once,
    br.concurrent_overlapping_quotes_accept_once,
    br.withdrawal_bounded_by_cooling_off,
    voorstellen.other_citizens_case_not_quoted,
    pauzes.other_citizens_case_not_paused,
    pauzes.pause_limit_applied,
    pauzes.pause_covers_named_cases,
    pauzes.pause_without_cases_covers_all,
    hulpvragen.consent_required,
    pauzes.pause_beyond_limit_refused,
    pauzes.pause_not_after_today_refused,
    pauzes.pause_shown_in_document,
    pauzes.pause_holds_through_its_end_date,
    pauzes.ended_pause_lifted,
    pauzes.no_surcharges_while_paused,
    sessie.other_citizens_pause_not_found,
    hulpvragen.own_envelope_accepted,
    hulpvragen.tampered_envelope_refused,
    hulpvragen.unknown_source_envelope_refused,
    hulpvragen.other_citizens_envelope_refused,
]
CLOCKED = {br.expired_quote_refused}  # waits: proven with a clock jump


# --- broken sources the gallery does not list ------------------------------------------------


def quote_answer(change):
    return lambda fed: rewrite_json(fed.source(), "POST", "/betalingsregelingen/voorstellen",
                                    change)


def drop_reason(code):
    def change(status, body):
        if status == 422:
            body["redenen"] = [r for r in body["redenen"] if r["code"] != code]
    return quote_answer(change)


def long_validity(status, body):
    if status == 201:
        body["verloopt_op"] = "2999-01-01T00:00:00Z"


def invents_idempotency_key(fed: Federation):
    """A source that makes up an Idempotency-Key when none is sent."""
    async def request(body, headers, _scope):
        if not any(k.lower() == "idempotency-key" for k, _v in headers):
            headers = [*headers, ("idempotency-key", "made-up-by-the-source")]
        return body, headers

    return Rewrite(fed.source(), method="POST", path="/betalingsregelingen", request=request)


def shortens_idempotency_keys(fed: Federation):
    """A source that cuts an Idempotency-Key to its first 255 characters instead of
    refusing a longer one."""
    async def request(body, headers, _scope):
        return body, [(k, v[:255] if k.lower() == "idempotency-key" else v)
                      for k, v in headers]

    return Rewrite(fed.source(), method="POST", path="/betalingsregelingen", request=request)


def clamps_end_date(fed: Federation):
    """A source that replaces an end date that is not after today by tomorrow."""
    app = fed.source()

    async def request(body, headers, _scope):
        data = json.loads(body)
        source = gallery_source(app)
        tomorrow = source.clock.today().toordinal() + 1
        if datetime.fromisoformat(data["einddatum"]).toordinal() < tomorrow:
            data["einddatum"] = type(source.clock.today()).fromordinal(tomorrow).isoformat()
        return json.dumps(data).encode(), headers

    return Rewrite(app, method="POST", path="/pauzes", request=request)


def pause_never_ends(fed: Federation):
    """A source that answers 204 to DELETE /pauzes/{id} without ending the pause."""
    return Rewrite(fed.source(), method="DELETE", path="/pauzes/[^/]+",
                   answer=lambda _body, _scope: (204, [], b""))


def surcharge_while_paused(fed: Federation):
    """A source that adds a verhoging to a case the moment it is paused."""

    def change(doc):
        # Dated when the document is served, i.e. after the pause exists (a time taken when
        # the wrapper is built could fall in the second before the pause and not count).
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for case in doc["financiele_zaken"]:
            if case["status"] == "gepauzeerd":
                case["gebeurtenissen"].append({
                    "gebeurtenis_id": f"{case['zaakkenmerk']}-verhoging-tijdens-pauze",
                    "gebeurtenistype": "FinancieleVerplichtingOpgelegd", "datumtijd": now,
                    "bedrag": 1500, "categorie": "verhoging", "omschrijving": "Verhoging"})
                case["totaal_financieel_verplicht"] += 1500
                case["saldo"] += 1500
                case["saldo_datumtijd"] = now
    return rewrite_document(fed.source(), fed, change)


def refuses_every_help_request(fed: Federation):
    """A municipality whose envelope verification rejects even valid envelopes."""
    return Rewrite(fed.source(), method="POST", path="/hulpvragen", answer=lambda _b, _s: problem(
        422, "hulpvraag/envelop-ongeldig"))


def refuses_minimum_amount(fed: Federation):
    """A source that refuses a monthly amount equal to the minimum (off by one)."""
    from conformance.broken.source import MINIMUM_TERMIJNBEDRAG_CENTS

    def answer(body, _scope):
        if json.loads(body).get("termijnbedrag") == MINIMUM_TERMIJNBEDRAG_CENTS:
            return problem(422, "betalingsregeling/niet-mogelijk")
        return None

    return Rewrite(fed.source(), method="POST", path="/betalingsregelingen/voorstellen",
                   answer=answer)


def unknown_quote_not_found(fed: Federation):
    def response(status, headers, body):
        if status == 422 and b"voorstel-onbekend" in body:
            return problem(404, "algemeen/niet-gevonden")
        return status, headers, body
    return Rewrite(fed.source(), method="POST", path="/betalingsregelingen", response=response)


def quotes_of_anyone_accepted(fed: Federation):
    """A source that lets any citizen accept any quote it gave."""
    app = fed.source()

    async def request(body, headers, _scope):
        source = gallery_source(app)
        token = dict((k.lower(), v) for k, v in headers)["authorization"].split(" ", 1)[1]
        session = source.store.sessions[hashlib.sha256(token.encode()).hexdigest()]
        found = source.store.quotes.get(json.loads(body)["voorstel_id"])
        if found is not None:
            found.bsn = session.bsn
        return body, headers

    return Rewrite(app, method="POST", path="/betalingsregelingen", request=request)


def refuses_pause_at_limit(fed: Federation):
    """A source that refuses an end date exactly maximum_duur_dagen ahead (off by one)."""
    from conformance.broken.source import PAUZE_MAXIMUM_DUUR_DAGEN

    app = fed.source()

    def answer(body, _scope):
        limit = gallery_source(app).clock.today() + timedelta(days=PAUZE_MAXIMUM_DUUR_DAGEN)
        if json.loads(body).get("einddatum") == limit.isoformat():
            return problem(422, "pauze/niet-mogelijk")
        return None

    return Rewrite(app, method="POST", path="/pauzes", answer=answer)


def pauses_everything(fed: Federation):
    """A source that ignores zaakkenmerken and pauses every case."""
    async def request(body, headers, _scope):
        data = json.loads(body)
        data.pop("zaakkenmerken", None)
        return json.dumps(data).encode(), headers
    return Rewrite(fed.source(), method="POST", path="/pauzes", request=request)


def pauses_only_the_first(fed: Federation):
    """A source whose pause without zaakkenmerken covers only one case."""
    def change(status, body):
        if status == 201:
            body["zaakkenmerken"] = body["zaakkenmerken"][:1]
    return rewrite_json(fed.source(), "POST", "/pauzes", change)


def consent_assumed(fed: Federation):
    """A municipality that treats every help request as consented."""
    async def request(body, headers, _scope):
        data = json.loads(body)
        data["toestemming"] = True
        return json.dumps(data).encode(), headers
    return Rewrite(fed.source(), method="POST", path="/hulpvragen", request=request)


BROKEN = [
    (voorstellen.arrangement_limits_applied, "minimum-termijnbedrag-exclusief",
     "/configuratie/limieten", "({'termijnbedrag': 2500}) was refused"),
    (br.other_citizens_quote_refused, "andermans-voorstel-geaccepteerd",
     "/betalingsregeling/acceptatie-gecontroleerd", "got status 201"),
    (br.concurrent_acceptances_create_one, "geen-vergrendeling", "/betalingsregeling/gelijktijdig",
     "created 2 arrangements"),
    (br.concurrent_keys_accept_quote_once, "geen-vergrendeling", "/betalingsregeling/gelijktijdig",
     "created 2 arrangements"),
    (voorstellen.other_citizens_case_not_quoted, "andermans-zaak-in-voorstel",
     "/sessie/andermans-resource-404", "a quote for another citizen's case"),
    (pauzes.other_citizens_case_not_paused, "andermans-zaak-gepauzeerd",
     "/sessie/andermans-resource-404", "a pause of another citizen's case"),
    (br.withdrawal_bounded_by_cooling_off, "bedenktijd-onbegrensd",
     "/betalingsregeling/intrekken-bedenktijd",
     "expected problem 409 betalingsregeling/bedenktijd-verstreken; got status 204"),
    (br.withdrawal_bounded_by_cooling_off, "intrekken-onmogelijk",
     "/betalingsregeling/intrekken-bedenktijd", "answered 409 instead of 204"),
    (pauzes.pause_holds_through_its_end_date, "pauze-einddatum-exclusief",
     "/pauze/status-in-document", "the pause holds then"),
    (br.concurrent_overlapping_quotes_accept_once, "vergrendeling-per-voorstel",
     "/betalingsregeling/gelijktijdig", "accepted concurrently put it in 2 active arrangements"),
    (pauzes.pause_covers_named_cases, "pauze-dekt-alles", "/pauze/dekking", "expected ["),
    (hulpvragen.consent_required, "toestemming-niet-vereist", "/hulpvraag/toestemming",
     "got status 201"),
    (voorstellen.arrangement_limits_applied, refuses_minimum_amount, "/configuratie/limieten",
     "a quote at the configured limit ({'termijnbedrag': 2500}) was refused"),
    (br.unknown_quote_refused, unknown_quote_not_found,
     "/betalingsregeling/acceptatie-gecontroleerd", "got status 404"),
    (br.other_citizens_quote_refused, quotes_of_anyone_accepted,
     "/betalingsregeling/acceptatie-gecontroleerd", "got status 409"),
    (br.used_quote_refused, "niet-idempotent", "/betalingsregeling/acceptatie-gecontroleerd",
     "got status 201"),
    (br.changed_case_refused, "niet-idempotent", "/betalingsregeling/acceptatie-gecontroleerd",
     "got status 201"),
    (br.concurrent_keys_accept_quote_once, "niet-idempotent", "/betalingsregeling/gelijktijdig",
     "created 2 arrangements"),
    (pauzes.pause_limit_applied, refuses_pause_at_limit, "/configuratie/limieten",
     "was refused: 422"),
    (pauzes.pause_covers_named_cases, pauses_everything, "/pauze/dekking", "expected ["),
    (pauzes.pause_without_cases_covers_all, pauses_only_the_first, "/pauze/dekking",
     "the cases that can be paused are"),
    (hulpvragen.consent_required, consent_assumed, "/hulpvraag/toestemming", "got status 201"),
    (voorstellen.quote_by_amount_follows_schedule, "schema-regel-fout",
     "/betalingsregeling/schema-regel", "differ from the schedule rule's"),
    (voorstellen.quote_by_count_follows_schedule, "schema-regel-fout",
     "/betalingsregeling/schema-regel", "differ from the schedule rule's"),
    (voorstellen.quote_validity_announced, quote_answer(long_validity),
     "/betalingsregeling/voorstel-verloopt", "is not now + voorstel_geldigheid_s (5 s)"),
    (voorstellen.low_instalment_refused, "limiet-niet-gehandhaafd", "/betalingsregeling/limieten",
     "got status 201"),
    (voorstellen.too_many_instalments_refused, drop_reason("te-veel-termijnen"),
     "/betalingsregeling/limieten", "redenen lack 'te-veel-termijnen'"),
    (voorstellen.unknown_case_refused, drop_reason("zaak-onbekend"), "/betalingsregeling/redenen",
     "lack ['zaak-onbekend']"),
    (voorstellen.all_reasons_reported, "alleen-eerste-reden", "/betalingsregeling/redenen",
     "lack ["),
    (br.missing_idempotency_key_refused, invents_idempotency_key, "/betalingsregeling/idempotent",
     "got status 201"),
    (br.malformed_idempotency_key_refused, shortens_idempotency_keys,
     "/betalingsregeling/idempotent", "got status 201"),
    (br.idempotency_key_scoped_to_citizen, "sleutels-voor-alle-burgers",
     "/betalingsregeling/idempotent", "was answered the first citizen's arrangement"),
    (br.acceptance_is_idempotent, "niet-idempotent", "/betalingsregeling/idempotent",
     "answered another body"),
    (br.reused_idempotency_key_refused, "niet-idempotent", "/betalingsregeling/idempotent",
     "expected problem 422 idempotentie/sleutel-hergebruikt; got status 201"),
    (br.concurrent_acceptances_create_one, "niet-idempotent", "/betalingsregeling/gelijktijdig",
     "created 2 arrangements"),
    (br.withdrawal_within_cooling_off, "intrekken-onmogelijk",
     "/betalingsregeling/intrekken-bedenktijd", "expected HTTP 204, got 409"),
    (br.arrangement_shown_in_document, "regeling-niet-in-document",
     "/betalingsregeling/status-in-document", "the case shows status 'open'"),
    (sessie.other_citizens_arrangement_not_found, "lekt-andermans-regeling",
     "/sessie/andermans-resource-404", "got status 200"),
    (pauzes.pause_beyond_limit_refused, "pauze-limiet-genegeerd", "/pauze/limieten",
     "got status 201"),
    (pauzes.pause_not_after_today_refused, clamps_end_date, "/pauze/limieten", "got status 201"),
    (pauzes.pause_shown_in_document, "pauze-niet-in-document", "/pauze/status-in-document",
     "the case shows status 'open'"),
    (pauzes.ended_pause_lifted, pause_never_ends, "/pauze/beeindigen",
     "has status 'actief', expected beeindigd"),
    (pauzes.ended_pause_lifted, "pauze-beeindigen-niet-herhaalbaar", "/pauze/beeindigen",
     "expected HTTP 204, got 404"),
    (pauzes.no_surcharges_while_paused, surcharge_while_paused, "/pauze/geen-verhogingen",
     "-verhoging-tijdens-pauze' (verhoging, "),
    (pauzes.no_surcharges_while_paused, "verhoging-tijdens-pauze", "/pauze/geen-verhogingen",
     "(rente, "),
    (pauzes.no_surcharges_while_paused, "planning-negeert-pauze", "/pauze/geen-verhogingen",
     "'A1-7' (verhoging, "),
    (pauzes.no_surcharges_while_paused, "pauze-stelt-alleen-uit", "/pauze/geen-verhogingen",
     "after pause"),
    (sessie.other_citizens_pause_not_found, "andermans-pauze-403",
     "/sessie/andermans-resource-404", "got status 403"),
    (hulpvragen.own_envelope_accepted, refuses_every_help_request,
     "/hulpvraag/enveloppen-geverifieerd", "expected HTTP 201, got 422"),
    (hulpvragen.tampered_envelope_refused, "hulpvraag-zonder-verificatie",
     "/hulpvraag/enveloppen-geverifieerd", "got status 201"),
    (hulpvragen.unknown_source_envelope_refused, "hulpvraag-zonder-verificatie",
     "/hulpvraag/enveloppen-geverifieerd", "got status 201"),
    (hulpvragen.other_citizens_envelope_refused, "hulpvraag-bsn-niet-gecontroleerd",
     "/hulpvraag/zelfde-burger", "got status 201"),
]
CLOCKED_BROKEN = [
    (br.expired_quote_refused, "voorstel-verloopt-te-vroeg", "/betalingsregeling/voorstel-verloopt",
     "2 s before its verloopt_op a quote was refused: 409"),
    (br.expired_quote_refused, "voorstel-verloopt-niet", "/betalingsregeling/voorstel-verloopt",
     "expected problem 409 betalingsregeling/voorstel-verlopen; got status 201"),
]


def _id(value):
    return getattr(value, "__name__", value)


async def _active(app, fed: Federation) -> dict[str, list[str]]:
    """Per test citizen, the ids of active arrangements and pauses, as the API lists them."""
    ctx = await CheckContext.create(BASE_URL, keys=fed.suite_keys, scheme=fed.scheme, oin=OIN,
                                    transport=httpx.ASGITransport(app=app))
    try:
        found = {}
        for bsn in TEST_BSNS:
            session = await ctx.session(bsn)
            ids = []
            for path, member in (("/betalingsregelingen", "betalingsregelingen"),
                                 ("/pauzes", "pauzes")):
                listing = (await ctx.get(path, session)).json()[member]
                ids += [item["id"] for item in listing if item["status"] == "actief"]
            found[bsn] = sorted(ids)
        return found
    finally:
        await ctx.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", CHECKS, ids=_id)
async def test_passes_on_correct_source_and_cleans_up(fn, correct, suite_keys, monkeypatch):
    fed = Federation(suite_keys)
    app = CORRECT_SOURCES[correct](fed)
    before = await _active(app, fed)
    result = await run(fn, app, fed, monkeypatch=monkeypatch if fn in CLOCKED else None)
    assert result.outcome is Outcome.PASSED, result.message
    assert await _active(app, fed) == before, "the check left state behind"
    assert gallery_source(app).store.clock_shifts == {}, "the check left the test clock moved"


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "rule", "fragment"), BROKEN + CLOCKED_BROKEN,
                         ids=_id)
async def test_fails_on_broken_source(fn, broken_source, rule, fragment, suite_keys,
                                      monkeypatch):
    fed = Federation(suite_keys)
    result = await run(fn, build(fed, broken_source), fed,
                       monkeypatch=monkeypatch if fn in CLOCKED else None)
    assert result.outcome is Outcome.FAILED, result.message
    assert (result.rule, fragment in result.message) == (rule, True), result.message


def test_every_behaviour_check_is_proven_broken():
    assert {fn for fn, *_ in BROKEN + CLOCKED_BROKEN} == set(CHECKS)


# --- a finding names the rule actually broken ------------------------------------------------


@pytest.mark.anyio
async def test_all_reasons_check_names_an_unenforced_limit(suite_keys):
    fed = Federation(suite_keys)
    result = await run(voorstellen.all_reasons_reported, fed.source("limiet-niet-gehandhaafd"), fed)
    assert result.outcome is Outcome.FAILED
    assert result.rule == "/betalingsregeling/limieten"


@pytest.mark.anyio
async def test_an_arrangement_that_cannot_be_withdrawn_is_a_finding(suite_keys):
    """A check that accepts a quote must be able to undo it; if the source refuses, the run
    says so instead of silently leaving the case in an arrangement."""
    fed = Federation(suite_keys)
    result = await run(br.acceptance_is_idempotent, fed.source("intrekken-onmogelijk"), fed)
    assert result.outcome is Outcome.FAILED
    assert result.rule == "/betalingsregeling/intrekken-bedenktijd"
    assert "answered 409 instead of 204" in result.message


@pytest.mark.anyio
@pytest.mark.parametrize("fn", [hulpvragen.own_envelope_accepted,
                                hulpvragen.tampered_envelope_refused,
                                hulpvragen.other_citizens_envelope_refused], ids=_id)
async def test_help_request_checks_need_a_valid_own_envelope(fn, suite_keys):
    """When the source's own envelopes are invalid (the document checks fail), the help-request
    checks cannot judge the municipality: an error, not a misattributed failure."""
    fed = Federation(suite_keys)
    result = await run(fn, fed.source("saldo-klopt-niet"), fed)
    assert result.outcome is Outcome.ERROR
    assert "envelop/document-ongeldig" in result.message


# --- the test clock: what a source without it, or without a dunning schedule, gives ----------


def without_dunning_schedule(fed: Federation):
    """A source whose citizens have no planned surcharges or reminders."""
    app = fed.source()
    for cases in gallery_source(app).cases.values():
        for case in cases.values():
            case.pop("gepland", None)
    return app


@pytest.mark.anyio
async def test_surcharge_rule_is_not_tested_without_a_test_clock(suite_keys):
    """Without a test clock the pause rule cannot be tested: skipped as not tested (the run is
    incomplete), not passed; the clock's own checks do not apply."""
    fed = Federation(suite_keys)
    app = without_test_clock(fed)
    result = await run(pauzes.no_surcharges_while_paused, app, fed)
    assert (result.outcome, result.skip) == (Outcome.SKIPPED, Skip.NOT_TESTED), result.message
    assert "offers no test clock" in result.message
    for fn in (testklok.test_clock_is_per_citizen,
               testklok.test_clock_moves_administrative_time_only):
        result = await run(fn, announcing_2_1(app), fed)
        assert (result.outcome, result.skip) == (Outcome.SKIPPED, Skip.NOT_APPLICABLE)
        assert "offers no test clock" in result.message


@pytest.mark.anyio
async def test_surcharge_rule_is_not_tested_without_a_dunning_schedule(suite_keys):
    """The control run finds no surcharge falling due: nothing to hold back, so not tested —
    and the clock is back at real time."""
    fed = Federation(suite_keys)
    app = without_dunning_schedule(fed)
    result = await run(pauzes.no_surcharges_while_paused, app, fed)
    assert result.outcome is Outcome.SKIPPED, result.message
    assert result.skip == Skip.NOT_TESTED
    assert "no case of a test citizen that can be paused gains a surcharge or reminder " \
        "within 118 days" in result.message
    assert gallery_source(app).store.clock_shifts == {}


# --- the test clock's own rules (since 2.1.0: the gallery announces 2.1 for them) -------------

CLOCK_CHECKS = [testklok.test_clock_is_per_citizen,
                testklok.test_clock_moves_administrative_time_only]
CLOCK_BROKEN = [
    (testklok.test_clock_is_per_citizen, "testklok-voor-iedereen",
     "/testomgeving/klok-per-burger", "moving one citizen's clock moved another's"),
    (testklok.test_clock_moves_administrative_time_only, "testklok-niet-in-document",
     "/testomgeving/klok-verschuift-domeintijd", "with the clock 10 days ahead: opgesteld_op"),
]


def announcing_2_1(app):
    def change(status, body):
        if status == 200:
            body["api_versie"] = "2.1"
    return rewrite_json(app, "GET", r".*/configuratie", change)


@pytest.mark.anyio
@pytest.mark.parametrize("fn", CLOCK_CHECKS, ids=_id)
async def test_clock_check_passes_and_puts_the_clock_back(fn, suite_keys):
    fed = Federation(suite_keys)
    app = fed.source()
    result = await run(fn, announcing_2_1(app), fed)
    assert result.outcome is Outcome.PASSED, result.message
    assert gallery_source(app).store.clock_shifts == {}


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "flaw", "rule", "fragment"), CLOCK_BROKEN, ids=_id)
async def test_clock_check_fails_on_its_flaw(fn, flaw, rule, fragment, suite_keys):
    fed = Federation(suite_keys)
    result = await run(fn, announcing_2_1(fed.source(flaw)), fed)
    assert result.outcome is Outcome.FAILED, result.message
    assert (result.rule, fragment in result.message) == (rule, True), result.message


def test_every_clock_check_is_proven_broken():
    assert {fn for fn, *_ in CLOCK_BROKEN} == set(CLOCK_CHECKS)


def schedule_at_the_second_citizen(app):
    """Only the second test citizen's open case has a dunning schedule (day 20)."""
    source = gallery_source(app)
    for cases in source.cases.values():
        for case in cases.values():
            case.pop("gepland", None)
    case = next(c for c in source.cases[TEST_BSNS[1]].values()
                if c["saldo"] > 0 and c["status"] == "open")
    due = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT09:00:00Z")
    case["gepland"] = [{"gebeurtenis_id": "TWEEDE-1", "gebeurtenistype":
                        "FinancieleVerplichtingOpgelegd", "datumtijd": due, "bedrag": 700,
                        "categorie": "verhoging", "omschrijving": "Verhoging"}]
    return app


@pytest.mark.anyio
async def test_surcharge_rule_finds_the_schedule_at_another_test_citizen(suite_keys):
    """Only the second test citizen's case has a dunning schedule: the check finds it there
    (tested: passed on the baseline, failed on the flaw) instead of giving up."""
    fed = Federation(suite_keys)
    result = await run(pauzes.no_surcharges_while_paused,
                       schedule_at_the_second_citizen(fed.source()), fed)
    assert result.outcome is Outcome.PASSED, result.message
    result = await run(pauzes.no_surcharges_while_paused,
                       schedule_at_the_second_citizen(fed.source("planning-negeert-pauze")), fed)
    assert (result.outcome, result.rule) == (Outcome.FAILED, "/pauze/geen-verhogingen")
    assert "'TWEEDE-1' (verhoging" in result.message
