"""A small trained model (with its baseline and cards) shared by the governance tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from puhui.governance.baseline import build_baseline, write_baseline
from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.risk import TrainConfig, save_model, train_model
from puhui.risk.card import model_card, model_card_zh
from puhui.risk.model import CARD_FILE, CARD_ZH_FILE, METRICS_FILE, RiskModel, load_model


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = generate_population(PopulationConfig(n=6_000, seed=21))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    trained = train_model(
        frame,
        TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind="scorecard"),
    )
    directory = tmp_path_factory.mktemp("governance") / "model"
    save_model(trained.model, directory)
    (directory / METRICS_FILE).write_text(json.dumps(trained.metrics, default=str))
    (directory / CARD_FILE).write_text(model_card(trained.metrics, "population seed 21"))
    (directory / CARD_ZH_FILE).write_text(model_card_zh(trained.metrics, "population seed 21"))
    write_baseline(build_baseline(trained.model, frame), directory)
    return directory


@pytest.fixture(scope="session")
def model(model_dir: Path) -> RiskModel:
    return load_model(model_dir)
