"""Interest on an outstanding balance for a number of days: the accrual helper for COB.

`daily_interest` is simple interest `principal x rate x days / days-in-year`, computed
exactly and rounded once. With `DaysInYear.ACTUAL` and dates, each day counts against the
length of its own calendar year (366 in leap years). `accrual_exact` returns the unrounded
amount in minor units so a daily accrual job can carry the fraction forward instead of
rounding every day (sum of rounded days drifts; rounding the running total does not).
Penalty interest on overdue principal is the same function at the product's penalty rate.
"""

from __future__ import annotations

import decimal
from datetime import date, timedelta
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.terms import DaysInYear
from puhui.money import Rounding
from puhui.rate import Rate

_CTX = decimal.Context(prec=40)


def _checked(principal: int, rate: Rate) -> None:
    if isinstance(principal, bool) or not isinstance(principal, int) or principal < 0:
        raise ValidationError("principal must be non-negative minor units", field="principal")
    if not isinstance(rate, Rate) or rate.fraction < 0:
        raise ValidationError("rate must be a non-negative Rate", field="rate")


def accrual_exact(
    principal: int,
    rate: Rate,
    days: int,
    days_in_year: DaysInYear | int = DaysInYear.D365,
    start: date | None = None,
) -> Decimal:
    """Unrounded interest in minor units on `principal` minor units for `days` days."""
    _checked(principal, rate)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValidationError("days must be a non-negative integer", field="days")
    fraction = rate.fraction
    if isinstance(days_in_year, int):
        if days_in_year <= 0:
            raise ValidationError("days_in_year must be positive", field="days_in_year")
        return _CTX.divide(_CTX.multiply(Decimal(principal) * fraction, days), days_in_year)
    if days_in_year is not DaysInYear.ACTUAL or start is None:
        return _CTX.divide(_CTX.multiply(Decimal(principal) * fraction, days), days_in_year.days())
    total = Decimal(0)
    day = start.toordinal()
    end = day + days
    while day < end:
        year = date.fromordinal(day).year
        year_end = date(year + 1, 1, 1).toordinal()
        span = min(end, year_end) - day
        total += _CTX.divide(Decimal(principal) * fraction * span, DaysInYear.ACTUAL.days(year))
        day += span
    return total


def spread_daily(amount: int, days: int, rounding: Rounding = Rounding.HALF_EVEN) -> list[int]:
    """Split a period's interest (minor units) into daily accruals by rounding the running
    total, so the days sum exactly to the period and no day drifts by more than one unit.
    This is how Fineract posts daily accruals: 1.64 over 5 days -> .33 .33 .32 .33 .33."""
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ValidationError("days must be a positive integer", field="days")
    mode = rounding.decimal_mode
    out: list[int] = []
    posted = 0
    for day in range(1, days + 1):
        running = int((Decimal(amount) * day / days).quantize(Decimal(1), rounding=mode))
        out.append(running - posted)
        posted = running
    return out


def daily_interest(
    principal: int,
    rate: Rate,
    days: int,
    days_in_year: DaysInYear | int = DaysInYear.D365,
    start: date | None = None,
    rounding: Rounding = Rounding.HALF_EVEN,
) -> int:
    """Interest in minor units, rounded once (`start` is needed only for ACTUAL years)."""
    exact = accrual_exact(principal, rate, days, days_in_year, start)
    return int(exact.quantize(Decimal(1), rounding=rounding.decimal_mode))


#: Daily accrual in exact integers, as COB does it: each day adds `principal x rate_ppm x
#: weight` to a numerator whose unit is 1 / divisor minor units. A fixed day count (360, 364,
#: 365 days) has weight 1 and divisor PPM x days. An actual/actual count (each day against its
#: own calendar year, as Fineract's progressive calculator) uses one divisor for every year,
#: PPM x 365 x 366, and weighs a day of a 365-day year 366 and a day of a leap year 365.
ACTUAL_YEARS = 365 * 366
#: `year_days` of a loan whose days count against their own calendar year's length.
ACTUAL_YEAR_DAYS = 0
#: The largest weight a day can carry (a day of a 365-day year under actual/actual).
MAX_DAY_WEIGHT = 366
_PPM = 1_000_000


def accrual_divisor(year_days: int) -> int:
    """The denominator of a loan's accrual numerators (see `day_weight`)."""
    return _PPM * (ACTUAL_YEARS if year_days == ACTUAL_YEAR_DAYS else year_days)


def day_weight(year_days: int, day: date) -> int:
    """The weight of one accrual day (the night from `day` to the next): 1 for a fixed count;
    for actual/actual the length of the *other* year kind, so that the day adds exactly
    rate / (length of its year). A day belongs to the year it ends in: 31 December counts in
    the next year, as Fineract's progressive calculator splits a period at 31 December."""
    if year_days != ACTUAL_YEAR_DAYS:
        return 1
    ends_in = (day + timedelta(days=1)).year
    return ACTUAL_YEARS // DaysInYear.ACTUAL.days(ends_in)
