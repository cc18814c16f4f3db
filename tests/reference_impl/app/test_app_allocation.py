"""The allocation rule (ALLOCATION.md): one monthly amount split across organisations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.app.allocation import Claim, allocate, minimum_monthly
from reference_impl.app.errors import AllocationError

CJIB = Claim("cjib", 12_000, 2_500, 36)
DUO = Claim("duo", 500_000, 1_000, 60)
GEMEENTE = Claim("gemeente", 40_000, 2_500, 12)


def test_split_is_proportional_to_what_is_owed_above_the_floors() -> None:
    shares = allocate(50_000, [CJIB, DUO, GEMEENTE])
    assert sum(shares.values()) == 50_000
    assert shares["cjib"] == 2_500  # its proportional share (1 055) is below its minimum
    # the others pay the same fraction of their debt, so they finish in the same month
    assert abs(shares["duo"] / 500_000 - shares["gemeente"] / 40_000) < 1e-4


def test_minimum_monthly_amount_is_the_sum_of_the_floors() -> None:
    # DUO's floor is its minimum instalment; the gemeente must finish within 12 months
    assert GEMEENTE.floor == 3_334
    assert minimum_monthly([CJIB, DUO, GEMEENTE]) == 2_500 + 8_334 + 3_334
    with pytest.raises(AllocationError) as refused:
        allocate(14_167, [CJIB, DUO, GEMEENTE])
    assert refused.value.minimum == 14_168
    assert allocate(14_168, [CJIB, DUO, GEMEENTE]) == {"cjib": 2_500, "duo": 8_334,
                                                       "gemeente": 3_334}


def test_a_debt_below_the_minimum_instalment_is_paid_at_once() -> None:
    small = Claim("klein", 1_500, 2_500, 12)
    assert small.floor == 1_500
    assert allocate(10_000, [small, DUO])["klein"] == 1_500


def test_more_than_everything_pays_everything_in_one_month() -> None:
    assert allocate(10_000_000, [CJIB, GEMEENTE]) == {"cjib": 12_000, "gemeente": 40_000}


def test_nothing_to_split_is_refused() -> None:
    with pytest.raises(AllocationError):
        allocate(10_000, [])


claims = st.lists(
    st.builds(Claim, oin=st.uuids().map(str), total=st.integers(1, 10_000_000),
              minimum_termijnbedrag=st.integers(1, 10_000),
              maximum_aantal_termijnen=st.integers(1, 120)),
    min_size=1, max_size=8, unique_by=lambda c: c.oin)


@settings(max_examples=300, deadline=None)
@given(claims, st.integers(0, 100_000_000))
def test_shares_add_up_and_respect_every_limit(found: list[Claim], monthly: int) -> None:
    total = sum(c.total for c in found)
    try:
        shares = allocate(monthly, found)
    except AllocationError as refused:
        assert monthly < minimum_monthly(found) == refused.minimum
        return
    assert sum(shares.values()) == min(monthly, total)
    for claim in found:
        assert claim.floor <= shares[claim.oin] <= claim.total
        # the organisation's own rules accept this monthly amount
        months = -(-claim.total // shares[claim.oin])
        assert months <= claim.maximum_aantal_termijnen
        assert months == 1 or shares[claim.oin] >= claim.minimum_termijnbedrag
    assert allocate(monthly, found) == shares  # deterministic


@settings(max_examples=200, deadline=None)
@given(claims, st.integers(0, 100_000_000))
def test_organisations_above_their_floor_pay_the_same_fraction(
    found: list[Claim], monthly: int
) -> None:
    try:
        shares = allocate(monthly, found)
    except AllocationError:
        return
    free = [c for c in found if c.floor < shares[c.oin] < c.total]
    fractions = [shares[c.oin] / c.total for c in free]
    if len(fractions) > 1:
        slack = max(1 / c.total for c in free)  # one cent of rounding
        assert max(fractions) - min(fractions) <= slack + 1e-12
