"""The PD a strategy decides on: its model's, scored once per population.

The simulator scores customers with a real PD model (the one the strategy names when its
files are at hand, or one given explicitly); without either it trains one on a synthetic
history drawn from the population generator with another seed, as the main job does, and
caches it on disk, so every simulation of a machine decides with the same model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from puhui.errors import ValidationError
from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.risk.model import MODEL_FILE, RiskModel, load_model, save_model
from puhui.risk.strategy import Strategy
from puhui.risk.training import TrainConfig, train_model

HISTORY_ROWS = 40_000
HISTORY_SEED = 2027


def resolve_model(
    strategy: Strategy,
    model_dir: str | Path | None,
    cache_dir: str | Path,
    say: Callable[[str], None] | None = None,
) -> tuple[RiskModel, str]:
    """(model, where it came from): `model_dir`, the strategy's path, or a cached trained one."""
    if model_dir is not None:
        if not Path(model_dir).is_dir():
            raise ValidationError(f"no model directory at {model_dir}", field="model")
        return load_model(model_dir), str(model_dir)
    path = strategy.model.path
    if path and not path.startswith("registry:") and Path(path).is_dir():
        return load_model(path), path
    cache = Path(cache_dir) / f"pd-{HISTORY_SEED}-{HISTORY_ROWS}"
    if (cache / MODEL_FILE).exists():
        return load_model(cache), str(cache)
    if say is not None:
        say("training a PD model on a synthetic history (cached for next time)")
    model = train_history_model()
    save_model(model, cache)
    (cache / "source.json").write_text(
        json.dumps({"history_rows": HISTORY_ROWS, "history_seed": HISTORY_SEED})
    )
    return model, str(cache)


def train_history_model(
    rows: int = HISTORY_ROWS, seed: int = HISTORY_SEED, kind: str = "auto"
) -> RiskModel:
    """A PD model trained on a synthetic history with known outcomes (as `puhui run` does)."""
    history = generate_population(PopulationConfig(n=rows, seed=seed))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    config = TrainConfig(
        target="defaulted", bad_value="true", exclude=exclude, seed=seed, kind=kind
    )
    return train_model(history, config).model


def score(model: RiskModel, population: pl.DataFrame) -> npt.NDArray[np.float64]:
    """The model's PD of every row (extra columns, the truth among them, are ignored)."""
    matrix = model.spec.encode_frame(population, allow_extra=True)
    pd: npt.NDArray[np.float64] = np.asarray(model.predict_pd_encoded(matrix), dtype=np.float64)
    return pd
