"""Small trained models (a scorecard and LightGBM) and a population to decide, per session."""

from __future__ import annotations

import polars as pl
import pytest

from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.risk import RiskModel, TrainConfig, train_model
from puhui.risk.decide import bind_model
from puhui.risk.strategy import Strategy, load_strategy

HOOKS = [c for c in NON_FEATURES if c != "customer_id"]


def _trained(kind: str) -> tuple[RiskModel, Strategy]:
    history = generate_population(PopulationConfig(n=8_000, seed=5))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    model = train_model(
        history, TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind=kind)
    ).model
    return model, bind_model(load_strategy(), model)


@pytest.fixture(scope="session")
def gbdt() -> tuple[RiskModel, Strategy]:
    return _trained("gbdt")


@pytest.fixture(scope="session")
def scorecard() -> tuple[RiskModel, Strategy]:
    return _trained("scorecard")


@pytest.fixture(scope="session")
def customers() -> pl.DataFrame:
    """Prospects with every feature kind: categories, booleans, nulls (no credit history)."""
    return generate_population(PopulationConfig(n=6_000, seed=77)).drop(HOOKS)
