"""The scheme operator's certification requirement (spec/certificering.md §7): with
`certificering:` configured, an organisation is listed `actief` only while a verifying
certification result for it lies in the results directory.

The verification itself is proven against every vector in
tests/spec/test_certification_vectors.py; here: configuration (a wrong block names its key),
who is held back and why, and the listing at each signing (a result expiring while the
service runs, a new one restoring it, each change logged in one line)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from joserfc.jwk import ECKey
from scheme_support import OIN, FakeClock, description

from reference_impl.common.errors import ConfigError
from reference_impl.common.jose import generate_key, load_private_key, public_jwk, sign
from reference_impl.scheme.certification import TYP, CertificationRequirement
from reference_impl.scheme.config import config_from_mapping
from reference_impl.scheme.service import SchemeService
from reference_impl.scheme.signing import create_operator_key, write_pinned_set

pytestmark = pytest.mark.anyio
DAY_S = 86400
DIENSTEN = ["vorderingenoverzicht", "hulpvragen"]  # scheme_support.organisation's services


def result(key: ECKey, *, now: float, **changes: Any) -> str:
    claims = {
        "iss": "test-stelselbeheerder", "jti": str(uuid.uuid4()), "iat": int(now) - DAY_S,
        "exp": int(now) + 30 * DAY_S, "actor": "bron", "oin": OIN,
        "api_url": "https://acceptatie.voorbeeldstad.example/vorderingen/v2",
        "standaardversie": "2.1.0", "suiteversie": "2.1.0", "omgeving": "acceptatie",
        "profielen": ["basis", "hulpvragen"],
        "diensten": DIENSTEN, "oordeel": "conformant",
        "aantallen": {"totaal": 3, "geslaagd": 3, "waarschuwingen": 0,
                      "niet_van_toepassing": 0, "niet_getest": 0},
        "rapport_sha256": "A" * 43, **changes}
    return sign(claims, key, typ=TYP)


def setup(tmp_path: Path, *, token: str | None) -> tuple[dict[str, Any], ECKey]:
    """A scheme service configuration in tmp_path (one organisation, actief) with the
    certification requirement; `token` is the organisation's result file, if any."""
    source, manager, certifier = generate_key(), generate_key(), generate_key()
    (tmp_path / "keys").mkdir()
    for name, key in (("bron", source), ("am", manager)):
        (tmp_path / "keys" / f"{name}.jwk.json").write_text(json.dumps(public_jwk(key)))
    write_pinned_set(tmp_path / "keys" / "certificeerders.jwks", [public_jwk(certifier)])
    (tmp_path / "beschrijving.yaml").write_text(yaml.safe_dump({
        "iss": "test-stelselbeheerder", "omgeving": "productie",
        "organisaties": [{"oin": OIN, "naam": "Gemeente Voorbeeldstad", "soort": "gemeente",
                          "api_url": "https://api.voorbeeldstad.example/vorderingen/v2",
                          "sleutels": ["keys/bron.jwk.json"], "diensten": DIENSTEN}],
        "app_managers": [{"id": "am", "naam": "AM", "sleutels": ["keys/am.jwk.json"]}]}))
    create_operator_key(tmp_path / "stelsel")
    (tmp_path / "certificeringen").mkdir()
    if token is not None:
        (tmp_path / "certificeringen" / f"{OIN}.jwt").write_text(token + "\n")
    return {"description": "beschrijving.yaml", "key_file": "stelsel/stelsel-sleutel.pem",
            "certificering": {"sleutels": "keys/certificeerders.jwks",
                              "resultaten": "certificeringen"}}, certifier


