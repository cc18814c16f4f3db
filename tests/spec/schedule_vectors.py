"""The schedule vectors of rule 2.2 (spec/vectors/regeling/rekenregel-2-2.json) and their generator.

Rules `/betalingsregeling/rekenregel-2-2` and `/betalingsregeling/rente`: from a source's
configuration, the quote date, the chosen cases and the request, the quote a source answers —
or the reasons it refuses. The calculation here is written from the rule text alone and shares
no code with conformance/ or reference_impl/, so the vectors can judge both.

Run `python tests/spec/schedule_vectors.py` to (re)write the file; the vectors are append-only
within major 2 (spec/vectors/README.md), so a change to an existing case is a defect.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors"
CASE_FILE = "regeling/rekenregel-2-2.json"
RULE = "/betalingsregeling/rekenregel-2-2"
RULE_INTEREST = "/betalingsregeling/rente"
REKENREGEL = "2.2"
REFUSED = "betalingsregeling/niet-mogelijk"
MONTHLY_DIVISOR = 12 * 10_000  # basis points a year → a fraction per month


# --------------------------------------------------------------------------- the rule itself


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (the day is at most 28, so it always exists)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def first_due(quote_date: date, vervaldag: int, lead_days: int) -> date:
    """The first date on or after quote date + lead time whose day of the month is vervaldag."""
    earliest = quote_date + timedelta(days=lead_days)
    candidate = earliest.replace(day=vervaldag)
    return candidate if candidate >= earliest else add_months(candidate, 1)


def principal(total: int, request: dict[str, Any]) -> list[int]:
    """The 2.0 split: m per instalment, the last one the rest."""
    m = request.get("termijnbedrag") or -(-total // request["aantal_termijnen"])
    n = -(-total // m)
    return [m] * (n - 1) + [total - m * (n - 1)]


def arrangeable(case: dict[str, Any]) -> int:
    return case["regelbaar_bedrag"] if "regelbaar_bedrag" in case else case["saldo"]


def reasons(limits: dict[str, Any], cases: list[dict[str, Any]], request: dict[str, Any]
            ) -> list[dict[str, str]]:
    """Every reason of `/betalingsregeling/redenen` the vectors exercise, in a fixed order."""
    found: list[dict[str, str]] = []
    for case in cases:
        if case["saldo"] <= 0:
            found.append({"code": "zaak-afgelost", "zaakkenmerk": case["zaakkenmerk"]})
        elif arrangeable(case) == 0:
            found.append({"code": "zaak-afgelost", "detail": "niets-regelbaar",
                          "zaakkenmerk": case["zaakkenmerk"]})
    if found:
        return found
    total = sum(arrangeable(case) for case in cases)
    amounts = principal(total, request)
    maximum = limits["maximum_aantal_termijnen"]
    if request.get("aantal_termijnen", 0) > maximum or len(amounts) > maximum:
        found.append({"code": "te-veel-termijnen"})
    if len(amounts) > 1 and amounts[0] < limits["minimum_termijnbedrag"]:
        found.append({"code": "termijnbedrag-te-laag"})
    return found


def quote(limits: dict[str, Any], quote_date: date, cases: list[dict[str, Any]],
          request: dict[str, Any]) -> dict[str, Any]:
    """The schedule members of the quote a source answers under rule 2.2."""
    total = sum(arrangeable(case) for case in cases)
    rate = limits.get("rente_basispunten", 0)
    due = first_due(quote_date, limits.get("vervaldag", 1),
                    limits.get("minimale_aanlooptijd_dagen", 0))
    outstanding, termijnen = total, []
    for k, hoofdsom in enumerate(principal(total, request)):
        rente = outstanding * rate // MONTHLY_DIVISOR
        termijnen.append({"volgnummer": k + 1, "vervaldatum": add_months(due, k).isoformat(),
                          "bedrag": hoofdsom + rente, "hoofdsom": hoofdsom, "rente": rente})
        outstanding -= hoofdsom
    return {
        "totaalbedrag": total,
        "termijnbedrag": termijnen[0]["hoofdsom"],
        "aantal_termijnen": len(termijnen),
        "rekenregel": REKENREGEL,
        "rente_basispunten": rate,
        "rente_totaal": sum(t["rente"] for t in termijnen),
        "termijnen": termijnen,
    }


# --------------------------------------------------------------------------- the vectors

BASE = {"minimum_termijnbedrag": 2500, "maximum_aantal_termijnen": 36}


def case_list(*pairs: tuple[str, int] | tuple[str, int, int]) -> list[dict[str, Any]]:
    """Cases `(zaakkenmerk, saldo)` or `(zaakkenmerk, saldo, regelbaar_bedrag)`."""
    found = []
    for pair in pairs:
        case: dict[str, Any] = {"zaakkenmerk": pair[0], "saldo": pair[1]}
        if len(pair) == 3:
            case["regelbaar_bedrag"] = pair[2]
        found.append(case)
    return found


ONE = case_list(("AS-2025-118734", 39630))
TWO = case_list(("AS-2025-118734", 32100), ("NH-2026-00315", 7530))


def ask(description: str, vandaag: str, zaken: list[dict[str, Any]], **request: Any
         ) -> dict[str, Any]:
    return {"description": description, "vandaag": vandaag, "zaken": zaken,
            "verzoek": {"zaakkenmerken": [z["zaakkenmerk"] for z in zaken], **request,
                        "rekenregel": REKENREGEL}}


# (description, configuration beyond BASE, tests); every test names its own quote date.
GROUPS: list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = [
    ("due day and lead time", RULE,
     {"vervaldag": 15, "minimale_aanlooptijd_dagen": 10}, [
         ask("the lead time ends before the due day: due this month", "2026-03-02", TWO,
             aantal_termijnen=4),
         ask("the lead time ends exactly on the due day: due that day", "2026-03-05", TWO,
             aantal_termijnen=4),
         ask("the lead time ends the day after the due day: due next month", "2026-03-06", TWO,
             aantal_termijnen=4),
         ask("by monthly amount", "2026-03-02", TWO, termijnbedrag=10000),
     ]),
    ("defaults: due day 1, no lead time, no interest", RULE, {}, [
        ask("quoted on the 1st: the first instalment is due that same day", "2026-03-01", ONE,
            aantal_termijnen=3),
        ask("quoted on the 2nd: due on the 1st of next month", "2026-03-02", ONE,
            aantal_termijnen=3),
        ask("quoted in December: the schedule runs into the next year", "2026-12-20", ONE,
            aantal_termijnen=3),
    ]),
    ("month ends", RULE, {"vervaldag": 28}, [
        ask("quoted on 31 January: due 28 February", "2026-01-31", ONE, aantal_termijnen=3),
        ask("quoted on 29 January: due 28 February", "2026-01-29", ONE, aantal_termijnen=3),
        ask("quoted on 28 January: due that day", "2026-01-28", ONE, aantal_termijnen=3),
        ask("a leap year changes nothing: quoted 30 January 2028", "2028-01-30", ONE,
            aantal_termijnen=2),
        ask("quoted on 31 December: due 28 January", "2026-12-31", ONE, aantal_termijnen=2),
    ]),
    ("the longest lead time", RULE, {"vervaldag": 28, "minimale_aanlooptijd_dagen": 60}, [
        ask("lead time ends on 29 January: due 28 February", "2026-11-30", ONE,
            aantal_termijnen=2),
        ask("lead time ends on 1 March: due 28 March", "2026-12-31", ONE, aantal_termijnen=2),
    ]),
    ("interest", RULE_INTEREST, {"vervaldag": 15, "minimale_aanlooptijd_dagen": 10,
                                 "rente_basispunten": 800}, [
        ask("the example of the rule: 39630 in 4 at 800 basis points", "2026-03-02", TWO,
            aantal_termijnen=4),
        ask("by monthly amount: the last instalment is the rest plus its interest",
            "2026-03-02", ONE, termijnbedrag=5000),
        ask("one instalment: one month's interest", "2026-03-02", ONE, aantal_termijnen=1),
    ]),
    ("interest at the highest rate over three years", RULE_INTEREST,
     {"vervaldag": 1, "rente_basispunten": 2000}, [
         ask("36 instalments at 20 % a year", "2026-03-02",
             case_list(("DUO-2019-77120", 1234567)), aantal_termijnen=36),
     ]),
    ("interest rounds down to the cent", RULE_INTEREST,
     {"vervaldag": 1, "rente_basispunten": 1, "minimum_termijnbedrag": 1}, [
         ask("1 basis point on small amounts is 0 every month", "2026-03-02",
             case_list(("NH-2026-00999", 5000)), aantal_termijnen=5),
         ask("1 basis point on a large amount", "2026-03-02",
             case_list(("BD-2024-55555", 99999999)), aantal_termijnen=3),
     ]),
    ("the principal split of 2.0", RULE, {"vervaldag": 10}, [
        ask("by number, the monthly amount rounded up", "2026-03-02",
            case_list(("AS-2025-100000", 10000)), aantal_termijnen=3),
        ask("by monthly amount larger than the total: one instalment", "2026-03-02",
            case_list(("AS-2025-100001", 1999)), termijnbedrag=2500),
        ask("one instalment below the minimum is allowed", "2026-03-02",
            case_list(("AS-2025-100002", 1999)), aantal_termijnen=1),
    ]),
    ("fewer instalments than asked", RULE, {"vervaldag": 10, "minimum_termijnbedrag": 1}, [
        ask("by number, the rest runs out before the last instalment asked", "2026-03-02",
            case_list(("NH-2026-00009", 9)), aantal_termijnen=4),
    ]),
    ("the arrangeable amount", RULE, {"vervaldag": 15}, [
        ask("an assessment partly in direct-debit instalments: only the arrears",
            "2026-03-02", case_list(("AS-2026-204511", 60000, 15000)), aantal_termijnen=3),
        ask("two cases, one without regelbaar_bedrag: its saldo counts", "2026-03-02",
            case_list(("AS-2026-204511", 60000, 15000), ("NH-2026-00315", 7530)),
            aantal_termijnen=3),
        ask("regelbaar_bedrag equal to saldo", "2026-03-02",
            case_list(("CJ-2026-000123", 17400, 17400)), aantal_termijnen=2),
    ]),
    ("refusals", RULE, {"vervaldag": 15}, [
        ask("nothing arrangeable: zaak-afgelost with detail niets-regelbaar", "2026-03-02",
            case_list(("DUO-2019-77120", 250000, 0)), aantal_termijnen=3),
        ask("paid off: zaak-afgelost without detail", "2026-03-02",
            case_list(("AS-2024-000001", 0, 0)), aantal_termijnen=3),
        ask("every case reason, not just the first", "2026-03-02",
            case_list(("DUO-2019-77120", 250000, 0), ("AS-2024-000001", 0)),
            aantal_termijnen=3),
        ask("a monthly principal below the minimum", "2026-03-02", ONE, termijnbedrag=2499),
        ask("by number, a computed principal below the minimum", "2026-03-02", ONE,
            aantal_termijnen=36),
        ask("more instalments asked than the maximum", "2026-03-02",
            case_list(("DUO-2019-77120", 2500000)), aantal_termijnen=37),
        ask("by monthly amount, more instalments needed than the maximum", "2026-03-02",
            case_list(("DUO-2019-77120", 2500000)), termijnbedrag=50000),
        ask("both amount reasons at once", "2026-03-02",
            case_list(("DUO-2019-77120", 2500000)), termijnbedrag=2000),
    ]),
]


def build() -> list[dict[str, Any]]:
    cases = []
    for description, rule, extra, tests in GROUPS:
        limits = {**BASE, **extra}
        built = []
        for entry in tests:
            found = reasons(limits, entry["zaken"], entry["verzoek"])
            if found:
                built.append({**entry, "valid": False, "code": REFUSED, "redenen": found})
            else:
                built.append({**entry, "valid": True, "voorstel": quote(
                    limits, date.fromisoformat(entry["vandaag"]), entry["zaken"],
                    entry["verzoek"])})
        cases.append({"description": description, "rule": rule, "kind": "rekenregel-2-2",
                      "context": {"betalingsregeling": limits}, "tests": built})
    return cases


def files() -> dict[str, Any]:
    """Every file this module owns, relative to spec/vectors/."""
    return {CASE_FILE: build()}


def render(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    for name, value in files().items():
        path = VECTORS / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(value), encoding="utf-8")
        print(f"wrote {path.relative_to(VECTORS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
