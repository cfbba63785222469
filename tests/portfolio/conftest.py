"""A small trained PD model and populations shared by the portfolio tests."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from puhui.population import PopulationConfig, generate_population
from puhui.portfolio.scoring import score, train_history_model
from puhui.risk.model import RiskModel


@pytest.fixture(scope="session")
def pd_model() -> RiskModel:
    """A scorecard trained on a synthetic history of 8,000 customers (a few seconds)."""
    return train_history_model(rows=8_000, seed=31, kind="scorecard")


@pytest.fixture(scope="session")
def small_book(pd_model: RiskModel) -> tuple[pl.DataFrame, npt.NDArray[np.float64]]:
    """200 customers at a 15% bad rate: enough defaults to reach write-off within 9 months."""
    population = generate_population(PopulationConfig(n=200, seed=17, bad_rate=0.15))
    return population, score(pd_model, population)
