"""Metrics, calibration and binning: known values and invariants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from optbinning import BinningProcess

from puhui.risk import metrics
from puhui.risk.binning import WoeBinning, fit_binning, min_bin_share
from puhui.risk.calibration import Calibrator, choose_calibrator, fit_isotonic, fit_platt
from puhui.risk.spec import FeatureSpec

DATA = Path(__file__).parent.parent / "data"


def test_ranking_metrics_on_known_cases() -> None:
    bad = np.array([0, 0, 1, 1])
    assert metrics.auc(bad, np.array([0.1, 0.2, 0.3, 0.4])) == 1.0
    assert metrics.gini(bad, np.array([0.4, 0.3, 0.2, 0.1])) == -1.0
    # One bad above both goods, one in between: AUC = 3/4, KS = 1/2.
    score = np.array([0.1, 0.3, 0.2, 0.4])
    assert metrics.auc(bad, score) == 0.75
    assert metrics.ks(bad, score) == 0.5


def test_calibration_metrics() -> None:
    rng = np.random.default_rng(0)
    pd_true = rng.uniform(0.01, 0.3, 200_000)
    bad = rng.random(pd_true.size) < pd_true
    assert metrics.ece(bad, pd_true) < 0.005
    assert metrics.ece(bad, pd_true * 1.5) > 0.05
    assert abs(metrics.brier(bad, pd_true) - float(np.mean(pd_true * (1 - pd_true)))) < 1e-3
    table = metrics.calibration_table(bad, pd_true)
    assert len(table) == 10 and sum(row["rows"] for row in table) == bad.size


def test_psi_is_zero_for_the_same_distribution_and_grows_with_shift() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=50_000)
    assert metrics.psi(base, rng.normal(size=50_000)) < 0.01
    assert metrics.psi(base, rng.normal(0.5, 1, size=50_000)) > 0.1
    with_missing = np.where(rng.random(50_000) < 0.3, np.nan, rng.normal(size=50_000))
    assert metrics.psi(base, with_missing) > 0.25


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), slope=st.floats(0.3, 3.0))
def test_calibrators_are_non_decreasing_and_stay_inside_0_1(seed: int, slope: float) -> None:
    rng = np.random.default_rng(seed)
    margin = rng.normal(size=2_000)
    bad = rng.random(2_000) < 1 / (1 + np.exp(-(slope * margin - 2)))
    grid = np.linspace(-6, 6, 200)
    for calibrator in (fit_platt(margin, bad), fit_isotonic(margin, bad)):
        pd = calibrator(grid)
        assert np.all(np.diff(pd) >= -1e-12)
        assert pd.min() > 0 and pd.max() < 1
        assert Calibrator.from_dict(calibrator.to_dict()) == calibrator


def test_platt_recovers_a_logistic_link_and_is_chosen_for_it() -> None:
    rng = np.random.default_rng(3)
    margin = rng.normal(size=40_000)
    bad = rng.random(margin.size) < 1 / (1 + np.exp(-(1.7 * margin - 1.0)))
    platt = fit_platt(margin, bad)
    assert abs(platt.a - 1.7) < 0.1 and abs(platt.b + 1.0) < 0.1
    chosen, honest, losses = choose_calibrator(margin, bad, seed=0)
    assert chosen.method == "platt" and losses["platt"] <= losses["isotonic"]
    assert honest.shape == bad.shape


def test_our_woe_matches_optbinning_and_round_trips() -> None:
    frame = pl.read_csv(DATA / "german_credit.csv")
    bad = (frame["creditability"] == "bad").to_numpy()
    features = frame.drop("creditability")
    spec = FeatureSpec.infer(features)
    matrix = spec.encode_frame(features)
    binning = fit_binning(spec, matrix, bad)
    names = spec.names
    categorical = [spec.features[i].name for i in spec.categorical_indices()]
    reference = BinningProcess(
        names,
        categorical_variables=categorical,
        min_prebin_size=min_bin_share(bad.size),
        binning_fit_params={name: {"monotonic_trend": "auto"} for name in names},
    ).fit(pd.DataFrame(matrix, columns=names), bad.astype(int))
    expected = reference.transform(
        pd.DataFrame(matrix, columns=names), metric_missing="empirical"
    ).to_numpy()
    assert np.allclose(binning.transform(matrix), expected)
    assert WoeBinning.from_dict(binning.to_dict()) == binning
    duration = binning.bins[names.index("duration_in_month")]
    assert duration.trend == 1  # longer loans, more defaults
