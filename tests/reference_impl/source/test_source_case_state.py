"""What a case allows now (reference_impl/source/case_state.py): the arrangeable amount never
exceeds what is owed, a debt scheme leaves only objection and help, a remedy keeps the case
in objection, and an action the state rules out is not offered."""

from __future__ import annotations

from pathlib import Path

from reference_impl.demo.data import load_demo
from reference_impl.source import case_state
from reference_impl.source.backend import case_from_mapping
from reference_impl.source.config import config_from_mapping

CASE = {
    "zaakkenmerk": "OZB-2026-1", "omschrijving": "Onroerendezaakbelasting 2026",
    "vorderingtype": "gem_ozb", "looptijd": "eenmalig",
    "grondslag": {"omschrijving": "Gemeentewet art. 220"}, "contact": {"telefoon": "14 012"},
    "gebeurtenissen": [], "bezwaar": {"mogelijk": True, "uiterlijk": "2026-02-01"},
    "acties": ["betalen", "betalingsregeling", "pauze", "bezwaar", "hulp"],
}


def config(tmp_path: Path):
    return config_from_mapping(load_demo().organisation("voorbeeldstad").config_mapping(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bron.db'}", key_dir=str(tmp_path),
        scheme="stelsel.jwt", scheme_key_file="stelsel.jwks", omgeving="test"))


def test_the_arrangeable_amount_is_bounded_by_what_is_owed() -> None:
    assert case_state.arrangeable(case_from_mapping(CASE), 5000) == 5000
    assert case_state.arrangeable(case_from_mapping(CASE | {"regelbaar_bedrag": 2000}), 5000) \
        == 2000
    assert case_state.arrangeable(case_from_mapping(CASE | {"regelbaar_bedrag": 9000}), 5000) \
        == 5000
    assert case_state.arrangeable(case_from_mapping(CASE | {"regelbaar_bedrag": 9000}), -10) == 0


def test_actions_follow_the_state(tmp_path: Path) -> None:
    source = config(tmp_path)

    def actions(saldo: int = 5000, *, arranged: bool = False, paused: bool = False,
                possible: bool = True, regelbaar: int = 5000, **facts) -> list[str]:
        possibility = {"mogelijk": True} if possible else {"mogelijk": False, "reden": "wachttijd"}
        return case_state.actions(case_from_mapping(CASE | facts), saldo, source,
                                  arranged=arranged, paused=paused, possibility=possibility,
                                  regelbaar=regelbaar)

    assert actions() == CASE["acties"]
    assert actions(0) == ["bezwaar", "hulp"]
    assert "betalingsregeling" not in actions(arranged=True)
    assert "betalingsregeling" not in actions(regelbaar=0)
    assert "pauze" not in actions(paused=True) and "pauze" not in actions(possible=False)
    assert "bezwaar" not in actions(bezwaar={"mogelijk": False})
    scheme = {"soort": "wsnp", "sinds": "2026-01-01"}
    assert actions(schuldregeling=scheme) == ["bezwaar", "hulp"]
    remedy = {"stadium": "beroep", "ingediend_op": "2026-01-01", "uitstel_van_betaling": True}
    assert "betalingsregeling" not in actions(status="in_bezwaar", rechtsmiddel=remedy)


def test_a_remedy_keeps_the_case_in_objection() -> None:
    remedy = {"stadium": "hoger_beroep", "ingediend_op": "2026-01-01",
              "uitstel_van_betaling": False}
    case = case_from_mapping(CASE | {"status": "in_bezwaar", "rechtsmiddel": remedy})
    assert case_state.status(case, 5000, arranged=True, paused=True) == "in_bezwaar"
    plain = case_from_mapping(CASE)
    assert case_state.status(plain, 5000, arranged=True, paused=False) == "in_regeling"
    assert case_state.status(plain, 5000, arranged=True, paused=True) == "gepauzeerd"
    assert case_state.status(plain, 0, arranged=True, paused=True) == "afgelost"
