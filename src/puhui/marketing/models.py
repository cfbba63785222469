"""The take-up (response) model and the uplift model, trained on a randomised contact experiment.

- take-up: P(draws on the pre-approved line | contacted, customer), a LightGBM classifier on
  the contacted arm: what "target by response" ranks by;
- uplift: P(draws | contacted) - P(draws | not contacted), a meta-learner over LightGBM: the
  S-learner (one model, the contact a feature; uplift = f(x, 1) - f(x, 0)), the T-learner (a
  model per arm) or the X-learner (Künzel et al. 2019: imputed effects per arm, regressed,
  averaged by the experiment's 50% propensity). On the synthetic experiment the S-learner
  tracked the true effect best (`bench/triangle.py` measures all three) and fits fastest.

The meta-learners are these few lines over LightGBM rather than causalml's: causalml 0.18 pulls
in about 1 GB (xgboost with a proprietary-licensed NVIDIA NCCL build, numba, shap, statsmodels)
for the same three estimators, and scikit-uplift has not been released since 2022 and calls a
scikit-learn function that 1.10 removes.

Features are the customer's observable fields (`population.NON_FEATURES` and the experiment's
own columns excluded), Enum columns one-hot, missing values -1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from puhui.errors import ValidationError
from puhui.population import CONTACT_COLUMNS, NON_FEATURES

FloatArray = npt.NDArray[np.float64]

LEARNERS = ("s", "t", "x")
_LGBM: dict[str, Any] = {
    "n_estimators": 200,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 100,
    "verbose": -1,
}


def feature_matrix(frame: pl.DataFrame) -> tuple[FloatArray, list[str]]:
    """Observable fields as a float matrix (Enum one-hot: the same columns for any frame)."""
    hidden = [c for c in (*NON_FEATURES, *CONTACT_COLUMNS) if c in frame.columns]
    features = frame.drop(hidden)
    enums = [c for c, dtype in features.schema.items() if isinstance(dtype, pl.Enum)]
    strings = [c for c, dtype in features.schema.items() if dtype == pl.String]
    if strings:
        raise ValidationError(
            f"columns {', '.join(strings)} are text: use a Parquet population", field="population"
        )
    encoded = features.to_dummies(enums) if enums else features
    matrix = encoded.cast(pl.Float64).fill_null(-1.0).to_numpy()
    return matrix, list(encoded.columns)


def experiment_arrays(frame: pl.DataFrame) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """(contacted, took_up) of an experiment population; refuses one without them."""
    missing = [c for c in ("contacted", "took_up") if c not in frame.columns]
    if missing:
        raise ValidationError(
            "the population has no contact experiment: generate it with --contact-experiment",
            field="experiment",
        )
    return frame["contacted"].to_numpy().astype(bool), frame["took_up"].to_numpy().astype(np.int64)


@dataclass
class TakeupModel:
    """P(take-up | contacted): the response model."""

    seed: int = 0
    _model: Any = field(default=None, repr=False)

    def fit(self, frame: pl.DataFrame) -> TakeupModel:
        from lightgbm import LGBMClassifier

        contacted, took_up = experiment_arrays(frame)
        matrix, _ = feature_matrix(frame)
        self._model = LGBMClassifier(random_state=self.seed, **_LGBM)
        self._model.fit(matrix[contacted], took_up[contacted])
        return self

    def predict(self, frame: pl.DataFrame) -> FloatArray:
        if self._model is None:
            raise ValidationError("the take-up model is not fitted", field="model")
        matrix, _ = feature_matrix(frame)
        proba: FloatArray = self._model.predict_proba(matrix)[:, 1]
        return proba


@dataclass
class UpliftModel:
    """The effect of a contact on the take-up probability (an S-, T- or X-learner)."""

    learner: str = "s"
    seed: int = 0
    _models: tuple[Any, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.learner not in LEARNERS:
            raise ValidationError(f"learner must be one of {', '.join(LEARNERS)}", field="learner")

    def fit(self, frame: pl.DataFrame) -> UpliftModel:
        from lightgbm import LGBMClassifier, LGBMRegressor

        contacted, took_up = experiment_arrays(frame)
        matrix, _ = feature_matrix(frame)

        def classifier(x: FloatArray, y: npt.NDArray[np.int64]) -> Any:
            return LGBMClassifier(random_state=self.seed, **_LGBM).fit(x, y)

        if self.learner == "s":
            self._models = (classifier(_with_arm(matrix, contacted), took_up),)
            return self
        treated = classifier(matrix[contacted], took_up[contacted])
        control = classifier(matrix[~contacted], took_up[~contacted])
        if self.learner == "t":
            self._models = (treated, control)
            return self
        # X-learner: each arm's outcome against the other arm's model, then regressed.
        effect_treated = took_up[contacted] - _proba(control, matrix[contacted])
        effect_control = _proba(treated, matrix[~contacted]) - took_up[~contacted]
        regress = LGBMRegressor(random_state=self.seed, **_LGBM)
        tau_treated = regress.fit(matrix[contacted], effect_treated)
        tau_control = LGBMRegressor(random_state=self.seed, **_LGBM).fit(
            matrix[~contacted], effect_control
        )
        self._models = (tau_treated, tau_control)
        return self

    def predict(self, frame: pl.DataFrame) -> FloatArray:
        if not self._models:
            raise ValidationError("the uplift model is not fitted", field="model")
        matrix, _ = feature_matrix(frame)
        if self.learner == "s":
            (model,) = self._models
            everyone = np.ones(matrix.shape[0], dtype=bool)
            uplift = _proba(model, _with_arm(matrix, everyone)) - _proba(
                model, _with_arm(matrix, ~everyone)
            )
        elif self.learner == "t":
            treated, control = self._models
            uplift = _proba(treated, matrix) - _proba(control, matrix)
        else:
            tau_treated, tau_control = self._models
            # the experiment assigns contact with probability 0.5: the two estimates weigh alike
            uplift = 0.5 * tau_treated.predict(matrix) + 0.5 * tau_control.predict(matrix)
        return np.asarray(uplift, dtype=np.float64).ravel()


def _with_arm(matrix: FloatArray, contacted: npt.NDArray[np.bool_]) -> FloatArray:
    return np.column_stack([matrix, contacted.astype(np.float64)])


def _proba(model: Any, matrix: FloatArray) -> FloatArray:
    return np.asarray(model.predict_proba(matrix)[:, 1], dtype=np.float64)
