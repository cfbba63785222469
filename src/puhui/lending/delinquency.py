"""Days past due and delinquency buckets: the pure rules COB applies each business day.

A missed installment is overdue once the product's grace days have passed; from then its
days past due (DPD) count from the due date itself (宽限期内不算逾期; 过了宽限期从到期日起算).
The loan's DPD is that of its oldest unpaid installment. Buckets come from the product
(`DelinquencyRules.bucket_for`), M0 meaning current.
"""

from __future__ import annotations

from datetime import date

from puhui.errors import ValidationError


def days_past_due(oldest_unpaid_due: date | None, business_date: date, grace_days: int = 0) -> int:
    """DPD of a loan whose oldest unpaid installment fell due on `oldest_unpaid_due`."""
    if grace_days < 0:
        raise ValidationError("grace_days must not be negative", field="grace_days")
    if oldest_unpaid_due is None:
        return 0
    late = (business_date - oldest_unpaid_due).days
    return late if late > grace_days else 0


def is_write_off_due(dpd: int, write_off_dpd: int) -> bool:
    """Whether the loan has reached the product's write-off threshold."""
    return dpd >= write_off_dpd
