"""A line campaign end to end: learn from an experiment, value, target, compare, curves.

1. The experiment population's approved customers (the strategy decides who holds a line)
   train the take-up model and the uplift model.
2. The target population's approved customers are scored (uplift, take-up) and valued by the
   simulator (`marketing.value`).
3. Two lists of `budget` contacts: by expected incremental profit, and by take-up alone.
4. With the target population's own experiment columns (observed) the Qini and uplift curves
   of both scores; with its ground truth, each list's true incremental take-up and profit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from puhui.marketing.curves import curves
from puhui.marketing.models import TakeupModel, UpliftModel
from puhui.marketing.targeting import evaluate, target
from puhui.marketing.value import customer_values
from puhui.portfolio.costs import CostModel
from puhui.portfolio.simulate import decide
from puhui.risk.strategy import Strategy


@dataclass
class CampaignResult:
    contacts: pl.DataFrame  # the uplift list, best first
    summary: dict[str, Any]


def run_campaign(
    strategy: Strategy,
    experiment: pl.DataFrame,
    experiment_pd: npt.ArrayLike,
    population: pl.DataFrame,
    population_pd: npt.ArrayLike,
    *,
    budget: int,
    learner: str = "s",
    seed: int = 0,
    months: int = 12,
    costs: CostModel | None = None,
) -> CampaignResult:
    started = time.perf_counter()
    costs = costs or CostModel(funding_rate=strategy.pricing.cost_of_funds)
    trained = decide(strategy, experiment, experiment_pd).approved
    train = experiment.filter(pl.Series(trained))
    uplift_model = UpliftModel(learner=learner, seed=seed).fit(train)
    takeup_model = TakeupModel(seed=seed).fit(train)

    pd_array = np.asarray(population_pd, dtype=np.float64)
    approved = decide(strategy, population, pd_array).approved
    uplift = uplift_model.predict(population)
    response = takeup_model.predict(population)
    value = customer_values(strategy, population, pd_array, months=months, seed=seed, costs=costs)
    call = costs.per_call_minor
    by_uplift, by_response, expected = target(uplift, response, value, approved, budget, call)

    truth = None
    if {"takeup_prob_contacted", "takeup_prob_control"} <= set(population.columns):
        truth = (
            population["takeup_prob_contacted"].to_numpy()
            - population["takeup_prob_control"].to_numpy()
        ).astype(np.float64)
    summary: dict[str, Any] = {
        "strategy_version": strategy.version_id,
        "budget": budget,
        "learner": learner,
        "trained_on": int(train.height),
        "customers": population.height,
        "eligible": int(approved.sum()),
        "call_cost_minor": call,
        "by_uplift": evaluate(by_uplift, truth, uplift, value, call),
        "by_response": evaluate(by_response, truth, uplift, value, call),
    }
    if truth is not None:
        summary["truth_correlation"] = {
            "uplift_model": round(float(np.corrcoef(uplift[approved], truth[approved])[0, 1]), 4),
            "takeup_model": round(float(np.corrcoef(response[approved], truth[approved])[0, 1]), 4),
        }
        u, r = summary["by_uplift"], summary["by_response"]
        if r["true_incremental_takeup"] > 0:
            summary["takeup_ratio"] = round(
                u["true_incremental_takeup"] / r["true_incremental_takeup"], 4
            )
    if "contacted" in population.columns and "took_up" in population.columns:
        rows = np.flatnonzero(approved)
        summary["curves"] = curves(
            population["took_up"].to_numpy()[rows],
            population["contacted"].to_numpy()[rows],
            {"uplift": uplift[rows], "takeup": response[rows]},
        )
    summary["seconds"] = round(time.perf_counter() - started, 2)
    ids = population["customer_id"] if "customer_id" in population.columns else None
    contacts = pl.DataFrame(
        {
            "rank": np.arange(1, by_uplift.size + 1),
            "customer_id": (ids.gather(by_uplift) if ids is not None else by_uplift),
            "uplift": uplift[by_uplift].round(5),
            "takeup": response[by_uplift].round(5),
            "value_minor": value[by_uplift].round(),
            "expected_incremental_profit_minor": expected[by_uplift].round(),
        }
    )
    return CampaignResult(contacts, summary)
