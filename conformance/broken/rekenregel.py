"""Calculation rule 2.2 of a quote (spec/rules/betalingsregeling.md, standard 2.2).

The arranged total is Σ `regelbaar_bedrag` (a case without it: its `saldo`); the principal is
split as by rule 2.0 (n = ceil(total / m), the last the remainder); instalment 1 falls due on
the first day D ≥ quote date + `minimale_aanlooptijd_dagen` whose day of the month is the
source's `vervaldag`, instalment k on that day k − 1 months later; interest per instalment is
floor(outstanding principal × `rente_basispunten` / 120000).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from conformance.broken.flaws import Flaws
from conformance.broken.source import MINIMALE_AANLOOPTIJD_DAGEN, RENTE_BASISPUNTEN, VERVALDAG

RULE = "2.2"
BASIS_POINTS_MONTHS = 120_000  # 10 000 basis points × 12 months


def _month_day(year: int, month_index: int, day: int) -> date:
    return date(year + month_index // 12, month_index % 12 + 1, day)


def first_due_date(quote_date: date, flaws: Flaws) -> date:
    """The first `VERVALDAG` on or after the quote date plus the lead time."""
    earliest = quote_date
    if not flaws.on("aanlooptijd-genegeerd"):  # the lead time forgotten: due next week
        earliest += timedelta(days=MINIMALE_AANLOOPTIJD_DAGEN)
    candidate = earliest.replace(day=VERVALDAG) if earliest.day <= VERVALDAG else \
        _month_day(earliest.year, earliest.month, VERVALDAG)
    return candidate


def schedule(total: int, amount: int, quote_date: date, flaws: Flaws) -> dict[str, Any]:
    """The quote members of rule 2.2 for `total` paid off by `amount` a month."""
    count = math.ceil(total / amount)
    first = first_due_date(quote_date, flaws)
    outstanding, instalments = total, []
    for k in range(1, count + 1):
        principal = amount if k < count else total - amount * (count - 1)
        base = total if flaws.on("rente-over-hoofdsom") else outstanding
        interest = base * RENTE_BASISPUNTEN // BASIS_POINTS_MONTHS
        instalments.append({
            "volgnummer": k,
            "vervaldatum": _month_day(first.year, first.month - 1 + k - 1, first.day).isoformat(),
            "bedrag": principal + interest,
            "hoofdsom": principal,
            "rente": interest,
        })
        outstanding -= principal
    return {
        "rekenregel": RULE,
        "rente_basispunten": RENTE_BASISPUNTEN,
        "rente_totaal": sum(t["rente"] for t in instalments),
        "termijnen": instalments,
    }
