"""EAD and expected loss of a credit line: a worked example, the bounds, and the strategy's CCF."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.risk.exposure import DEFAULT_CCF, LineExposure, undrawn_limit
from puhui.risk.pricing import PricingParams
from puhui.risk.strategy import load_strategy, parse_strategy


def test_worked_example() -> None:
    # a 50,000-yuan line with 10,000 drawn: EAD = 10,000 + 10% x 40,000 = 14,000 yuan;
    # EL = 2% x 0.85 x 14,000 = 238 yuan (170 on the drawn part, 68 on the undrawn)
    e = LineExposure(
        pd=Decimal("0.02"),
        lgd=Decimal("0.85"),
        ccf=Decimal("0.10"),
        drawn=1_000_000,
        defaulted=0,
        undrawn=undrawn_limit(5_000_000, 1_000_000, available=True),
    )
    assert e.ead == 1_400_000
    assert e.el_drawn == 17_000 and e.el_undrawn == 6_800 and e.el == 23_800


def test_defaulted_balance_counts_with_pd_one_and_frozen_lines_add_nothing() -> None:
    e = LineExposure(
        pd=Decimal("0.05"),
        lgd=Decimal("0.85"),
        ccf=Decimal("0.10"),
        drawn=0,
        defaulted=100_000,
        undrawn=undrawn_limit(500_000, 100_000, available=False),
    )
    assert e.undrawn == 0 and e.el == 85_000


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(ValueError, match="ccf"):
        LineExposure(Decimal("0.1"), Decimal("0.85"), Decimal("1.5"), 0, 0, 0)
    with pytest.raises(ValueError, match="drawn"):
        LineExposure(Decimal("0.1"), Decimal("0.85"), Decimal("0.1"), -1, 0, 0)
    with pytest.raises(ValueError, match="ccf"):
        PricingParams(ccf=Decimal("-0.1"))


amounts = st.integers(min_value=0, max_value=10**12)
fractions = st.decimals(min_value=0, max_value=1, places=6)


@given(fractions, fractions, fractions, amounts, amounts, amounts)
def test_el_is_bounded_by_lgd_times_ead_and_grows_with_the_ccf(
    pd: Decimal, lgd: Decimal, ccf: Decimal, drawn: int, defaulted: int, limit: int
) -> None:
    undrawn = undrawn_limit(limit, drawn + defaulted, available=True)
    e = LineExposure(pd, lgd, ccf, drawn, defaulted, undrawn)
    assert 0 <= e.el <= lgd * e.ead
    assert e.ead <= drawn + defaulted + undrawn  # a CCF of at most 1 never adds exposure
    full = LineExposure(pd, lgd, Decimal(1), drawn, defaulted, undrawn)
    assert full.el >= e.el


def test_the_default_strategy_states_its_ccf_and_old_versions_resolve_as_before() -> None:
    strategy = load_strategy()
    assert strategy.pricing.ccf == DEFAULT_CCF
    data = strategy.to_data()
    assert "ccf" not in data["pricing"]  # the default CCF leaves logged versions unchanged
    data["pricing"]["ccf"] = Decimal("0.2")
    other = parse_strategy(data)
    assert other.pricing.ccf == Decimal("0.2") and other.version_id != strategy.version_id
