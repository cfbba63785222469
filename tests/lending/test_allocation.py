"""Payment allocation in a product's order, over plain data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.lending.allocation import (
    DEFAULT_ORDER,
    Bucket,
    Component,
    Due,
    allocate,
    bucket_of,
)

P, F, INT, PR = Component.PENALTY, Component.FEE, Component.INTEREST, Component.PRINCIPAL


def owed() -> list[Due]:
    return [
        Due(2, Bucket.DUE, INT, 300),
        Due(2, Bucket.DUE, PR, 1000),
        Due(1, Bucket.PAST_DUE, PR, 1000),
        Due(1, Bucket.PAST_DUE, INT, 400),
        Due(1, Bucket.PAST_DUE, P, 50),
        Due(3, Bucket.IN_ADVANCE, PR, 1000),
    ]


def test_default_order_pays_past_due_penalty_first_then_interest_then_principal() -> None:
    result = allocate(1600, owed())
    assert [(a.installment, a.bucket, a.component, a.amount) for a in result.allocations] == [
        (1, Bucket.PAST_DUE, P, 50),
        (1, Bucket.PAST_DUE, INT, 400),
        (1, Bucket.PAST_DUE, PR, 1000),
        (2, Bucket.DUE, INT, 150),
    ]
    assert result.excess == 0


def test_overpayment_is_excess() -> None:
    result = allocate(5000, owed())
    assert result.excess == 5000 - 3750
    assert result.total(PR) == 3000


def test_custom_order_interest_first_across_buckets() -> None:
    order = [(b, c) for c in (INT, PR, P, F) for b in Bucket]
    result = allocate(700, owed(), order)
    assert [(a.installment, a.component, a.amount) for a in result.allocations] == [
        (1, INT, 400),
        (2, INT, 300),
    ]


def test_bad_payment_names_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        allocate(-1, owed())
    assert exc.value.field == "payment"
    with pytest.raises(ValidationError) as exc:
        allocate(1, owed(), [(Bucket.DUE, INT)])
    assert exc.value.field == "order"


def test_bucket_of() -> None:
    assert bucket_of(10, 11) is Bucket.PAST_DUE
    assert bucket_of(11, 11) is Bucket.DUE
    assert bucket_of(12, 11) is Bucket.IN_ADVANCE


@given(
    st.integers(min_value=0, max_value=10**7),
    st.lists(
        st.tuples(
            st.integers(1, 5),
            st.sampled_from(list(Bucket)),
            st.sampled_from(list(Component)),
            st.integers(0, 10**6),
        ),
        max_size=12,
    ),
)
def test_allocation_conserves_money(
    payment: int, items: list[tuple[int, Bucket, Component, int]]
) -> None:
    dues = [Due(*item) for item in items]
    result = allocate(payment, dues, DEFAULT_ORDER)
    allocated = sum(a.amount for a in result.allocations)
    assert allocated + result.excess == payment
    assert allocated == min(payment, sum(d.amount for d in dues))
    assert all(a.amount > 0 for a in result.allocations)
