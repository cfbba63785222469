"""Limits: affordability, PD bands, bounds and rounding; low burden as a property; row == batch."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.rate import Rate
from puhui.risk.limits import (
    LimitParams,
    annuity_factor_units,
    installment_minor,
    limit,
    limit_batch,
)
from puhui.risk.pricing import price
from puhui.risk.units import RATE_SCALE

pds = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
aprs = st.integers(min_value=0, max_value=100).map(lambda bp100: Rate.of(Decimal(bp100) / 100))
incomes = st.integers(min_value=0, max_value=10**9)  # fen: up to 10M yuan a month
obligations = st.integers(min_value=0, max_value=10**7)
terms = st.integers(min_value=1, max_value=60)
dsrs = st.integers(min_value=1, max_value=100).map(lambda pct: Decimal(pct) / 100)


def test_installment_matches_the_annuity_formula() -> None:
    # 10,000.00 at 12% APR over 12 months: 10000 x 0.01 / (1 - 1.01^-12) = 888.4879 -> 888.49
    # (the textbook amortisation example; any loan calculator gives 888.49).
    assert installment_minor(1_000_000, Rate.of("0.12"), 12) == 88_849
    # Annuity factor of 1% over 12 periods: 11.255077 (standard present-value table).
    assert annuity_factor_units(120_000_000, 12) == 11_255_077
    assert annuity_factor_units(0, 12) == 12_000_000


def test_worked_limit() -> None:
    # Income 8,000 yuan, obligations 1,000: budget 8000 x 0.4 - 1000 = 2,200 a month.
    quote = limit(0.03, Rate.of("0.0955"), 800_000, 100_000)
    assert quote.budget_minor == 220_000
    assert quote.affordable_minor == 2_508_359  # 2,200 x annuity factor at 9.55% / 12 months
    assert quote.multiplier == Decimal("0.8")  # PD 3% falls in the (1%, 3%] band
    assert quote.limit_minor == 2_000_000  # 25,083.59 x 0.8 = 20,066.87 -> down to 20,000
    assert quote.installment_minor <= quote.budget_minor


@given(pds, aprs, incomes, obligations, terms, dsrs)
def test_low_burden_installment_never_exceeds_the_debt_service_cap(
    pd: float, apr: Rate, income: int, owed: int, term: int, dsr: Decimal
) -> None:
    params = LimitParams(max_debt_service_ratio=dsr, term_months=term)
    quote = limit(pd, apr, income, owed, params)
    due = installment_minor(quote.limit_minor, apr, term)
    if quote.limit_minor:
        assert due + owed <= Decimal(income) * dsr
    assert quote.limit_minor % 10_000 == 0
    assert quote.limit_minor == 0 or 50_000 <= quote.limit_minor <= 20_000_000


@given(pds, pds, aprs, incomes)
def test_limit_does_not_grow_with_pd(a: float, b: float, apr: Rate, income: int) -> None:
    low, high = sorted((a, b))
    assert limit(low, apr, income, 0).limit_minor >= limit(high, apr, income, 0).limit_minor


def test_pd_above_the_last_band_gets_no_limit() -> None:
    assert limit(0.25, Rate.of("0.24"), 5_000_000, 0).limit_minor == 0
    assert limit(0.20, Rate.of("0.24"), 5_000_000, 0).limit_minor > 0


def test_bounds_apply() -> None:
    rich = limit(0.001, Rate.of("0.08"), 10**10, 0)
    assert rich.limit_minor == 20_000_000  # max 200,000 yuan
    poor = limit(0.001, Rate.of("0.08"), 10_000, 0)  # 100 yuan a month: 40 yuan budget
    assert poor.limit_minor == 0  # below the 500-yuan minimum
    over_indebted = limit(0.001, Rate.of("0.08"), 800_000, 400_000)
    assert over_indebted.budget_minor == 0 and over_indebted.limit_minor == 0


@settings(max_examples=50)
@given(st.lists(st.tuples(pds, st.integers(0, 2400), incomes, obligations), max_size=40), terms)
def test_batch_equals_row_by_row(rows: list[tuple[float, int, int, int]], term: int) -> None:
    params = LimitParams(term_months=term)
    apr_units = np.array([r[1] * RATE_SCALE // 10_000 for r in rows], dtype=np.int64)
    batch = limit_batch(
        np.array([r[0] for r in rows], dtype=np.float64),
        apr_units,
        np.array([r[2] for r in rows], dtype=np.int64),
        np.array([r[3] for r in rows], dtype=np.int64),
        params,
    )
    for i, (pd, bp, income, owed) in enumerate(rows):
        quote = limit(pd, Rate.of(Decimal(bp) / 10_000), income, owed, params)
        assert batch.limit_minor[i] == quote.limit_minor
        assert batch.budget_minor[i] == quote.budget_minor
        assert batch.affordable_minor[i] == quote.affordable_minor


def test_limit_at_priced_apr_over_a_given_term() -> None:
    quote = price(0.02, 6)
    six = limit(0.02, quote.nominal_rate, 1_000_000, 0, term_months=6)
    twelve = limit(0.02, quote.nominal_rate, 1_000_000, 0, term_months=12)
    assert six.term_months == 6
    assert six.limit_minor < twelve.limit_minor  # a shorter term fits a smaller principal


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        limit(0.02, Rate.of("0.1"), -1, 0)
    assert err.value.field == "monthly_income"
    with pytest.raises(ValidationError) as err:
        limit(0.02, Rate.of("1.5"), 1, 0)
    assert err.value.field == "rate"
    with pytest.raises(ValidationError) as err:
        limit_batch([0.1], [10**8], [-5], [0])
    assert err.value.field == "amount"


def test_params_reject_bad_bands() -> None:
    with pytest.raises(ValueError, match="pd_bands"):
        LimitParams(
            pd_bands=(
                {"max_pd": "0.05", "multiplier": "0.5"},
                {"max_pd": "0.04", "multiplier": "0.4"},
            )
        )  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="multiplier"):
        LimitParams(
            pd_bands=(
                {"max_pd": "0.05", "multiplier": "0.5"},
                {"max_pd": "0.1", "multiplier": "0.9"},
            )
        )  # type: ignore[arg-type]


def test_model_copy_recomputes_the_units() -> None:
    loose = LimitParams().model_copy(update={"max_debt_service_ratio": Decimal("0.8")})
    assert limit(0.001, Rate.of("0.1"), 800_000, 0, loose).budget_minor == 640_000
