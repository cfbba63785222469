"""Payoff (early settlement) quote: what closes a loan on a date, by component. Pure.

A booked loan's position (`Owed`: what it owes on the business date and how that grows) is
projected day by day to the payoff date the way close of business accrues it: contract
interest on the principal that is not overdue, until maturity; the overdue rate on the overdue
principal; both exactly (the numerators carried, the quotient taken, `interest.day_weight`);
plus the fees of installments that fall due on or before the payoff date; plus the product's
early-repayment fee on the principal that is not yet due on that date (the principal being
prepaid). The projection assumes nothing is paid and nothing new falls overdue in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.interest import accrual_divisor, day_weight
from puhui.lending.products import FeeRule
from puhui.money import Rounding


@dataclass(frozen=True, slots=True)
class Upcoming:
    """An installment not yet billed: its due date and scheduled principal and fee."""

    due: date
    principal: int
    fee: int


@dataclass(frozen=True, slots=True)
class Owed:
    """What a loan owes on the business date (minor units) and how it accrues from there.

    Rates are integer parts per million a year; `year_days` is the accrual day count (0:
    actual/actual), whose numerators have the unit 1 / `accrual_divisor(year_days)`."""

    principal: int
    principal_due: int
    principal_overdue: int
    interest: int
    fee: int
    penalty: int
    interest_remainder: int
    penalty_remainder: int
    rate_ppm: int
    penalty_rate_ppm: int
    year_days: int
    accrues_from: date
    accrues_until: date
    final_due: date
    upcoming: tuple[Upcoming, ...] = ()

    @property
    def divisor(self) -> int:
        return accrual_divisor(self.year_days)


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
    performing = owed.principal - owed.principal_overdue
    for day in range(today.toordinal(), on.toordinal()):
        weight = day_weight(owed.year_days, date.fromordinal(day))
        if start <= day < end:
            interest_num += performing * owed.rate_ppm * weight
        penalty_num += owed.principal_overdue * owed.penalty_rate_ppm * weight
    falling_due = [u for u in owed.upcoming if u.due <= on]
    not_yet_due = owed.principal - owed.principal_due - sum(u.principal for u in falling_due)
    return PayoffQuote(
        on=on,
        principal=owed.principal,
        interest=owed.interest + interest_num // owed.divisor,
        fee=owed.fee + sum(u.fee for u in falling_due),
        penalty=owed.penalty + penalty_num // owed.divisor,
        early_repayment_fee=early_repayment_fee(
            max(not_yet_due, 0), on, owed.final_due, early_fee, digits, rounding
        ),
    )


def split_prepayment(
    money: int, prepayable: int, rule: FeeRule | None, digits: int, rounding: Rounding
) -> tuple[int, int]:
    """(principal, fee) of `money` offered beyond what is due: the most principal, at most
    `prepayable`, whose early-repayment fee fits in `money` with it. What is left over is not
    prepayment (the caller keeps it as a credit balance)."""
    if money <= 0 or prepayable <= 0:
        return 0, 0

    def fee(principal: int) -> int:
        return early_repayment_fee(principal, date.min, date.max, rule, digits, rounding)

    if fee(min(money, prepayable)) + min(money, prepayable) <= money:
        return min(money, prepayable), fee(min(money, prepayable))
    low, high = 0, min(money, prepayable)  # fee(low) + low <= money < fee(high) + high
    while high - low > 1:
        middle = (low + high) // 2
        if middle + fee(middle) <= money:
            low = middle
        else:
            high = middle
    return low, fee(low)
