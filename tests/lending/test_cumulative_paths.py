"""The cumulative generator's direct loop (no grace) equals its general path, errors included.

Fineract's reference schedules (test_fineract_cumulative.py) pin the arithmetic; this pins
that the shortcut for the usual loan changes nothing, over the whole space of terms.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.lending.cumulative import _Cumulative
from puhui.lending.terms import LoanTerms
from puhui.rate import Rate

terms_strategy = st.builds(
    LoanTerms,
    principal=st.integers(100, 10_000_000).map(lambda c: Decimal(c) / 100),
    nominal_rate=st.integers(0, 6000).map(lambda b: Rate.from_percent(Decimal(b) / 100)),
    installments=st.integers(1, 36),
    disbursed=st.integers(0, 800).map(lambda d: date(2024, 1, 1) + timedelta(days=d)),
    every=st.sampled_from([1, 2, 3]),
    frequency=st.sampled_from(["months", "weeks", "days"]),
    amortization=st.sampled_from(["equal-installments", "equal-principal"]),
    interest_period=st.sampled_from(["daily", "same-as-repayment"]),
    days_in_year=st.sampled_from(["actual", "360", "364", "365"]),
    days_in_month=st.sampled_from(["actual", "30"]),
    rounding=st.sampled_from(["half-even", "half-up", "down", "up"]),
    installment_multiple=st.sampled_from([None, 1, 10]),
    installment_fee=st.sampled_from([Decimal(0), Decimal(5)]),
)


def _run(terms: LoanTerms, direct: bool) -> object:
    try:
        return _Cumulative(terms, direct=direct).installments()
    except ValidationError as error:
        return (error.field, str(error))


@settings(max_examples=400, deadline=None)
@given(terms=terms_strategy)
def test_direct_loop_equals_general_path(terms: LoanTerms) -> None:
    assert _run(terms, direct=True) == _run(terms, direct=False)
