"""Payoff quotes and days past due."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.errors import ValidationError
from puhui.lending.delinquency import days_past_due, is_write_off_due
from puhui.lending.payoff import Paid, payoff_quote
from puhui.lending.products import FeeRule, default_product
from puhui.lending.schedule import Schedule, generate_schedule

from .fineract import schedule

NOV_2022 = date(2022, 11, 1)


def rs03() -> Schedule:
    """Loan.feature RS03's schedule (daily interest, 5000 at 12%)."""
    return schedule("5000", "12", 18, NOV_2022, interest_period="daily", installment_multiple=1)


def test_payoff_on_disbursement_day_is_the_principal() -> None:
    q = payoff_quote(rs03(), NOV_2022)
    assert (q.principal, q.interest, q.fee, q.early_repayment_fee) == (500_000, 0, 0, 0)


def test_payoff_mid_first_period_accrues_daily_interest() -> None:
    """15 of 30 days: half of 49.32 = 24.66 (= 5000 x 12% x 15 / 365 = 24.66)."""
    q = payoff_quote(rs03(), date(2022, 11, 16))
    assert q.interest == 2466
    assert q.total == 500_000 + 2466


def test_payoff_after_paying_the_first_installment() -> None:
    s = rs03()
    first = s.installments[0]
    paid = Paid(principal=first.principal, interest=first.interest)
    q = payoff_quote(s, date(2022, 12, 1), paid)
    assert q.principal == first.balance
    assert q.interest == 0


def test_overdue_installment_is_owed_in_full() -> None:
    q = payoff_quote(rs03(), date(2023, 1, 16))
    assert q.interest == 4932 + 4835 + round(4574 * 15 / 31)


def test_early_repayment_fee_percent_of_principal() -> None:
    q = payoff_quote(
        rs03(), date(2022, 11, 16), early_fee=FeeRule(kind="percent", value=Decimal(1))
    )
    assert q.early_repayment_fee == 5000


def test_default_product_has_no_early_repayment_fee() -> None:
    p = default_product()
    s = generate_schedule(p.terms_for("10000", 10, date(2026, 1, 15)))
    q = payoff_quote(s, date(2026, 2, 1), early_fee=p.repayment.early_repayment_fee)
    assert q.early_repayment_fee == 0
    assert q.interest == 8500  # 10,000 x 0.05% x 17 days


def test_payoff_bad_input() -> None:
    with pytest.raises(ValidationError) as exc:
        payoff_quote(rs03(), date(2022, 10, 1))
    assert exc.value.field == "on"
    with pytest.raises(ValidationError) as exc:
        payoff_quote(rs03(), NOV_2022, Paid(principal=600_000))
    assert exc.value.field == "paid.principal"


@pytest.mark.parametrize(
    ("due", "today", "grace", "dpd"),
    [
        (None, date(2024, 1, 1), 3, 0),
        (date(2024, 1, 1), date(2024, 1, 1), 3, 0),
        (date(2024, 1, 1), date(2024, 1, 4), 3, 0),
        (date(2024, 1, 1), date(2024, 1, 5), 3, 4),
        (date(2024, 1, 1), date(2024, 1, 2), 0, 1),
    ],
)
def test_days_past_due(due: date | None, today: date, grace: int, dpd: int) -> None:
    assert days_past_due(due, today, grace) == dpd


def test_write_off_threshold_and_buckets() -> None:
    p = default_product()
    dpd = days_past_due(date(2024, 1, 1), date(2024, 6, 29), p.overdue.grace_days)
    assert dpd == 180
    assert p.delinquency.bucket_for(dpd) == "M6"
    assert is_write_off_due(dpd, p.delinquency.write_off_dpd)
