"""Fineract's cumulative schedule generator, reproduced to the cent (no interest recalculation).

Follows `AbstractCumulativeLoanScheduleGenerator` with `LoanApplicationTerms`:
- equal installments: EMI = double-precision PMT on the *repayment-period* rate, where a daily
  interest period uses a 30-day month and `annual / 365` even in leap years (days-in-year
  `actual` counts as 365); the EMI is computed once, optionally rounded to multiples;
- interest each period on the outstanding balance at the period rate (daily: actual days);
- equal principal: principal / (installments - principal grace), rounded once;
- flat: total interest = principal x annual/periods-per-year x term, spread evenly;
- grace on principal (no principal), on interest payment (interest deferred to the first
  period after), interest-free periods (no interest charged);
- the last installment absorbs every rounding residual.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from puhui.errors import ValidationError
from puhui.lending.arith import Arith, java_double, pmt
from puhui.lending.dates import add_months, add_period, due_dates, months_between
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

_PERIODS_PER_YEAR = {Frequency.DAYS: 365, Frequency.WEEKS: 52, Frequency.MONTHS: 12}
_HUNDRED = Decimal("100.0")
_THIRTY = Decimal(30)


class _Cumulative:
    def __init__(self, terms: LoanTerms, *, direct: bool = True) -> None:
        self.t = terms
        self.direct = direct  # False: the general path even without grace (tests compare)
        self.a = Arith(terms.scale, terms.rounding)
        self.n = terms.installments
        self.principal = terms.principal
        self.principal_grace = set(range(1, terms.grace_principal + 1))
        self.interest_grace = set(range(1, terms.grace_interest + 1))
        self.emi: Decimal | None = None
        self.fixed_principal: Decimal | None = None
        self.per_year = Decimal(self.periods_in_year())
        # The daily (or per-unit) rate, rounded as Fineract rounds it, is the same every period.
        self.unit_rate = self.a.div(self.a.div(terms.nominal_rate.percent, self.per_year), _HUNDRED)

    # -- rates ---------------------------------------------------------------------------
    def periods_in_year(self) -> int:
        t = self.t
        if t.interest_period is InterestPeriod.DAILY:
            return 365 if t.days_in_year is DaysInYear.ACTUAL else t.days_in_year.days()
        if t.frequency is Frequency.DAYS and t.days_in_year is not DaysInYear.ACTUAL:
            return t.days_in_year.days()
        return _PERIODS_PER_YEAR[t.frequency]

    def periodic_rate(self, start: date, end: date, for_pmt: bool = False) -> Decimal:
        t, a = self.t, self.a
        if t.interest_period is InterestPeriod.SAME_AS_REPAYMENT:
            return self.unit_rate * Decimal(t.every)
        if t.frequency is Frequency.MONTHS and (for_pmt or t.days_in_month is DaysInMonth.D30):
            frequency = Decimal(t.every) if for_pmt else periods_between(t.frequency, start, end)
            return a.mul(self.unit_rate, a.mul(frequency, _THIRTY))
        return a.mul(self.unit_rate, Decimal((end - start).days))

    # -- components ----------------------------------------------------------------------
    def pmt_amount(self, balance: Decimal) -> Decimal:
        if self.emi is None:
            t = self.t
            start = t.disbursed.replace(day=1)
            rate = self.periodic_rate(start, add_period(start, t.frequency, t.every), True)
            remaining = self.n - len(self.principal_grace)
            raw = java_double(pmt(float(rate), float(remaining), float(-balance)))
            if t.installment_multiple is not None:
                raw = self.a.to_multiple(raw, t.installment_multiple)
            self.emi = self.a.money(raw)
        return self.emi

    def equal_principal(self, k: int) -> Decimal:
        if self.fixed_principal is None:
            periods = self.n - len(self.principal_grace)
            self.fixed_principal = self.a.money_over(self.principal, periods)
        return Decimal(0) if k in self.principal_grace else self.fixed_principal

    def flat_total_interest(self, dates: list[date]) -> Decimal:
        t, a = self.t, self.a
        if t.interest_period is InterestPeriod.DAILY:
            term = Decimal((dates[-1] - t.disbursed).days)
        else:
            term = Decimal(self.n * t.every)
        rate = (
            a.div(a.div(t.nominal_rate.percent, Decimal(self.periods_in_year())), _HUNDRED) * term
        )
        return a.money_times(self.principal, rate)

    def flat_principal(self, k: int, interest: Decimal) -> Decimal:
        a, t = self.a, self.t
        per = a.money_over(self.principal, self.n - len(self.principal_grace))
        if k in self.principal_grace:
            per = Decimal(0)
        if t.installment_multiple is not None and k not in self.principal_grace:
            # Round the installment (principal + interest) to the multiple. Fineract also
            # does this in principal-grace periods and when the installment is smaller than
            # the multiple, which yields a negative principal; we leave those periods alone.
            rounded = a.money(a.to_multiple(per, t.installment_multiple))
            rounded_interest = a.money(a.to_multiple(interest, t.installment_multiple))
            adjusted = rounded + rounded_interest - interest
            if adjusted >= 0:
                per = adjusted
        return per

    def last_adjusted(self, principal: Decimal, cumulative: Decimal, k: int) -> Decimal:
        remaining = self.principal - (cumulative + principal)
        if remaining < 0:
            return principal + remaining
        if k == self.n:
            return principal + remaining
        return principal

    # -- the loop ------------------------------------------------------------------------
    def installments(self) -> list[Installment]:
        t, a = self.t, self.a
        dates = due_dates(t.disbursed, t.frequency, t.every, self.n, t.first_due, t.due_day)
        flat = t.interest_method is InterestMethod.FLAT
        fee = a.money(t.installment_fee)
        total_interest = Decimal(0)
        flat_per = Decimal(0)
        if flat:
            total_interest = self.flat_total_interest(dates)
            flat_per = a.money_over(total_interest, self.n)
            total_interest = total_interest - a.money(flat_per * t.interest_free)
        balance = self.principal
        cum_principal = Decimal(0)
        cum_interest = Decimal(0)
        deferred = Decimal(0)
        start = t.disbursed
        rows: list[Installment] = []
        # No grace and no interest-free period (the usual loan): each period's interest is
        # charged and paid in it, so the general path's deferral bookkeeping is skipped.
        plain = self.direct and not (
            flat or self.principal_grace or self.interest_grace or t.interest_free
        )
        level = t.amortization is Amortization.EQUAL_INSTALLMENTS
        emi = self.pmt_amount(self.principal) if plain and level else Decimal(0)
        money, multiply = a.money, a.ctx.multiply
        fee_minor = to_minor(fee, t.scale)
        for k, due in enumerate(dates, start=1):
            if plain:
                interest = money(multiply(balance, self.periodic_rate(start, due)))
                if not level:
                    principal = self.equal_principal(k)
                elif emi < interest:
                    raise self.emi_too_small(emi, interest, k)
                else:
                    principal = emi - interest
                principal = self.last_adjusted(principal, cum_principal, k)
                balance -= principal
                cum_principal += principal
                rows.append(self.row(k, start, due, principal, interest, fee_minor, balance))
                start = due
                if balance == 0:
                    break
                continue
            if flat:
                interest, deferred = self.flat_interest(k, total_interest, flat_per, deferred)
                principal = self.flat_principal(k, interest)
                principal = self.last_adjusted(principal, cum_principal, k)
                interest = self.flat_last_interest(interest, cum_interest, total_interest, k)
            else:
                interest, for_principal, deferred = self.declining_interest(
                    k, balance, start, due, deferred
                )
                if t.amortization is Amortization.EQUAL_PRINCIPAL:
                    principal = self.equal_principal(k)
                else:
                    emi = self.pmt_amount(self.principal)
                    if emi < for_principal and k not in self.principal_grace:
                        raise self.emi_too_small(emi, for_principal, k)
                    principal = emi - for_principal
                    if k in self.principal_grace:
                        principal = Decimal(0)
                principal = self.last_adjusted(principal, cum_principal, k)
            balance -= principal
            cum_principal += principal
            cum_interest += interest
            rows.append(self.row(k, start, due, principal, interest, fee_minor, balance))
            start = due
            if balance == 0:
                break
        if deferred > 0 and rows:
            last = rows[-1]
            extra = to_minor(deferred, t.scale)
            rows[-1] = Installment(
                last.n, last.from_date, last.due_date, last.principal,
                last.interest + extra, last.fee, last.balance,
            )  # fmt: skip
        return rows

    def emi_too_small(self, emi: Decimal, interest: Decimal, k: int) -> ValidationError:
        """Fineract refuses this too ("EMI amount must be greater than ...")."""
        return ValidationError(
            f"installment {emi} does not cover interest {interest} in period {k}",
            field="installment_multiple" if self.t.installment_multiple else "nominal_rate",
        )

    def declining_interest(
        self, k: int, balance: Decimal, start: date, due: date, deferred: Decimal
    ) -> tuple[Decimal, Decimal, Decimal]:
        """(interest in the installment, interest that reduces the EMI's principal, deferred)."""
        before = self.a.money_times(balance, self.periodic_rate(start, due))
        interest_free = k <= self.t.interest_free
        after = Decimal(0) if (k in self.interest_grace or interest_free) else before
        if after > 0:
            return deferred + after, after, Decimal(0)
        if interest_free:
            return Decimal(0), Decimal(0), deferred
        return Decimal(0), before, deferred + before

    def flat_interest(
        self, k: int, total: Decimal, per: Decimal, deferred: Decimal
    ) -> tuple[Decimal, Decimal]:
        t, a = self.t, self.a
        if t.amortization is Amortization.EQUAL_PRINCIPAL:
            if k in self.interest_grace:
                return Decimal(0), deferred + per
            if k <= t.interest_free:
                return Decimal(0), deferred
            if k == t.grace_interest + 1:
                return deferred + per, Decimal(0)
            return per, deferred
        if k in self.interest_grace or k <= t.interest_free:
            return Decimal(0), deferred
        periods = self.n - len(self.interest_grace) - t.interest_free
        return a.money_over(total, periods), deferred

    def flat_last_interest(
        self, interest: Decimal, cumulative: Decimal, total: Decimal, k: int
    ) -> Decimal:
        remaining = total - (cumulative + interest)
        if remaining < 0 or k == self.n:
            interest = interest + remaining
        return interest

    def row(
        self, k: int, start: date, due: date, principal: Decimal, interest: Decimal,
        fee_minor: int, balance: Decimal,
    ) -> Installment:  # fmt: skip
        s = self.t.scale
        return Installment(
            k, start, due, to_minor(principal, s), to_minor(interest, s), fee_minor,
            to_minor(balance, s),
        )  # fmt: skip


@lru_cache(maxsize=65536)
def periods_between(frequency: Frequency, start: date, end: date) -> Decimal:
    """LoanApplicationTerms.calculatePeriodsBetweenDates (without a meeting calendar).

    Cached: loans disbursed on the same day share their due dates, so their period lengths.
    """
    if frequency is Frequency.DAYS:
        return java_double(float((end - start).days))
    if frequency is Frequency.WEEKS:
        weeks = (end - start).days // 7
        left = (end - add_period(start, Frequency.WEEKS, weeks)).days
        return Decimal(weeks) + java_double(left / 7)
    months = months_between(start, end)
    after = add_months(start, months)
    following = add_months(start, months + 1)
    left = (end - after).days
    return Decimal(months) + java_double(left / (following - after).days)


def cumulative_installments(terms: LoanTerms) -> list[Installment]:
    """Installments of a cumulative (Fineract LP1-style) schedule."""
    if (
        terms.interest_method is InterestMethod.FLAT
        and terms.grace_interest
        and terms.interest_free
    ):
        raise ValidationError(
            "flat interest supports grace on interest or an interest-free period, not both",
            field="grace_interest",
        )
    return _Cumulative(terms).installments()
