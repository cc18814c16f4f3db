"""The scheme description: what the operator writes, and what it refuses to sign."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from scheme_support import MANAGER_ID, OIN, description, organisation

from reference_impl.common.jose import generate_key, public_jwk, thumbprint
from reference_impl.common.versions import WIRE_VERSION
from reference_impl.scheme.description import description_from_mapping, load_description
from reference_impl.scheme.errors import DescriptionError


def _mapping(**changes: Any) -> dict[str, Any]:
    return {"iss": "test-stelselbeheerder", "omgeving": "test",
            "organisaties": [organisation(generate_key())],
            "app_managers": [{"id": MANAGER_ID, "naam": "AM",
                              "sleutels": [public_jwk(generate_key())]}], **changes}


def test_a_yaml_description_with_key_files_gives_valid_claims(tmp_path: Path) -> None:
    source_key, manager_key = generate_key(), generate_key()
    jwk = {k: v for k, v in public_jwk(source_key).items() if k != "kid"}
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "bron.jwk.json").write_text(json.dumps(jwk), encoding="utf-8")
    (tmp_path / "beschrijving.yaml").write_text(yaml.safe_dump({
        "iss": "test-stelselbeheerder", "omgeving": "acceptatie", "looptijd_s": 3600,
        "organisaties": [organisation(source_key, sleutels=["keys/bron.jwk.json"])],
        "app_managers": [{"id": MANAGER_ID, "naam": "AM", "sleutels": [public_jwk(manager_key)]}],
        "ingetrokken_certificaten": ["c661009d-3ffa-4716-99c8-b525a603a59b"],
    }), encoding="utf-8")
    claims = load_description(tmp_path / "beschrijving.yaml").claims(now=1000, volgnummer=7)
    assert claims["exp"] - claims["iat"] == 3600 and claims["volgnummer"] == 7
    assert claims["omgeving"] == "acceptatie"
    published = claims["organisaties"][0]["sleutels"][0]["jwk"]
    assert published["kid"] == thumbprint(published) == public_jwk(source_key)["kid"]
    assert claims["organisaties"][0]["status"] == "actief"
    assert claims["app_managers"][0]["status"] == "actief"
    assert claims["ingetrokken_certificaten"] == ["c661009d-3ffa-4716-99c8-b525a603a59b"]


def test_pulled_revocations_are_merged_sorted_and_unique() -> None:
    desc = description(generate_key(), generate_key(), ingetrokken_certificaten=[
        "b0000000-0000-4000-8000-000000000000"])
    claims = desc.claims(now=1, volgnummer=1, revoked={"a0000000-0000-4000-8000-000000000000",
                                                        "b0000000-0000-4000-8000-000000000000"})
    assert claims["ingetrokken_certificaten"] == ["a0000000-0000-4000-8000-000000000000",
                                                  "b0000000-0000-4000-8000-000000000000"]


@pytest.mark.parametrize(("changes", "names"), [
    ({"onbekend": 1}, "onbekend"),
    ({"looptijd_s": 86_401}, "looptijd_s"),
    ({"omgeving": "prod"}, "/omgeving"),
    ({"organisaties": [organisation(generate_key(), api_url="http://127.0.0.1:8001/v1/")]},
     "/organisaties/0/eindpunten/0/api_url"),
    ({"organisaties": [organisation(generate_key(), oin="123")]}, "/organisaties/0/oin"),
    ({"organisaties": [organisation(generate_key(), diensten=["pauzes"])]},
     "/organisaties/0/diensten"),
    ({"organisaties": [organisation(generate_key()), organisation(generate_key())]},
     "organisaties.oin"),
    ({"app_managers": [{"id": MANAGER_ID, "naam": "AM", "sleutels": []}]},
     "app_managers[0].sleutels"),
])
def test_a_description_that_cannot_be_signed_is_refused(changes: dict[str, Any],
                                                        names: str) -> None:
    with pytest.raises(DescriptionError) as refused:
        description_from_mapping(_mapping(**changes))
    assert refused.value.key == names


def test_http_api_urls_are_refused_in_productie() -> None:
    with pytest.raises(DescriptionError) as refused:
        description_from_mapping(_mapping(omgeving="productie"))
    assert refused.value.key == "/organisaties/0/eindpunten/0/api_url"


def test_a_private_key_is_never_published() -> None:
    key = generate_key()
    private = {**public_jwk(key), "d": key.as_dict(private=True)["d"]}
    with pytest.raises(DescriptionError) as refused:
        description_from_mapping(_mapping(organisaties=[organisation(key, sleutels=[private])]))
    assert private["d"] not in str(refused.value)


def test_a_wrong_kid_is_refused() -> None:
    jwk = {**public_jwk(generate_key()), "kid": public_jwk(generate_key())["kid"]}
    with pytest.raises(DescriptionError, match="vingerafdruk"):
        description_from_mapping(_mapping(organisaties=[organisation(generate_key(),
                                                                     sleutels=[jwk])]))


def test_a_missing_key_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DescriptionError, match=r"weg\.jwk\.json"):
        description_from_mapping(_mapping(organisaties=[
            organisation(generate_key(), sleutels=["weg.jwk.json"])]), base_dir=tmp_path)


def test_organisation_entry_is_kept_as_written() -> None:
    claims = description(generate_key(), generate_key()).claims(now=5, volgnummer=2)
    entry = claims["organisaties"][0]
    assert entry["oin"] == OIN and entry["diensten"] == ["vorderingenoverzicht", "hulpvragen"]


def test_endpoints_per_major_and_key_entries_with_windows(tmp_path: Path) -> None:
    current, next_key, stolen = generate_key(), generate_key(), generate_key()
    (tmp_path / "volgend.jwk.json").write_text(json.dumps(public_jwk(next_key)))
    (tmp_path / "beschrijving.yaml").write_text(f"""
