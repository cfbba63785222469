"""Reason codes that are true: set a declined applicant's reason to the value it points at
(the feature's best attribute for a scorecard) and the score must rise by what the reason said."""

from __future__ import annotations

import math

import numpy as np
import pytest

from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.risk import TrainConfig, train_model
from puhui.risk.binning import FeatureBins
from puhui.risk.model import RiskModel
from puhui.risk.scorecard import ScorecardModel
from puhui.risk.strategy import load_strategy

CUTOFF = float(load_strategy().cutoffs.approve_max_pd)


def _best_value(bins: FeatureBins, scorer: ScorecardModel, j: int) -> float:
    """A value inside feature j's best attribute (or NaN when the missing bin is best)."""
    coef = scorer.coef[j]
    levels = [coef * w if c > 0 else math.inf for w, c in zip(bins.woe, bins.count, strict=True)]
    best = int(np.argmin(levels))
    if bins.count_missing > 0 and coef * bins.woe_missing < levels[best]:
        return math.nan
    if bins.kind == "numeric":
        splits = bins.splits
        if not splits:
            return 0.0
        return splits[best - 1] if best > 0 else splits[0] - 1.0
    return float(bins.groups[best][0])


@pytest.fixture(scope="module")
def scorecard() -> tuple[RiskModel, np.ndarray]:
    frame = generate_population(PopulationConfig(n=12_000, seed=51))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    model = train_model(
        frame, TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind="scorecard")
    ).model
    applicants = generate_population(PopulationConfig(n=6_000, seed=52))
    matrix = model.encode(applicants)
    declined = matrix[model.predict_pd_encoded(matrix) > CUTOFF]
    return model, declined[:300]


def test_each_reason_points_at_a_value_that_raises_the_score(
    scorecard: tuple[RiskModel, np.ndarray],
) -> None:
    model, declined = scorecard
    assert isinstance(model.scorer, ScorecardModel) and declined.shape[0] >= 100
    index, direction, size = model.reason_arrays(declined, top=4)
    checked = 0
    for i in range(declined.shape[0]):
        row = declined[i : i + 1]
        margin = model.margin(row)[0]
        points = int(model.score_points(model.predict_pd_encoded(row))[0])
        for slot in range(index.shape[1]):
            j = int(index[i, slot])
            if j < 0:
                continue
            bins = model.binning.bins[j]
            target = _best_value(bins, model.scorer, j)
            changed = row.copy()
            changed[0, j] = target
            # the log-odds fall by exactly the reason's contribution ...
            assert model.margin(changed)[0] == pytest.approx(margin - size[i, slot], abs=1e-9)
            # ... so the PD falls and the score points rise
            assert int(model.score_points(model.predict_pd_encoded(changed))[0]) >= points
            assert model.predict_pd_encoded(changed)[0] < model.predict_pd_encoded(row)[0]
            # and the value moved the way the reason's words say
            word = ("high", "low", "missing", "value")[int(direction[i, slot])]
            if word == "high" and not math.isnan(target):
                assert target < row[0, j]
            elif word == "low" and not math.isnan(target):
                assert target > row[0, j]
            checked += 1
    assert checked > 300
