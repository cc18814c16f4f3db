"""The pluggable data side: what a backend may hand the source, and what it may not."""

from __future__ import annotations

from pathlib import Path

import pytest
from source_support import start_source

from reference_impl.source.backend import BackendError, case_from_mapping

CASE = {
    "zaakkenmerk": "OZB-2026-1",
    "omschrijving": "Onroerendezaakbelasting 2026",
    "vorderingtype": "gem_ozb",
    "looptijd": "eenmalig",
    "grondslag": {"omschrijving": "Gemeentewet art. 220"},
    "contact": {"telefoon": "14 012"},
    "gebeurtenissen": [],
}


def test_ledger_totals_are_taken_as_given() -> None:
    totalen = {"totaal_financieel_verplicht": 1000, "totaal_financieel_vereffend": 250}
    case = case_from_mapping({**CASE, "totalen": totalen})
    assert case.totalen == totalen
    assert case_from_mapping(case.to_mapping()) == case


@pytest.mark.parametrize("totalen", [
    {"totaal_financieel_verplicht": 1000},
    {"totaal_financieel_verplicht": 1000, "totaal_financieel_vereffend": 2.5},
    {"totaal_financieel_verplicht": 1000, "totaal_financieel_vereffend": 0, "saldo": 1000},
])
def test_malformed_ledger_totals_are_refused_naming_the_case(totalen: dict) -> None:
    with pytest.raises(BackendError, match=r"OZB-2026-1.*totalen"):
        case_from_mapping({**CASE, "totalen": totalen})



def test_a_zaakkenmerk_with_a_final_newline_is_refused() -> None:
    """Python's `$` matches before a final newline: only a whole match is a zaakkenmerk."""
    from reference_impl.source.backend import check_case

    check_case(case_from_mapping(CASE))
    with pytest.raises(BackendError, match="zaakkenmerk"):
        check_case(case_from_mapping({**CASE, "zaakkenmerk": "OZB-2026-1\n"}))


class ClosingBackend:
    """A backend holding a resource of its own, as an organisation's adapter would."""

    def __init__(self) -> None:
        self.closed = False

    async def cases_for(self, bsn: str) -> list:
        return []

    async def aclose(self) -> None:
        self.closed = True


@pytest.mark.anyio
async def test_the_source_closes_a_backend_that_holds_resources(tmp_path: Path) -> None:
    backend = ClosingBackend()
    running = await start_source(tmp_path, backend=backend)
    assert not backend.closed
    await running.source.close()
    assert backend.closed


def test_the_2_2_case_facts_round_trip() -> None:
    case = case_from_mapping({
        **CASE, "regelbaar_bedrag": 0,
        "beslag": [{"soort": "bankbeslag", "gelegd_op": "2026-01-01"}],
        "schuldregeling": {"soort": "moratorium", "sinds": "2026-01-01"},
        "pauze_mogelijkheid": {"mogelijk": False, "reden": "wettelijke-rente"},
        "acties": ["hulp"]})
    assert case.beslag == ({"soort": "bankbeslag", "gelegd_op": "2026-01-01"},)
    assert case_from_mapping(case.to_mapping()) == case


@pytest.mark.parametrize(("facts", "names"), [
    ({"regelbaar_bedrag": -1}, "regelbaar_bedrag"),
    ({"regelbaar_bedrag": 10.5}, "regelbaar_bedrag"),
    ({"beslag": ["loonbeslag"]}, "beslag"),
    ({"beslag": [{"soort": "bankbeslag", "gelegd_op": "2026-01-01"}] * 11}, "beslag"),
    ({"schuldregeling": "wsnp"}, "schuldregeling"),
    ({"rechtsmiddel": {"stadium": "beroep", "ingediend_op": "2026-01-01",
                       "uitstel_van_betaling": True}}, "rechtsmiddel requires status in_bezwaar"),
    ({"pauze_mogelijkheid": {"mogelijk": False, "reden": "wachttijd"}}, "pauze_mogelijkheid"),
    ({"pauze_mogelijkheid": {"mogelijk": True}}, "pauze_mogelijkheid"),
    ({"pauze_mogelijkheid": {"mogelijk": False, "reden": "wettelijke-rente"},
      "acties": ["betalen", "pauze"]}, "pauze in acties"),
])
def test_a_2_2_fact_the_source_cannot_show_is_refused_naming_it(facts: dict, names: str) -> None:
    with pytest.raises(BackendError, match=rf"OZB-2026-1.*{names}"):
        case_from_mapping({**CASE, **facts})
