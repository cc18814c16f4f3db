"""The municipality example: its export reader and what its adapter makes of the export,
as the citizen's app sees it (signed documents fetched through a real session, in-process).
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from datetime import date
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
LINDEOORD = {"naam": "Gemeente Lindeoord", "oin": "00000001999990001000"}
LINDESTROOM = {"naam": "Waterschap Lindestroom", "oin": "00000001999990005000"}


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
    assert len(export.aanslagen) == 5
    assert sum(len(rows) for rows in export.termijnen.values()) == 24
    assert export.exportdatum.isoformat() == "2026-11-02"


def test_truncated_export_is_refused(export_copy: Path) -> None:
    payments = export_copy / "betalingen.csv"
    lines = payments.read_text(encoding="utf-8").splitlines()
    payments.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    announced = r"betalingen\.csv: 13 rows, stuurbestand\.csv announces 14"
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
    assert len(read_export(export_copy).aanslagen) == 5


@pytest.mark.parametrize(("old", "new", "message"), [
    ("-72,00;storno;5000001234500108;B-26-024105", "-72,00;storno;5000001234500108;B-26-999999",
     "ST-26-000412: a storno must be negative and reverse an earlier payment"),
    ("-72,00;storno;5000001234500108;B-26-024105", "72,00;storno;5000001234500108;B-26-024105",
     "ST-26-000412: a storno must be negative"),
    ("-75,30;terugbetaling", "-75,31;terugbetaling", "TB-26-000871: reverses more than payment"),
    ("30-03-2026;120,00;incasso;5000001234500001;", "30-03-2026;120,00;incasso;5000001234500001;X",
     "B-26-004411: a payment (incasso) must be positive and reverse nothing"),
])
def test_reversals_must_undo_an_earlier_payment(
    export_copy: Path, old: str, new: str, message: str,
) -> None:
    payments = export_copy / "betalingen.csv"
    payments.write_text(payments.read_text("utf-8").replace(old, new), "utf-8")
    with pytest.raises(ExportError, match=re.escape(message)):
        read_export(export_copy)


def test_a_line_for_an_unknown_body_is_refused(export_copy: Path) -> None:
    lines = export_copy / "aanslagregels.csv"
    lines.write_text(lines.read_text("utf-8").replace(";WLS;101,52", ";WXX;101,52"), "utf-8")
    with pytest.raises(ExportError, match=re.escape("2026.0012345/4 is raised for 'WXX'")):
        read_export(export_copy)


def test_missing_file_is_named(export_copy: Path) -> None:
    (export_copy / "bezwaren.csv").unlink()
    with pytest.raises(ExportError, match=r"bezwaren\.csv: missing from the export"):
        read_export(export_copy)


async def test_new_export_is_picked_up(export_copy: Path) -> None:
    """The adapter reads the export again when a new one lands (the control file changes)."""
    backend = TaxExportBackend(export_copy, contact={"telefoon": "1"}, **LINDEOORD)
    assert [c.zaakkenmerk for c in await backend.cases_for(CHRIS)] == []
    with (export_copy / "aanslagen.csv").open("a", encoding="utf-8") as handle:
        handle.write("2026.0099999;999991036;aanslag;2026;27-02-2026;overboeking;1;10-04-2026\n")
    control = export_copy / "stuurbestand.csv"
    control.write_text(control.read_text("utf-8").replace("aanslagen.csv;5", "aanslagen.csv;6"),
                       "utf-8")
    assert [c.zaakkenmerk for c in await backend.cases_for(CHRIS)] == ["2026.0099999"]


def _append(export: Path, name: str, *rows: str) -> None:
    """Add rows to one file of an export and count them in its control file."""
    with (export / name).open("a", encoding="utf-8") as handle:
        handle.writelines(row + "\n" for row in rows)
    control = export / "stuurbestand.csv"
    lines = control.read_text("utf-8").splitlines()
    lines = [f"{name};{int(line.split(';')[1]) + len(rows)};{line.split(';')[2]}"
             if line.startswith(f"{name};") else line for line in lines]
    control.write_text("\n".join(lines) + "\n", "utf-8")


async def test_running_instalments_are_not_arrangeable_a_one_off_bill_is(
    export_copy: Path,
) -> None:
    """Chris gets two assessments, nothing overdue yet: the one paid in two instalments is a
    payment plan already (nothing arrangeable, no `betalingsregeling` offered); the one-off
    bill can be arranged whole."""
    _append(export_copy, "aanslagen.csv",
            "2026.0077701;999991036;aanslag;2026;27-10-2026;automatische_incasso;2;08-12-2026",
            "2026.0077702;999991036;naheffing_parkeren;2026;27-10-2026;overboeking;1;08-12-2026")
    _append(export_copy, "aanslagregels.csv",
            "2026.0077701;1;AFVAL;Afvalstoffenheffing 2026;LIN;300,00",
            "2026.0077702;1;PARKEER;Naheffingsaanslag parkeerbelasting;LIN;75,30")
    _append(export_copy, "termijnen.csv",
            "90;2026.0077701;1;27-10-2026;28-11-2026;150,00;5000007770100001;;",
            "91;2026.0077701;2;27-10-2026;28-12-2026;150,00;5000007770100002;;",
            "92;2026.0077702;1;27-10-2026;27-11-2026;75,30;5000007770200001;;")
    backend = TaxExportBackend(export_copy, contact={"telefoon": "1"},
                               today=lambda: date(2026, 11, 2), **LINDEOORD)
    plan, bill = await backend.cases_for(CHRIS)
    assert (plan.regelbaar_bedrag, "betalingsregeling" in plan.acties) == (0, False)
    assert (bill.regelbaar_bedrag, "betalingsregeling" in bill.acties) == (7530, True)


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
    assert document["documentversie"] == "2.2"
    case = cases_by_id(document)["2026.0012345"]
    assert case["looptijd"] == "termijnen"
    # five lines (120000) + the reversed debit owed again (7200)
    assert case["totaal_financieel_verplicht"] == 127200
    assert case["totaal_financieel_vereffend"] == 105600  # 9 direct debits + the remission
    assert (case["saldo"], case["achterstand"]) == (21600, 7200)  # one debit reversed
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
    assert {p["betaalwijze"] for p in paid} == {"automatische_incasso"}


def net_figures(case: dict[str, Any]) -> dict[str, int]:
    """The net figures of a case as a 2.2 reader computes them (spec/interface.md)."""
    imposed = of_type(case, "FinancieleVerplichtingOpgelegd")
    reversed_ = sum(e["bedrag"] for e in imposed if "tegenboeking_van" in e)
    return {
        "opgelegd_netto": sum(e["bedrag"] for e in imposed if "tegenboeking_van" not in e),
        "tegengeboekt": reversed_,
        "vereffend_netto": case["totaal_financieel_vereffend"] - reversed_,
    }


async def test_a_reversed_direct_debit_is_a_counter_entry(lindeoord: CheckContext) -> None:
    """The bank reversed the debit of instalment 8 (storno): the payment stays, a debit
    makes it owed again; the payment no longer pays its instalment, so the arrears show
    it for every reader, and only that overdue part can go into an arrangement while
    instalments 9 and 10 keep running by direct debit."""
    case = cases_by_id(await document_of(lindeoord, ANNA))["2026.0012345"]
    by_id = {e["gebeurtenis_id"]: e for e in case["gebeurtenissen"]}
    storno = by_id["2026.0012345:storno:ST-26-000412"]
    reversed_payment = by_id[storno["tegenboeking_van"]]
    assert (storno["gebeurtenistype"], storno["categorie"], storno["tegenboeking_soort"]) == (
        "FinancieleVerplichtingOpgelegd", "hoofdsom", "storno")
    assert storno["bedrag"] == reversed_payment["bedrag"] == 7200
    assert "betalingsverplichting" not in reversed_payment
    assert reversed_payment["betalingskenmerk"] == "5000001234500108"  # instalment 8
    assert case["regelbaar_bedrag"] == case["achterstand"] == 7200
    net = net_figures(case)
    assert net == {"opgelegd_netto": 120000, "tegengeboekt": 7200, "vereffend_netto": 98400}
    assert case["saldo"] == net["opgelegd_netto"] - net["vereffend_netto"]  # as in 2.0


async def test_combined_assessment_names_a_creditor_per_line(lindeoord: CheckContext) -> None:
    """The municipality collects the water board's taxes on its own assessment: every line
    names its creditor, the remission that of its line; payments are not split."""
    cases = cases_by_id(await document_of(lindeoord, ANNA))
    combined = cases["2026.0012345"]
    lines = [e for e in of_type(combined, "FinancieleVerplichtingOpgelegd")
             if "tegenboeking_van" not in e]
    owed: dict[str, int] = defaultdict(int)
    for line in lines:
        owed[line["schuldeiser"]["naam"]] += line["bedrag"]
    for remission in of_type(combined, "FinancieleVerplichtingKwijtgescholden"):
        assert remission["schuldeiser"] == LINDEOORD
        owed[remission["schuldeiser"]["naam"]] -= remission["bedrag"]
    assert dict(owed) == {LINDEOORD["naam"]: 52848, LINDESTROOM["naam"]: 28752}
    assert "schuldeiser" not in combined  # the case as a whole has two creditors
    # An assessment of the municipality alone names none: the source is the creditor.
    fine = cases["2026.8800017"]
    assert not [e for e in fine["gebeurtenissen"] if "schuldeiser" in e]


async def test_planned_costs_on_a_combined_assessment_name_the_municipality() -> None:
    backend = TaxExportBackend(BUNDLED_EXPORT, contact={"telefoon": "1"}, move_to_today=True,
                               **LINDEOORD)
    planned = (await backend.cases_for(ANNA))[0].gepland
    costs = [p for p in planned if p["gebeurtenistype"] == "FinancieleVerplichtingOpgelegd"]
    assert [c["schuldeiser"] for c in costs] == [LINDEOORD]


async def test_a_double_payment_refunded(lindeoord: CheckContext) -> None:
    """The parking fine was paid twice; the second payment was paid back (terugbetaling):
    a counter-entry of that payment, and the case is settled."""
    case = cases_by_id(await document_of(lindeoord, ANNA))["2026.8800017"]
    refund, = [e for e in of_type(case, "FinancieleVerplichtingOpgelegd")
               if "tegenboeking_van" in e]
    assert (refund["tegenboeking_soort"], refund["bedrag"]) == ("terugbetaling", 7530)
    assert refund["tegenboeking_van"] == "2026.8800017:betaling:B-26-012611"
    assert (case["saldo"], case["status"], case["regelbaar_bedrag"]) == (0, "afgelost", 0)
    assert net_figures(case) == {
        "opgelegd_netto": 7530, "tegengeboekt": 7530, "vereffend_netto": 7530}


async def test_planned_dunning_is_not_yet_imposed(lindeoord: CheckContext) -> None:
    """The planned reminder and final notice are not facts yet (a pause would hold them)."""
    case = cases_by_id(await document_of(lindeoord, ANNA))["2026.0012345"]
    assert not [e for e in case["gebeurtenissen"] if ":herinnering:" in e["gebeurtenis_id"]
                or ":aanmaning:" in e["gebeurtenis_id"]]
    backend = TaxExportBackend(BUNDLED_EXPORT, naam="x", oin="1", contact={"telefoon": "1"},
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
    assert disputed["rechtsmiddel"] == {
        "stadium": "bezwaar", "ingediend_op": disputed["rechtsmiddel"]["ingediend_op"],
        "uitstel_van_betaling": True, "toelichting": "Bezwaar over de WOZ-waarde van de woning"}
    assert not {"betalingsregeling", "pauze"} & set(disputed["acties"])
    assert (disputed["saldo"], disputed["achterstand"]) == (39846, 0)  # payment deferred
    assert disputed["regelbaar_bedrag"] == 0
    assert (old["saldo"], old["achterstand"]) == (40950, 40950)  # aanmaning + its costs
    assert old["regelbaar_bedrag"] == 40950 and "betalingsregeling" in old["acties"]
    assert [d["soort"] for d in of_type(old, "BetalingsverplichtingOpgelegd")] == [
        "aanschrijving", "aanmaning"]


async def test_instalments_not_yet_due_leave_nothing_arrangeable(
    lindeoord: CheckContext,
) -> None:
    """Bram's dog tax runs in two direct-debit instalments, neither due yet (whatever the
    day: the bundled export is moved to today): a balance, but the instalments are a payment
    plan already, so nothing is arrangeable, no arrangement is offered and the case stays
    open."""
    dog = cases_by_id(await document_of(lindeoord, BRAM))["2026.0061234"]
    assert (dog["status"], dog["looptijd"]) == ("open", "termijnen")
    assert (dog["saldo"], dog["achterstand"], dog["regelbaar_bedrag"]) == (5250, 0, 0)
    assert "betalingsregeling" not in dog["acties"] and "pauze" in dog["acties"]


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
    adapter: lines + costs of notices sent − payments (a reversal is a negative payment)
    − remissions."""
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


async def test_announces_2_2_with_its_own_collection_rules(lindeoord: CheckContext) -> None:
    """The municipality's due day, lead time, lapse rule and pause limits are public."""
    configuratie = (await lindeoord.get("/configuratie")).json()
    assert configuratie["api_versie"] == "2.2"
    regeling, pauze = configuratie["betalingsregeling"], configuratie["pauze"]
    assert (regeling["vervaldag"], regeling["minimale_aanlooptijd_dagen"]) == (28, 14)
    assert (regeling["maximaal_gemiste_termijnen"], regeling["respijt_dagen"]) == (2, 7)
    assert regeling["reservering_geldigheid_s"] == 900
    assert (pauze["maximum_aantal"], pauze["periode_dagen"], pauze["wachttijd_dagen"]) == (
        2, 365, 30)
