"""Compiled trees and table reasons decide exactly as LightGBM does."""

from __future__ import annotations

import numpy as np
import polars as pl

from puhui.preapproval.engine import decide_frame
from puhui.preapproval.fast import FastGbdt, fast_model
from puhui.risk import RiskModel
from puhui.risk.gbdt import GbdtModel
from puhui.risk.strategy import Strategy


def test_compiled_margins_equal_lightgbm(
    gbdt: tuple[RiskModel, Strategy], customers: pl.DataFrame
) -> None:
    model, _ = gbdt
    fast = fast_model(model)
    assert isinstance(fast.scorer, FastGbdt) and fast.scorer.compiled
    assert isinstance(model.scorer, GbdtModel)
    matrix = model.encode(customers)
    expected = model.scorer.booster.predict(matrix, raw_score=True)
    got = fast.margin(matrix)
    assert np.max(np.abs(got - expected)) < 1e-9
    assert fast.version == model.version  # the same model: logged decisions name it alike


def test_fast_decisions_equal_exact_decisions(
    gbdt: tuple[RiskModel, Strategy], customers: pl.DataFrame
) -> None:
    model, strategy = gbdt
    exact = decide_frame(model, strategy, customers)
    fast = decide_frame(fast_model(model), strategy, customers)
    assert (exact["decision"] != "approve").sum() > 100  # reasons were computed for many rows
    assert np.max(np.abs(fast["pd"].to_numpy() - exact["pd"].to_numpy())) < 1e-12
    same = fast.drop("pd", "expected_loss_minor").equals(exact.drop("pd", "expected_loss_minor"))
    assert same  # decisions, limits, rates and every reason code and text


def test_a_scorecard_is_left_as_it_is(scorecard: tuple[RiskModel, Strategy]) -> None:
    model, _ = scorecard
    assert fast_model(model) is model
