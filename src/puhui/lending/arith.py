"""Fineract's number discipline, reproduced: 12-digit contexts, Money rounding, double PMT.

Fineract runs its loan math on `BigDecimal` with `MathContext(12, <rounding>)` and rounds every
`Money` to the currency's digits; the cumulative PMT is computed on Java doubles and read back
with `BigDecimal.valueOf(double)`. Matching it to the cent means doing exactly the same here.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

from puhui.money import Rounding

#: Fineract's MoneyHelper precision (significant digits of intermediate results).
FINERACT_PRECISION = 12


class Arith:
    """The arithmetic of one loan: precision-12 context plus Money rounding to `digits`."""

    __slots__ = ("ctx", "digits", "mode", "quantum")

    def __init__(self, digits: int, rounding: Rounding) -> None:
        self.mode = rounding.decimal_mode
        self.ctx = decimal.Context(prec=FINERACT_PRECISION, rounding=self.mode)
        self.digits = digits
        self.quantum = Decimal(1).scaleb(-digits)

    def money(self, value: Decimal) -> Decimal:
        """Money.of: round to the currency's digits (exact, not limited by precision)."""
        return value.quantize(self.quantum, rounding=self.mode)

    def mul(self, a: Decimal, b: Decimal) -> Decimal:
        return self.ctx.multiply(a, b)

    def div(self, a: Decimal, b: Decimal) -> Decimal:
        return self.ctx.divide(a, b)

    def add(self, a: Decimal, b: Decimal) -> Decimal:
        return self.ctx.add(a, b)

    def sub(self, a: Decimal, b: Decimal) -> Decimal:
        return self.ctx.subtract(a, b)

    def money_times(self, amount: Decimal, factor: Decimal) -> Decimal:
        """Money.multiplyRetainScale / multipliedBy: 12-digit product, then Money rounding."""
        return self.money(self.ctx.multiply(amount, factor))

    def money_over(self, amount: Decimal, divisor: Decimal | int) -> Decimal:
        """Money.dividedBy: 12-digit quotient, then Money rounding."""
        return self.money(self.ctx.divide(amount, Decimal(divisor)))

    def to_multiple(self, value: Decimal, multiple: int) -> Decimal:
        """Money.roundToMultiplesOf: nearest multiple under the loan's rounding mode."""
        steps = (value / Decimal(multiple)).quantize(Decimal(1), rounding=self.mode)
        return steps * multiple


def java_double(value: float) -> Decimal:
    """BigDecimal.valueOf(double): the shortest decimal that reads back as the same double."""
    return Decimal(repr(value))


def pmt(rate: float, periods: float, principal: float) -> float:
    """Fineract's FinanicalFunctions.pmt on doubles (future value 0, payments in arrears)."""
    if rate == 0:
        return -1 * principal / periods
    r1 = rate + 1
    return (principal * math.pow(r1, periods)) * rate / (1 * (1 - math.pow(r1, periods)))
