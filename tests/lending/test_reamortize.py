"""Re-amortization after a prepayment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.lending.reamortize import reamortized
from puhui.lending.schedule import Schedule, generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.rate import Rate

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


# -- audit defect 8: reamortized() moved month-end due dates to the 28th -------------------
@settings(max_examples=80, deadline=None)
@given(
    day=st.integers(0, 730),
    n=st.integers(2, 12),
    paid=st.integers(0, 11),
    engine=st.sampled_from(["cumulative", "progressive"]),
)
def test_reamortized_keeps_every_due_date(day: int, n: int, paid: int, engine: str) -> None:
    """Same due dates, as promised, whatever the day of the month (31 January's loan falls
    due on 28 February, then 31 March: its re-amortization must too)."""
    assume(paid < n)
    disbursed = date(2026, 1, 1) + timedelta(days=day)
    original = generate_schedule(
        LoanTerms(
            principal=Decimal(6000),
            nominal_rate=Rate.from_percent(12),
            installments=n,
            disbursed=disbursed,
            engine=engine,  # type: ignore[arg-type]
        )
    )
    again = reamortized(original, paid, 300_000)
    assert [i.due_date for i in again.installments] == [
        i.due_date for i in original.installments[paid:]
    ]
