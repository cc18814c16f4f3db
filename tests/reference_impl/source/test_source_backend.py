"""The pluggable data side: what a backend may hand the source, and what it may not."""

from __future__ import annotations

import pytest

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
