"""Repayment schedules: the data (Installment, Schedule) and `generate_schedule`.

Amounts are integer minor units of `Schedule.currency`; `Schedule.format(x)` shows them as
decimal strings. The arithmetic lives in `cumulative.py` (Fineract's cumulative generator)
and `progressive.py` (Fineract's progressive EMI calculator).
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.terms import LoanTerms, ScheduleEngine
from puhui.money import Money, exponent


@dataclass(frozen=True, slots=True)
class Installment:
    """One repayment period. `balance` is the principal outstanding after this installment."""

    n: int
    from_date: date
    due_date: date
    principal: int
    interest: int
    fee: int
    balance: int

    @property
    def days(self) -> int:
        return (self.due_date - self.from_date).days

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee


@dataclass(frozen=True, slots=True)
class Schedule:
    """A whole repayment schedule with its terms; totals are sums of the installments."""

    terms: LoanTerms
    installments: tuple[Installment, ...]

    @property
    def currency(self) -> str:
        return self.terms.currency

    @property
    def digits(self) -> int:
        return self.terms.scale

    @property
    def principal(self) -> int:
        return to_minor(self.terms.principal, self.digits)

    @property
    def upfront_fee(self) -> int:
        return to_minor(self.terms.upfront_fee, self.digits)

    @property
    def total_principal(self) -> int:
        return sum(i.principal for i in self.installments)

    @property
    def total_interest(self) -> int:
        return sum(i.interest for i in self.installments)

    @property
    def total_fee(self) -> int:
        return sum(i.fee for i in self.installments)

    @property
    def total(self) -> int:
        return sum(i.total for i in self.installments)

    def format(self, minor: int) -> str:
        """Minor units as a plain decimal string with this schedule's digits."""
        return format_minor(minor, self.digits)

    def money(self, minor: int) -> Money:
        """Minor units as Money in this schedule's currency (when digits are the currency's)."""
        if self.digits != exponent(self.currency):
            raise ValidationError(
                f"schedule has {self.digits} digits, {self.currency} has {exponent(self.currency)}",
                field="digits",
            )
        return Money(minor, self.currency)

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON: amounts as decimal strings, dates as ISO strings."""
        f = self.format
        return {
            "currency": self.currency,
            "installments": [
                {
                    "n": i.n,
                    "from_date": i.from_date.isoformat(),
                    "due_date": i.due_date.isoformat(),
                    "days": i.days,
                    "principal": f(i.principal),
                    "interest": f(i.interest),
                    "fee": f(i.fee),
                    "total": f(i.total),
                    "balance": f(i.balance),
                }
                for i in self.installments
            ],
            "total_principal": f(self.total_principal),
            "total_interest": f(self.total_interest),
            "total_fee": f(self.total_fee),
            "total": f(self.total),
        }


def to_minor(amount: Decimal, digits: int) -> int:
    return int(amount.scaleb(digits).to_integral_value())


def format_minor(minor: int, digits: int) -> str:
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


def generate_schedule(terms: LoanTerms) -> Schedule:
    """The repayment schedule of `terms`, to the cent as Apache Fineract computes it."""
    try:
        if terms.engine is ScheduleEngine.PROGRESSIVE:
            from puhui.lending.progressive import progressive_installments

            rows = progressive_installments(terms)
        else:
            from puhui.lending.cumulative import cumulative_installments

            rows = cumulative_installments(terms)
    except (OverflowError, decimal.InvalidOperation, decimal.Overflow):
        # Each input is in range, but together they compound past what the arithmetic holds
        # (1000% a year over 1200 months): a bad request, not a crash.
        raise ValidationError(
            f"a nominal rate of {terms.nominal_rate} over {terms.installments} installments"
            " compounds beyond any payable amount; lower the rate or the number of installments",
            field="nominal_rate",
        ) from None
    return Schedule(terms=terms, installments=tuple(rows))
