"""A bundle verifies offline, and a bad one says exactly which envelope and step fail."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path

import pytest
from app_support import OTHER_BSN, Operator, Organisation

from reference_impl.app.bundle import (
    read_bundle,
    render_markdown,
    verify_bundle,
    write_bundle,
)
from reference_impl.app.errors import BundleError
from reference_impl.common.envelope import sign_envelope
from reference_impl.common.jose import b64url_decode, b64url_encode, generate_key
from reference_impl.common.scheme import Scheme

GEMEENTE = Organisation("00000001001234567000", "Gemeente Voorbeeldstad")
WATERSCHAP = Organisation("00000001001234004000", "Waterschap Voorbeeld-Delta", "waterschap")


@pytest.fixture
def scheme() -> Scheme:
    operator = Operator([GEMEENTE, WATERSCHAP])
    return Scheme(payload=operator.payload(), token=operator.token())


def _bundle(*envelopes: dict) -> dict:
    return {"bundelversie": "2.0", "aangemaakt_op": "2026-03-02T10:00:00+01:00",
            "enveloppen": list(envelopes)}


def _verdict(bundle: dict, scheme: Scheme) -> list[tuple[int, bool, str, str]]:
    return [(e.index, e.ok, e.step, e.code) for e in verify_bundle(bundle, scheme).envelopes]


def test_a_good_bundle_verifies(scheme: Scheme) -> None:
    verdict = verify_bundle(_bundle(GEMEENTE.envelope(), WATERSCHAP.envelope()), scheme)
    assert verdict.ok
    assert [e.naam for e in verdict.envelopes] == [GEMEENTE.naam, WATERSCHAP.naam]


def test_a_changed_amount_fails_the_signature_of_that_envelope_only(scheme: Scheme) -> None:
    changed = WATERSCHAP.envelope()
    changed["document"]["financiele_zaken"][0]["saldo"] -= 100
    verdict = _verdict(_bundle(GEMEENTE.envelope(), changed), scheme)
    assert verdict == [(0, True, "", ""),
                       (1, False, "4 handtekening", "envelop/handtekening-ongeldig")]


@pytest.mark.parametrize(
    ("spoil", "step", "code"),
    [
        (lambda e: e.pop("handtekening"), "1 vorm", "envelop/ongeldig-formaat"),
        (lambda e: e.update(handtekening=_with_header(e["handtekening"], typ="JWT")),
         "2 header", "envelop/verkeerd-type"),
        (lambda e: e.update(handtekening=_with_header(e["handtekening"], jku="https://x")),
         "2 header", "envelop/verboden-header"),
        (lambda e: e["document"]["bron"].update(oin="00000001009999999000"),
         "3 bron", "envelop/bron-onbekend"),
    ],
)
def test_each_step_is_named(scheme: Scheme, spoil, step: str, code: str) -> None:
    envelope = GEMEENTE.envelope()
    spoil(envelope)
    assert _verdict(_bundle(envelope), scheme) == [(0, False, step, code)]


def test_signed_by_a_key_outside_the_scheme(scheme: Scheme) -> None:
    envelope = sign_envelope(GEMEENTE.envelope()["document"], generate_key())
    assert _verdict(_bundle(envelope), scheme) == [
        (0, False, "4 handtekening", "envelop/sleutel-onbekend")]


def test_a_correctly_signed_but_invalid_document_fails_at_step_6(scheme: Scheme) -> None:
    document = GEMEENTE.envelope()["document"]
    document["financiele_zaken"][0]["saldo"] += 1  # breaks saldo = verplicht − vereffend
    assert _verdict(_bundle(sign_envelope(document, GEMEENTE.key)), scheme) == [
        (0, False, "6 document", "envelop/document-ongeldig")]


def test_a_document_of_another_major_fails_at_step_5(scheme: Scheme) -> None:
    document = GEMEENTE.envelope()["document"]
    document["documentversie"] = "3.0"
    assert _verdict(_bundle(sign_envelope(document, GEMEENTE.key)), scheme) == [
        (0, False, "5 versie", "envelop/versie-niet-ondersteund")]


def test_a_document_signed_after_its_key_was_revoked_fails_at_step_7() -> None:
    compromised = Organisation("00000001001234567000", "Gemeente Voorbeeldstad",
                               key_window={"geldig_vanaf": 0, "ingetrokken_op": 1_000_000})
    operator = Operator([compromised])
    scheme = Scheme(payload=operator.payload(), token=operator.token())
    assert _verdict(_bundle(compromised.envelope()), scheme) == [
        (0, False, "7 sleutelgeldigheid", "envelop/sleutel-ingetrokken")]


def test_a_next_minor_with_unknown_members_verifies(scheme: Scheme) -> None:
    """Data is open: a 2.1 document, envelope and bundle with members this version does not
    know verify, signature over the document exactly as received."""
    document = GEMEENTE.envelope()["document"]
    document.update(documentversie="2.1", nieuw_in_2_1={"iets": 1})
    document["financiele_zaken"][0]["nieuw_veld"] = "x"
    envelope = {**sign_envelope(document, GEMEENTE.key), "toekomst": True}
    bundle = {**_bundle(envelope), "bundelversie": "2.1", "ook_nieuw": []}
    assert verify_bundle(bundle, scheme).ok


def test_a_bundle_of_another_major_is_refused_as_a_whole(scheme: Scheme) -> None:
    verdict = verify_bundle({**_bundle(GEMEENTE.envelope()), "bundelversie": "3.0"}, scheme)
    assert not verdict.ok and verdict.envelopes == []
    assert verdict.code == "bundel/versie-niet-ondersteund"
    assert verdict.to_json()["code"] == "bundel/versie-niet-ondersteund"


def test_documents_of_two_citizens_are_not_one_bundle(scheme: Scheme) -> None:
    verdict = _verdict(_bundle(GEMEENTE.envelope(), WATERSCHAP.envelope(bsn=OTHER_BSN)), scheme)
    assert verdict[1] == (1, False, "8 burger", "envelop/bsn-onjuist")


def test_a_bundle_of_the_wrong_shape_is_reported(scheme: Scheme) -> None:
    verdict = verify_bundle({"bundelversie": "2.0.0", "enveloppen": []}, scheme)
    assert not verdict.ok and verdict.code is None
    assert {p for p, _ in verdict.shape_errors} >= {"/bundelversie", "/"}


def test_written_bundle_round_trips_with_a_readable_rendering(
    scheme: Scheme, tmp_path: Path
) -> None:
    bundle = _bundle(GEMEENTE.envelope())
    json_path, markdown = write_bundle(bundle, tmp_path / "uit" / "bundel.json")
    assert read_bundle(json_path) == bundle
    text = markdown.read_text(encoding="utf-8")
    assert "Gemeente Voorbeeldstad" in text and "€ 321,00" in text
    assert "999993653" not in text  # the readable part leaves the BSN out
    assert verify_bundle(read_bundle(json_path), scheme).ok
    assert render_markdown(copy.deepcopy(bundle)) == text


def test_unreadable_bundle_files(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="niet lezen"):
        read_bundle(tmp_path / "ontbreekt.json")
    (tmp_path / "kapot.json").write_text("{niet json")
    with pytest.raises(BundleError, match="geen JSON-bestand"):
        read_bundle(tmp_path / "kapot.json")



def test_a_bundle_is_written_private_and_whole(tmp_path: Path) -> None:
    """Mode 0600 (it holds the BSN and case data); when the .md cannot be written no new
    .json is left beside it, and the failure is one line naming the file."""
    bundle = _bundle(GEMEENTE.envelope())
    json_path, markdown = write_bundle(bundle, tmp_path / "bundel.json")
    assert {stat.S_IMODE(p.stat().st_mode) for p in (json_path, markdown)} == {0o600}
    old = json_path.read_bytes()
    markdown.unlink()
    markdown.mkdir()  # the .md cannot be replaced
    with pytest.raises(BundleError, match=r"kan .*bundel\.md niet schrijven") as failed:
        write_bundle(_bundle(GEMEENTE.envelope(), GEMEENTE.envelope()), json_path)
    assert "\n" not in str(failed.value) and json_path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundel.json", "bundel.md"]
    (tmp_path / "bestand").write_text("")
    with pytest.raises(BundleError, match="de map bestaat niet"):
        write_bundle(bundle, tmp_path / "bestand" / "bundel.json")


def test_a_deeply_nested_bundle_file_is_not_a_bundle(tmp_path: Path) -> None:
    (tmp_path / "diep.json").write_text("[" * 100_000)
    with pytest.raises(BundleError, match="te diep genest"):
        read_bundle(tmp_path / "diep.json")


def _with_header(token: str, **members: str) -> str:
    header, payload, signature = token.split(".")
    decoded = json.loads(b64url_decode(header))
    decoded.update(members)
    return ".".join([b64url_encode(json.dumps(decoded).encode()), payload, signature])
