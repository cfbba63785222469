"""Fineract's progressive EMI calculator, reproduced to the cent for a plain schedule.

Follows `ProgressiveEMICalculator`: each period has a rate factor
`1 + rate x (days-in-month x every / days-in-year) x actual/calculated days` (weeks use 7,
days use 1; an actual/actual period that crosses a year end sums days/year-length per year);
EMI = balance x prod(rate factors) / fn, where fn folds `1 + fn x rf` over the later periods;
interest = balance x (rf - 1); the last installment takes the remaining balance. Because
rounding leaves the last installment off the EMI, the EMI is re-tried once, moved by the
difference spread over the periods, and kept only if that brings the last installment closer.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.arith import Arith
from puhui.lending.dates import due_dates
from puhui.lending.schedule import Installment, to_minor
from puhui.lending.terms import DaysInMonth, DaysInYear, Frequency, LoanTerms

_ONE = Decimal(1)


def rate_factor(terms: LoanTerms, start: date, end: date, a: Arith) -> Decimal:
    """The period's rate factor (1 + periodic rate), at Fineract's 12-digit precision."""
    rate = a.div(terms.annual_rate, Decimal(100))
    every = Decimal(terms.every)
    actual = Decimal((end - start).days)
    if terms.days_in_year is DaysInYear.ACTUAL and end.year > start.year:
        fractions = Decimal(0)
        cursor = start
        for year in range(start.year, end.year + 1):
            stop = end if year == end.year else date(year, 12, 31)
            days = Decimal((stop - cursor).days)
            fractions = a.add(fractions, a.div(days, Decimal(DaysInYear.ACTUAL.days(year))))
            cursor = stop
        return a.add(_ONE, a.mul(rate, every * fractions))
    days_in_year = Decimal(terms.days_in_year.days(start.year))
    if terms.frequency is Frequency.MONTHS:
        if terms.days_in_month is DaysInMonth.D30:
            unit = Decimal(30)
        else:
            unit = Decimal(calendar.monthrange(start.year, start.month)[1])
    elif terms.frequency is Frequency.WEEKS:
        unit = Decimal(7)
    else:
        unit = _ONE
    fraction = a.div(a.mul(unit, every), days_in_year)
    return a.add(_ONE, a.div(a.mul(a.mul(rate, fraction), actual), actual))


def _model(
    balance: Decimal, emi: Decimal, minus_one: list[Decimal], a: Arith
) -> list[tuple[Decimal, Decimal]]:
    """(principal, interest) per period for a given EMI; the last period clears the balance."""
    rows: list[tuple[Decimal, Decimal]] = []
    last = len(minus_one) - 1
    for i, factor in enumerate(minus_one):
        interest = a.money_times(balance, factor)
        payment = emi
        if balance < emi - interest or i == last:
            payment = balance + interest
        principal = payment - interest
        rows.append((principal, interest))
        balance -= principal
        if balance == 0:
            break
    return rows


def emi_for(terms: LoanTerms, factors: list[Decimal], a: Arith) -> Decimal:
    """The equal installment for `factors`, after Fineract's one streamlining re-try."""
    product = _ONE
    for factor in factors:
        product = a.mul(product, factor)
    fn = _ONE
    for factor in factors[1:]:
        fn = a.add(_ONE, a.mul(fn, factor))
    emi = a.money(a.div(a.mul(product, terms.principal), fn))
    if terms.installment_multiple is not None:
        emi = a.money(a.to_multiple(emi, terms.installment_multiple))
    minus_one = [a.sub(f, _ONE) for f in factors]
    periods = len(factors)
    if periods < 2:
        return emi
    rows = _model(terms.principal, emi, minus_one, a)
    difference = sum(rows[-1]) - emi
    half = periods // 2
    if difference == 0 or half == 0 or abs(difference) * 100 <= half:
        return emi
    adjusted = emi + a.money(difference / periods)
    rows = _model(terms.principal, adjusted, minus_one, a)
    return adjusted if abs(sum(rows[-1]) - adjusted) < abs(difference) else emi


def progressive_installments(terms: LoanTerms) -> list[Installment]:
    """Installments of a progressive (Fineract LP2-style) schedule without transactions."""
    for name in ("grace_principal", "grace_interest", "interest_free"):
        if getattr(terms, name):
            raise ValidationError(f"the progressive engine does not support {name}", field=name)
    a = Arith(terms.scale, terms.rounding)
    dates = due_dates(
        terms.disbursed, terms.frequency, terms.every, terms.installments, terms.first_due
    )
    starts = [terms.disbursed, *dates[:-1]]
    factors = [rate_factor(terms, s, e, a) for s, e in zip(starts, dates, strict=True)]
    emi = emi_for(terms, factors, a)
    minus_one = [a.sub(f, _ONE) for f in factors]
    fee = a.money(terms.installment_fee)
    balance = terms.principal
    s = terms.scale
    rows: list[Installment] = []
    for k, (principal, interest) in enumerate(_model(balance, emi, minus_one, a), start=1):
        balance -= principal
        rows.append(
            Installment(
                n=k,
                from_date=starts[k - 1],
                due_date=dates[k - 1],
                principal=to_minor(principal, s),
                interest=to_minor(interest, s),
                fee=to_minor(fee, s),
                balance=to_minor(balance, s),
            )
        )
    return rows
