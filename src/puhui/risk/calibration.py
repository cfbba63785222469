"""Turn a model's raw log-odds into a calibrated PD: Platt scaling or isotonic regression.

The method is chosen on held-out data by two-fold cross-fitting (fit on one half, score the
other, lower log loss wins), then refitted on all of it. The isotonic map interpolates linearly
between block centres, so it keeps the model's ranking instead of creating large ties.
Both are stored as a few numbers in JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

_EPS = 1e-6


@dataclass(frozen=True)
class Calibrator:
    """margin -> PD. Platt: sigmoid(a * margin + b); isotonic: interpolation through points."""

    method: str
    a: float = 1.0
    b: float = 0.0
    x: tuple[float, ...] = ()
    y: tuple[float, ...] = ()

    def __call__(self, margin: np.ndarray) -> np.ndarray:
        if self.method == "platt":
            result: np.ndarray = 1.0 / (1.0 + np.exp(-(self.a * margin + self.b)))
        else:
            result = np.interp(margin, self._x, self._y)
        clipped: np.ndarray = np.clip(result, _EPS, 1.0 - _EPS)
        return clipped

    # The interpolation points as arrays, built once (a tuple is converted on every call).
    @cached_property
    def _x(self) -> np.ndarray:
        return np.asarray(self.x, dtype=np.float64)

    @cached_property
    def _y(self) -> np.ndarray:
        return np.asarray(self.y, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "a": self.a,
            "b": self.b,
            "x": list(self.x),
            "y": list(self.y),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibrator:
        return cls(
            method=str(data["method"]),
            a=float(data["a"]),
            b=float(data["b"]),
            x=tuple(float(v) for v in data["x"]),
            y=tuple(float(v) for v in data["y"]),
        )


def fit_platt(margin: np.ndarray, bad: np.ndarray) -> Calibrator:
    model = LogisticRegression(C=1e6, max_iter=1000).fit(margin.reshape(-1, 1), bad)
    return Calibrator("platt", a=float(model.coef_[0, 0]), b=float(model.intercept_[0]))


def fit_isotonic(margin: np.ndarray, bad: np.ndarray) -> Calibrator:
    iso = IsotonicRegression(out_of_bounds="clip", y_min=_EPS, y_max=1 - _EPS)
    iso.fit(margin, bad.astype(np.float64))
    levels = iso.predict(margin)
    # One point per block of equal level, at the block's mean margin.
    order = np.argsort(margin, kind="stable")
    sorted_levels = levels[order]
    sorted_margin = margin[order]
    starts = np.flatnonzero(np.r_[True, np.diff(sorted_levels) != 0])
    ends = np.r_[starts[1:], sorted_levels.size]
    centres = [float(np.mean(sorted_margin[s:e])) for s, e in zip(starts, ends, strict=True)]
    values = [float(sorted_levels[s]) for s in starts]
    return Calibrator("isotonic", x=tuple(centres), y=tuple(values))


def _log_loss(bad: np.ndarray, pd: np.ndarray) -> float:
    return float(-np.mean(bad * np.log(pd) + (1 - bad) * np.log(1 - pd)))


def choose_calibrator(
    margin: np.ndarray, bad: np.ndarray, seed: int
) -> tuple[Calibrator, np.ndarray, dict[str, float]]:
    """Pick Platt or isotonic by cross-fitted log loss; return it refitted on all rows,
    the honest (cross-fitted) PD of every row under the chosen method, and the losses."""
    rng = np.random.default_rng(seed)
    half = rng.permutation(bad.size) % 2 == 0
    losses: dict[str, float] = {}
    honest: dict[str, np.ndarray] = {}
    for name, fit in (("platt", fit_platt), ("isotonic", fit_isotonic)):
        pd = np.empty(bad.size)
        for part in (half, ~half):
            if bad[~part].min() == bad[~part].max():
                pd[part] = float(np.mean(bad))
                continue
            pd[part] = fit(margin[~part], bad[~part])(margin[part])
        losses[name] = _log_loss(bad, pd)
        honest[name] = pd
    method = min(losses, key=lambda k: losses[k])
    fitter = fit_platt if method == "platt" else fit_isotonic
    return fitter(margin, bad), honest[method], losses
