"""Fineract's progressive EMI calculator, reproduced to the cent for a plain schedule.

Follows `ProgressiveEMICalculator`: each period has a rate factor `1 + periodic rate`
(see `periodic_rate`);
EMI = balance x prod(rate factors) / fn, where fn folds `1 + fn x rf` over the later periods;
interest = balance x (rf - 1); the last installment takes the remaining balance. Because
rounding leaves the last installment off the EMI, the EMI is re-tried once, moved by the
difference spread over the periods, and kept only if that brings the last installment closer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.arith import Arith
from puhui.lending.dates import add_period, due_dates
from puhui.lending.schedule import Installment, to_minor
from puhui.lending.terms import (
    Amortization,
    DaysInMonth,
    DaysInYear,
    Frequency,
    InterestMethod,
    InterestPeriod,
    LoanTerms,
)

_ONE = Decimal(1)
_RATE_SCALE = Decimal("1e-12")


def periodic_rate(terms: LoanTerms, start: date, end: date, a: Arith) -> Decimal:
    """The period's rate (rate factor - 1), to 12 decimal places as Fineract keeps it.

    As Fineract's current calculator: same-as-repayment months/weeks use every/12 and
    every/52; an actual-days-in-year period that crosses a year end sums days/year-length per
    calendar year (the first part ending on 31 Dec); days-in-month `actual` uses the period's
    actual days over the year's days; days-in-month 30 uses 30 (7, 1) x the period's length in
    units (`period_ratio`, = every for a regular period) over the year.
    """
    rate = a.div(terms.nominal_rate.percent, Decimal(100))
    every = Decimal(terms.every)
    actual = Decimal((end - start).days)
    value: Decimal | None = None
    if terms.interest_period is InterestPeriod.SAME_AS_REPAYMENT:
        per_year = {Frequency.MONTHS: 12, Frequency.WEEKS: 52}.get(terms.frequency)
        if per_year is not None:
            fraction = a.div(every, Decimal(per_year))
            value = a.div(a.mul(a.mul(rate, fraction), actual), actual)
    if value is None and terms.days_in_year is DaysInYear.ACTUAL and end.year > start.year:
        fractions = Decimal(0)
        cursor = start
        for year in range(start.year, end.year + 1):
            stop = end if year == end.year else date(year, 12, 31)
            days = Decimal((stop - cursor).days)
            fractions = a.add(fractions, a.div(days, Decimal(DaysInYear.ACTUAL.days(year))))
            cursor = stop
        value = a.mul(rate, fractions)
    if value is None:
        days_in_year = Decimal(terms.days_in_year.days(start.year))
        if terms.days_in_month is DaysInMonth.ACTUAL:
            value = a.mul(rate, a.div(actual, days_in_year))
        else:
            unit = {Frequency.MONTHS: Decimal(30), Frequency.WEEKS: Decimal(7)}
            ratio = period_ratio(start, end, terms.frequency, a)
            fraction = a.div(a.mul(unit.get(terms.frequency, _ONE), ratio), days_in_year)
            value = a.div(a.mul(a.mul(rate, fraction), actual), actual)
    return value.quantize(_RATE_SCALE, rounding=a.mode)


def period_ratio(start: date, end: date, frequency: Frequency, a: Arith) -> Decimal:
    """How many frequency units the period spans: whole units counted from `start`, plus the
    remaining days over the days of the next unit (Fineract's calculatePeriodRatio). For a
    regular period this is `every`; an odd first period gets its true length (e.g. 1.48)."""
    whole = 0
    while add_period(start, frequency, whole + 1) <= end:
        whole += 1
    reached = add_period(start, frequency, whole)
    if reached == end:
        return Decimal(whole)
    following = add_period(start, frequency, whole + 1)
    left = a.div(Decimal((end - reached).days), Decimal((following - reached).days))
    return a.add(left, Decimal(whole))


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


def emi_for(terms: LoanTerms, rates: list[Decimal], a: Arith) -> Decimal:
    """The equal installment for the periods' `rates`, after Fineract's streamlining re-try."""
    factors = [a.add(_ONE, r) for r in rates]
    product = _ONE
    for factor in factors:
        product = a.mul(product, factor)
    fn = _ONE
    for factor in factors[1:]:
        fn = a.add(_ONE, a.mul(fn, factor))
    emi = a.money(a.div(a.mul(product, terms.principal), fn))
    if terms.installment_multiple is not None:
        emi = a.money(a.to_multiple(emi, terms.installment_multiple))
    minus_one = rates
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


def _flat(terms: LoanTerms, rates: list[Decimal], a: Arith) -> list[tuple[Decimal, Decimal]]:
    """Progressive flat interest (calculateEMIOnActualModelWithFlatInterestMethod): each
    period's interest on the whole principal; EMI = (principal + all interest) / n, in
    multiples if set; the last installment takes the remainder."""
    interests = [a.money_times(terms.principal, r) for r in rates]
    total = terms.principal + sum(interests, Decimal(0))
    emi = a.money_over(total, len(rates))
    if terms.installment_multiple is not None:
        emi = a.money(a.to_multiple(emi, terms.installment_multiple))
    last = total - emi * (len(rates) - 1)
    payments = [emi] * (len(rates) - 1) + [last]
    return [(pay - interest, interest) for pay, interest in zip(payments, interests, strict=True)]


def progressive_installments(terms: LoanTerms) -> list[Installment]:
    """Installments of a progressive (Fineract LP2-style) schedule without transactions."""
    for name in ("grace_principal", "grace_interest", "interest_free"):
        if getattr(terms, name):
            raise ValidationError(f"the progressive engine does not support {name}", field=name)
    if terms.amortization is not Amortization.EQUAL_INSTALLMENTS:
        raise ValidationError(
            "the progressive engine amortizes in equal installments", field="amortization"
        )
    a = Arith(terms.scale, terms.rounding)
    dates = due_dates(
        terms.disbursed,
        terms.frequency,
        terms.every,
        terms.installments,
        terms.first_due,
        terms.due_day,
    )
    starts = [terms.disbursed, *dates[:-1]]
    minus_one = [periodic_rate(terms, s, e, a) for s, e in zip(starts, dates, strict=True)]
    if terms.interest_method is InterestMethod.FLAT:
        parts = _flat(terms, minus_one, a)
        emi = parts[0][0] + parts[0][1]
    else:
        emi = emi_for(terms, minus_one, a)
        parts = _model(terms.principal, emi, minus_one, a)
    fee = a.money(terms.installment_fee)
    balance = terms.principal
    s = terms.scale
    rows: list[Installment] = []
    for k, (principal, interest) in enumerate(parts, start=1):
        if principal < 0:
            field = "first_due" if k == 1 and terms.first_due is not None else "nominal_rate"
            raise ValidationError(
                f"installment {emi} does not cover interest {interest} in period {k}", field=field
            )
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
