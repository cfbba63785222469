"""The daily-interest helper the COB accrual uses."""

from __future__ import annotations

from datetime import date

import pytest

from puhui.errors import ValidationError
from puhui.lending.interest import accrual_exact, daily_interest, spread_daily
from puhui.lending.terms import DaysInYear
from puhui.rate import Rate


def test_matches_fineract_rs03_first_period() -> None:
    """Loan.feature RS03: 5000 x 12% x 30 / 365 = 49.32 (minor units 4932)."""
    assert daily_interest(500_000, Rate.from_percent(12), 30) == 4932


def test_chinese_daily_rate_on_360() -> None:
    """0.05% a day (18% / 360) on 10,000 yuan is 5 yuan a day."""
    assert daily_interest(1_000_000, Rate.from_percent(18), 1, DaysInYear.D360) == 500


def test_actual_years_split_at_new_year() -> None:
    """Days 12-31 Dec 2023 count over 365, 1-11 Jan 2024 over 366: 65.7534 + 36.0656.

    Fineract's progressive rate factor splits at 31 Dec instead (19/365 + 12/366, giving
    101.81 in EMICalculation.feature C3152); the accrual helper counts calendar days.
    """
    amount = daily_interest(
        1_000_000, Rate.from_percent(12), 31, DaysInYear.ACTUAL, date(2023, 12, 12)
    )
    assert amount == 10182
    assert daily_interest(1_000_000, Rate.from_percent(12), 31, DaysInYear.D365) == 10192


def test_carrying_the_fraction_beats_rounding_each_day() -> None:
    exact_month = accrual_exact(123_457, Rate.from_percent("18.25"), 30, 365)
    daily = [accrual_exact(123_457, Rate.from_percent("18.25"), 1, 365) for _ in range(30)]
    assert sum(daily) == exact_month
    assert round(exact_month) != sum(round(d) for d in daily)


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        daily_interest(-1, Rate.from_percent(1), 1)
    assert exc.value.field == "principal"
    with pytest.raises(ValidationError) as exc:
        daily_interest(1, Rate.from_percent(1), -1)
    assert exc.value.field == "days"


def test_spread_daily_matches_fineract_accrual_postings() -> None:
    """LoanAccrualActivity.feature C3171: period interest 1.64 over 5 days is accrued as
    0.33, 0.33, 0.32, 0.33, 0.33 (Fineract's daily Accrual transactions)."""
    assert spread_daily(164, 5) == [33, 33, 32, 33, 33]
    assert sum(spread_daily(4932, 30)) == 4932
    with pytest.raises(ValidationError) as exc:
        spread_daily(100, 0)
    assert exc.value.field == "days"
