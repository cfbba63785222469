"""Re-amortization after a prepayment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from puhui.errors import ValidationError
from puhui.lending.reamortize import reamortized
from puhui.lending.schedule import Schedule

from .fineract import schedule


def rs03() -> Schedule:
    """Loan.feature RS03's schedule (daily interest, 5000 at 12%, 18 months)."""
    return schedule("5000", "12", 18, date(2022, 11, 1), interest_period="daily")


def test_nothing_prepaid_keeps_the_schedule() -> None:
    s = rs03()
    again = reamortized(s, 0, s.principal)
    assert [(i.due_date, i.principal, i.interest) for i in again.installments] == [
        (i.due_date, i.principal, i.interest) for i in s.installments
    ]


def test_prepayment_lowers_the_installment_on_the_same_dates() -> None:
    s = rs03()
    after = s.installments[5]  # six installments paid, then 1000 of principal prepaid
    new = reamortized(s, 6, after.balance - 100_000)
    assert [i.due_date for i in new.installments] == [i.due_date for i in s.installments[6:]]
    assert new.total_principal == after.balance - 100_000
    assert new.installments[0].total < s.installments[6].total
    # interest of the first new period: daily on the lower balance for the same 31 days
    assert new.installments[0].interest == round(
        Decimal(after.balance - 100_000) * Decimal("0.12") * 31 / 365
    )


def test_bad_input_names_the_field() -> None:
    s = rs03()
    with pytest.raises(ValidationError) as exc:
        reamortized(s, 18, 1000)
    assert exc.value.field == "paid_through"
    with pytest.raises(ValidationError) as exc:
        reamortized(s, 3, 0)
    assert exc.value.field == "outstanding"
