"""Fixed-point helpers: conversions agree between scalar and batch; dense_index is exact."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.risk.units import (
    decimal_to_units,
    dense_index,
    probability_units,
    probability_units_batch,
    yuan_to_minor,
    yuan_to_minor_batch,
)


@given(st.lists(st.floats(0, 1, allow_nan=False), max_size=50))
def test_probability_units_scalar_equals_batch(values: list[float]) -> None:
    assert probability_units_batch(values).tolist() == [probability_units(v) for v in values]


@given(st.lists(st.one_of(st.floats(-1e9, 1e9) | st.just(float("nan")), st.none()), max_size=50))
def test_yuan_to_minor_scalar_equals_batch(values: list[float | None]) -> None:
    as_floats = [np.nan if v is None else v for v in values]
    assert yuan_to_minor_batch(as_floats).tolist() == [yuan_to_minor(v) for v in values]


def test_exact_conversions() -> None:
    assert probability_units(Decimal("0.0300000005")) == 30_000_000  # half-even
    assert decimal_to_units(Decimal("0.24"), 10**9, "cap") == 240_000_000
    with pytest.raises(ValidationError) as err:
        decimal_to_units(Decimal("1E-10"), 10**9, "cap")
    assert err.value.field == "cap"
    assert yuan_to_minor(Decimal("12.345")) == 1234  # half-even to the fen


@given(
    st.one_of(
        st.lists(st.integers(0, 2_000), max_size=200),  # lookup-table path
        st.lists(st.integers(0, 2_000).map(lambda x: x * 100_000 + 7), max_size=200),  # on a grid
        st.lists(st.integers(0, 2**60), max_size=200),  # sort path
    )
)
def test_dense_index_matches_numpy_unique(keys: list[int]) -> None:
    distinct, inverse = dense_index(np.array(keys, dtype=np.int64))
    expected, expected_inverse = np.unique(np.array(keys, dtype=np.int64), return_inverse=True)
    assert distinct.tolist() == expected.tolist()
    assert inverse.tolist() == expected_inverse.reshape(-1).tolist()
