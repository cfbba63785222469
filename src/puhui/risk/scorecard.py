"""A scorecard: optimal WOE bins + logistic regression, every part stored as JSON.

log-odds(bad) = intercept + sum_j coef_j * WOE_j(x_j). A feature's reason-code contribution is
the log-odds it adds over its best attribute (the bin with the lowest coef * WOE), which is the
points it lost divided by the points-per-log-odds factor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from puhui.risk.binning import WoeBinning
from puhui.risk.reasons import HIGH, LOW, MISSING, VALUE
from puhui.risk.spec import FeatureSpec


@dataclass(frozen=True)
class ScorecardModel:
    binning: WoeBinning
    coef: tuple[float, ...]
    intercept: float

    def margin(self, matrix: np.ndarray) -> np.ndarray:
        """Log-odds of default for an encoded matrix."""
        woe = self.binning.transform(matrix)
        # A row-wise sum, not `woe @ coef`: BLAS may block a matrix product differently for
        # different batch sizes, and a customer's PD must not depend on who else is in the
        # batch (a logged decision is replayed one row at a time).
        result: np.ndarray = self.intercept + (woe * self._coef).sum(axis=1)
        return result

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Per feature, the log-odds added over that feature's best attribute (>= 0)."""
        woe = self.binning.transform(matrix)
        result: np.ndarray = woe * self._coef - self._best
        return result

    def directions(self, spec: FeatureSpec, matrix: np.ndarray) -> np.ndarray:
        """Direction code of every cell (see `reasons.DIRECTIONS`): a numeric value is `high`
        when its bin lies above the feature's best bin, else `low`."""
        best_bins = self._best_bins
        if matrix.shape[0] == 1:  # one decision: plain look-ups beat numpy's call overhead
            codes = []
            for j, (feature, value) in enumerate(
                zip(spec.features, matrix[0].tolist(), strict=True)
            ):
                if value != value:
                    codes.append(MISSING)
                elif feature.kind == "numeric":
                    above = self.binning.bins[j].bin_of(value) > best_bins[j]
                    codes.append(HIGH if above else LOW)
                else:
                    codes.append(VALUE)
            return np.asarray([codes], dtype=np.int8)
        out = np.full(matrix.shape, VALUE, dtype=np.int8)
        for j, feature in enumerate(spec.features):
            if feature.kind == "numeric":
                bins = self.binning.bins[j]
                out[:, j] = np.where(bins.bin_index(matrix[:, j]) > best_bins[j], HIGH, LOW)
        out[np.isnan(matrix)] = MISSING
        return out

    @cached_property
    def _coef(self) -> np.ndarray:
        return np.asarray(self.coef, dtype=np.float64)

    @cached_property
    def _best_bins(self) -> tuple[int, ...]:
        """Per feature, the bin with the lowest coef * WOE among bins seen in training."""
        best = []
        for coef, bins in zip(self.coef, self.binning.bins, strict=True):
            levels = [
                coef * w if c > 0 else np.inf for w, c in zip(bins.woe, bins.count, strict=True)
            ]
            best.append(int(np.argmin(levels)) if levels else 0)
        return tuple(best)

    @cached_property
    def _best(self) -> np.ndarray:
        best = []
        for coef, bins in zip(self.coef, self.binning.bins, strict=True):
            levels = [coef * w for w, c in zip(bins.woe, bins.count, strict=True) if c > 0]
            if bins.count_missing > 0 or not levels:
                levels.append(coef * bins.woe_missing)
            best.append(min(levels))
        return np.asarray(best)

    def to_dict(self) -> dict[str, Any]:
        return {"coef": list(self.coef), "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], binning: WoeBinning) -> ScorecardModel:
        return cls(
            binning=binning,
            coef=tuple(float(c) for c in data["coef"]),
            intercept=float(data["intercept"]),
        )


def fit_scorecard(binning: WoeBinning, matrix: np.ndarray, bad: np.ndarray) -> ScorecardModel:
    """Logistic regression on the WOE of every feature (L2, C=1)."""
    woe = binning.transform(matrix)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(woe, bad.astype(np.int64))
    return ScorecardModel(
        binning=binning,
        coef=tuple(float(c) for c in model.coef_[0]),
        intercept=float(model.intercept_[0]),
    )
