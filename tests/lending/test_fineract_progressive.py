"""Progressive (EMI calculator) schedules against Apache Fineract's e2e references, to the cent.

Source: apache/fineract, fineract-e2e-tests-runner/src/test/resources/features/
EMICalculation-Part1.feature (EMICalculation.feature before it was split in parts) and
EMICalculation-Part4.feature for flat interest; scenarios are named by their TestRail ids
(LP2 products, no installmentAmountInMultiplesOf).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.rate import Rate

from .fineract import assert_matches, rows, schedule

CASES = [
    (  # C3152: Actual/Actual, integer rate; period 1 crosses the 2023/2024 year end
        "C3152",
        "10000",
        "12",
        6,
        date(2023, 12, 12),
        "actual",
        "actual",
        1,
        "months",
        "1623.75/101.81 1640.42/85.14 1661.51/64.05 1673.98/51.58 1692.11/33.45 1708.23/17.36",
    ),
    (  # C3153: Actual/Actual, decimal rate
        "C3153",
        "10000",
        "9.4822",
        6,
        date(2023, 12, 12),
        "actual",
        "actual",
        1,
        "months",
        "1632.67/80.45 1645.92/67.2 1662.62/50.5 1672.49/40.63 1686.8/26.32 1699.5/13.65",
    ),
    (  # C3164: Actual/Actual, decimal, EMI re-try keeps 68.14
        "C3164",
        "331.77",
        "10.65",
        5,
        date(2023, 12, 12),
        "actual",
        "actual",
        1,
        "months",
        "65.14/3.0 65.73/2.41 66.44/1.7 66.93/1.21 67.53/0.59",
    ),
    (  # C3154: 360/30, integer rate
        "C3154",
        "100",
        "12",
        6,
        date(2024, 1, 1),
        "360",
        "30",
        1,
        "months",
        "16.25/1.0 16.41/0.84 16.58/0.67 16.74/0.51 16.91/0.34 17.11/0.17",
    ),
    (  # C3155: 360/30, decimal rate
        "C3155",
        "100",
        "9.4822",
        6,
        date(2024, 1, 1),
        "360",
        "30",
        1,
        "months",
        "16.34/0.79 16.47/0.66 16.6/0.53 16.73/0.4 16.86/0.27 17.0/0.13",
    ),
    (  # C3165: 360/30, decimal, EMI re-try
        "C3165",
        "75",
        "12.3",
        5,
        date(2024, 1, 1),
        "360",
        "30",
        1,
        "months",
        "14.7/0.77 14.85/0.62 15.0/0.47 15.16/0.31 15.29/0.16",
    ),
    (  # C3157: 360/30, repayment every 2 months
        "C3157",
        "100",
        "12",
        3,
        date(2024, 1, 1),
        "360",
        "30",
        2,
        "months",
        "32.68/2.0 33.33/1.35 33.99/0.68",
    ),
    (  # C3158: 360/30, repayment every 2 weeks
        "C3158",
        "100",
        "9.4822",
        6,
        date(2024, 1, 1),
        "360",
        "30",
        2,
        "weeks",
        "16.51/0.37 16.57/0.31 16.63/0.25 16.69/0.19 16.76/0.12 16.84/0.06",
    ),
    (  # C3159: 365/Actual, integer rate
        "C3159",
        "100",
        "12",
        6,
        date(2024, 1, 1),
        "365",
        "actual",
        1,
        "months",
        "16.23/1.02 16.45/0.8 16.56/0.69 16.75/0.5 16.9/0.35 17.11/0.17",
    ),
    (  # C3160: 365/Actual, decimal rate
        "C3160",
        "100",
        "9.4822",
        6,
        date(2024, 1, 1),
        "365",
        "actual",
        1,
        "months",
        "16.32/0.81 16.5/0.63 16.59/0.54 16.74/0.39 16.86/0.27 16.99/0.13",
    ),
    (  # C3166: 365/Actual, repayment every 15 days
        "C3166",
        "100",
        "9.4822",
        6,
        date(2024, 1, 1),
        "365",
        "actual",
        15,
        "days",
        "16.51/0.39 16.57/0.33 16.64/0.26 16.7/0.2 16.77/0.13 16.81/0.07",
    ),
    (  # C3167: 365/Actual, the EMI re-try is a false positive and the original EMI stays
        "C3167",
        "100",
        "15.678",
        6,
        date(2024, 1, 1),
        "365",
        "actual",
        1,
        "months",
        "16.1/1.33 16.38/1.05 16.53/0.9 16.77/0.66 16.97/0.46 17.25/0.22",
    ),
]


@pytest.mark.parametrize(
    ("case", "principal", "rate", "n", "disbursed", "diy", "dim", "every", "freq", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_emi_calculation_feature(
    case: str, principal: str, rate: str, n: int, disbursed: date, diy: str, dim: str,
    every: int, freq: str, expected: str,
) -> None:  # fmt: skip
    s = schedule(
        principal, rate, n, disbursed, engine="progressive", days_in_year=diy,
        days_in_month=dim, every=every, frequency=freq,
    )  # fmt: skip
    assert_matches(s, rows(expected))


def test_c3152_installment_totals() -> None:
    """EMICalculation.feature C3152: EMI 1725.56, last 1725.59, total interest 353.39."""
    s = schedule(
        "10000", "12", 6, date(2023, 12, 12), engine="progressive",
        days_in_year="actual", days_in_month="actual",
    )  # fmt: skip
    totals = [s.format(i.total) for i in s.installments]
    assert totals == ["1725.56"] * 5 + ["1725.59"]
    assert s.format(s.total_interest) == "353.39"
    assert [i.days for i in s.installments] == [31, 31, 29, 31, 30, 31]


def test_c3156_rescheduled_long_first_period_interest() -> None:
    """EMICalculation-Part1.feature C3156: after moving the first due date to 18 February
    2024 (48 days, 360/30, 9.4822%), period 1 charges 1.25 on 100: 1 month + 17/29."""
    from puhui.lending.arith import Arith
    from puhui.lending.progressive import periodic_rate
    from puhui.lending.terms import LoanTerms
    from puhui.money import Rounding

    terms = LoanTerms(
        principal=Decimal(100), nominal_rate=Rate.from_percent("9.4822"), installments=6,
        disbursed=date(2024, 1, 1), engine="progressive", days_in_year="360",
        days_in_month="30",
    )  # type: ignore[arg-type]  # fmt: skip
    a = Arith(2, Rounding.HALF_EVEN)
    rate = periodic_rate(terms, date(2024, 1, 1), date(2024, 2, 18), a)
    assert a.money_times(Decimal(100), rate) == Decimal("1.25")
    last = periodic_rate(terms, date(2024, 6, 18), date(2024, 7, 18), a)
    assert a.money_times(Decimal("17.46"), last) == Decimal("0.14")


def test_c3897_progressive_flat_daily_actual_actual() -> None:
    """EMICalculation-Part4.feature C3897: flat, daily, actual/actual, 100 at 4%, 3 months
    from 1 January 2024: interest 0.34/0.32/0.34 on the whole principal, EMI 33.67."""
    s = schedule(
        "100", "4", 3, date(2024, 1, 1), engine="progressive", interest_method="flat",
        days_in_year="actual", days_in_month="actual",
    )  # fmt: skip
    assert_matches(s, rows("33.33/0.34 33.35/0.32 33.32/0.34"))
    assert [s.format(i.total) for i in s.installments] == ["33.67", "33.67", "33.66"]


def test_c3893_progressive_flat_first_disbursement() -> None:
    """EMICalculation-Part4.feature C3893, schedule after the first disbursement (1000 at
    12% from 1 June 2024, 3 months, daily, actual/actual): interest 9.84/10.16/10.16."""
    s = schedule(
        "1000", "12", 3, date(2024, 6, 1), engine="progressive", interest_method="flat",
        days_in_year="actual", days_in_month="actual",
    )  # fmt: skip
    assert_matches(s, rows("333.55/9.84 333.23/10.16 333.22/10.16"))
    assert s.format(s.total) == "1030.16"


def test_c3836_progressive_flat_same_as_repayment() -> None:
    """EMICalculation-Part4.feature C3836, after the first disbursement: flat 12% same as
    repayment period, 1000 from 1 June 2024: 10.00 interest a month, EMI 343.33, last 343.34."""
    s = schedule(
        "1000", "12", 3, date(2024, 6, 1), engine="progressive", interest_method="flat",
        interest_period="same-as-repayment", days_in_year="actual", days_in_month="actual",
    )  # fmt: skip
    assert_matches(s, rows("333.33/10.0 333.33/10.0 333.34/10.0"))


def test_progressive_refuses_equal_principal() -> None:
    import pytest

    from puhui.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        schedule(
            "100", "4", 3, date(2024, 1, 1), engine="progressive", amortization="equal-principal"
        )
    assert exc.value.field == "amortization"


def test_c3784_flat_installment_fee() -> None:
    """LoanChargesInstallmentFee.feature C3784: 100 at 7% (360/30), 6 months from 1 January
    2024 with a flat 10.00 installment fee: due 27.01 x 5 and 27.00, total 162.05."""
    s = schedule(
        "100", "7", 6, date(2024, 1, 1), engine="progressive", days_in_year="360",
        days_in_month="30", installment_fee=Decimal(10),
    )  # fmt: skip
    assert_matches(s, rows("16.43/0.58 16.52/0.49 16.62/0.39 16.72/0.29 16.81/0.2 16.9/0.1"))
    assert [s.format(i.total) for i in s.installments] == ["27.01"] * 5 + ["27.00"]
    assert (s.format(s.total_fee), s.format(s.total)) == ("60.00", "162.05")
