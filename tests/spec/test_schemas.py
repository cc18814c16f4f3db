"""The JSON Schemas in spec/schemas: valid 2020-12, self-contained, documented, and as labelled.

Schema vectors (spec/vectors/schema/) are validated with format assertion on, through a
registry that holds every schema of the standard and refuses to fetch anything else.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import collection_vectors
import pytest
import vector_verifier as vv
from jsonschema import Draft202012Validator
from referencing.exceptions import Unresolvable

SCHEMA_FILES = sorted(vv.SCHEMAS_DIR.glob("*.schema.json"))
VECTOR_FILES = sorted((vv.SPEC_DIR / "vectors" / "schema").glob("*.json"))
# Token schemas whose vectors are kind cases of their own folder (every test runs the
# schema as one step of the verification order).
KIND_VECTORS = {"certificeringsresultaat.schema.json": "certificering"}
EXPECTED_SCHEMAS = {
    "common", "vorderingendocument", "envelop", "stelseldocument", "app-certificaat",
    "sessie-bewijs", "certificaat-aanvraag", "intrekking-verzoek", "intrekkingenlijst",
    "probleem", "configuratie", "bundel", "verzoek-bewijs", "certificeringsresultaat",
    "app-overzicht",
}
DRAFT = "https://json-schema.org/draft/2020-12/schema"
# spec/versioning.md: data is open (no `additionalProperties: false` anywhere inside), tokens and
# the scheme document are closed except their `uitbreidingen`.
DATA = {"vorderingendocument", "envelop", "bundel", "configuratie", "probleem", "app-overzicht"}
TOKENS = {"app-certificaat", "sessie-bewijs", "verzoek-bewijs", "certificaat-aanvraag",
          "intrekking-verzoek", "intrekkingenlijst", "stelseldocument",
          "certificeringsresultaat"}
# common.schema.json: definitions used in data are open, a key is closed
COMMON_OPEN = {"/$defs/contact"}
WIRE_VERSIONS = ["2.0", "2.1", "2.10", "2.9999"]
OTHER_VERSIONS = ["3.0", "1.0", "1.0.0", "2.0.0", "2", "2.01", "2.10000", "02.0", " 2.0", 2.0]
JWK = {"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "B" * 43}
UUID = "c661009d-3ffa-4716-99c8-b525a603a59b"
OIN = "00000001001234567000"
# A minimal valid instance of each schema; the tests below change one thing at a time.
MINIMAL: dict[str, dict[str, Any]] = {
    "vorderingendocument": {
        "documentversie": "2.0", "bron": {"oin": OIN, "naam": "Gemeente Voorbeeldstad"},
        "bsn": "999993653", "opgesteld_op": "2026-03-02T10:00:00+01:00", "financiele_zaken": []},
    "envelop": {"document": {}, "handtekening": "eyJh..c2ln"},  # `document` completed below
    "bundel": {"bundelversie": "2.0", "aangemaakt_op": "2026-03-02T10:00:00Z",
               "enveloppen": [{"document": {}, "handtekening": "eyJh..c2ln"}]},
    "configuratie": {
        "oin": OIN, "naam": "Gemeente Voorbeeldstad", "soort": "gemeente", "api_versie": "2.0",
        "documentversie": "2.0", "diensten": ["vorderingenoverzicht"],
        "minimaal_betrouwbaarheidsniveau": {"vorderingenoverzicht": "substantieel"},
        "contact": {"telefoon": "14 0123"}},
    "probleem": {"type": "urn:nl-vorderingen:probleem:verzoek/ongeldig", "title": "Ongeldig",
                 "status": 400, "detail": "Ongeldig verzoek.", "code": "verzoek/ongeldig",
                 "invalid_params": [{"name": "/x", "reason": "ontbreekt"}]},
    "app-certificaat": {
        "iss": "voorbeeld-app-manager", "jti": UUID, "iat": 1772442600, "nbf": 1772442600,
        "exp": 1772485800, "bsn": "999993653", "cnf": {"jwk": JWK},
        "betrouwbaarheidsniveau": "substantieel", "inlogmoment": 1772442540,
        "identiteitsdienst": "digid"},
    "sessie-bewijs": {"nonce": "N" * 43, "aud": OIN,
                      "api_url": "https://api.voorbeeldstad.nl/vorderingen/v2",
                      "iat": 1772442902, "jti": UUID},
    "verzoek-bewijs": {"jti": UUID, "htm": "GET",
                       "htu": "https://api.voorbeeldstad.nl/vorderingen/v2/vorderingenoverzicht",
                       "iat": 1772442965, "ath": "A" * 43},
    "certificaat-aanvraag": {"aud": "voorbeeld-app-manager", "nonce": "N" * 43,
                             "iat": 1772442598, "jti": UUID},
    "intrekking-verzoek": {"aud": "voorbeeld-app-manager", "certificaat_jti": UUID,
                           "iat": 1772466000, "jti": UUID},
    "intrekkingenlijst": {"iss": "voorbeeld-app-manager", "iat": 1772466300, "exp": 1772552700,
                          "ingetrokken": [UUID]},
    "stelseldocument": {
        "versie": "2.0", "iss": "stelselbeheerder", "iat": 1772427600, "exp": 1772514000,
        "volgnummer": 1, "omgeving": "productie",
        "organisaties": [{
            "oin": OIN, "naam": "Gemeente Voorbeeldstad", "soort": "gemeente",
            "eindpunten": [{"api_url": "https://api.voorbeeldstad.nl/vorderingen/v1", "major": 1},
                           {"api_url": "https://api.voorbeeldstad.nl/vorderingen/v2", "major": 2}],
            "sleutels": [{"jwk": JWK, "geldig_vanaf": 1767225600, "geldig_tot": 1798761600,
                          "ingetrokken_op": 1772000000}],
            "diensten": ["vorderingenoverzicht"], "status": "actief"}],
        "app_managers": [{"id": "voorbeeld-app-manager", "naam": "Voorbeeld App Manager",
                          "sleutels": [{"jwk": JWK, "geldig_vanaf": 1767225600}],
                          "status": "actief"}],
        "ingetrokken_certificaten": []},
}
MINIMAL["certificeringsresultaat"] = {
    "iss": "voorbeeld-stelselbeheerder", "jti": UUID, "iat": 1772442600,
    "exp": 1803978600, "actor": "bron", "oin": OIN,
    "api_url": "https://acceptatie.voorbeeldstad.example/vorderingen/v2",
    "standaardversie": "2.1.0", "suiteversie": "2.1.0", "omgeving": "acceptatie",
    "profielen": ["basis"], "diensten": ["vorderingenoverzicht"], "oordeel": "conformant",
    "aantallen": {"totaal": 1, "geslaagd": 1, "waarschuwingen": 0,
                  "niet_van_toepassing": 0, "niet_getest": 0},
    "rapport_sha256": "A" * 43}
MINIMAL["envelop"]["document"] = MINIMAL["vorderingendocument"]
MINIMAL["app-overzicht"] = {  # an app's overview under test (testomgeving.md §4)
    "opgesteld_op": "2026-03-02T10:00:00+01:00",
    "totalen": {"saldo": 12500, "achterstand": 2500, "aantal_zaken": 1},
    "groepen": {"achterstand": [{"organisatie": {"oin": OIN, "naam": "Gemeente Voorbeeldstad"},
                                 "zaakkenmerk": "BEL-2025-000123", "saldo": 12500,
                                 "achterstand": 2500}],
                "deze_maand": [], "eenmalig": [], "langlopend": []},
    "bronnen": [{"oin": OIN, "naam": "Gemeente Voorbeeldstad", "status": "beantwoord",
                 "aantal_zaken": 1}],
}
# where each schema carries its wire version
VERSION_MEMBERS = {"vorderingendocument": ["documentversie"], "bundel": ["bundelversie"],
                   "configuratie": ["api_versie", "documentversie"], "stelseldocument": ["versie"]}


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, value) below `node`, the node itself first."""
    yield pointer, node
    if isinstance(node, dict):
        for name, value in node.items():
            yield from walk(value, f"{pointer}/{name}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")


