"""The allocation rule: one monthly amount split across organisations (see ALLOCATION.md).

Every organisation `i` with chosen cases has a total `S_i` (Σ `saldo`), a floor
`L_i = min(S_i, max(minimum_termijnbedrag_i, ceil(S_i / maximum_aantal_termijnen_i)))` and
a ceiling `U_i = S_i`. For a monthly amount `M` with `Σ L_i ≤ M < Σ S_i` the share is

    m_i = clamp(λ · S_i, L_i, U_i),   λ chosen so that Σ m_i = M

(everyone pays the same fraction of their debt each month, so all arrangements end at
about the same time, except that nobody gets less than it accepts or more than it is
owed). Shares are rounded down to cents and the cents left over go one at a time to the
largest fractional parts, ties in the order given (the scheme's order). `M ≥ Σ S_i` pays
everything in the first month; `M < Σ L_i` is refused with the minimum monthly amount.

`allocate` is a pure function, exact (rational arithmetic), and deterministic. It splits
principal; with a source charging interest (quote computation rule 2.2) the caller first
sets aside each source's first-month interest (`interest_reserve`) so the first month,
principal plus interest, costs exactly the monthly amount and later months less.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from reference_impl.app.errors import AllocationError


@dataclass(frozen=True)
class Claim:
    """One organisation's side of the arrangement: what is owed and what it accepts."""

    oin: str
    total: int  # Σ saldo of the chosen cases, cents
    minimum_termijnbedrag: int
    maximum_aantal_termijnen: int

    @property
    def floor(self) -> int:
        """The lowest monthly amount this organisation accepts for `total`."""
        needed = max(self.minimum_termijnbedrag,
                     math.ceil(self.total / self.maximum_aantal_termijnen))
        return min(self.total, needed)


# rekenregel 2.2 (design §B.2): interest of a month = floor(P × basispunten / 120000)
INTEREST_DIVISOR = 120_000


def interest_reserve(total: int, basispunten: int) -> int:
    """The first (largest) month's interest on `total` at `basispunten` per year."""
    return total * basispunten // INTEREST_DIVISOR


def minimum_monthly(claims: Sequence[Claim]) -> int:
    """The lowest monthly amount that can be split within every organisation's limits."""
    return sum(c.floor for c in claims)


def allocate(monthly: int, claims: Sequence[Claim]) -> dict[str, int]:
    """The monthly amount of each organisation (by OIN); the shares add up to `monthly`
    (or to Σ total when `monthly` exceeds it)."""
    if not claims:
        raise AllocationError("er valt niets te verdelen")
    if any(c.total <= 0 for c in claims):
        raise AllocationError("elke organisatie heeft een positief totaal nodig")
    total = sum(c.total for c in claims)
    if monthly >= total:
        return {c.oin: c.total for c in claims}
    lowest = minimum_monthly(claims)
    if monthly < lowest:
        raise AllocationError(
            f"het maandbedrag is lager dan het minimum van {lowest} cent", minimum=lowest)
    level = _level(monthly, claims)
    exact = [min(max(level * c.total, Fraction(c.floor)), Fraction(c.total)) for c in claims]
    shares = [math.floor(x) for x in exact]
    left = monthly - sum(shares)
    order = sorted(range(len(claims)), key=lambda i: (-(exact[i] - shares[i]), i))
    while left > 0:
        progressed = False
        for i in order:
            if left and shares[i] < claims[i].total:
                shares[i] += 1
                left -= 1
                progressed = True
        if not progressed:  # pragma: no cover - impossible while monthly < total
            raise AllocationError("de resterende centen passen nergens")
    return {c.oin: s for c, s in zip(claims, shares, strict=True)}


def _level(monthly: int, claims: Sequence[Claim]) -> Fraction:
    """The λ in [0, 1] with Σ clamp(λ·S_i, L_i, S_i) = monthly (exact)."""
    points = sorted({Fraction(c.floor, c.total) for c in claims} | {Fraction(0), Fraction(1)})
    for low, high in itertools.pairwise(points):
        if _spent(high, claims) >= monthly:
            fixed = sum(Fraction(c.floor) for c in claims if Fraction(c.floor, c.total) >= high)
            free = sum(c.total for c in claims if Fraction(c.floor, c.total) < high)
            if free == 0:
                return low
            return max(low, min(high, (monthly - fixed) / free))
    return Fraction(1)


def _spent(level: Fraction, claims: Sequence[Claim]) -> Fraction:
    return sum((min(max(level * c.total, Fraction(c.floor)), Fraction(c.total)) for c in claims),
               Fraction(0))
