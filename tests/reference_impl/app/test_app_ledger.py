"""Reversals, net figures and creditors as the app shows them (`/app/netto-totalen`), and
the 2.2 document invariants in the browser.

Input: the spec's valid 2.2 vector document (every 2.2 member: storno, refund, a payment
booked to the wrong case, offsetting, garnishment, two creditors, lapsed and amended
arrangements, beroep, a debt scheme, a transfer). The Python app (ledger.py, notes.py) and
the web page (ledger.js, notes.js) must give the same figures and the same sentences.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from reference_impl.app.ledger import ledger_members, per_creditor
from reference_impl.app.notes import case_notes
from reference_impl.common.document import problems
from reference_impl.common.spec import spec_dir

STATIC = Path(__file__).resolve().parents[3] / "reference_impl" / "app" / "web" / "static"
NODE = shutil.which("node")


@cache
def document() -> dict[str, Any]:
    cases = json.loads((spec_dir() / "vectors" / "document" / "geldig-2.2.json").read_text())
    test = next(t for t in cases[0]["tests"] if "every member of 2.2" in t["description"])
    return test["data"]


def rows() -> list[dict[str, Any]]:
    found = []
    for case in document()["financiele_zaken"]:
        row = {k: v for k, v in case.items() if k != "gebeurtenissen"}
        row.update(ledger_members(case))
        found.append(row)
    return found


def by_case(kenmerk: str) -> dict[str, Any]:
    return next(r for r in rows() if r["zaakkenmerk"] == kenmerk)


def test_net_figures_always_recompute_the_balance() -> None:
    for row in rows():
        assert row["opgelegd_netto"] - row["vereffend_netto"] == row["saldo"]
        assert row["tegengeboekt"] == sum(r["bedrag"] for r in row.get("tegenboekingen", []))


def test_a_storno_is_a_reversal_not_a_new_debt() -> None:
    storno = next(r for r in rows() if any(t["soort"] == "storno"
                                            for t in r.get("tegenboekingen", [])))
    assert storno["tegengeboekt"] > 0
    assert storno["opgelegd_netto"] == (storno["totaal_financieel_verplicht"]
                                        - storno["tegengeboekt"])
    assert any("storno" in note for note in case_notes(storno))


def test_a_combined_assessment_is_shown_per_creditor() -> None:
    combined = next(r for r in rows() if r.get("per_schuldeiser"))
    creditors = combined["per_schuldeiser"]
    assert len(creditors) == 2
    # per creditor imposed minus remitted; payments are not split per creditor
    case = next(c for c in document()["financiele_zaken"]
                if c["zaakkenmerk"] == combined["zaakkenmerk"])
    remitted = sum(e["bedrag"] for e in case["gebeurtenissen"]
                   if e["gebeurtenistype"] == "FinancieleVerplichtingKwijtgescholden")
    assert sum(c["netto"] for c in creditors) == combined["opgelegd_netto"] - remitted
    assert per_creditor({"gebeurtenissen": []}) == []


def test_garnishment_names_the_protected_amount_and_the_right_to_check_it() -> None:
    garnished = next(r for r in rows() if r.get("beslag"))
    note = next(n for n in case_notes(garnished) if "Beslagvrije voet" in n)
    assert "per maand" in note and "controleren" in note


def test_lapsed_and_amended_arrangements_and_remedies_are_told() -> None:
    notes = [n for row in rows() for n in case_notes(row)]
    assert any("vervallen door gemiste termijnen" in n and "gemist" in n for n in notes)
    assert any("vervangt een eerdere regeling" in n for n in notes)
    assert any(n.startswith("Beroep ingediend") for n in notes)
    assert any("schuldsanering" in n for n in notes)


@pytest.mark.skipif(NODE is None, reason="the web page's modules need node to run here")
def test_the_web_page_shows_the_same_figures_and_sentences() -> None:
    script = f"""
        import {{ ledgerMembers }} from "{(STATIC / 'ledger.js').as_uri()}";
        import {{ caseNotes }} from "{(STATIC / 'notes.js').as_uri()}";
        const document = JSON.parse(process.argv[1]);
        const out = document.financiele_zaken.map((zaak) => {{
          const row = {{ ...zaak }};
          delete row.gebeurtenissen;
          Object.assign(row, ledgerMembers(zaak));
          return {{ row, notes: caseNotes(row) }};
        }});
        console.log(JSON.stringify(out));
    """
    done = subprocess.run([NODE, "--input-type=module", "-e", script, json.dumps(document())],
                          capture_output=True, text=True, check=True, timeout=60)
    browser = json.loads(done.stdout)
    assert [b["row"] for b in browser] == rows()
    # the page formats amounts with a no-break space after the euro sign
    assert [[n.replace("\u00a0", " ") for n in b["notes"]] for b in browser] == [
        case_notes(r) for r in rows()]


def vectors_2_2() -> list[dict[str, Any]]:
    found = []
    for name in ("geldig-2.2.json", "invarianten-2.2.json"):
        for case in json.loads((spec_dir() / "vectors" / "document" / name).read_text()):
            for test in case["tests"]:
                found.append({"rule": case.get("rule"), "valid": test["valid"],
                              "description": test["description"], "data": test["data"]})
    return found


@pytest.mark.skipif(NODE is None, reason="the web page's modules need node to run here")
def test_the_web_page_judges_the_22_invariants_as_python() -> None:
    vectors = vectors_2_2()
    script = f"""
        import {{ documentProblems }} from "{(STATIC / 'document.js').as_uri()}";
        const vectors = JSON.parse(require("fs").readFileSync(0, "utf8"));
        console.log(JSON.stringify(vectors.map((v) => documentProblems(v.data))));
    """.replace('require("fs")', '(await import("node:fs"))')
    done = subprocess.run([NODE, "--input-type=module", "-e", script],
                          input=json.dumps(vectors), capture_output=True, text=True, check=True,
                          timeout=60)
    browser = json.loads(done.stdout)
    assert len(browser) == len(vectors) > 20
    for vector, found in zip(vectors, browser, strict=True):
        python = [p for p in problems(vector["data"]) if p.startswith("/document/")]
        assert sorted(found) == sorted(python), vector["description"]
        if not vector["valid"] and vector["rule"]:
            assert any(f.startswith(vector["rule"] + " ") for f in found), vector["description"]
        if vector["valid"]:
            assert found == [], vector["description"]
