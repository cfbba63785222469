"""Cumulative schedules against Apache Fineract's own e2e reference schedules, to the cent.

Sources (apache/fineract, fineract-e2e-tests-runner/src/test/resources/features/):
- Loan.feature, scenarios RS01..RS07 (TestRail C2490, C2492..C2497): 5000 EUR, 12%,
  18 monthly installments from 1 November 2022, LP1 products with installmentAmountInMultiplesOf=1.
- LoanRepayment-Part3.feature, scenarios C2961 and C2962: 1250 EUR, 15%, 4 months from
  1 September 2023, installmentAmountInMultiplesOf=1.
"""

from __future__ import annotations

from datetime import date

from .fineract import assert_matches, rows, schedule

NOV_2022 = date(2022, 11, 1)


def test_rs01_flat_same_as_repayment_equal_installments() -> None:
    """Loan.feature RS01 (C2490): flat, same-as-repayment, equal installments."""
    s = schedule(
        "5000", "12", 18, NOV_2022,
        interest_method="flat", interest_period="same-as-repayment", installment_multiple=1,
    )  # fmt: skip
    assert_matches(s, rows(" ".join(["278.0/50.0"] * 17 + ["274.0/50.0"])))
    assert s.format(s.total_interest) == "900.00"


def test_rs02_declining_same_as_repayment_equal_installments() -> None:
    """Loan.feature RS02 (C2492): declining balance, same-as-repayment, EMI 305."""
    s = schedule(
        "5000", "12", 18, NOV_2022, interest_period="same-as-repayment", installment_multiple=1
    )
    assert_matches(
        s,
        rows(
            "255.0/50.0 257.55/47.45 260.13/44.87 262.73/42.27 265.35/39.65 268.01/36.99 "
            "270.69/34.31 273.39/31.61 276.13/28.87 278.89/26.11 281.68/23.32 284.5/20.5 "
            "287.34/17.66 290.21/14.79 293.12/11.88 296.05/8.95 299.01/5.99 300.22/3.0"
        ),
    )
    assert s.format(s.total_interest) == "488.22"
    assert s.format(s.installments[0].total) == "305.00"


def test_rs03_declining_daily_equal_installments_365_in_leap_year() -> None:
    """Loan.feature RS03 (C2493): daily interest; Feb 2024 (29 days) still divides by 365."""
    s = schedule("5000", "12", 18, NOV_2022, interest_period="daily", installment_multiple=1)
    assert_matches(
        s,
        rows(
            "255.68/49.32 256.65/48.35 259.26/45.74 266.08/38.92 264.62/40.38 268.53/36.47 "
            "270.05/34.95 273.84/31.16 275.59/29.41 278.4/26.6 282.01/22.99 284.11/20.89 "
            "287.59/17.41 289.94/15.06 292.9/12.1 296.47/8.53 298.9/6.1 299.38/2.95"
        ),
    )
    assert [i.days for i in s.installments][:4] == [30, 31, 31, 28]
    assert s.format(s.total_interest) == "487.33"


def test_rs04_declining_same_as_repayment_equal_principal() -> None:
    """Loan.feature RS04 (C2494): equal principal 277.78; last absorbs the residual."""
    s = schedule(
        "5000", "12", 18, NOV_2022,
        interest_period="same-as-repayment", amortization="equal-principal",
        installment_multiple=1,
    )  # fmt: skip
    assert_matches(
        s,
        rows(
            "277.78/50.0 277.78/47.22 277.78/44.44 277.78/41.67 277.78/38.89 277.78/36.11 "
            "277.78/33.33 277.78/30.56 277.78/27.78 277.78/25.0 277.78/22.22 277.78/19.44 "
            "277.78/16.67 277.78/13.89 277.78/11.11 277.78/8.33 277.78/5.56 277.74/2.78"
        ),
    )
    assert s.format(s.total_interest) == "475.00"


def test_rs05_grace_on_principal() -> None:
    """Loan.feature RS05 (C2495): 3 periods of principal grace, EMI over the other 15."""
    s = schedule(
        "5000", "12", 18, NOV_2022,
        interest_period="same-as-repayment", installment_multiple=1, grace_principal=3,
    )  # fmt: skip
    assert_matches(
        s,
        rows(
            "0/50 0/50 0/50 311.0/50.0 314.11/46.89 317.25/43.75 320.42/40.58 323.63/37.37 "
            "326.86/34.14 330.13/30.87 333.43/27.57 336.77/24.23 340.14/20.86 343.54/17.46 "
            "346.97/14.03 350.44/10.56 353.95/7.05 351.36/3.51"
        ),
    )
    assert s.format(s.total_interest) == "558.87"


