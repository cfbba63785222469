"""The twin's vectorised schedule against the real generator (`lending.generate_schedule`)."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.lending.dates import add_months
from puhui.lending.products import default_product
from puhui.lending.schedule import generate_schedule
from puhui.portfolio.schedule import emis, period_interest
from puhui.rate import PPM, Rate


@settings(max_examples=150, deadline=None)
@given(
    hundreds=st.integers(5, 2000),
    rate_bp=st.integers(600, 2400),
    installments=st.sampled_from((5, 10, 20)),
    month=st.integers(0, 47),
)
def test_installments_equal_the_generators_to_the_fen(
    hundreds: int, rate_bp: int, installments: int, month: int
) -> None:
    product = default_product()
    amount, rate_ppm = hundreds * 10_000, rate_bp * 100
    start = add_months(date(2026, 1, 1), month)
    priced = product.model_copy(update={"nominal_rate": Rate.from_units(rate_ppm, PPM)})
    schedule = generate_schedule(priced.terms_for(str(hundreds * 100), installments, start))
    emi = int(emis(np.array([amount]), np.array([rate_ppm]), np.array([installments]), 360)[0])
    balance, previous = amount, start
    for k, row in enumerate(schedule.installments, start=1):
        days = (row.due_date - previous).days
        interest = int(
            period_interest(np.array([balance]), np.array([rate_ppm]), np.array([days]), 360)[0]
        )
        principal = balance if k == installments else emi - interest
        assert (principal, interest) == (row.principal, row.interest), k
        balance -= principal
        previous = row.due_date
    assert balance == 0