def schema_tests() -> list[Any]:
    params = []
    for path in VECTOR_FILES:
        for c, case in enumerate(load(path)):
            for t, entry in enumerate(case["tests"]):
                params.append(pytest.param(case["schema"], entry, id=f"{path.stem}/{c}/{t}"))
    return params


def test_every_schema_of_the_standard_is_present() -> None:
    assert {p.name.removesuffix(".schema.json") for p in SCHEMA_FILES} == EXPECTED_SCHEMAS


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12_with_id_title_and_description(path: Path) -> None:
    schema = load(path)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DRAFT
    assert schema["$id"] == vv.SCHEMA_BASE + path.name
    assert schema["title"].strip()
    assert "additionalProperties" in schema["description"], "document the decision"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_ref_is_relative_and_resolves_locally(path: Path) -> None:
    schema = load(path)
    resolver = vv.schema_registry().resolver(base_uri=schema["$id"])
    refs = [value for pointer, value in walk(schema) if pointer.endswith("/$ref")]
    for ref in refs:
        assert not ref.startswith(("http:", "https:")), f"{ref} must be relative"
        resolver.lookup(ref)  # raises Unresolvable when it does not resolve


def test_registry_refuses_to_fetch_anything_outside_the_standard() -> None:
    resolver = vv.schema_registry().resolver(base_uri=vv.SCHEMA_BASE)
    with pytest.raises(Unresolvable):
        resolver.lookup("https://example.org/schemas/elders.schema.json")
    with pytest.raises(Unresolvable):
        resolver.lookup("onbekend.schema.json")


