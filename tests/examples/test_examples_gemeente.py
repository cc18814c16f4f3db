"""The municipality example: its export reader and what its adapter makes of the export,
as the citizen's app sees it (signed documents fetched through a real session, in-process).
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest
from example_support import EXAMPLES, ExampleSetup, suite_bsns

from conformance import keys
from conformance.context import CheckContext
from examples.gemeente.adapter import BUNDLED_EXPORT, TaxExportBackend
from examples.gemeente.errors import ExportError
from examples.gemeente.export import parse_cents, read_export

pytestmark = pytest.mark.anyio
ANNA, BRAM, CHRIS = "999991012", "999991024", "999991036"
BASE_URL = "http://127.0.0.1:8101/vorderingen/v2"  # in-process: no socket is opened


# --- the export reader --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "cents"), [
    ("91,25", 9125), ("0,00", 0), ("1.234,56", 123456), ("1234,56", 123456), ("-4,80", -480),
])
def test_amounts_become_integer_cents(text: str, cents: int) -> None:
    assert parse_cents(text) == cents


@pytest.mark.parametrize("text", ["91.25", "91,2", "91", "1,234.56", "12.34,56", "", "€ 5,00"])
def test_ambiguous_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_cents(text)


@pytest.fixture
def export_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(BUNDLED_EXPORT, tmp_path / "export"))


def test_bundled_export_reads_completely() -> None:
    export = read_export(BUNDLED_EXPORT)
    assert len(export.aanslagen) == 4
    assert sum(len(rows) for rows in export.termijnen.values()) == 22
    assert export.exportdatum.isoformat() == "2026-11-02"


def test_truncated_export_is_refused(export_copy: Path) -> None:
    payments = export_copy / "betalingen.csv"
    lines = payments.read_text(encoding="utf-8").splitlines()
    payments.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    announced = r"betalingen\.csv: 9 rows, stuurbestand\.csv announces 10"
    with pytest.raises(ExportError, match=announced):
        read_export(export_copy)


def test_malformed_value_names_file_line_and_column(export_copy: Path) -> None:
    rules = export_copy / "aanslagregels.csv"
    rules.write_text(rules.read_text(encoding="utf-8").replace("312,48", "312.48"), "utf-8")
    with pytest.raises(ExportError, match=r"aanslagregels\.csv line 2, column bedrag") as caught:
        read_export(export_copy)
    assert ANNA not in str(caught.value)  # never a BSN in a message


def test_byte_order_mark_is_accepted(export_copy: Path) -> None:
    path = export_copy / "aanslagen.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(read_export(export_copy).aanslagen) == 4


def test_missing_file_is_named(export_copy: Path) -> None:
    (export_copy / "bezwaren.csv").unlink()
    with pytest.raises(ExportError, match=r"bezwaren\.csv: missing from the export"):
        read_export(export_copy)


async def test_new_export_is_picked_up(export_copy: Path) -> None:
    """The adapter reads the export again when a new one lands (the control file changes)."""
    backend = TaxExportBackend(export_copy, naam="Gemeente Lindeoord", contact={"telefoon": "1"})
    assert [c.zaakkenmerk for c in await backend.cases_for(CHRIS)] == []
    with (export_copy / "aanslagen.csv").open("a", encoding="utf-8") as handle:
        handle.write("2026.0099999;999991036;aanslag;2026;27-02-2026;overboeking;1;10-04-2026\n")
    control = export_copy / "stuurbestand.csv"
    control.write_text(control.read_text("utf-8").replace("aanslagen.csv;4", "aanslagen.csv;5"),
                       "utf-8")
    assert [c.zaakkenmerk for c in await backend.cases_for(CHRIS)] == ["2026.0099999"]


# --- the adapter behind the reference source, as an app sees it ---------------------------------


@pytest.fixture
async def lindeoord(tmp_path: Path) -> Any:
    """The example source in-process, and a suite client to open sessions with."""
    setup = ExampleSetup.prepare("gemeente", tmp_path, BASE_URL)
    app = setup.app()
    ctx = await CheckContext.create(
        BASE_URL, keys=setup.suite_keys, scheme=keys.load_scheme(setup.suite_keys),
        transport=httpx.ASGITransport(app=app), test_bsns=list(suite_bsns("gemeente")))
    async with ctx:
        yield ctx
    await app.state.source.close()


async def document_of(ctx: CheckContext, bsn: str) -> dict[str, Any]:
    envelope = await ctx.overview(await ctx.session(bsn))
    return envelope["document"]


def cases_by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["zaakkenmerk"]: c for c in document["financiele_zaken"]}


def of_type(case: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in case["gebeurtenissen"] if e["gebeurtenistype"] == kind]


async def test_ten_instalments_with_a_partial_remission(lindeoord: CheckContext) -> None:
    """Anna: ten direct-debit instalments, recalculated after a remission of one line only."""
    document = await document_of(lindeoord, ANNA)
    assert document["bron"] == {"oin": "00000001999990001000", "naam": "Gemeente Lindeoord"}
    case = cases_by_id(document)["2026.0012345"]
    assert case["looptijd"] == "termijnen"
    assert case["totaal_financieel_verplicht"] == 91248  # OZB + afval + riool
    assert case["totaal_financieel_vereffend"] == 78275  # 7 direct debits + the remission
    assert (case["saldo"], case["achterstand"]) == (12973, 4325)  # one debit reversed
    assert case["status"] == "open"
    assert {"betalingsregeling", "pauze", "hulp"} <= set(case["acties"])
    remissions = of_type(case, "FinancieleVerplichtingKwijtgescholden")
    assert [(r["bedrag"], r["financiele_verplichting"]) for r in remissions] == [
        (38400, "2026.0012345:regel:2")]  # afvalstoffenheffing; OZB and riool stay due
    demands = of_type(case, "BetalingsverplichtingOpgelegd")
    withdrawn = of_type(case, "BetalingsverplichtingIngetrokken")
    assert len(demands) == 18 and len(withdrawn) == 8  # 10 original, 8 recalculated
    assert {d["soort"] for d in demands} == {"termijn"}
    paid = of_type(case, "BetalingVerwerkt")
    assert all(p["betalingsverplichting"].startswith("2026.0012345:termijn:") for p in paid)


async def test_planned_dunning_is_not_yet_imposed(lindeoord: CheckContext) -> None:
    """The planned reminder and final notice are not facts yet (a pause would hold them)."""
    case = cases_by_id(await document_of(lindeoord, ANNA))["2026.0012345"]
    assert not [e for e in case["gebeurtenissen"] if ":herinnering:" in e["gebeurtenis_id"]
                or ":aanmaning:" in e["gebeurtenis_id"]]
    backend = TaxExportBackend(BUNDLED_EXPORT, naam="x", contact={"telefoon": "1"},
                               move_to_today=True)
    planned = (await backend.cases_for(ANNA))[0].gepland
    assert [(p["gebeurtenistype"], p.get("soort") or p.get("categorie")) for p in planned] == [
        ("BetalingsverplichtingOpgelegd", "herinnering"),
        ("FinancieleVerplichtingOpgelegd", "kosten"),
        ("BetalingsverplichtingOpgelegd", "aanmaning"),
    ]


async def test_settled_parking_fine_is_afgelost(lindeoord: CheckContext) -> None:
    case = cases_by_id(await document_of(lindeoord, ANNA))["2026.8800017"]
    assert (case["saldo"], case["status"], case["looptijd"]) == (0, "afgelost", "eenmalig")
    assert "betalen" not in case["acties"]


async def test_pending_objection_and_a_final_notice(lindeoord: CheckContext) -> None:
    cases = cases_by_id(await document_of(lindeoord, BRAM))
    disputed, old = cases["2026.0023456"], cases["2025.0098765"]
    assert disputed["status"] == "in_bezwaar"
    assert "in behandeling" in disputed["bezwaar"]["toelichting"]
    assert not {"betalingsregeling", "pauze"} & set(disputed["acties"])
    assert (disputed["saldo"], disputed["achterstand"]) == (39846, 0)  # payment deferred
    assert (old["saldo"], old["achterstand"]) == (40950, 40950)  # aanmaning + its costs
    assert [d["soort"] for d in of_type(old, "BetalingsverplichtingOpgelegd")] == [
        "aanschrijving", "aanmaning"]


async def test_citizen_without_assessments_gets_an_empty_document(
    lindeoord: CheckContext,
) -> None:
    assert (await document_of(lindeoord, CHRIS))["financiele_zaken"] == []


def _csv(name: str) -> list[dict[str, str]]:
    with (EXAMPLES / "gemeente" / "export" / name).open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _cents(text: str) -> int:
    return round(float(text.replace(".", "").replace(",", ".")) * 100)


async def test_balances_reconcile_with_the_tax_system(lindeoord: CheckContext) -> None:
    """The suite checks that a document is consistent; only the organisation can check that
    it is TRUE. Reconcile every balance with the export, computed independently of the
    adapter: lines + costs of notices sent − payments − remissions."""
    expected: dict[str, int] = defaultdict(int)
    for row in _csv("aanslagregels.csv"):
        expected[row["aanslagnummer"]] += _cents(row["bedrag"])
    for row in _csv("invorderingsmaatregelen.csv"):
        if row["status"] == "uitgevoerd":
            expected[row["aanslagnummer"]] += _cents(row["kosten"])
    for name in ("betalingen.csv", "kwijtscheldingen.csv"):
        for row in _csv(name):
            expected[row["aanslagnummer"]] -= _cents(row["bedrag"])
    shown: dict[str, int] = {}
    for bsn in (ANNA, BRAM, CHRIS):
        shown |= {k: c["saldo"] for k, c in cases_by_id(await document_of(lindeoord, bsn)).items()}
    assert shown == dict(expected)


async def test_event_ids_are_stable_across_fetches(lindeoord: CheckContext) -> None:
    first = await document_of(lindeoord, ANNA)
    second = await document_of(lindeoord, ANNA)
    ids = [[e["gebeurtenis_id"] for e in c["gebeurtenissen"]] for c in first["financiele_zaken"]]
    assert ids == [[e["gebeurtenis_id"] for e in c["gebeurtenissen"]]
                   for c in second["financiele_zaken"]]
