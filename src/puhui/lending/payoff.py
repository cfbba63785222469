"""Payoff (early settlement) quote: what closes a loan on a date, by component. Pure.

A booked loan's position (`Owed`: what it owes on the business date and how that grows) is
projected day by day to the payoff date the way close of business accrues it: interest on the
principal outstanding until maturity, penalty interest on the overdue principal, both exactly
(the numerators carried, the quotient taken), plus the fees of installments that fall due on
or before the payoff date, plus the product's early-repayment fee when the payoff comes before
the last due date. The projection assumes nothing is paid in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.products import FeeRule
from puhui.money import Rounding

#: Rates are stored as integer parts per million of a year (ppm); an accrual day adds
#: `principal x rate_ppm` to a numerator whose unit is 1 / (PPM x days-in-year) minor units.
PPM = 1_000_000


@dataclass(frozen=True, slots=True)
class Owed:
    """What a loan owes on the business date (minor units) and how it accrues from there."""

    principal: int
    principal_overdue: int
    interest: int
    fee: int
    penalty: int
    interest_remainder: int
    penalty_remainder: int
    rate_ppm: int
    penalty_rate_ppm: int
    divisor_days: int
    accrues_from: date
    accrues_until: date
    final_due: date
    #: Installment fees not yet billed, by due date.
    upcoming_fees: tuple[tuple[date, int], ...] = ()

    @property
    def divisor(self) -> int:
        return PPM * self.divisor_days


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    on: date
    principal: int
    interest: int
    fee: int
    penalty: int
    early_repayment_fee: int

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee + self.penalty + self.early_repayment_fee


def early_repayment_fee(
    principal: int, on: date, final_due: date, rule: FeeRule | None, digits: int, rounding: Rounding
) -> int:
    """The product's fee for settling `principal` (minor units) before the last due date."""
    if rule is None or principal <= 0 or on >= final_due:
        return 0
    amount = rule.amount(Decimal(principal).scaleb(-digits))
    return int(amount.scaleb(digits).quantize(Decimal(1), rounding=rounding.decimal_mode))


def payoff_quote(
    owed: Owed,
    today: date,
    on: date,
    *,
    early_fee: FeeRule | None = None,
    digits: int = 2,
    rounding: Rounding = Rounding.HALF_EVEN,
) -> PayoffQuote:
    """What settles the loan in full on `on` (the business date `today` or later)."""
    if not isinstance(on, date) or on < today:
        raise ValidationError(f"a payoff quote is for {today} or later", field="on")
    interest_num, penalty_num = owed.interest_remainder, owed.penalty_remainder
    start, end = owed.accrues_from.toordinal(), owed.accrues_until.toordinal()
    for day in range(today.toordinal(), on.toordinal()):
        if start <= day < end:
            interest_num += owed.principal * owed.rate_ppm
        penalty_num += owed.principal_overdue * owed.penalty_rate_ppm
    fees = sum(fee for due, fee in owed.upcoming_fees if due <= on)
    return PayoffQuote(
        on=on,
        principal=owed.principal,
        interest=owed.interest + interest_num // owed.divisor,
        fee=owed.fee + fees,
        penalty=owed.penalty + penalty_num // owed.divisor,
        early_repayment_fee=early_repayment_fee(
            owed.principal, on, owed.final_due, early_fee, digits, rounding
        ),
    )
