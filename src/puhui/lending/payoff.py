"""Payoff (early settlement) quote for a loan on a date. Pure: schedule + what was paid.

What the borrower owes to close the loan on `on`:
- all principal not yet paid;
- the interest of every installment due on or before `on`, plus the current period's
  interest pro rata to the days elapsed (for daily-interest schedules that equals daily
  interest on the period's opening balance, Fineract's "till pre-close date" strategy);
- the fees of installments already due;
- less what was already paid of each, never below zero;
- plus the product's early-repayment fee on the outstanding principal when `on` is before
  the final due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.products import FeeRule
from puhui.lending.schedule import Schedule


@dataclass(frozen=True, slots=True)
class Paid:
    """Totals already paid on the loan, in minor units."""

    principal: int = 0
    interest: int = 0
    fee: int = 0


@dataclass(frozen=True, slots=True)
class PayoffQuote:
    on: date
    principal: int
    interest: int
    fee: int
    early_repayment_fee: int

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee + self.early_repayment_fee


def payoff_quote(
    schedule: Schedule, on: date, paid: Paid = Paid(), early_fee: FeeRule | None = None
) -> PayoffQuote:
    """The amount that settles `schedule` in full on `on` (minor units by component)."""
    if on < schedule.terms.disbursed:
        raise ValidationError("payoff date is before disbursement", field="on")
    for name in ("principal", "interest", "fee"):
        if getattr(paid, name) < 0:
            raise ValidationError(f"paid {name} must not be negative", field=f"paid.{name}")
    principal = schedule.total_principal - paid.principal
    if principal < 0:
        raise ValidationError("paid principal exceeds the loan", field="paid.principal")
    interest_due = 0
    fee_due = 0
    mode = schedule.terms.rounding.decimal_mode
    for row in schedule.installments:
        if row.due_date <= on:
            interest_due += row.interest
            fee_due += row.fee
        elif row.from_date < on:
            elapsed = Decimal((on - row.from_date).days) / Decimal(row.days)
            interest_due += int((row.interest * elapsed).quantize(Decimal(1), rounding=mode))
    early = 0
    if early_fee is not None and principal > 0 and on < schedule.installments[-1].due_date:
        amount = early_fee.amount(Decimal(principal).scaleb(-schedule.digits))
        early = int(amount.scaleb(schedule.digits).quantize(Decimal(1), rounding=mode))
    return PayoffQuote(
        on=on,
        principal=principal,
        interest=max(interest_due - paid.interest, 0),
        fee=max(fee_due - paid.fee, 0),
        early_repayment_fee=early,
    )