RS06_TAIL = (
    "394.0/50.0 397.94/46.06 401.92/42.08 405.94/38.06 410.0/34.0 414.1/29.9 418.24/25.76 "
    "422.42/21.58 426.65/17.35 430.91/13.09 435.22/8.78 442.66/4.43"
)


def test_rs06_grace_on_principal_six_periods() -> None:
    """Loan.feature RS06 (C2496): 6 periods of principal grace, EMI 444.

    The scenario also sets graceOnInterestPayment=3 in its table, yet Fineract's expected
    schedule charges and collects 50.0 interest in periods 1-3, so only the principal grace
    shapes this schedule.
    """
    s = schedule(
        "5000", "12", 18, NOV_2022,
        interest_period="same-as-repayment", installment_multiple=1, grace_principal=6,
    )  # fmt: skip
    assert_matches(s, rows("0/50 0/50 0/50 0/50 0/50 0/50 " + RS06_TAIL))
    assert s.format(s.total_interest) == "631.09"


def test_rs07_interest_payment_grace_defers_interest() -> None:
    """Loan.feature RS07 (C2497): periods 1-3 pay no interest; period 4 collects 4 x 50.

    The e2e table's "interest free period" column (3) reaches Fineract as grace on interest
    *payment*: the interest is charged but deferred to the first period after the grace.
    """
    s = schedule(
        "5000", "12", 18, NOV_2022,
        interest_period="same-as-repayment", installment_multiple=1,
        grace_principal=6, grace_interest=3,
    )  # fmt: skip
    assert_matches(s, rows("0/0 0/0 0/0 0/200 0/50 0/50 " + RS06_TAIL))
    assert s.format(s.total_interest) == "631.09"


def test_c2961_flat_installment_in_multiples_rounds_the_total() -> None:
    """LoanRepayment-Part3.feature C2961: flat 15%, principal 312.38 + interest 15.62 = 328."""
    s = schedule(
        "1250", "15", 4, date(2023, 9, 1),
        interest_method="flat", interest_period="same-as-repayment", installment_multiple=1,
    )  # fmt: skip
    assert_matches(s, rows("312.38/15.62 312.38/15.62 312.38/15.62 312.86/15.64"))
    assert [s.format(i.total) for i in s.installments] == ["328.00"] * 3 + ["328.50"]
    assert s.format(s.total_interest) == "62.50"


def test_c2962_declining_installment_in_multiples() -> None:
    """LoanRepayment-Part3.feature C2962: declining 15%, EMI rounded to 322."""
    s = schedule(
        "1250", "15", 4, date(2023, 9, 1),
        interest_period="same-as-repayment", installment_multiple=1,
    )  # fmt: skip
    assert_matches(s, rows("306.38/15.62 310.2/11.8 314.08/7.92 319.34/3.99"))
    assert s.format(s.installments[-1].total) == "323.33"


def test_without_multiples_the_emi_keeps_its_cents() -> None:
    """RS02's loan without installmentAmountInMultiplesOf: PMT(1%, 18, 5000) = 304.9102..."""
    s = schedule("5000", "12", 18, NOV_2022, interest_period="same-as-repayment")
    assert s.format(s.installments[0].total) == "304.91"
    assert s.installments[-1].balance == 0


def test_month_end_due_dates_follow_the_seed() -> None:
    """LoanRepayment-Part3.feature C3129: from 31 Jan 2024 dues fall on each month's last day."""
    s = schedule("1000", "0", 4, date(2024, 1, 31), interest_period="same-as-repayment")
    assert [i.due_date for i in s.installments] == [
        date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31)
    ]  # fmt: skip
    assert [s.format(i.principal) for i in s.installments] == ["250.00"] * 4


def test_c3171_every_five_days_daily_interest() -> None:
    """LoanAccrualActivity.feature C3171 (UC4): 1000 at 12%, 4 installments every 5 days from
    1 January 2024, daily interest, installments in multiples of 1: EMI 251, last 251.10."""
    s = schedule(
        "1000", "12", 4, date(2024, 1, 1),
        every=5, frequency="days", interest_period="daily", installment_multiple=1,
    )  # fmt: skip
    assert_matches(s, rows("249.36/1.64 249.77/1.23 250.18/0.82 250.69/0.41"))
    assert [i.due_date.day for i in s.installments] == [6, 11, 16, 21]
    assert s.format(s.installments[-1].total) == "251.10"


def test_daily_actual_divides_by_365_in_a_leap_year() -> None:
    """LoanApplicationTerms.calculatePeriodsInOneYear: daily + actual uses 365 days a year
    even in 2024 (RS03's period 16 shows it): 10,000 x 12% x 29 / 365 = 95.34, not 95.08."""
    s = schedule("10000", "12", 1, date(2024, 2, 1), interest_period="daily")
    assert s.format(s.installments[0].interest) == "95.34"