iss: test-stelselbeheerder
omgeving: test
organisaties:
  - oin: "{OIN}"
    naam: Gemeente Voorbeeldstad
    soort: gemeente
    eindpunten:
      - {{api_url: "http://127.0.0.1:8001/vorderingen/v2", major: 2}}
      - {{api_url: "http://127.0.0.1:8001/vorderingen/v3", major: 3}}
    sleutels:
      - jwk: {json.dumps(public_jwk(current))}
        geldig_vanaf: 2026-01-01T00:00:00Z
        geldig_tot: 1798761600
      - jwk: volgend.jwk.json
        geldig_vanaf: "2026-12-01T00:00:00+01:00"
      - jwk: {json.dumps(public_jwk(stolen))}
        ingetrokken_op: 1780000000
    diensten: [vorderingenoverzicht]
app_managers:
  - {{id: {MANAGER_ID}, naam: AM, sleutels: [{json.dumps(public_jwk(generate_key()))}]}}
""", encoding="utf-8")
    claims = load_description(tmp_path / "beschrijving.yaml").claims(now=1000, volgnummer=1)
    organisation_entry = claims["organisaties"][0]
    assert [e["major"] for e in organisation_entry["eindpunten"]] == [2, 3]
    assert organisation_entry["sleutels"] == [
        {"jwk": public_jwk(current), "geldig_vanaf": 1767225600, "geldig_tot": 1798761600},
        {"jwk": public_jwk(next_key), "geldig_vanaf": 1796079600},
        {"jwk": public_jwk(stolen), "geldig_vanaf": 0, "ingetrokken_op": 1780000000},
    ]
    assert claims["versie"] == WIRE_VERSION


@pytest.mark.parametrize(("organisations", "managers", "why"), [
    ([{"api_url": None,
       "eindpunten": [{"api_url": "http://127.0.0.1:8001/vorderingen/v2", "major": 2},
                      {"api_url": "http://127.0.0.1:8001/vorderingen/v2b", "major": 2}]}],
     [], "twee eindpunten voor één major"),
    ([{}, {"oin": "00000001009999999000"}], [], "api_url komt meer dan eens voor"),
    ([{}], [{"api_url": "http://127.0.0.1:8001/vorderingen/v2"}],
     "api_url komt meer dan eens voor"),
])
def test_an_api_url_is_unique_and_a_major_has_one_endpoint(
        organisations: list[dict[str, Any]], managers: list[dict[str, Any]], why: str) -> None:
    mapping = _mapping(
        organisaties=[organisation(generate_key(), **o) for o in organisations],
        app_managers=[{"id": MANAGER_ID, "naam": "AM", "sleutels": [public_jwk(generate_key())],
                       **m} for m in managers] or _mapping()["app_managers"])
    with pytest.raises(DescriptionError, match=why):
        description_from_mapping(mapping)


@pytest.mark.parametrize(("entry", "key"), [
    ({"geldig_vanaf": "morgen"}, "geldig_vanaf"),
    ({"geldig_tot": -1}, "geldig_tot"),
    ({"geldig_van": 1}, "geldig_van"),
])
def test_a_bad_key_entry_names_its_member(entry: dict[str, Any], key: str) -> None:
    sleutels = [{"jwk": public_jwk(generate_key()), **entry}]
    with pytest.raises(DescriptionError) as refused:
        description_from_mapping(_mapping(organisaties=[organisation(generate_key(),
                                                                     sleutels=sleutels)]))
    assert refused.value.key == f"organisaties[0].sleutels.{key}"


def test_an_organisations_contact_is_published_in_the_2_2_extension() -> None:
    """/stelsel/contact-uitbreiding: the scheme document is closed, so a 2.2 member lives in
    the organisation's `uitbreidingen["2.2"]`, where an app finds how to reach a source that
    does not answer."""
    contact = {"telefoon": "14 0999", "url": "https://www.voorbeeldstad.example/contact"}
    claims = description_from_mapping(_mapping(organisaties=[
        organisation(generate_key(), contact=contact)])).claims(now=1, volgnummer=1)
    listed = claims["organisaties"][0]
    assert listed["uitbreidingen"] == {"2.2": {"contact": contact}}
    assert "contact" not in listed
    bare = description_from_mapping(_mapping()).claims(now=1, volgnummer=1)
    assert "uitbreidingen" not in bare["organisaties"][0]


@pytest.mark.parametrize(("contact", "names"), [
    ({}, "contact"),
    ({"fax": "0201234567"}, "contact.fax"),
    ("14 0999", "contact"),
    ({"url": "http://voorbeeldstad.example"}, "url"),
])
def test_a_bad_contact_is_refused_naming_it(contact: Any, names: str) -> None:
    with pytest.raises(DescriptionError, match=names.replace(".", r"\.")):
        description_from_mapping(_mapping(organisaties=[
            organisation(generate_key(), contact=contact)]))
