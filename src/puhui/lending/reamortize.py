"""Re-amortize after a prepayment: the same due dates, a smaller installment. Pure.

A borrower who prepays part of the principal keeps the remaining due dates; the outstanding
principal is spread again over them with the loan's own engine and rules. (The other choice,
keeping the installment and shortening the term, is `generate_schedule` with fewer
installments.) Grace periods already served are not granted again.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from puhui.errors import ValidationError
from puhui.lending.schedule import Schedule, generate_schedule


def reamortized(schedule: Schedule, paid_through: int, outstanding: int) -> Schedule:
    """The schedule of `outstanding` principal (minor units) over the installments after
    number `paid_through` (0 = from disbursement), on the same due dates. Installment
    numbers restart at 1."""
    rows = schedule.installments
    if not 0 <= paid_through < len(rows):
        raise ValidationError(
            f"paid_through must be between 0 and {len(rows) - 1}", field="paid_through"
        )
    if not 0 < outstanding <= schedule.principal:
        raise ValidationError(
            "outstanding must be positive and at most the original principal",
            field="outstanding",
        )
    t = schedule.terms
    start = t.disbursed if paid_through == 0 else rows[paid_through - 1].due_date
    terms = replace(
        t,
        principal=Decimal(outstanding).scaleb(-schedule.digits),
        installments=len(rows) - paid_through,
        disbursed=start,
        first_due=rows[paid_through].due_date,
        due_day=t.due_day or (t.first_due or t.disbursed).day,
        grace_principal=max(t.grace_principal - paid_through, 0),
        grace_interest=max(t.grace_interest - paid_through, 0),
        interest_free=max(t.interest_free - paid_through, 0),
        upfront_fee=Decimal(0),
    )
    return generate_schedule(terms)
