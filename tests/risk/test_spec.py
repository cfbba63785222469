"""The feature spec: every bad input is refused naming its field; missing values follow policy."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.risk.spec import FeatureSpec

TRAIN = pl.DataFrame(
    {
        "income": [3000, 5000, 8000, 12000],
        "ratio": [0.1, 0.2, None, 0.4],
        "flag": [True, False, False, True],
        "city": ["a", "b", "a", None],
    }
)
SPEC = FeatureSpec.infer(TRAIN)
ROW = {"income": 4000, "ratio": 0.3, "flag": False, "city": "b"}


def _error(call: object) -> ValidationError:
    assert callable(call)
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


def test_inferred_kinds_ranges_and_categories() -> None:
    income, ratio, flag, city = SPEC.features
    assert (income.kind, ratio.kind, flag.kind, city.kind) == (
        "numeric",
        "numeric",
        "numeric",
        "categorical",
    )
    assert income.min == 0.0 and income.max == 12000 + 9 * 9000  # widened by nine spans
    assert (flag.min, flag.max) == (0.0, 1.0)
    assert city.categories == ("a", "b")
    assert ratio.missing_share == 0.25


def test_spec_round_trips_through_json_dict() -> None:
    again = FeatureSpec.from_dict(SPEC.to_dict())
    assert again == SPEC
    assert np.array_equal(again.encode_row(ROW), SPEC.encode_row(ROW))


def test_row_encoding() -> None:
    assert SPEC.encode_row(ROW).tolist() == [[4000.0, 0.3, 0.0, 1.0]]
    # Amounts may arrive as Decimal (money is never a float upstream).
    with_decimal = {**ROW, "income": Decimal("4000.50")}
    assert SPEC.encode_row(with_decimal)[0, 0] == 4000.5


def test_missing_field_is_named() -> None:
    row = {k: v for k, v in ROW.items() if k != "ratio"}
    error = _error(lambda: SPEC.encode_row(row))
    assert (error.field, error.code) == ("ratio", "missing_field")
    error = _error(lambda: SPEC.encode_frame(TRAIN.drop("city")))
    assert (error.field, error.code) == ("city", "missing_field")


def test_extra_field_is_named_unless_allowed() -> None:
    error = _error(lambda: SPEC.encode_row({**ROW, "nickname": "x"}))
    assert (error.field, error.code) == ("nickname", "unexpected_field")
    assert SPEC.encode_row({**ROW, "nickname": "x"}, allow_extra=True).shape == (1, 4)
    frame = TRAIN.with_columns(pl.lit(1).alias("customer_id"))
    error = _error(lambda: SPEC.encode_frame(frame, allow_extra=False))
    assert error.field == "customer_id"


def test_wrong_types_are_named() -> None:
    error = _error(lambda: SPEC.encode_row({**ROW, "income": "4000"}))
    assert (error.field, error.code) == ("income", "wrong_type")
    error = _error(lambda: SPEC.encode_row({**ROW, "city": 1.5}))
    assert (error.field, error.code) == ("city", "wrong_type")
    frame = TRAIN.with_columns(pl.Series("income", ["3000", "abc", "1", "2"]))
    error = _error(lambda: SPEC.encode_frame(frame))
    assert (error.field, error.code) == ("income", "wrong_type")
    assert "abc" in error.message and "row 1" in error.message


def test_numbers_as_text_in_a_frame_are_read() -> None:
    frame = TRAIN.with_columns(pl.Series("income", ["3000", "5000", "", None]))
    encoded = SPEC.encode_frame(frame)
    assert encoded[0, 0] == 3000.0 and math.isnan(encoded[2, 0]) and math.isnan(encoded[3, 0])


def test_out_of_range_is_named() -> None:
    error = _error(lambda: SPEC.encode_row({**ROW, "income": -5}))
    assert (error.field, error.code) == ("income", "out_of_range")
    error = _error(lambda: SPEC.encode_row({**ROW, "flag": 2}))
    assert error.field == "flag"
    frame = TRAIN.with_columns(pl.Series("ratio", [0.1, 0.2, 1e9, 0.3]))
    error = _error(lambda: SPEC.encode_frame(frame))
    assert (error.field, error.code) == ("ratio", "out_of_range")
    assert "row 2" in error.message


def test_missing_values_and_unseen_categories_become_missing() -> None:
    encoded = SPEC.encode_row({"income": None, "ratio": math.nan, "flag": True, "city": "zzz"})
    assert np.isnan(encoded[0, [0, 1, 3]]).all() and encoded[0, 2] == 1.0
    frame = pl.DataFrame(
        {"income": [None], "ratio": [None], "flag": [None], "city": ["unseen"]},
        schema={"income": pl.Int64, "ratio": pl.Float64, "flag": pl.Boolean, "city": pl.String},
    )
    assert np.isnan(SPEC.encode_frame(frame)).all()


POPULATION = generate_population(PopulationConfig(n=3_000, seed=4)).drop(list(NON_FEATURES))
POP_SPEC = FeatureSpec.infer(POPULATION)


@settings(max_examples=40, deadline=None)
@given(index=st.integers(0, POPULATION.height - 1))
def test_row_and_batch_encodings_agree(index: int) -> None:
    row = POPULATION.row(index, named=True)
    batch = POP_SPEC.encode_frame(POPULATION.slice(index, 1))
    assert np.array_equal(POP_SPEC.encode_row(row), batch, equal_nan=True)


@pytest.mark.parametrize("dtype", [pl.String, pl.Float64])
def test_a_column_without_values_is_refused_at_training(dtype: type[pl.DataType]) -> None:
    frame = TRAIN.with_columns(pl.Series("empty", [None] * TRAIN.height, dtype=dtype))
    error = _error(lambda: FeatureSpec.infer(frame))
    assert error.field == "empty"