def stem(path: Path) -> str:
    return path.name.removesuffix(".schema.json")


def test_every_schema_is_data_or_a_token() -> None:
    assert DATA | TOKENS | {"common"} == EXPECTED_SCHEMAS and not DATA & TOKENS


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_data_is_open_and_tokens_are_closed(path: Path) -> None:
    """spec/versioning.md: no `additionalProperties: false` anywhere in data; every object of a
    token or the scheme document closed (its `uitbreidingen` holds objects of any shape)."""
    for pointer, node in walk(load(path)):
        if not isinstance(node, dict) or pointer.endswith(("/properties", "/$defs")):
            continue
        is_object = node.get("type") == "object" and "properties" in node
        where = f"{path.name}#{pointer}"
        if stem(path) in DATA or (stem(path) == "common" and (
                pointer in COMMON_OPEN or pointer.startswith(tuple(p + "/" for p in COMMON_OPEN)))):
            assert node.get("additionalProperties") is not False, where
        elif is_object:
            assert node.get("additionalProperties") is False, where


@pytest.mark.parametrize("name", sorted(MINIMAL))
def test_minimal_instances_are_valid(name: str) -> None:
    errors = [e.message for e in vv.validator(f"{name}.schema.json").iter_errors(MINIMAL[name])]
    assert not errors


@pytest.mark.parametrize("name", sorted(VERSION_MEMBERS))
def test_every_minor_of_major_2_is_accepted_and_no_other_version(name: str) -> None:
    validator = vv.validator(f"{name}.schema.json")
    for member in VERSION_MEMBERS[name]:
        for version in WIRE_VERSIONS:
            assert validator.is_valid({**MINIMAL[name], member: version}), (member, version)
        for version in OTHER_VERSIONS:
            assert not validator.is_valid({**MINIMAL[name], member: version}), (member, version)


def test_wire_version_in_an_envelope_and_a_bundle() -> None:
    envelope = vv.validator("envelop.schema.json")
    later = {**MINIMAL["vorderingendocument"], "documentversie": "2.3"}
    assert envelope.is_valid({**MINIMAL["envelop"], "document": later})
    other = {**MINIMAL["vorderingendocument"], "documentversie": "3.0"}
    assert not envelope.is_valid({**MINIMAL["envelop"], "document": other})


def unknown_member_everywhere(instance: Any) -> Iterator[Any]:
    """Copies of `instance` with an unknown member added to one object at a time."""
    for pointer, node in walk(instance):
        if isinstance(node, dict):
            changed = copy.deepcopy(instance)
            target = changed
            for part in [p for p in pointer.split("/") if p]:
                target = target[int(part)] if isinstance(target, list) else target[part]
            target["lid_uit_latere_minor"] = {"waarde": 1}
            yield pointer, changed


