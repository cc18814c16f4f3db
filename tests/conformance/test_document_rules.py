"""The document invariants as pure functions: each rule holds on a correct document and is
broken, with its own rule id and pointer, by exactly the defect it is about."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from conformance import document_rules as dr

SPEC = Path(__file__).resolve().parents[2] / "spec"
BSN = "999990019"  # passes the elfproef; a test BSN range


def valid_document() -> dict:
    """A small document that meets every invariant: one fine with costs, a payment and a
    remission, one settled case."""
    return {
        "documentversie": "1.0.0",
        "bron": {"oin": "00000001234567890000", "naam": "Testorganisatie"},
        "bsn": BSN,
        "opgesteld_op": "2025-03-01T10:00:00+01:00",
        "financiele_zaken": [
            {
                "zaakkenmerk": "Z-1",
                "omschrijving": "Boete",
                "vorderingtype": "cjib_wahv_boete",
                "looptijd": "eenmalig",
                "totaal_financieel_verplicht": 10000,
                "totaal_financieel_vereffend": 3000,
                "saldo": 7000,
                "achterstand": 2000,
                "saldo_datumtijd": "2025-03-01T09:00:00Z",
                "volgende_vervaldatum": "2025-04-01",
                "status": "open",
                "acties": ["betalen", "betalingsregeling"],
                "gebeurtenissen": [
                    {"gebeurtenis_id": "e1", "gebeurtenistype": dr.IMPOSED,
                     "datumtijd": "2025-01-01T10:00:00+01:00", "bedrag": 9000,
                     "categorie": "hoofdsom", "omschrijving": "boete"},
                    {"gebeurtenis_id": "e2", "gebeurtenistype": dr.IMPOSED,
                     "datumtijd": "2025-01-01T10:00:00+01:00", "bedrag": 1000,
                     "categorie": "administratiekosten", "omschrijving": "kosten"},
                    {"gebeurtenis_id": "e3", "gebeurtenistype": dr.PAYMENT_DUE,
                     "datumtijd": "2025-01-02T10:00:00+01:00", "bedrag": 10000,
                     "vervaldatum": "2025-02-01", "soort": "aanschrijving",
                     "betalingskenmerk": "1234"},
                    {"gebeurtenis_id": "e4", "gebeurtenistype": dr.PAID,
                     "datumtijd": "2025-02-01T10:00:00+01:00", "bedrag": 2500,
                     "betalingsverplichting": "e3"},
                    {"gebeurtenis_id": "e5", "gebeurtenistype": dr.REMITTED,
                     "datumtijd": "2025-02-02T10:00:00+01:00", "bedrag": 500,
                     "financiele_verplichting": "e2"},
                    {"gebeurtenis_id": "e6", "gebeurtenistype": dr.IMPOSED,
                     "datumtijd": "2025-02-03T10:00:00+01:00", "bedrag": -500,
                     "categorie": "hoofdsom", "omschrijving": "correctie",
                     "correctie_van": "e1"},
                    {"gebeurtenis_id": "e7", "gebeurtenistype": dr.IMPOSED,
                     "datumtijd": "2025-02-03T10:00:00+01:00", "bedrag": 500,
                     "categorie": "verhoging", "omschrijving": "verhoging"},
                ],
            },
            {
                "zaakkenmerk": "Z-2",
                "omschrijving": "Afgelost",
                "vorderingtype": "gem_ozb",
                "looptijd": "eenmalig",
                "totaal_financieel_verplicht": 100,
                "totaal_financieel_vereffend": 150,
                "saldo": -50,
                "achterstand": 0,
                "saldo_datumtijd": "2025-03-01T09:00:00Z",
                "volgende_vervaldatum": None,
                "status": "afgelost",
                "acties": [],
                "gebeurtenissen": [
                    {"gebeurtenis_id": "f1", "gebeurtenistype": dr.IMPOSED,
                     "datumtijd": "2025-01-01T10:00:00Z", "bedrag": 100,
                     "categorie": "hoofdsom", "omschrijving": "ozb"},
                    {"gebeurtenis_id": "f2", "gebeurtenistype": dr.PAID,
                     "datumtijd": "2025-01-05T10:00:00Z", "bedrag": 150},
                ],
            },
        ],
    }


def rules_of(found: list[dr.Violation]) -> set[str]:
    return {v.rule for v in found}


def test_valid_document_has_no_violations():
    assert dr.violations(valid_document(), bsn=BSN) == []


@pytest.mark.parametrize(
    ("mutate", "rule", "pointer"),
    [
        (lambda d: d["financiele_zaken"][0].update(saldo=7000.0),
         "/document/bedragen-in-centen", "/financiele_zaken/0/saldo"),
        (lambda d: d["financiele_zaken"][0]["gebeurtenissen"][3].update(bedrag="2500"),
         "/document/bedragen-in-centen", "/financiele_zaken/0/gebeurtenissen/3/bedrag"),
        (lambda d: d["financiele_zaken"][1].update(achterstand=True),
         "/document/bedragen-in-centen", "/financiele_zaken/1/achterstand"),
        (lambda d: d.update(opgesteld_op="2025-03-01T10:00:00"),
         "/document/datumtijd-met-offset", "/opgesteld_op"),
        (lambda d: d["financiele_zaken"][0]["gebeurtenissen"][0].update(datumtijd="2025-01-01"),
         "/document/datumtijd-met-offset", "/financiele_zaken/0/gebeurtenissen/0/datumtijd"),
        (lambda d: d["financiele_zaken"][1]["gebeurtenissen"][0].update(gebeurtenis_id="e1"),
         "/document/gebeurtenis-id-uniek",
         "/financiele_zaken/1/gebeurtenissen/0/gebeurtenis_id"),
        (lambda d: d["financiele_zaken"][1].update(zaakkenmerk="Z-1"),
         "/document/zaakkenmerk-uniek", "/financiele_zaken/1/zaakkenmerk"),
        (lambda d: d["financiele_zaken"][0]["gebeurtenissen"][3].update(
            betalingsverplichting="nope"),
         "/document/referenties-kloppen",
         "/financiele_zaken/0/gebeurtenissen/3/betalingsverplichting"),
        (lambda d: d["financiele_zaken"][0]["gebeurtenissen"][4].update(
            financiele_verplichting="e3"),
         "/document/referenties-kloppen",
         "/financiele_zaken/0/gebeurtenissen/4/financiele_verplichting"),
        (lambda d: d["financiele_zaken"][0]["gebeurtenissen"][0].update(
            datumtijd="2025-03-01T08:00:00Z"),
         "/document/referenties-kloppen",
         "/financiele_zaken/0/gebeurtenissen/5/correctie_van"),
        (lambda d: d["financiele_zaken"][0].update(totaal_financieel_verplicht=10500),
         "/document/verplicht-is-som", "/financiele_zaken/0/totaal_financieel_verplicht"),
        (lambda d: d["financiele_zaken"][0].update(totaal_financieel_vereffend=2500),
         "/document/vereffend-is-som", "/financiele_zaken/0/totaal_financieel_vereffend"),
        (lambda d: d["financiele_zaken"][0].update(saldo=7001),
         "/document/saldo-klopt", "/financiele_zaken/0/saldo"),
        (lambda d: d["financiele_zaken"][0].update(achterstand=7001),
         "/document/achterstand-begrensd", "/financiele_zaken/0/achterstand"),
        (lambda d: d["financiele_zaken"][1].update(achterstand=-1),
         "/document/achterstand-begrensd", "/financiele_zaken/1/achterstand"),
        (lambda d: d["financiele_zaken"][0].update(saldo_datumtijd="2025-02-03T08:59:59Z"),
         "/document/saldo-datumtijd", "/financiele_zaken/0/saldo_datumtijd"),
        (lambda d: d.update(bsn="999990018"), "/document/bsn-elfproef", "/bsn"),
        (lambda d: d.update(bsn="000000000"), "/document/bsn-elfproef", "/bsn"),
        (lambda d: d["financiele_zaken"][0].update(status="afgelost"),
         "/document/afgelost-zonder-saldo", "/financiele_zaken/0/status"),
        (lambda d: d["financiele_zaken"][0].update(status="betaald"),
         "/document/enums-gesloten", "/financiele_zaken/0/status"),
        (lambda d: d["financiele_zaken"][0]["gebeurtenissen"][6].update(categorie="boete"),
         "/document/enums-gesloten", "/financiele_zaken/0/gebeurtenissen/6/categorie"),
        (lambda d: d["financiele_zaken"][0].update(acties=["betalen", "kwijtschelden"]),
         "/document/enums-gesloten", "/financiele_zaken/0/acties/1"),
    ],
)
def test_each_defect_breaks_its_own_rule(mutate, rule, pointer):
    document = valid_document()
    mutate(document)
    found = dr.violations(document, bsn=document["bsn"])
    assert (rule, pointer) in {(v.rule, v.pointer) for v in found}, found


def test_saldo_mismatch_alone_breaks_only_saldo_rule():
    document = valid_document()
    document["financiele_zaken"][0]["saldo"] = 6999
    document["financiele_zaken"][0]["achterstand"] = 0
    assert rules_of(dr.violations(document)) == {"/document/saldo-klopt"}


def test_certificate_bsn_compared_without_quoting_it():
    found = dr.violations(valid_document(), bsn="999990020")
    assert rules_of(found) == {"/document/bsn-van-certificaat"}
    assert BSN not in found[0].message and "999990020" not in found[0].message


def test_afgelost_with_credit_balance_is_allowed():
    document = valid_document()
    assert document["financiele_zaken"][1]["saldo"] < 0
    assert dr.settled_without_balance(document) == []


@pytest.mark.parametrize("garbage", [None, [], "x", {"financiele_zaken": "x"},
                                     {"financiele_zaken": [None, {"gebeurtenissen": [1]}]},
                                     {"bsn": 999990019}])
def test_malformed_input_never_raises(garbage):
    dr.violations(garbage, bsn=BSN)
    dr.unstable_event_ids(garbage, garbage)


@pytest.mark.parametrize("value", ["2025-01-01T00:00:00Z", "2025-01-01T00:00:00.123456789+05:30",
                                   "2025-12-31T23:59:59-01:00"])
def test_datetimes_with_offset_accepted(value):
    assert dr.parse_datetime(value) is not None


@pytest.mark.parametrize("value", ["2025-01-01T00:00:00", "2025-01-01 00:00:00Z",
                                   "2025-13-01T00:00:00Z", "2025-01-01T00:00Z", 20250101,
                                   "2025-01-01t00:00:00z", "2025-02-30T00:00:00Z"])
def test_datetimes_without_offset_refused(value):
    assert dr.parse_datetime(value) is None


def test_stable_event_ids_allow_new_events():
    first, second = valid_document(), valid_document()
    second["financiele_zaken"][1]["gebeurtenissen"].append(
        {"gebeurtenis_id": "f3", "gebeurtenistype": dr.PAID,
         "datumtijd": "2025-01-06T10:00:00Z", "bedrag": 1})
    assert dr.unstable_event_ids(first, second) == []


def test_renamed_event_id_is_unstable():
    first, second = valid_document(), valid_document()
    second["financiele_zaken"][0]["gebeurtenissen"][2]["gebeurtenis_id"] = "e3-bis"
    found = dr.unstable_event_ids(first, second)
    assert [(v.rule, v.pointer) for v in found] == [
        ("/document/gebeurtenis-id-stabiel", "/financiele_zaken/0/gebeurtenissen/2/gebeurtenis_id")
    ]
    assert "'e3'" in found[0].message


def test_rewritten_event_is_unstable():
    first = valid_document()
    second = copy.deepcopy(first)
    second["financiele_zaken"][0]["gebeurtenissen"][0]["bedrag"] = 9001
    found = dr.unstable_event_ids(first, second)
    assert rules_of(found) == {"/document/gebeurtenis-id-stabiel"}
    assert "changed" in found[0].message


# --- the shared test vectors in spec/vectors/ ----------------------------------------------


def _groups(folder: str) -> list[tuple[str, dict]]:
    return [
        (path.stem, group)
        for path in sorted((SPEC / "vectors" / folder).glob("*.json"))
        for group in json.loads(path.read_text(encoding="utf-8"))
    ]


def _params(groups, keep=lambda group: True):
    return [
        pytest.param(group, test, id=f"{stem}: {group['description']}: {test['description']}")
        for stem, group in groups
        if keep(group)
        for test in group["tests"]
    ]


DOCUMENT_VECTORS = _params(_groups("document"))
SCHEMA_DOCUMENT_VECTORS = _params(
    _groups("schema"), lambda g: g.get("schema") == "vorderingendocument.schema.json"
)


@pytest.mark.skipif(not DOCUMENT_VECTORS, reason="spec/vectors/document/ has no vectors yet")
@pytest.mark.parametrize(("group", "test"), DOCUMENT_VECTORS)
def test_document_vectors(group, test):
    """Valid document vectors break no invariant; an invalid one breaks the rule it names."""
    bsn = (test.get("context") or group.get("context") or {}).get("expected_bsn")
    found = dr.violations(test["data"], bsn=bsn)
    if test["valid"]:
        assert found == []
    else:
        assert test.get("rule", group["rule"]) in rules_of(found), found


@pytest.mark.skipif(not SCHEMA_DOCUMENT_VECTORS, reason="spec/vectors/schema/ has no vectors yet")
@pytest.mark.parametrize(("group", "test"), SCHEMA_DOCUMENT_VECTORS)
def test_schema_vectors_agree_with_document_verdict(group, test):
    """The suite's verdict on a document (schema + invariants, as the document checks give it)
    agrees with every schema vector; a vector about a rule of document_rules is also caught by
    that rule alone wherever the rule covers it (amounts, datetimes)."""
    from conformance import specfiles

    errors = list(specfiles.validator("vorderingendocument").iter_errors(test["data"]))
    found = dr.violations(test["data"])
    assert (not errors and not found) == test["valid"], (errors[:1], found)
    rule = test.get("rule", group["rule"])
    if test["valid"]:
        assert rule not in rules_of(found)


# --- the members of 2.2 bind a document that announces 2.2 --------------------------------------


def _settled_case_offering_payment(version: str) -> dict:
    document = valid_document()
    document["documentversie"] = version
    case = document["financiele_zaken"][0]
    case["regelbaar_bedrag"] = case["saldo"] + 1  # beyond the balance
    return document


@pytest.mark.parametrize(("version", "judged"), [
    ("2.0", False), ("2.1", False), ("2.2", True), ("2.10", True), ("3.0", True),
    ("geen-versie", True),
])
def test_2_2_rules_bind_from_documentversie_2_2(version, judged):
    """A 2.0/2.1 document is not judged by the rules of 2.2 (its readers ignore the members);
    from 2.2 on, and when the version cannot be read, they apply."""
    found = rules_of(dr.violations(_settled_case_offering_payment(version)))
    assert ("/document/regelbaar-bedrag-begrensd" in found) is judged


def test_2_2_rules_never_raise_on_malformed_members():
    document = valid_document()
    document["documentversie"] = "2.2"
    case = document["financiele_zaken"][0]
    case.update(betalingsregeling=["niet", "een", "object"], pauze_mogelijkheid="ja",
                beslag={"soort": 1}, schuldregeling=None, acties="alles")
    case["gebeurtenissen"].append({"gebeurtenis_id": "x", "gebeurtenistype": dr.PAID,
                                   "bedrag": "veel", "herboekt_van": "Z-9",
                                   "betaalwijze": "herboeking"})
    assert isinstance(dr.violations(document), list)
