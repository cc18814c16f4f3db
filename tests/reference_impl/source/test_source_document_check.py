"""`vorderingen bron document`: the adapter loop renders and checks a citizen's claims
document from bron.yaml and an adapter module next to it, without HTTP or PYTHONPATH."""

from __future__ import annotations

import io
import sys
import uuid
from pathlib import Path

import pytest

from reference_impl.source.document_check import EXIT_INVALID, EXIT_VALID, run_cli
from reference_impl.source.errors import SourceError

BSN = "999993653"
ADAPTER = '''
from reference_impl.source.backend import Case

EVENT = {"gebeurtenis_id": "e1", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
         "datumtijd": "2026-01-01T09:00:00+01:00", "bedrag": 5000,
         "omschrijving": "Aanslag", "categorie": "hoofdsom"}


class Backend:
    def __init__(self, **fields):
        self.fields = fields

    async def cases_for(self, bsn):
        values = {"zaakkenmerk": "Z-1", "omschrijving": "Aanslag", "vorderingtype": "gem_ozb",
                  "looptijd": "eenmalig", "grondslag": {"omschrijving": "wet"},
                  "contact": {"telefoon": "14 0999"}, "gebeurtenissen": (EVENT,)}
        return [Case(**(values | self.fields))]


class Broken:
    async def cases_for(self, bsn):
        raise RuntimeError("the tax system is down")


def correct(config, database):
    return Backend()


def ledger_disagrees(config, database):
    return Backend(totalen={"totaal_financieel_verplicht": 9999,
                            "totaal_financieel_vereffend": 0})


def bad_status(config, database):
    return Backend(status="betaald")


def crashing(config, database):
    return Broken()


def storno_as_costs(config, database):
    # 2.2: a counter-entry must be a hoofdsom debit; the backend booked it as costs
    paid = {"gebeurtenis_id": "e2", "gebeurtenistype": "BetalingVerwerkt",
            "datumtijd": "2026-01-02T09:00:00+01:00", "bedrag": 5000,
            "betaalwijze": "automatische_incasso"}
    storno = {"gebeurtenis_id": "e3", "gebeurtenistype": "FinancieleVerplichtingOpgelegd",
              "datumtijd": "2026-01-05T09:00:00+01:00", "bedrag": 5000, "categorie": "kosten",
              "omschrijving": "Storno", "tegenboeking_van": "e2", "tegenboeking_soort": "storno"}
    return Backend(gebeurtenissen=(EVENT, paid, storno))


def remedy_without_objection(config, database):
    return Backend(rechtsmiddel={"stadium": "beroep", "ingediend_op": "2026-01-03",
                                 "uitstel_van_betaling": True})
'''
BRON_YAML = """\
oin: "00000001001234567000"
naam: Gemeente Test
soort: gemeente
diensten: [vorderingenoverzicht]
contact: {{telefoon: "14 0999"}}
database_url: sqlite+aiosqlite:///bron.db
key_dir: keys
scheme: stelsel.jwt
scheme_key_file: stelsel.jwks
omgeving: test
backend: {module}:{factory}
"""


@pytest.fixture
def source_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A directory with an adapter module (a fresh name: no import cache between tests)."""
    module = f"adapter_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{module}.py").write_text(ADAPTER, encoding="utf-8")
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    yield tmp_path, module
    sys.modules.pop(module, None)


def _check(source_dir: tuple[Path, str], factory: str, bsn: str = BSN) -> tuple[int, str, str]:
    directory, module = source_dir
    config = directory / "bron.yaml"
    config.write_text(BRON_YAML.format(module=module, factory=factory), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run_cli(config, bsn, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_a_correct_adapter_renders_a_valid_document(source_dir: tuple[Path, str]) -> None:
    code, out, err = _check(source_dir, "correct")
    assert code == EXIT_VALID, err
    assert '"zaakkenmerk": "Z-1"' in out and '"saldo": 5000' in out
    assert err.startswith("valid: the document of 1 case(s)")


def test_a_broken_invariant_is_named_by_rule_and_pointer(source_dir: tuple[Path, str]) -> None:
    code, _out, err = _check(source_dir, "ledger_disagrees")
    assert code == EXIT_INVALID
    assert "invalid: /document/verplicht-is-som /financiele_zaken/0/totaal_financieel_verplicht" \
        in err


def test_a_case_the_source_cannot_use_names_case_and_field(
        source_dir: tuple[Path, str]) -> None:
    code, out, err = _check(source_dir, "bad_status")
    assert code == EXIT_INVALID and out == ""
    assert "invalid: backend: case 'Z-1': status 'betaald'" in err


def test_an_adapter_that_raises_is_named_not_a_traceback(source_dir: tuple[Path, str]) -> None:
    code, _out, err = _check(source_dir, "crashing")
    assert code == EXIT_INVALID
    assert err.strip() == "invalid: backend raised RuntimeError: the tax system is down"


def test_a_bsn_failing_the_elfproef_is_refused(source_dir: tuple[Path, str]) -> None:
    with pytest.raises(SourceError, match="elfproef"):
        _check(source_dir, "correct", bsn="123456789")


def test_a_broken_2_2_invariant_is_named_like_the_suite_names_it(
        source_dir: tuple[Path, str]) -> None:
    code, out, err = _check(source_dir, "storno_as_costs")
    assert code == EXIT_INVALID and '"tegenboeking_soort": "storno"' in out
    assert err.strip() == "invalid: /document/tegenboeking /financiele_zaken/0/gebeurtenissen/2"


def test_a_2_2_case_fact_the_source_cannot_show_names_case_and_field(
        source_dir: tuple[Path, str]) -> None:
    code, _out, err = _check(source_dir, "remedy_without_objection")
    assert code == EXIT_INVALID
    assert err.strip() == ("invalid: backend: case 'Z-1': rechtsmiddel requires status "
                           "in_bezwaar")
