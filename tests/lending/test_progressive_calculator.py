"""Per-period rates and EMIs against Fineract's ProgressiveEMICalculatorTest.java.

Source: apache/fineract, fineract-progressive-loan/src/test/java/org/apache/fineract/
portfolio/loanproduct/calc/ProgressiveEMICalculatorTest.java (MathContext(12, HALF_EVEN),
USD 2 digits, periods monthly from 1 January 2024). Each test names the Java test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.lending.arith import Arith
from puhui.lending.dates import add_months
from puhui.lending.progressive import periodic_rate
from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.money import Rounding
from puhui.rate import Rate

JAN_2024 = date(2024, 1, 1)


def terms(rate: str, n: int, diy: str, dim: str) -> LoanTerms:
    return LoanTerms(
        principal=Decimal(100),
        nominal_rate=Rate.from_percent(rate),
        installments=n,
        disbursed=JAN_2024,
        currency="USD",
        engine="progressive",  # type: ignore[arg-type]
        days_in_year=diy,  # type: ignore[arg-type]
        days_in_month=dim,  # type: ignore[arg-type]
    )


def monthly_rates(t: LoanTerms) -> list[str]:
    a = Arith(2, Rounding.HALF_EVEN)
    return [
        str(periodic_rate(t, add_months(JAN_2024, k), add_months(JAN_2024, k + 1), a))
        for k in range(6)
    ]


@pytest.mark.parametrize(
    ("java_test", "diy", "expected"),
    [
        (
            "test_rateFactorByRepaymentEveryMonthMethod_DayInYear365_DaysInMonthActual",
            "365",
            ["0.008053375342", "0.007533802740", "0.008053375342", "0.007793589041",
             "0.008053375342", "0.007793589041"],
        ),
        (
            "test_rateFactorByRepaymentEveryMonthMethod_DayInYearActual_DaysInMonthActual",
            "actual",
            ["0.008031371585", "0.007513218579", "0.008031371585", "0.007772295082",
             "0.008031371585", "0.007772295082"],
        ),
    ],
)  # fmt: skip
def test_rate_factors_9_4822(java_test: str, diy: str, expected: list[str]) -> None:
    assert monthly_rates(terms("9.4822", 6, diy, "actual")) == expected


def test_rate_factor_360_30() -> None:
    """test_disbursedAmt100_dayInYears360_daysInMonth30_repayEvery1Month: 0.007901833333."""
    assert set(monthly_rates(terms("9.4822", 6, "360", "30"))) == {"0.007901833333"}


def test_rate_factors_15_678_365_actual() -> None:
    """test_emiAdjustment_newCalculatedEmiNotBetterThanOriginal: the checkPeriod rates."""
    assert monthly_rates(terms("15.678", 6, "365", "actual")) == [
        "0.013315561644", "0.012456493151", "0.013315561644",
        "0.012886027397", "0.013315561644", "0.012886027397",
    ]  # fmt: skip


def test_emi_adjustment_keeps_original_emi() -> None:
    """test_emiAdjustment_newCalculatedEmiNotBetterThanOriginal: EMI 17.43, last 17.47."""
    s = generate_schedule(terms("15.678", 6, "365", "actual"))
    assert [s.format(i.total) for i in s.installments] == ["17.43"] * 5 + ["17.47"]
    assert [s.format(i.balance) for i in s.installments] == [
        "83.90", "67.52", "50.99", "34.22", "17.25", "0.00"
    ]  # fmt: skip


def test_seven_percent_first_period() -> None:
    """test_reschedule_interest_on0201_4per_...: before the rate change, period 1 is
    EMI 17.01 = interest 0.58 + principal 16.43, balance 83.57."""
    s = generate_schedule(terms("7", 6, "360", "30"))
    first = s.installments[0]
    assert (s.format(first.total), s.format(first.interest)) == ("17.01", "0.58")
    assert (s.format(first.principal), s.format(first.balance)) == ("16.43", "83.57")


def test_emi_calculator_performance_case() -> None:
    """test_emi_calculator_performance: 100 at 7%, 12 months 360/30, EMI 8.65, ends at 0."""
    s = generate_schedule(terms("7", 12, "360", "30"))
    assert [s.format(i.total) for i in s.installments[:-1]] == ["8.65"] * 11
    assert s.installments[-1].balance == 0
    assert all(i.principal > 0 and i.interest > 0 for i in s.installments)


def test_odd_first_period_uses_its_length_in_months() -> None:
    """calculatePeriodRatio: 1 Jan -> 15 Feb 2024 is 1 month + 14/29 of the next (Feb)."""
    t = LoanTerms(
        principal=Decimal(100),
        nominal_rate=Rate.from_percent(12),
        installments=3,
        disbursed=JAN_2024,
        first_due=date(2024, 2, 15),
        engine="progressive",  # type: ignore[arg-type]
        days_in_year="360",  # type: ignore[arg-type]
        days_in_month="30",  # type: ignore[arg-type]
    )
    a = Arith(2, Rounding.HALF_EVEN)
    assert periodic_rate(t, JAN_2024, date(2024, 2, 15), a) == Decimal("0.014827586207")
    assert periodic_rate(t, date(2024, 2, 15), date(2024, 3, 15), a) == Decimal("0.01")
    s = generate_schedule(t)
    assert s.format(s.installments[0].interest) == "1.48"