def held_back(data: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    """`{oin: reason}` of the organisations the configured service would hold back now."""
    config = config_from_mapping(data, base_dir=tmp_path)
    assert config.certification is not None
    listed, suspended = config.certification.listing(config.description, int(time.time()))
    statuses = {o["oin"]: o["status"] for o in listed.organisaties}
    assert all(statuses[oin] == "opgeschort" for oin in suspended)
    return suspended


def test_an_uncertified_actief_organisation_is_listed_opgeschort(tmp_path: Path) -> None:
    data, _ = setup(tmp_path, token=None)
    reason = held_back(data, tmp_path)[OIN]
    assert "\n" not in reason and f"{OIN}.jwt" in reason


@pytest.mark.parametrize(("changes", "code"), [
    ({"oin": "00000001009876543000"}, "certificering/verkeerde-organisatie"),
    ({"diensten": ["vorderingenoverzicht"], "profielen": ["basis"]},
     "certificering/dienst-niet-gecertificeerd"),
    ({"exp": int(time.time()) - 2 * DAY_S}, "certificering/verlopen"),
    ({"omgeving": "test"}, "certificering/claims-ongeldig"),
])
def test_a_result_that_does_not_fit_holds_the_organisation_back_naming_the_code(
        tmp_path: Path, changes: dict[str, Any], code: str) -> None:
    data, certifier = setup(tmp_path, token=None)
    (tmp_path / "certificeringen" / f"{OIN}.jwt").write_text(
        result(certifier, now=time.time(), **changes))
    assert held_back(data, tmp_path)[OIN].startswith(code)


def test_a_result_signed_by_another_key_holds_the_organisation_back(tmp_path: Path) -> None:
    data, _ = setup(tmp_path, token=result(generate_key(), now=time.time()))
    assert held_back(data, tmp_path)[OIN].startswith("certificering/sleutel-onbekend")


def test_an_organisation_not_listed_actief_needs_no_result(tmp_path: Path) -> None:
    data, _ = setup(tmp_path, token=None)
    description = yaml.safe_load((tmp_path / "beschrijving.yaml").read_text())
    description["organisaties"][0]["status"] = "beeindigd"
    (tmp_path / "beschrijving.yaml").write_text(yaml.safe_dump(description))
    assert held_back(data, tmp_path) == {}


def test_a_certified_organisation_starts_and_is_listed_actief(tmp_path: Path) -> None:
    data, certifier = setup(tmp_path, token=None)
    (tmp_path / "certificeringen" / f"{OIN}.jwt").write_text(result(certifier, now=time.time()))
    assert held_back(data, tmp_path) == {}


@pytest.mark.parametrize(("block", "key"), [
    ("certificeringen", "certificering"),
    ({"sleutels": "keys/certificeerders.jwks"}, "certificering.resultaten"),
    ({"sleutels": "keys/certificeerders.jwks", "resultaten": "certificeringen", "x": 1},
     "certificering.x"),
    ({"sleutels": "keys/bestaat-niet.jwks", "resultaten": "certificeringen"},
     "certificering.sleutels"),
    ({"sleutels": "keys/certificeerders.jwks", "resultaten": "bestaat-niet"},
     "certificering.resultaten"),
])
def test_a_wrong_certificering_block_names_its_key(tmp_path: Path, block: Any, key: str) -> None:
    data, _ = setup(tmp_path, token=None)
    with pytest.raises(ConfigError) as refused:
        config_from_mapping({**data, "certificering": block}, base_dir=tmp_path)
    assert refused.value.key == key


async def test_an_expiring_result_turns_the_organisation_opgeschort(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    certifier, source, manager = generate_key(), generate_key(), generate_key()
    results = tmp_path / "certificeringen"
    results.mkdir()
    (results / f"{OIN}.jwt").write_text(result(certifier, now=clock(), exp=int(clock()) + 3600))
    private, _ = create_operator_key(tmp_path / "stelsel")
    service = SchemeService(description(source, manager), load_private_key(private),
                            clock=clock, certification=CertificationRequirement(
                                (public_jwk(certifier),), results))
    first = await service.document()
    assert first.claims["organisaties"][0]["status"] == "actief"
    clock.advance(3600 + 61)
    assert await service.refresh() is True
    second = await service.document()
    assert second.claims["organisaties"][0]["status"] == "opgeschort"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(OIN in w and "certificering/verlopen" in w for w in warnings)
    assert second.claims["volgnummer"] > first.claims["volgnummer"]
    assert await service.refresh() is False  # unchanged: no new document
    (results / f"{OIN}.jwt").write_text(result(certifier, now=clock()))
    assert await service.refresh() is True
    assert (await service.document()).claims["organisaties"][0]["status"] == "actief"
