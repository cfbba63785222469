"""The take-up (response) model and the uplift model, trained on a randomised contact experiment.

- take-up: P(draws on the pre-approved line | contacted, customer), a LightGBM classifier on
  the contacted arm: what "target by response" ranks by;
- uplift: P(draws | contacted) - P(draws | not contacted), causalml's S-learner with a
  LightGBM base learner (the treatment a feature). On the synthetic experiment it tracked the
  true effect best of causalml's meta-learners (correlation with the truth on 40,000 held-out
  customers: S 0.79, X 0.71, T 0.60; `bench/triangle.py` measures it), and fits fastest.

Features are the customer's observable fields (`population.NON_FEATURES` and the experiment's
own columns excluded), Enum columns one-hot, missing values -1.
"""

from __future__ import annotations

import warnings
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
    """The effect of a contact on the take-up probability (causalml meta-learner)."""

    learner: str = "s"
    seed: int = 0
    _model: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.learner not in LEARNERS:
            raise ValidationError(f"learner must be one of {', '.join(LEARNERS)}", field="learner")

    def fit(self, frame: pl.DataFrame) -> UpliftModel:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                from causalml.inference.meta import (
                    BaseSClassifier,
                    BaseTClassifier,
                    BaseXClassifier,
                )
        except ImportError:
            raise ValidationError(
                "uplift models need causalml: pip install 'puhui[uplift]'", field="uplift"
            ) from None
        from lightgbm import LGBMClassifier, LGBMRegressor

        contacted, took_up = experiment_arrays(frame)
        matrix, _ = feature_matrix(frame)
        arm = np.where(contacted, "treatment", "control")
        classifier = LGBMClassifier(random_state=self.seed, **_LGBM)
        if self.learner == "s":
            self._model = BaseSClassifier(learner=classifier, control_name="control")
            self._model.fit(matrix, treatment=arm, y=took_up)
        elif self.learner == "t":
            self._model = BaseTClassifier(learner=classifier, control_name="control")
            self._model.fit(matrix, treatment=arm, y=took_up)
        else:
            self._model = BaseXClassifier(
                outcome_learner=classifier,
                effect_learner=LGBMRegressor(random_state=self.seed, **_LGBM),
                control_name="control",
            )
            self._model.fit(matrix, treatment=arm, y=took_up, p=np.full(took_up.size, 0.5))
        return self

    def predict(self, frame: pl.DataFrame) -> FloatArray:
        if self._model is None:
            raise ValidationError("the uplift model is not fitted", field="model")
        matrix, _ = feature_matrix(frame)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.learner == "x":
                raw = self._model.predict(matrix, p=np.full(matrix.shape[0], 0.5))
            else:
                raw = self._model.predict(matrix)
        uplift: FloatArray = np.asarray(raw, dtype=np.float64).ravel()
        return uplift
