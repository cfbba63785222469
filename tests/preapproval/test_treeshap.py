"""The path-table TreeSHAP equals LightGBM's own `pred_contrib`, in C and in numpy."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.preapproval.treeshap import PathTable, native_kernel, shapley_table
from puhui.risk import RiskModel
from puhui.risk.gbdt import GbdtModel
from puhui.risk.strategy import Strategy


@pytest.fixture(scope="module")
def reference(
    gbdt: tuple[RiskModel, Strategy], customers: pl.DataFrame
) -> tuple[PathTable, np.ndarray, np.ndarray]:
    model, _ = gbdt
    assert isinstance(model.scorer, GbdtModel)
    matrix = model.encode(customers)
    assert np.isnan(matrix).any()  # missing values take LightGBM's default directions
    booster = model.scorer.booster
    expected = booster.predict(matrix, pred_contrib=True)[:, :-1]
    return PathTable(booster), matrix, expected


def test_native_kernel_equals_pred_contrib(
    reference: tuple[PathTable, np.ndarray, np.ndarray],
) -> None:
    table, matrix, expected = reference
    assert native_kernel() is not None, "the C kernel should build where a compiler exists"
    got = table.contributions(matrix)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) < 1e-9


def test_numpy_walk_equals_pred_contrib(
    reference: tuple[PathTable, np.ndarray, np.ndarray],
) -> None:
    table, matrix, expected = reference
    got = table.contributions_numpy(matrix[:1_500])
    assert np.max(np.abs(got - expected[:1_500])) < 1e-9


def test_contributions_add_up_to_the_margin(
    gbdt: tuple[RiskModel, Strategy], reference: tuple[PathTable, np.ndarray, np.ndarray]
) -> None:
    """Local accuracy: the contributions plus the expected value give the raw margin."""
    model, _ = gbdt
    table, matrix, _ = reference
    assert isinstance(model.scorer, GbdtModel)
    full = model.scorer.booster.predict(matrix[:500], pred_contrib=True)
    margin = model.scorer.booster.predict(matrix[:500], raw_score=True)
    got = table.contributions(matrix[:500]).sum(axis=1) + full[:, -1]
    assert np.max(np.abs(got - margin)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(
    value=st.floats(-3, 3),
    ratios=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=7),
    data=st.data(),
)
def test_leaf_table_is_efficient(value: float, ratios: list[float], data: st.DataObject) -> None:
    """Shapley efficiency per leaf: a pattern's values sum to v(all followed) - v(none given),
    that is value * (prod s - prod r)."""
    r = np.array(ratios)
    table = shapley_table(value, r)
    pattern = data.draw(st.integers(0, (1 << r.size) - 1))
    s = np.array([(pattern >> k) & 1 for k in range(r.size)], dtype=np.float64)
    assert math.isclose(
        table[pattern].sum(), value * (np.prod(s) - np.prod(r)), abs_tol=1e-12, rel_tol=1e-9
    )
