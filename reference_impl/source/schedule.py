"""The schedule of a quote: both calculation rules (spec/rules/betalingsregeling.md).

Principal split, both rules: by monthly amount m, n = ceil(total / m), instalments
1…n−1 are m and the last is total − m·(n−1); by number n, m = ceil(total / n), then as
before (so n may come out smaller than asked).

- Rule 2.0 (`rekenregel` absent or "2.0"): instalment k is due on the first day of the
  k-th month after the quote date; no interest.
- Rule 2.2 [/betalingsregeling/rekenregel-2-2]: instalment 1 is due on the first date D on
  or after quote date + `minimale_aanlooptijd_dagen` whose day of the month is `vervaldag`
  (1–28, so every month has it), instalment k on that day k−1 months later. Interest
  [/betalingsregeling/rente]: P₀ = total, rente_k = floor(P_{k−1} × bp / 120000),
  bedrag_k = hoofdsom_k + rente_k, P_k = P_{k−1} − hoofdsom_k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reference_impl.source.clock import first_of_month_after

RULE_2_0 = "2.0"
RULE_2_2 = "2.2"
RULES = (RULE_2_0, RULE_2_2)
INTEREST_DIVISOR = 120_000  # basis points per year → per month: 10000 × 12


@dataclass(frozen=True)
class Schedule:
    totaalbedrag: int
    termijnbedrag: int
    aantal_termijnen: int
    termijnen: list[dict[str, Any]]
    rekenregel: str = RULE_2_0
    rente_basispunten: int = 0
    rente_totaal: int = 0

    def members(self) -> dict[str, Any]:
        """The schedule members of a quote answer (the 2.2 ones only under rule 2.2)."""
        members: dict[str, Any] = {
            "totaalbedrag": self.totaalbedrag,
            "termijnbedrag": self.termijnbedrag,
            "aantal_termijnen": self.aantal_termijnen,
            "termijnen": self.termijnen,
        }
        if self.rekenregel == RULE_2_2:
            members |= {"rekenregel": RULE_2_2, "rente_basispunten": self.rente_basispunten,
                        "rente_totaal": self.rente_totaal}
        return members


def split(total: int, *, termijnbedrag: int | None = None, aantal: int | None = None
          ) -> list[int]:
    """The principal per instalment (exactly one of termijnbedrag and aantal given)."""
    if (termijnbedrag is None) == (aantal is None) or total <= 0:
        raise ValueError("give total > 0 and exactly one of termijnbedrag and aantal")
    m = termijnbedrag if termijnbedrag is not None else math.ceil(total / aantal)  # type: ignore[operator]
    n = math.ceil(total / m)
    return [m] * (n - 1) + [total - m * (n - 1)]


def schedule(
    total: int, quote_day: date, *, termijnbedrag: int | None = None, aantal: int | None = None
) -> Schedule:
    """Rule 2.0: the instalments of `total`, due on the first of each following month."""
    amounts = split(total, termijnbedrag=termijnbedrag, aantal=aantal)
    termijnen = [
        {"volgnummer": k, "vervaldatum": first_of_month_after(quote_day, k).isoformat(),
         "bedrag": amount}
        for k, amount in enumerate(amounts, start=1)
    ]
    return Schedule(total, amounts[0], len(amounts), termijnen)


def first_due_date(quote_day: date, vervaldag: int, lead_days: int) -> date:
    """The first date on or after quote_day + lead_days whose day of the month is vervaldag."""
    earliest = quote_day + timedelta(days=lead_days)
    if earliest.day <= vervaldag:
        return earliest.replace(day=vervaldag)
    return first_of_month_after(earliest, 1).replace(day=vervaldag)


def schedule_2_2(
    total: int, quote_day: date, *, vervaldag: int, lead_days: int, basispunten: int,
    termijnbedrag: int | None = None, aantal: int | None = None,
) -> Schedule:
    """Rule 2.2: the source's due day and lead time, interest on the remaining principal."""
    if not 1 <= vervaldag <= 28:
        raise ValueError("vervaldag is 1..28")
    principal = split(total, termijnbedrag=termijnbedrag, aantal=aantal)
    first = first_due_date(quote_day, vervaldag, lead_days)
    remaining, termijnen = total, []
    for k, hoofdsom in enumerate(principal, start=1):
        rente = remaining * basispunten // INTEREST_DIVISOR
        due = first if k == 1 else first_of_month_after(first, k - 1).replace(day=vervaldag)
        termijnen.append({"volgnummer": k, "vervaldatum": due.isoformat(),
                          "bedrag": hoofdsom + rente, "hoofdsom": hoofdsom, "rente": rente})
        remaining -= hoofdsom
    rente_totaal = sum(t["rente"] for t in termijnen)
    return Schedule(total, principal[0], len(principal), termijnen, RULE_2_2, basispunten,
                    rente_totaal)
