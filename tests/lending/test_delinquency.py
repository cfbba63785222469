"""Days past due and delinquency buckets: the rules COB applies."""

from __future__ import annotations

from datetime import date

import pytest

from puhui.lending.delinquency import days_past_due, is_write_off_due
from puhui.lending.products import default_product


@pytest.mark.parametrize(
    ("due", "today", "grace", "dpd"),
    [
        (None, date(2024, 1, 1), 3, 0),
        (date(2024, 1, 1), date(2024, 1, 1), 3, 0),
        (date(2024, 1, 1), date(2024, 1, 4), 3, 0),
        (date(2024, 1, 1), date(2024, 1, 5), 3, 4),
        (date(2024, 1, 1), date(2024, 1, 2), 0, 1),
    ],
)
def test_days_past_due(due: date | None, today: date, grace: int, dpd: int) -> None:
    assert days_past_due(due, today, grace) == dpd


def test_write_off_threshold_and_buckets() -> None:
    p = default_product()
    dpd = days_past_due(date(2024, 1, 1), date(2024, 6, 29), p.overdue.grace_days)
    assert dpd == 180
    assert p.delinquency.bucket_for(dpd) == "M6"
    assert is_write_off_due(dpd, p.delinquency.write_off_dpd)
