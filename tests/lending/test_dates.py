"""Calendar steps: month ends clamp like java.time, due dates count from the seed."""

from __future__ import annotations

from datetime import date

from puhui.lending.dates import add_months, due_dates, months_between
from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import Frequency, LoanTerms
from puhui.rate import Rate


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)


def test_months_between_counts_whole_months() -> None:
    assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 0
    assert months_between(date(2024, 1, 15), date(2024, 3, 14)) == 1
    assert months_between(date(2024, 1, 15), date(2024, 3, 15)) == 2


def test_due_dates_from_seed_or_first_due() -> None:
    assert due_dates(date(2024, 1, 31), Frequency.MONTHS, 1, 3) == [
        date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)
    ]  # fmt: skip
    assert due_dates(date(2024, 1, 1), Frequency.WEEKS, 2, 2) == [
        date(2024, 1, 15), date(2024, 1, 29)
    ]  # fmt: skip
    assert due_dates(date(2024, 1, 1), Frequency.MONTHS, 1, 2, date(2024, 2, 20)) == [
        date(2024, 2, 20), date(2024, 3, 20)
    ]  # fmt: skip


def test_cumulative_odd_first_period_charges_its_actual_days() -> None:
    """Daily interest on a 44-day first period: 5000 x 12% x 44 / 365 = 72.33."""
    terms = LoanTerms(
        principal=5000,  # type: ignore[arg-type]
        nominal_rate=Rate.from_percent(12),
        installments=6,
        disbursed=date(2022, 11, 1),
        first_due=date(2022, 12, 15),
    )
    s = generate_schedule(terms)
    first = s.installments[0]
    assert (first.days, s.format(first.interest)) == (44, "72.33")
    assert [i.due_date.day for i in s.installments] == [15] * 6