def rich_claims_document() -> dict[str, Any]:
    """A claims document with a case and one event of each kind that has nested objects."""
    document = copy.deepcopy(MINIMAL["vorderingendocument"])
    document["financiele_zaken"] = [{
        "zaakkenmerk": "NH-1", "omschrijving": "Parkeerbelasting", "vorderingtype": "gem_parkeren",
        "schuldeiser": {"naam": "Gemeente Voorbeeldstad"}, "looptijd": "eenmalig",
        "totaal_financieel_verplicht": 100, "totaal_financieel_vereffend": 0, "saldo": 100,
        "saldo_datumtijd": "2026-03-02T10:00:00+01:00", "achterstand": 0,
        "volgende_vervaldatum": None, "status": "gepauzeerd",
        "pauze": {"id": UUID, "einddatum": "2026-05-01"},
        "grondslag": {"omschrijving": "Verordening"}, "bezwaar": {"mogelijk": False},
        "contact": {"telefoon": "14 0123"}, "acties": ["betalen"],
        "gebeurtenissen": [{"gebeurtenis_id": "NH-1:1", "gebeurtenistype":
                            "FinancieleVerplichtingOpgelegd", "datumtijd":
                            "2026-02-16T11:20:00+01:00", "bedrag": 100, "categorie": "hoofdsom",
                            "omschrijving": "Parkeerbelasting"}]}]
    return document


@pytest.mark.parametrize("name", sorted(DATA))
def test_data_accepts_an_unknown_member_in_every_object(name: str) -> None:
    instance = copy.deepcopy(MINIMAL[name])
    if name == "vorderingendocument":
        instance = rich_claims_document()
    if name == "envelop":
        instance["document"] = rich_claims_document()
    validator = vv.validator(f"{name}.schema.json")
    assert validator.is_valid(instance)
    tried = 0
    for pointer, changed in unknown_member_everywhere(instance):
        tried += 1
        assert validator.is_valid(changed), f"{name}#{pointer}"
    assert tried >= 2


def test_the_members_of_2_2_are_open_and_keep_their_constraints() -> None:
    """Every object 2.2 adds to the claims document (arrangement lifecycle, garnishment, remedy,
    debt scheme, creditor per line, moved payment, …) accepts a member of a later minor; its
    own members stay typed and its enums closed."""
    cv = collection_vectors
    document = cv.document(cv.zaak_beslag(), cv.zaak_gecombineerd(), cv.zaak_gewijzigd(),
                           cv.zaak_beroep(), cv.zaak_schuldregeling(), cv.zaak_overgenomen(),
                           cv.zaak_verkeerd_geboekt(), cv.zaak_herboekt())
    validator = vv.validator("vorderingendocument.schema.json")
    assert validator.is_valid(document)
    new = {"betalingsregeling", "pauze_mogelijkheid", "rechtsmiddel", "schuldregeling", "beslag",
           "overgenomen_van", "herboekt_van", "schuldeiser"}
    tried = 0
    for pointer, changed in unknown_member_everywhere(document):
        if new & set(pointer.split("/")):
            tried += 1
            assert validator.is_valid(changed), pointer
    assert tried >= 12
    beslag = document["financiele_zaken"][0]
    for change in ({"regelbaar_bedrag": "6000"}, {"beslag": [{"soort": "loonbeslag"}]},
                   {"pauze_mogelijkheid": {"mogelijk": False, "reden": "geen-zin"}},
                   {"rechtsmiddel": {"stadium": "beroep", "ingediend_op": "2025-11-10",
                                     "uitstel_van_betaling": "ja"}}):
        zaken = [{**beslag, **change}]
        assert not validator.is_valid({**document, "financiele_zaken": zaken}), change


