"""Take-up and uplift models, curves and targeting on the synthetic contact experiment."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.marketing.curves import curves
from puhui.marketing.models import TakeupModel, UpliftModel, feature_matrix
from puhui.marketing.targeting import evaluate, target, top
from puhui.population import CONTACT_COLUMNS, NON_FEATURES, PopulationConfig, generate_population
from puhui.risk.metrics import auc


@pytest.fixture(scope="module")
def experiment() -> pl.DataFrame:
    return generate_population(PopulationConfig(n=24_000, seed=41, contact_experiment=True))


@pytest.fixture(scope="module")
def holdout() -> pl.DataFrame:
    return generate_population(PopulationConfig(n=12_000, seed=42, contact_experiment=True))


def _truth(frame: pl.DataFrame) -> np.ndarray:
    return (frame["takeup_prob_contacted"] - frame["takeup_prob_control"]).to_numpy()


def test_features_hide_the_truth_and_the_experiment(experiment: pl.DataFrame) -> None:
    _, names = feature_matrix(experiment)
    assert not set(names) & {*NON_FEATURES, *CONTACT_COLUMNS}
    assert "city_tier_tier_3" in names  # Enum columns one-hot


def test_uplift_model_learns_the_true_effect_better_than_take_up(
    experiment: pl.DataFrame, holdout: pl.DataFrame
) -> None:
    uplift = UpliftModel(seed=1).fit(experiment).predict(holdout)
    takeup = TakeupModel(seed=1).fit(experiment).predict(holdout)
    truth = _truth(holdout)
    assert np.corrcoef(uplift, truth)[0, 1] > 0.5
    assert np.corrcoef(uplift, truth)[0, 1] > np.corrcoef(takeup, truth)[0, 1]
    contacted = holdout["contacted"].to_numpy()
    took_up = holdout["took_up"].to_numpy()[contacted]
    # take-up is a coin flip of a modest probability: even the true probability ranks the
    # observed take-ups weakly; the model comes close to it
    oracle = auc(took_up, holdout["takeup_prob_contacted"].to_numpy()[contacted])
    assert auc(took_up, takeup[contacted]) > 0.5 and auc(took_up, takeup[contacted]) > oracle - 0.05
    # the curves on observed outcomes: the uplift ranking has the larger Qini coefficient
    c = curves(holdout["took_up"], contacted, {"uplift": uplift, "takeup": takeup})
    assert c["qini_coefficient"]["uplift"] > c["qini_coefficient"]["takeup"]
    assert len(c["share"]) == len(c["qini"]["uplift"]) <= 51


def test_an_unfitted_model_or_a_population_without_experiment_is_refused() -> None:
    plain = generate_population(PopulationConfig(n=100, seed=1))
    with pytest.raises(ValidationError) as err:
        UpliftModel().fit(plain)
    assert err.value.field == "experiment"
    with pytest.raises(ValidationError):
        TakeupModel().predict(plain)
    with pytest.raises(ValidationError):
        UpliftModel(learner="z")


@given(
    st.lists(st.floats(-1, 1), min_size=1, max_size=40),
    st.integers(0, 50),
)
def test_top_takes_at_most_the_budget_of_the_best_eligible(
    scores: list[float], budget: int
) -> None:
    score = np.array(scores)
    eligible = np.arange(score.size) % 3 != 0
    chosen = top(score, eligible, budget, positive=True)
    assert chosen.size <= budget and eligible[chosen].all() and (score[chosen] > 0).all()
    left = np.setdiff1d(np.flatnonzero(eligible & (score > 0)), chosen)
    if chosen.size and left.size:
        assert score[chosen].min() >= score[left].max()


def test_targeting_by_incremental_profit_skips_sleeping_dogs_and_counts_the_calls() -> None:
    uplift = np.array([0.2, -0.1, 0.05, 0.3])
    response = np.array([0.3, 0.9, 0.8, 0.35])
    value = np.array([1000.0, 1000.0, 1000.0, 1000.0])
    eligible = np.array([True, True, True, True])
    by_uplift, by_response, expected = target(uplift, response, value, eligible, 2, 100)
    assert by_uplift.tolist() == [3, 0] and by_response.tolist() == [1, 2]
    assert expected.tolist() == [100.0, -200.0, -50.0, 200.0]
    scored = evaluate(by_uplift, uplift, uplift, value, 100)
    assert scored["true_incremental_takeup"] == 0.5
    assert scored["true_incremental_profit_minor"] == 300  # 500 gained - 2 calls at 100
