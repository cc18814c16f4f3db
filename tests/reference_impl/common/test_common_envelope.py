"""Envelope verification, 2.0 (design §7), beyond the spec vectors: key windows judged at
the signed `opgesteld_op` (a routine rotation keeps old documents valid, a stolen key's later
documents are refused), another major's document, open data, and a help request's BSN and
freshness."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from reference_impl.common.envelope import HelpRequestContext, sign_envelope, verify_envelope
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import generate_key, public_jwk
from reference_impl.common.scheme import key_entry

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
OIN = "00000001001234567000"
BSN = "999993653"
DAY = 86_400
KEY = generate_key()


def document(opgesteld_op: int, **changes: Any) -> dict[str, Any]:
    moment = datetime.fromtimestamp(opgesteld_op, UTC).isoformat().replace("+00:00", "Z")
    return {"documentversie": "2.0", "bron": {"oin": OIN, "naam": "Gemeente"}, "bsn": BSN,
            "opgesteld_op": moment, "financiele_zaken": [], **changes}


def scheme(**entry: Any) -> dict[str, Any]:
    return {"organisaties": [{"oin": OIN, "sleutels": [
        key_entry(public_jwk(KEY), entry.pop("geldig_vanaf", 0), **entry)]}]}


def outcome(envelope: Any, payload: dict[str, Any], **kwargs: Any) -> str | None:
    try:
        verify_envelope(envelope, payload, now=NOW, **kwargs)
    except TokenError as refused:
        return refused.code
    return None


@pytest.mark.parametrize(("signed_at", "entry", "code"), [
    (NOW - DAY, {"geldig_tot": NOW - 2 * DAY}, "envelop/sleutel-niet-geldig"),
    (NOW - 2 * DAY + 60, {"geldig_tot": NOW - 2 * DAY}, None),  # within skew of retiring
    (NOW - 3 * DAY, {"geldig_tot": NOW - 2 * DAY}, None),  # signed before a routine rotation
    (NOW - DAY, {"geldig_vanaf": NOW}, "envelop/sleutel-niet-geldig"),
    (NOW - 60, {"geldig_vanaf": NOW}, None),
    (NOW - DAY, {"ingetrokken_op": NOW - 2 * DAY}, "envelop/sleutel-ingetrokken"),
    (NOW - 3 * DAY, {"ingetrokken_op": NOW - 2 * DAY}, None),  # before the compromise
    (NOW - 2 * DAY, {"ingetrokken_op": NOW - 2 * DAY}, "envelop/sleutel-ingetrokken"),
    (NOW + 61, {}, "envelop/nog-niet-geldig"),
    (NOW + 60, {}, None),
])
def test_the_key_window_is_judged_at_the_signed_creation_time(
        signed_at: int, entry: dict[str, Any], code: str | None) -> None:
    assert outcome(sign_envelope(document(signed_at), KEY), scheme(**entry)) == code


def test_another_major_and_a_missing_version() -> None:
    payload = scheme()
    assert outcome(sign_envelope(document(NOW, documentversie="3.0"), KEY), payload) == (
        "envelop/versie-niet-ondersteund")
    assert outcome(sign_envelope(document(NOW, documentversie="2.7"), KEY), payload) is None
    missing = document(NOW)
    del missing["documentversie"]
    assert outcome(sign_envelope(missing, KEY), payload) == "envelop/document-ongeldig"


def test_unknown_members_are_ignored_but_signed() -> None:
    envelope = sign_envelope(document(NOW, nieuw_in_2_1={"x": 1}), KEY)
    assert outcome({**envelope, "transport": "extra"}, scheme()) is None
    tampered = {**envelope, "document": {**envelope["document"], "nieuw_in_2_1": {"x": 2}}}
    assert outcome(tampered, scheme()) == "envelop/handtekening-ongeldig"


def test_a_help_request_checks_the_citizen_and_the_age() -> None:
    payload = scheme()
    fresh = sign_envelope(document(NOW - 14 * DAY), KEY)
    stale = sign_envelope(document(NOW - 14 * DAY - 1), KEY)
    assert outcome(fresh, payload, help_request=HelpRequestContext(BSN)) is None
    assert outcome(stale, payload, help_request=HelpRequestContext(BSN)) == "envelop/verouderd"
    assert outcome(stale, payload) is None  # the app's own overview has no age limit
    assert outcome(fresh, payload, expected_bsn="999990019") == "envelop/bsn-onjuist"
    assert outcome(stale, payload, help_request=HelpRequestContext(BSN, max_age_s=30 * DAY)) \
        is None


def test_a_signature_with_a_final_newline_is_malformed() -> None:
    """Python's `$` matches before a final newline: only a whole match is a detached JWS."""
    envelope = sign_envelope(document(NOW), KEY)
    assert outcome(envelope, scheme()) is None
    spoiled = {**envelope, "handtekening": envelope["handtekening"] + "\n"}
    assert outcome(spoiled, scheme()) == "envelop/ongeldig-formaat"