def test_data_keeps_the_constraints_of_its_known_members() -> None:
    document = rich_claims_document()
    validator = vv.validator("vorderingendocument.schema.json")
    zaak = document["financiele_zaken"][0]
    for change in ({"status": "onbekende_status"}, {"saldo": 1.5}, {"pauze": {"id": UUID}},
                   {"contact": {"email": "geen-adres"}}):
        assert not validator.is_valid({**document, "financiele_zaken": [{**zaak, **change}]})
    event = {**zaak["gebeurtenissen"][0], "gebeurtenistype": "OnbekendeGebeurtenis"}
    assert not validator.is_valid({**document, "financiele_zaken": [
        {**zaak, "gebeurtenissen": [event]}]})  # enums stay closed


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_tokens_refuse_an_unknown_member_but_accept_uitbreidingen(name: str) -> None:
    validator = vv.validator(f"{name}.schema.json")
    instance = MINIMAL[name]
    objects = [pointer for pointer, _ in unknown_member_everywhere(instance)]
    for pointer, changed in unknown_member_everywhere(instance):
        if "/uitbreidingen" not in pointer:
            assert not validator.is_valid(changed), f"{name}#{pointer}"
    assert objects
    extension = {"2.1": {"nieuw_lid": True}, "10.25": {}}
    assert validator.is_valid({**instance, "uitbreidingen": extension})
    for bad in ({"2": {}}, {"v2.1": {}}, {"2.1": "geen object"}, {"02.1": {}}, []):
        assert not validator.is_valid({**instance, "uitbreidingen": bad}), bad


def test_scheme_entries_accept_uitbreidingen_and_keys_stay_closed() -> None:
    validator = vv.validator("stelseldocument.schema.json")
    scheme = MINIMAL["stelseldocument"]
    organisation, manager = scheme["organisaties"][0], scheme["app_managers"][0]
    extension = {"2.1": {"nieuw_lid": "x"}}
    assert validator.is_valid({**scheme, "organisaties": [
        {**organisation, "uitbreidingen": extension}], "app_managers": [
        {**manager, "uitbreidingen": extension}]})
    key = organisation["sleutels"][0]
    for bad_key in ({**key, "uitbreidingen": extension}, {**key, "jwk": {**JWK, "d": "A" * 43}},
                    {k: v for k, v in key.items() if k != "geldig_vanaf"}):
        assert not validator.is_valid({**scheme, "organisaties": [
            {**organisation, "sleutels": [bad_key]}]}), bad_key


def test_scheme_endpoints_and_productie() -> None:
    validator = vv.validator("stelseldocument.schema.json")
    scheme = MINIMAL["stelseldocument"]
    organisation = scheme["organisaties"][0]

    def with_endpoints(endpoints: list[Any], omgeving: str = "productie") -> dict[str, Any]:
        return {**scheme, "omgeving": omgeving,
                "organisaties": [{**organisation, "eindpunten": endpoints}]}

    local = {"api_url": "http://127.0.0.1:8080/vorderingen/v2", "major": 2}
    assert validator.is_valid(with_endpoints([local], "test"))
    assert not validator.is_valid(with_endpoints([local]))  # http never in productie
    assert not validator.is_valid(with_endpoints([]))
    assert not validator.is_valid(with_endpoints([{**local, "major": 0}], "test"))
    assert not validator.is_valid(with_endpoints([{"api_url": local["api_url"]}], "test"))
    five = [{"api_url": f"https://a{i}.example.nl/v{i}", "major": i} for i in range(1, 6)]
    assert not validator.is_valid(with_endpoints(five))
    assert not validator.is_valid({**scheme, "versie": "3.0"})
    assert not validator.is_valid({k: v for k, v in scheme.items() if k != "versie"})


def test_certificate_carries_evidence_of_the_login() -> None:
    validator = vv.validator("app-certificaat.schema.json")
    certificate = MINIMAL["app-certificaat"]
    for member in ("inlogmoment", "identiteitsdienst"):
        assert not validator.is_valid({k: v for k, v in certificate.items() if k != member})
    for bad in ("DigiD", "", "-idp", "a" * 65, "digid idp"):
        assert not validator.is_valid({**certificate, "identiteitsdienst": bad}), bad
    assert validator.is_valid({**certificate, "identiteitsdienst": "test-idp"})


def test_request_proof_claims() -> None:
    validator = vv.validator("verzoek-bewijs.schema.json")
    proof = MINIMAL["verzoek-bewijs"]
    for change in ({"htm": "get"}, {"htu": proof["htu"] + "?x=1"}, {"htu": proof["htu"] + "#f"},
                   {"htu": "http://api.voorbeeldstad.nl/vorderingen/v2"}, {"ath": "A" * 42},
                   {"jti": UUID.upper()}, {"iat": -1}):
        assert not validator.is_valid({**proof, **change}), change
    for member in proof:
        assert not validator.is_valid({k: v for k, v in proof.items() if k != member}), member
    session_proof = vv.validator("sessie-bewijs.schema.json")
    assert not session_proof.is_valid({k: v for k, v in MINIMAL["sessie-bewijs"].items()
                                       if k != "api_url"})


