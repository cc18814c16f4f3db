"""Configuration is read once and checked: a bad value names its key and the value; the
signing key is generated owner-only on first start, with its public half beside it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from source_support import GEMEENTE, SANNE, RunningSource

from reference_impl.common.errors import ConfigError
from reference_impl.common.jose import generate_key, public_jwk
from reference_impl.demo.data import load_demo
from reference_impl.source.__main__ import main
from reference_impl.source.config import config_from_mapping, load_config

ARRANGEMENT = {"minimum_termijnbedrag": 2500, "maximum_aantal_termijnen": 12,
               "bedenktijd_dagen": 14, "voorstel_geldigheid_s": 900}
GOOD = {"oin": "00000001001234567000", "naam": "Gemeente", "soort": "gemeente",
        "contact": {"telefoon": "14 0999"}, "key_dir": "keys"}


@pytest.mark.parametrize(("change", "key", "value"), [
    ({"oin": "123"}, "oin", "123"),
    ({"soort": "stad"}, "soort", "stad"),
    ({"diensten": ["pauzes"]}, "diensten", ["pauzes"]),
    ({"diensten": ["vorderingenoverzicht", "pauzes"]}, "pauze", None),
    ({"diensten": ["vorderingenoverzicht", "pauzes"], "pauze": {"maximum_duur_dagen": 0}},
     "pauze.maximum_duur_dagen", 0),
    ({"minimaal_betrouwbaarheidsniveau": {"pauzes": "laag"}},
     "minimaal_betrouwbaarheidsniveau.pauzes", "laag"),
    ({"database_url": "mysql://x"}, "database_url", "mysql://x"),
    ({"contact": {}}, "contact", {}),
    ({"typo": 1}, "typo", 1),
    ({"oin": "00000001001234567000\n"}, "oin", "00000001001234567000\n"),  # $ before a \n
    ({"base_path": "/vorderingen/v2\n"}, "base_path", "/vorderingen/v2\n"),
    ({"port": "8001"}, "port", "8001"),
    ({"scheme_refresh_s": 301}, "scheme_refresh_s", 301),  # the standard's maximum is 300
    ({"scheme_refresh_s": 0}, "scheme_refresh_s", 0),
    ({"scheme_keys": "sleutel.json"}, "scheme_keys", "sleutel.json"),
    ({"scheme_keys": [{"kty": "EC"}]}, "scheme_keys[0]", "<jwk>"),
    # 2.2 members (design §B.1)
    ({"diensten": ["vorderingenoverzicht", "betalingsregelingen"],
      "betalingsregeling": ARRANGEMENT | {"vervaldag": 29}}, "betalingsregeling.vervaldag", 29),
    ({"diensten": ["vorderingenoverzicht", "betalingsregelingen"],
      "betalingsregeling": ARRANGEMENT | {"reservering_geldigheid_s": 30}},
     "betalingsregeling.reservering_geldigheid_s", 30),
    ({"diensten": ["vorderingenoverzicht", "betalingsregelingen"],
      "betalingsregeling": ARRANGEMENT | {"respijt": 3}}, "betalingsregeling",
     ARRANGEMENT | {"respijt": 3}),
    ({"diensten": ["vorderingenoverzicht", "pauzes"],
      "pauze": {"maximum_duur_dagen": 90, "maximum_aantal": 2}}, "pauze",
     {"maximum_duur_dagen": 90, "maximum_aantal": 2}),
    ({"diensten": ["vorderingenoverzicht", "pauzes"],
      "pauze": {"maximum_duur_dagen": 90, "wachttijd_dagen": 366}},
     "pauze.wachttijd_dagen", 366),
])
def test_a_bad_value_names_key_and_value(change: dict, key: str, value: object) -> None:
    with pytest.raises(ConfigError) as refused:
        config_from_mapping({**GOOD, **change}, base_dir=Path("/srv"))
    assert (refused.value.key, refused.value.value) == (key, value)
    shown = "" if value is None else f"={value!r}"  # an absent key shows no Python None
    assert str(refused.value).startswith(f"configuratie {key}{shown}: "), str(refused.value)


def test_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bron.yaml"
    path.write_text(json.dumps({**GOOD, "database_url": "sqlite:///data/bron.db",
                                "scheme": "stelsel.jwt", "scheme_key_file": "sleutel.json"}))
    config = load_config(path)
    assert config.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data/bron.db'}"
    assert config.signing_key_path == tmp_path / "keys" / "bron.pem"
    assert config.scheme == str(tmp_path / "stelsel.jwt")
    assert config.minimum_level("pauzes") == "substantieel"


def test_the_pinned_scheme_keys_are_a_set_of_one_to_five(tmp_path: Path) -> None:
    keys = [public_jwk(generate_key()) for _ in range(6)]
    (tmp_path / "een.jwk.json").write_text(json.dumps(keys[0]))       # 1.0: one key
    (tmp_path / "set.jwks.json").write_text(json.dumps({"keys": keys[1:3]}))
    one = config_from_mapping({**GOOD, "scheme_key_file": "een.jwk.json"}, base_dir=tmp_path)
    assert one.pinned_scheme_keys() == [keys[0]]
    both = config_from_mapping({**GOOD, "scheme_key_file": "set.jwks.json",
                                "scheme_keys": ["een.jwk.json", keys[0], keys[3]]},
                               base_dir=tmp_path)
    assert [k["kid"] for k in both.pinned_scheme_keys()] == [
        keys[0]["kid"], keys[3]["kid"], keys[1]["kid"], keys[2]["kid"]]  # duplicates once
    too_many = config_from_mapping({**GOOD, "scheme_key_file": "set.jwks.json",
                                    "scheme_keys": [keys[0], keys[3], keys[4], keys[5]]},
                                   base_dir=tmp_path)
    with pytest.raises(ConfigError) as refused:
        too_many.pinned_scheme_keys()
    assert refused.value.key == "scheme_keys"
    (tmp_path / "bron.yaml").write_text(json.dumps({**GOOD, "scheme": "stelsel.jwt"}))
    with pytest.raises(ConfigError) as missing:
        load_config(tmp_path / "bron.yaml")
    assert missing.value.key == "scheme_key_file"


def test_the_command_line_names_a_bad_file(capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path) -> None:
    path = tmp_path / "bron.yaml"
    path.write_text(json.dumps({**GOOD, "oin": "12"}))
    assert main(["--config", str(path)]) == 2
    message = capsys.readouterr().err.strip()
    assert message.count("\n") == 0 and "oin='12'" in message


def test_every_demo_organisation_is_a_valid_configuration() -> None:
    for organisation in load_demo().organisations:
        config = config_from_mapping(organisation.config_mapping(key_dir="k"))
        assert config.oin == organisation.oin


@pytest.mark.anyio
async def test_the_signing_key_is_generated_owner_only(gemeente: RunningSource) -> None:
    key_file = gemeente.config.signing_key_path
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    published = json.loads(key_file.with_suffix(".jwk.json").read_text())
    assert "d" not in published
    assert published == gemeente.trust.organisations[0]["sleutels"][0]["jwk"]
    assert GEMEENTE in str(key_file) and (await gemeente.session(SANNE))


@pytest.mark.anyio
async def test_an_in_memory_database_serves_a_quick_test(make_source) -> None:
    source = await make_source(GEMEENTE, database_url="sqlite+aiosqlite:///:memory:")
    token = await source.session(SANNE)
    document = (await source.client.get("/vorderingenoverzicht", token=token)).json()
    assert document["document"]["financiele_zaken"][0]["zaakkenmerk"] == "AS-2026-000101"


@pytest.mark.anyio
async def test_configuratie_announces_the_2_2_limits_it_has(make_source) -> None:
    gemeente = await make_source(GEMEENTE, betalingsregeling=ARRANGEMENT | {
        "vervaldag": 15, "rente_basispunten": 300}, pauze={"maximum_duur_dagen": 90,
                                                          "wachttijd_dagen": 30})
    body = (await gemeente.client.get("/configuratie")).json()
    assert body["betalingsregeling"] == ARRANGEMENT | {
        "vervaldag": 15, "minimale_aanlooptijd_dagen": 0, "rente_basispunten": 300,
        "respijt_dagen": 0}  # no lapse rule, no reservations: not announced
    assert body["pauze"] == {"maximum_duur_dagen": 90, "wachttijd_dagen": 30}
