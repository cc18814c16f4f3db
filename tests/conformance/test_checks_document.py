"""The document checks proven both ways: each passes on the gallery's correct source and
fails, naming its rule and the cause, on a source whose envelopes break exactly that rule."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.checks import document
from conformance.model import Outcome, Skip
from tests.conformance.gallery_harness import (
    CORRECT_SOURCES,
    Federation,
    assert_fails,
    assert_passes,
    build,
    check_id,
    checks_defined_in,
    rewrite_document,
    run,
)

CHECKS = checks_defined_in(document)
ELFPROEF_FAILS = "999993654"
OTHER_VALID_BSN = "111222333"  # passes the elfproef; no test citizen of the gallery


def documents(change: Callable[[dict], None]):
    """A source whose claims documents `change` alters before (validly) signing them."""
    return lambda fed: rewrite_document(fed.source(), fed, change)


def first_case(change: Callable[[dict], None]):
    def on_document(doc: dict) -> None:
        if doc["financiele_zaken"]:
            change(doc["financiele_zaken"][0])
    return documents(on_document)


def _foreign_oin(doc):
    doc["bron"]["oin"] = "00000099999999999999"


BROKEN = [
    (document.envelope_signature_valid, "verkeerde-sleutel", "/envelop/handtekening",
     "envelop/sleutel-onbekend"),
    (document.envelope_source_in_scheme, documents(_foreign_oin), "/envelop/bron-in-stelsel",
     "document.bron.oin is '00000099999999999999'"),
    (document.envelope_source_in_scheme, "verkeerde-bron-oin", "/envelop/bron-in-stelsel",
     "document.bron.oin is"),
    (document.envelope_detached_over_jcs, "handtekening-niet-detached", "/envelop/detached-jcs",
     "detached (empty) payload part"),
    (document.envelope_detached_over_jcs, "geen-jcs", "/envelop/detached-jcs",
     "not its JCS canonical form"),
    (document.envelope_signature_valid, "geen-jcs", "/envelop/detached-jcs",
     "not its JCS canonical form"),
    (document.document_matches_schema, documents(lambda d: d.pop("opgesteld_op")),
     "/document/schema-open", "'opgesteld_op' is a required property"),
    (document.document_matches_schema, "datumtijd-zonder-offset",
     "/document/datumtijd-met-offset", "/document/financiele_zaken/0/gebeurtenissen/0/datumtijd"),
    (document.document_matches_schema, "handtekening-niet-detached", "/envelop/detached-jcs",
     "/handtekening: "),
    (document.amounts_in_cents, "float-bedragen", "/document/bedragen-in-centen",
     "not an integer number of cents"),
    (document.datetimes_with_offset, "datumtijd-zonder-offset", "/document/datumtijd-met-offset",
     "not an RFC 3339 date-time with an offset"),
    (document.event_ids_unique, "dubbele-gebeurtenis-id", "/document/gebeurtenis-id-uniek",
     "also used at"),
    (document.case_ids_unique, "dubbel-zaakkenmerk", "/document/zaakkenmerk-uniek",
     "also used at /financiele_zaken/"),
    (document.references_resolve, "dangling-referentie", "/document/referenties-kloppen",
     "names no event in this case"),
    (document.verplicht_is_sum, "verplicht-zonder-correctie", "/document/verplicht-is-som",
     "the imposed events add up to"),
    (document.vereffend_is_sum, "vereffend-zonder-kwijtschelding", "/document/vereffend-is-som",
     "payments and remissions add up to"),
    (document.saldo_adds_up, "saldo-klopt-niet", "/document/saldo-klopt",
     "verplicht − vereffend is"),
    (document.arrears_bounded, "achterstand-te-hoog", "/document/achterstand-begrensd",
     "is outside 0…max(saldo"),
    (document.balance_time_after_events, "saldo-datumtijd-te-vroeg", "/document/saldo-datumtijd",
     "is before event time"),
    (document.bsn_passes_elfproef, documents(lambda d: d.update(bsn=ELFPROEF_FAILS)),
     "/document/bsn-elfproef", "does not pass the elfproef"),
    (document.bsn_is_certificates, documents(lambda d: d.update(bsn=OTHER_VALID_BSN)),
     "/document/bsn-van-certificaat", "differs from the BSN in the session's certificate"),
    (document.settled_without_balance, "afgelost-met-saldo", "/document/afgelost-zonder-saldo",
     "status afgelost with saldo"),
    (document.enums_closed, "onbekende-status", "/document/enums-gesloten",
     "status 'in_behandeling' is not one of"),
    (document.event_ids_stable, "instabiele-gebeurtenis-ids", "/document/gebeurtenis-id-stabiel",
     "missing from the second"),
    (document.case_ids_stable, "instabiel-zaakkenmerk", "/document/zaakkenmerk-stabiel",
     "of the first fetch is missing from the second"),
    (document.document_dated_when_signed,
     documents(lambda d: d.update(opgesteld_op="2020-01-01T00:00:00Z")), "/envelop/opgesteld-op",
     "is not the moment of signing"),
    (document.citizen_without_claims_gets_signed_document, "geen-document-zonder-zaken",
     "/envelop/ook-zonder-vorderingen", "answered 404 without a JSON envelope"),
    (document.citizen_without_claims_gets_signed_document, "zonder-zaken-alleen-bekende-bsns",
     "/envelop/ook-zonder-vorderingen", "answered 404 without a JSON envelope"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", CHECKS, ids=check_id)
async def test_passes_on_correct_source(fn, correct, suite_keys):
    await assert_passes(fn, correct, suite_keys)


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "rule", "fragment"), BROKEN, ids=check_id)
async def test_fails_on_broken_source(fn, broken_source, rule, fragment, suite_keys):
    await assert_fails(fn, broken_source, rule, fragment, suite_keys)


def test_every_document_check_is_proven_broken():
    assert {fn for fn, *_ in BROKEN} == set(CHECKS)


@pytest.mark.anyio
async def test_findings_never_quote_a_bsn(suite_keys):
    fed = Federation(suite_keys)
    app = build(fed, documents(lambda d: d.update(bsn=OTHER_VALID_BSN)))
    result = await run(document.bsn_is_certificates, app, fed)
    assert OTHER_VALID_BSN not in result.message
    assert all(OTHER_VALID_BSN not in e.response_body_excerpt for e in result.evidence)


def signs_wire_bytes(fed: Federation):
    """A source that signs the document exactly as it writes it in the body, not its JCS."""
    import json

    from conformance import jose
    from tests.conformance.gallery_harness import Rewrite

    def response(status, headers, body):
        document = json.loads(body)["document"]
        raw = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
        head = jose.b64e(json.dumps({"alg": "ES256", "typ": jose.TYP_ENVELOPE,
                                     "kid": fed.org_key.kid}, separators=(",", ":")).encode())
        signature = jose.b64e(fed.org_key.sign(f"{head}.{jose.b64e(raw.encode())}".encode()))
        out = '{"document":' + raw + ',"handtekening":"' + f"{head}..{signature}" + '"}'
        return status, headers, out.encode()

    return Rewrite(fed.source(), method="GET", path="/vorderingenoverzicht", response=response)


@pytest.mark.anyio
async def test_signature_over_the_wire_bytes_is_named(suite_keys):
    fed = Federation(suite_keys)
    result = await run(document.envelope_detached_over_jcs, signs_wire_bytes(fed), fed)
    assert result.outcome is Outcome.FAILED
    assert result.rule == "/envelop/detached-jcs"
    assert "(as sent or as a JSON library writes it), not its JCS canonical form" in result.message


def test_the_citizen_without_claims_is_drawn_anew_and_valid():
    """Not a fixed BSN a source could special-case: every draw passes the elfproef, lies
    outside the 999… test range, and two draws differ."""
    from conformance.document_rules import passes_elfproef

    drawn = {document.random_bsn() for _ in range(50)}
    assert len(drawn) > 45
    assert all(passes_elfproef(b) and not b.startswith("9") for b in drawn)
    assert document.random_bsn(avoid=drawn) not in drawn


def _no_cases(doc: dict) -> None:
    doc["financiele_zaken"] = []


@pytest.mark.anyio
async def test_invariants_are_not_tested_on_documents_without_cases(suite_keys):
    """A source whose test citizens have no case would pass every invariant of the claims
    document without any being checked: not tested (the run is incomplete), never passed."""
    fed = Federation(suite_keys)
    app = build(fed, documents(_no_cases))
    result = await run(document.amounts_in_cents, app, fed)
    assert (result.outcome, result.skip) == (Outcome.SKIPPED, Skip.NOT_TESTED), result.message
    assert "no test citizen's document holds a case" in result.message
