"""PSI/CSI from stored bins, fairlearn's fairness figures checked by hand, thresholds as data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from puhui.errors import ValidationError
from puhui.governance.fairness import fairness_report
from puhui.governance.stability import fit_bins, psi
from puhui.governance.thresholds import load_thresholds, parse_thresholds
from puhui.risk import metrics

THRESHOLDS = load_thresholds()
values = arrays(
    np.float64,
    st.integers(20, 400),
    elements=st.one_of(st.floats(-1e3, 1e3), st.just(np.nan)),
)


@settings(max_examples=60, deadline=None)
@given(expected=values, actual=values)
def test_psi_from_stored_bins_is_the_training_reports_psi(
    expected: np.ndarray, actual: np.ndarray
) -> None:
    # The same index as risk.metrics.psi (the model card's), computed from kept bins only.
    assert psi(fit_bins(expected), actual) == pytest.approx(metrics.psi(expected, actual), abs=1e-9)


def test_psi_reads_as_the_textbook_says() -> None:
    rng = np.random.default_rng(1)
    development = rng.normal(600, 40, 50_000)
    bins = fit_bins(development)
    assert psi(bins, rng.normal(600, 40, 50_000)) < 0.01  # same population: stable
    assert 0.1 < psi(bins, rng.normal(615, 40, 50_000)) < 0.25  # a shift: amber
    assert psi(bins, rng.normal(640, 40, 50_000)) > 0.25  # a big shift: red
    # categorical codes: one bin per category, the missing bin on its own
    codes = fit_bins(np.array([0.0, 1, 1, 2, 2, 2, np.nan]), categories=3)
    assert len(codes.expected) == 4
    assert psi(codes, np.array([0.0, 1, 1, 2, 2, 2, np.nan])) == pytest.approx(0.0)


def test_fairlearn_figures_match_a_hand_count() -> None:
    rng = np.random.default_rng(2)
    n = 20_000
    group = rng.choice(["female", "male"], n, p=[0.48, 0.52])
    good = rng.random(n) > 0.05
    approved = rng.random(n) < np.where(group == "female", 0.70, 0.80) * np.where(good, 1, 0.5)
    report = fairness_report("gender", group, approved, THRESHOLDS, good=good)
    by = {g["group"]: g for g in report.groups}
    rates = {k: approved[group == k].mean() for k in ("female", "male")}
    assert by["female"]["selection_rate"] == pytest.approx(rates["female"])
    assert report.demographic_parity_difference == pytest.approx(
        abs(rates["female"] - rates["male"])
    )
    tpr = {k: approved[(group == k) & good].mean() for k in rates}
    fpr = {k: approved[(group == k) & ~good].mean() for k in rates}
    assert report.equalized_odds_difference == pytest.approx(
        max(abs(tpr["female"] - tpr["male"]), abs(fpr["female"] - fpr["male"]))
    )
    assert report.levels["demographic_parity_difference"] == "amber"  # ~0.09: over 0.05
    worst = max(report.demographic_parity_difference, report.equalized_odds_difference or 0)
    assert report.breach is (worst > 0.10)


def test_fairness_needs_two_groups_and_equal_lengths() -> None:
    with pytest.raises(ValidationError) as error:
        fairness_report("gender", np.array(["a", "a"]), np.array([True, False]), THRESHOLDS)
    assert error.value.field == "gender"
    with pytest.raises(ValidationError):
        fairness_report("gender", np.array(["a", "b"]), np.array([True]), THRESHOLDS)


def test_thresholds_are_data(tmp_path: Path) -> None:
    assert THRESHOLDS["psi_score"].level(0.05) == "green"
    assert THRESHOLDS["psi_score"].level(0.12) == "amber"
    assert THRESHOLDS["psi_score"].level(0.30) == "red"
    assert THRESHOLDS["auc"].level(0.72) == "green"  # below = true: alerts as AUC falls
    assert THRESHOLDS["auc"].level(0.60) == "red"
    stricter = tmp_path / "t.toml"
    text = (Path(__file__).parents[2] / "src/puhui/governance/data/thresholds.toml").read_text()
    stricter.write_text(text.replace("amber = 0.10\nred = 0.25", "amber = 0.01\nred = 0.02", 1))
    assert load_thresholds(stricter)["psi_score"].level(0.015) == "amber"
    with pytest.raises(ValidationError) as error:
        parse_thresholds({"psi_score": {"amber": 0.3, "red": 0.1}})
    assert error.value.field == "psi_score"
    with pytest.raises(ValidationError) as error:
        load_thresholds(tmp_path / "missing.toml")
    assert error.value.field == "thresholds"