def test_a_bundle_checks_structure_only() -> None:
    validator = vv.validator("bundel.schema.json")
    bundle = MINIMAL["bundel"]
    assert validator.is_valid({**bundle, "enveloppen": [{"iets": "anders"}]})
    for bad in ([], ["geen object"], [{}] * 101):
        assert not validator.is_valid({**bundle, "enveloppen": bad}), bad


def test_the_enum_policy_is_stated_once_and_not_contradicted() -> None:
    """spec/versioning.md states the enum policy; no schema states another."""
    for path in SCHEMA_FILES:
        text = path.read_text(encoding="utf-8").lower()
        assert "new minor" not in text and "nieuwe minor" not in text, path.name
    assert "spec/versioning.md" in load(vv.SCHEMAS_DIR / "common.schema.json")["description"]


def test_format_checker_really_checks_formats() -> None:
    checker = Draft202012Validator.FORMAT_CHECKER
    for fmt, bad in [("date-time", "2026-02-30T00:00:00Z"), ("date", "2026-13-01"),
                     ("uri", "not a uri"), ("email", "geen-adres"), ("uuid", "abc"),
                     ("uri-reference", "\\\\not a reference")]:
        assert fmt in checker.checkers, (
            f"{fmt} is not checked: install rfc3339-validator and rfc3986-validator")
        assert not checker.conforms(bad, fmt)
    assert checker.conforms("2026-01-01T00:00:00+01:00", "date-time")


def test_datetime_offset_is_enforced_even_without_format_assertion() -> None:
    lax = Draft202012Validator(
        {"$ref": vv.SCHEMA_BASE + "common.schema.json#/$defs/datetime"},
        registry=vv.schema_registry(),
    )
    assert not lax.is_valid("2026-01-01T00:00:00")
    assert lax.is_valid("2026-01-01T00:00:00Z")


def test_an_event_error_points_at_the_branch_of_its_own_type() -> None:
    document = document_with_payment_without_amount()
    errors = list(vv.validator("vorderingendocument.schema.json").iter_errors(document))
    assert errors
    for error in errors:
        branch = error.schema.get("properties", {}).get("gebeurtenistype", {})
        assert branch.get("const") == "BetalingVerwerkt", error.message
        assert error.json_path == "$.financiele_zaken[0].gebeurtenissen[0]"
        assert error.validator == "required"


def document_with_payment_without_amount() -> dict[str, Any]:
    for path in VECTOR_FILES:
        for case in load(path):
            if case["schema"] == "vorderingendocument.schema.json":
                valid = next(t["data"] for t in case["tests"] if t["valid"])
                zaak = {**valid["financiele_zaken"][0], "gebeurtenissen": [{
                    "gebeurtenis_id": "x-1", "gebeurtenistype": "BetalingVerwerkt",
                    "datumtijd": "2025-11-05T14:12:00+01:00"}]}
                return {**valid, "financiele_zaken": [zaak]}
    raise AssertionError("no valid claims document among the schema vectors")


def test_schema_vectors_cover_every_schema() -> None:
    covered = {case["schema"].split("#")[0] for p in VECTOR_FILES for case in load(p)}
    covered |= {schema for schema, folder in KIND_VECTORS.items()
                if list((vv.SPEC_DIR / "vectors" / folder).glob("*.json"))}
    missing = {f"{name}.schema.json" for name in EXPECTED_SCHEMAS} - covered
    assert not missing


@pytest.mark.parametrize(("schema", "entry"), schema_tests())
def test_schema_vector(schema: str, entry: dict[str, Any]) -> None:
    errors = list(vv.validator(schema).iter_errors(entry["data"]))
    assert (not errors) == entry["valid"], (
        f"{entry['description']}: expected valid={entry['valid']}, "
        f"got {[e.message for e in errors][:3]}"
    )
