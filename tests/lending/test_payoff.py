"""Payoff quotes: a loan's position projected to a date the way COB accrues it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from puhui.errors import ValidationError
from puhui.lending.payoff import Owed, Upcoming, early_repayment_fee, payoff_quote, split_prepayment
from puhui.lending.products import FeeRule
from puhui.money import Rounding

TODAY = date(2026, 1, 15)

#: 5,000.00 at 12% a year on a 365-day year, disbursed today, maturing in 18 months.
FRESH = Owed(
    principal=500_000,
    principal_due=0,
    principal_overdue=0,
    interest=0,
    fee=0,
    penalty=0,
    interest_remainder=0,
    penalty_remainder=0,
    rate_ppm=120_000,
    penalty_rate_ppm=180_000,
    year_days=365,
    accrues_from=TODAY,
    accrues_until=date(2027, 7, 15),
    final_due=date(2027, 7, 15),
)


def test_payoff_on_the_business_date_is_what_is_owed() -> None:
    q = payoff_quote(replace(FRESH, interest=123, fee=45, penalty=6), TODAY, TODAY)
    assert (q.principal, q.interest, q.fee, q.penalty, q.early_repayment_fee) == (
        500_000,
        123,
        45,
        6,
        0,
    )
    assert q.total == 500_000 + 123 + 45 + 6


def test_interest_accrues_exactly_by_the_day() -> None:
    """15 days of 5,000 x 12% / 365 = 24.657..., accrued exactly and cut to the fen (COB's
    numerator / divisor), with the carried remainder counted."""
    q = payoff_quote(FRESH, TODAY, date(2026, 1, 30))
    assert q.interest == 500_000 * 120_000 * 15 // (1_000_000 * 365) == 2465
    carried = replace(FRESH, interest_remainder=365_000_000 - 1)
    assert payoff_quote(carried, TODAY, date(2026, 1, 30)).interest == 2466


def test_no_interest_before_disbursement_or_after_maturity() -> None:
    late = replace(FRESH, accrues_until=date(2026, 1, 20))
    assert (
        payoff_quote(late, TODAY, date(2026, 3, 1)).interest
        == payoff_quote(FRESH, TODAY, date(2026, 1, 20)).interest
    )


def test_penalty_accrues_on_overdue_principal() -> None:
    overdue = replace(FRESH, principal_overdue=100_000, penalty_rate_ppm=270_000, year_days=360)
    q = payoff_quote(overdue, TODAY, date(2026, 1, 25))
    assert q.penalty == 100_000 * 270_000 * 10 // (1_000_000 * 360) == 750
    # the overdue rate replaces the contract rate there: interest runs on the rest only
    assert q.interest == 400_000 * 120_000 * 10 // (1_000_000 * 360)


def test_installment_fees_falling_due_before_the_date_are_owed() -> None:
    """Audit defect 9: a quote made today for a later date left out the fees of the
    installments falling due in between."""
    fees = (Upcoming(date(2026, 2, 15), 0, 300), Upcoming(date(2026, 3, 15), 0, 300))
    owed = replace(FRESH, upcoming=fees)
    assert payoff_quote(owed, TODAY, date(2026, 2, 14)).fee == 0
    assert payoff_quote(owed, TODAY, date(2026, 2, 15)).fee == 300
    assert payoff_quote(owed, TODAY, date(2026, 3, 20)).fee == 600


def test_early_repayment_fee_is_charged_before_the_last_due_date() -> None:
    one_percent = FeeRule(kind="percent", value=Decimal(1))
    q = payoff_quote(FRESH, TODAY, date(2026, 1, 30), early_fee=one_percent)
    assert q.early_repayment_fee == 5_000
    # only on the principal not yet due on the payoff date: what is being prepaid
    falling = replace(
        FRESH, principal_due=100_000, upcoming=(Upcoming(date(2026, 1, 20), 50_000, 0),)
    )
    assert (
        payoff_quote(falling, TODAY, date(2026, 1, 30), early_fee=one_percent).early_repayment_fee
        == 3_500
    )
    at_maturity = payoff_quote(FRESH, TODAY, date(2027, 7, 15), early_fee=one_percent)
    assert at_maturity.early_repayment_fee == 0
    flat = FeeRule(kind="flat", value=Decimal("20.00"))
    assert early_repayment_fee(1, TODAY, FRESH.final_due, flat, 2, Rounding.HALF_EVEN) == 2_000


def test_a_quote_for_a_past_date_names_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        payoff_quote(FRESH, TODAY, date(2026, 1, 14))
    assert error.value.field == "on"


def test_actual_actual_days_count_against_their_own_year() -> None:
    """Audit defect 5: a day of a leap year accrues rate / 366, a day of 2025 rate / 365,
    and 31 December belongs to the next year (Fineract's progressive split)."""
    owed = replace(
        FRESH, year_days=0, accrues_from=date(2023, 1, 1), accrues_until=date(2030, 1, 1)
    )
    leap = payoff_quote(owed, date(2024, 3, 1), date(2024, 3, 11)).interest
    plain = payoff_quote(owed, date(2025, 3, 1), date(2025, 3, 11)).interest
    assert leap == 500_000 * 120_000 * 10 // (1_000_000 * 366)
    assert plain == 500_000 * 120_000 * 10 // (1_000_000 * 365)
    new_year = payoff_quote(owed, date(2023, 12, 31), date(2024, 1, 1)).interest
    assert new_year == 500_000 * 120_000 // (1_000_000 * 366)


@pytest.mark.parametrize(
    ("money", "rule", "expected"),
    [
        (10_100, FeeRule(kind="percent", value=Decimal(1)), (10_000, 100)),
        (10_000, FeeRule(kind="percent", value=Decimal(1)), (9_901, 99)),
        (50_000, FeeRule(kind="percent", value=Decimal(2)), (20_000, 400)),  # capped: 20,000 due
        (1_500, FeeRule(kind="flat", value=Decimal("20.00")), (0, 0)),
        (2_500, FeeRule(kind="flat", value=Decimal("20.00")), (500, 2_000)),
        (700, None, (700, 0)),
    ],
)
def test_split_prepayment_charges_the_fee_on_what_is_prepaid(
    money: int, rule: FeeRule | None, expected: tuple[int, int]
) -> None:
    assert split_prepayment(money, 20_000, rule, 2, Rounding.HALF_EVEN) == expected
