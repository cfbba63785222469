"""Calendar arithmetic for schedules: month steps that clamp to month end, like java.time."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import lru_cache

from puhui.lending.terms import Frequency


@lru_cache(maxsize=65536)
def add_months(start: date, months: int) -> date:
    """`start` plus `months` calendar months, clamped to the last day (Jan 31 + 1 = Feb 28).

    Cached: schedules, APR unit periods and day counts ask for the same few dates per loan.
    """
    total = start.year * 12 + (start.month - 1) + months
    year, month = divmod(total, 12)
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def add_period(start: date, frequency: Frequency, count: int) -> date:
    """`start` plus `count` units of `frequency`."""
    if frequency is Frequency.MONTHS:
        return add_months(start, count)
    if frequency is Frequency.WEEKS:
        return start + timedelta(weeks=count)
    return start + timedelta(days=count)


def months_between(start: date, end: date) -> int:
    """Whole months from `start` to `end` (java.time ChronoUnit.MONTHS.between)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return months


def due_dates(
    disbursed: date,
    frequency: Frequency,
    every: int,
    count: int,
    first_due: date | None = None,
    due_day: int | None = None,
) -> list[date]:
    """Due dates of `count` installments; each is counted from the seed so month ends hold.

    `due_day` (monthly repayments only) pins every due date to that day of the month, clamped
    to the month's end: a schedule re-amortized from a 28 February due date of a loan drawn on
    31 January still falls due on 31 March, not 28 March."""
    if first_due is None:
        dates = [add_period(disbursed, frequency, every * k) for k in range(1, count + 1)]
    else:
        dates = [add_period(first_due, frequency, every * k) for k in range(count)]
    if due_day is None or frequency is not Frequency.MONTHS:
        return dates
    return [d.replace(day=min(due_day, calendar.monthrange(d.year, d.month)[1])) for d in dates]
