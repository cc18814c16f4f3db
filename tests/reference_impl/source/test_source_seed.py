"""The seed format (reference_impl/source/seed.py): relative dates, and arrangements,
amendments and pauses replayed at their own moment, oldest first."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from reference_impl.source.clock import TIMEZONE
from reference_impl.source.seed import load_seed, seed_steps

TODAY = date(2026, 1, 15)
NOW = int(datetime(2026, 1, 15, 12, 0, tzinfo=TIMEZONE).timestamp())
SEED = {
    "organisaties": [{"sleutel": "gem", "oin": "00000001001234567000", "naam": "Gemeente",
                      "soort": "gemeente", "diensten": ["vorderingenoverzicht"]}],
    "burgers": [{
        "bsn": "999990123", "naam": "Test", "omschrijving": "test",
        "zaken": {"gem": [{
            "zaakkenmerk": "Z-1", "omschrijving": "Aanslag", "vorderingtype": "gem_ozb",
            "looptijd": "eenmalig", "grondslag": {"omschrijving": "wet"},
            "contact": {"telefoon": "14 0999"}, "gebeurtenissen": [],
            "beslag": [{"soort": "loonbeslag", "gelegd_op": "-10d"}],
            "rechtsmiddel": {"stadium": "beroep", "ingediend_op": "-1m",
                             "uitstel_van_betaling": True},
            "status": "in_bezwaar"}]},
        "regelingen": {"gem": [
            {"zaakkenmerken": ["Z-1"], "aantal_termijnen": 6, "aangegaan": "-100d",
             "wijziging": {"aangegaan": "-5d", "aantal_termijnen": 10}},
            {"zaakkenmerken": ["Z-2"], "aantal_termijnen": 2}]},
        "pauzes": {"gem": [{"ingangsdatum": "-50d", "einddatum": "-20d"}]},
    }],
}


def test_the_case_facts_take_relative_dates(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED), encoding="utf-8")
    case = load_seed(path, TODAY).citizens[0].cases["00000001001234567000"][0]
    assert case.beslag[0]["gelegd_op"] == "2026-01-05"
    assert case.rechtsmiddel["ingediend_op"] == "2025-12-15"


def test_arrangements_amendments_and_pauses_are_replayed_oldest_first(tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED), encoding="utf-8")
    steps = seed_steps(load_seed(path, TODAY), "00000001001234567000", NOW)
    assert [(s.kind, s.number) for s in steps] == [
        ("regeling", 0), ("pauze", 0), ("wijziging", 0), ("regeling", 1)]
    days = [datetime.fromtimestamp(s.at, TIMEZONE).date().isoformat() for s in steps]
    assert days == ["2025-10-07", "2025-11-26", "2026-01-10", "2026-01-15"]
    first, pause, change, today = steps
    assert first.body == {"zaakkenmerken": ["Z-1"], "aantal_termijnen": 6}
    assert change.body == {"zaakkenmerken": ["Z-1"], "aantal_termijnen": 10}
    assert pause.body == {"einddatum": "2025-12-26"}
    assert today.at == NOW


def test_an_offset_with_a_final_newline_is_no_offset() -> None:
    """Python's `$` matches before a final newline: only a whole match is an offset."""
    from reference_impl.source.seed import resolve_dates, shift

    assert shift(date(2026, 1, 31), "+1m") == date(2026, 2, 28)
    with pytest.raises(ValueError, match="offset"):
        shift(date(2026, 1, 31), "+1m\n")
    assert resolve_dates({"vervaldatum": "-1d\n"}, date(2026, 1, 31)) == {"vervaldatum": "-1d\n"}
