"""LightGBM on the encoded features, monotone where the binning found a monotone trend.

Categorical fields go in as category indices (LightGBM's own categorical splits), missing as
NaN. The model is stored as LightGBM's text format. Reason-code contributions are TreeSHAP
values (`pred_contrib`) in log-odds, measured against the training population.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np

from puhui.risk.reasons import HIGH, LOW, MISSING, VALUE
from puhui.risk.spec import FeatureSpec


def default_threads() -> int:
    """About one thread per physical core, as LightGBM advises (os.cpu_count counts SMT
    siblings; extra OpenMP threads on busy cores make training several times slower)."""
    return max(1, (os.cpu_count() or 2) // 2)


def lgb_params(rows: int, seed: int, monotone: list[int] | None) -> dict[str, Any]:
    """Conservative defaults for tabular credit data; smaller trees for small data sets."""
    params: dict[str, Any] = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 31 if rows >= 100_000 else 15,
        "min_data_in_leaf": 20,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "num_threads": default_threads(),
        "seed": seed,
        "deterministic": True,
        "force_col_wise": True,
        "verbosity": -1,
    }
    if monotone is not None and any(monotone):
        params["monotone_constraints"] = monotone
    return params


@dataclass(frozen=True)
class GbdtModel:
    booster: lgb.Booster
    monotone: tuple[int, ...]
    best_iteration: int

    def margin(self, matrix: np.ndarray, threads: int | None = None) -> np.ndarray:
        raw = self.booster.predict(matrix, raw_score=True, num_threads=threads or default_threads())
        result: np.ndarray = np.asarray(raw)
        return result

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        contrib = self.booster.predict(matrix, pred_contrib=True, num_threads=default_threads())
        result: np.ndarray = np.asarray(contrib)[:, :-1]
        return result

    def directions(self, spec: FeatureSpec, matrix: np.ndarray) -> np.ndarray:
        """Direction code of every cell: by the monotone constraint where there is one,
        otherwise above or below the feature's training median."""
        out = np.full(matrix.shape, VALUE, dtype=np.int8)
        for j, feature in enumerate(spec.features):
            if feature.kind == "numeric":
                if self.monotone[j]:
                    out[:, j] = HIGH if self.monotone[j] > 0 else LOW
                else:
                    reference = feature.reference if feature.reference is not None else 0.0
                    out[:, j] = np.where(matrix[:, j] >= reference, HIGH, LOW)
        out[np.isnan(matrix)] = MISSING
        return out


def fit_gbdt(
    spec: FeatureSpec,
    matrix: np.ndarray,
    bad: np.ndarray,
    monotone: list[int],
    seed: int,
    rounds: int | None = None,
    valid: tuple[np.ndarray, np.ndarray] | None = None,
) -> GbdtModel:
    """Train with early stopping on `valid`, or for a fixed number of `rounds` without it."""
    params = lgb_params(len(bad), seed, monotone)
    categorical = spec.categorical_indices()
    train_set = lgb.Dataset(
        matrix,
        label=bad.astype(np.float64),
        categorical_feature=categorical,
        feature_name=spec.names,
        free_raw_data=True,
    )
    callbacks: list[Any] = []
    valid_sets = []
    if valid is not None:
        valid_sets.append(
            lgb.Dataset(valid[0], label=valid[1].astype(np.float64), reference=train_set)
        )
        callbacks.append(lgb.early_stopping(100, verbose=False))
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=rounds if rounds is not None else 3000,
        valid_sets=valid_sets,
        callbacks=callbacks,
    )
    best = booster.best_iteration if valid is not None and booster.best_iteration > 0 else None
    if best is not None:
        booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=best))
    return GbdtModel(
        booster=booster,
        monotone=tuple(monotone),
        best_iteration=best if best is not None else booster.current_iteration(),
    )
