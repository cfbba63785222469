"""Allocate a payment across what is owed, in a product's order. Pure, over plain data.

What is owed is a list of `Due` items: an installment number, a bucket (past-due, due,
in-advance, as of the business date), a component (penalty, fee, interest, principal) and an
amount in minor units. `allocate` walks the product's order of (bucket, component) pairs —
installments oldest first within a pair — and returns the allocations plus any excess
(an overpayment, or a prepayment the caller applies to future principal).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from puhui.errors import ValidationError


class Bucket(enum.StrEnum):
    PAST_DUE = "past-due"
    DUE = "due"
    IN_ADVANCE = "in-advance"


class Component(enum.StrEnum):
    PENALTY = "penalty"
    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


#: Penalties, fees, interest, principal; past due before due before in advance.
DEFAULT_ORDER: tuple[tuple[Bucket, Component], ...] = tuple(
    (bucket, component) for bucket in Bucket for component in Component
)


@dataclass(frozen=True, slots=True)
class Due:
    installment: int
    bucket: Bucket
    component: Component
    amount: int


@dataclass(frozen=True, slots=True)
class Allocation:
    installment: int
    bucket: Bucket
    component: Component
    amount: int


@dataclass(frozen=True, slots=True)
class AllocationResult:
    allocations: tuple[Allocation, ...]
    excess: int

    def total(self, component: Component) -> int:
        return sum(a.amount for a in self.allocations if a.component is component)


def bucket_of(due_date_ordinal: int, business_date_ordinal: int) -> Bucket:
    """Past due before the business date, due on it, in advance after it."""
    if due_date_ordinal < business_date_ordinal:
        return Bucket.PAST_DUE
    if due_date_ordinal == business_date_ordinal:
        return Bucket.DUE
    return Bucket.IN_ADVANCE


def allocate(
    payment: int,
    dues: Sequence[Due],
    order: Sequence[tuple[Bucket, Component]] = DEFAULT_ORDER,
) -> AllocationResult:
    """Split `payment` (minor units) over `dues` in `order`; the rest is `excess`."""
    if isinstance(payment, bool) or not isinstance(payment, int) or payment < 0:
        raise ValidationError(
            "payment must be a non-negative integer of minor units", field="payment"
        )
    if any(d.amount < 0 for d in dues):
        raise ValidationError("a due amount is negative", field="dues")
    covered = set(order)
    if any((d.bucket, d.component) not in covered for d in dues):
        raise ValidationError("the order does not cover every bucket:component owed", field="order")
    left = payment
    out: list[Allocation] = []
    for bucket, component in order:
        for due in sorted(
            (d for d in dues if d.bucket is bucket and d.component is component),
            key=lambda d: d.installment,
        ):
            if left == 0:
                break
            take = min(left, due.amount)
            if take:
                out.append(Allocation(due.installment, bucket, component, take))
                left -= take
    return AllocationResult(tuple(out), left)
