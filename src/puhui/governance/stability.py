"""Stability of a distribution against its development sample: PSI of the score, CSI of features.

The development sample is not kept; its bins are. `fit_bins` cuts a numeric column at the
deciles of the development values (a categorical one at each category code) with a bin of its
own for missing values, and keeps each bin's share; `psi` compares a new column's shares with
those. It is the same index as `puhui.risk.metrics.psi` (the training report's) and agrees
with it to rounding: a tested property. Empty bins get a 0.5-row floor so the index is finite.

    PSI = Σ (actual_i − expected_i) · ln(actual_i / expected_i)

Conventional reading (Siddiqi, *Credit Risk Scorecards*, 2006): below 0.1 stable, 0.1–0.25 a
shift worth a look, above 0.25 a significant shift. The thresholds that raise alerts are data
(`thresholds.toml`).

Why by hand: the best-known drift library (Evidently 0.7) fails to import on this project's
pandas 3 (`infer_dtype_from_object` is gone), NannyML would downgrade LightGBM, and popmon
bins its own way over a time axis; the index itself is these few lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

DECILES = 10


@dataclass(frozen=True)
class Bins:
    """Upper edges (a value goes right of an equal edge), and the development shares of each
    bin; the last share is the missing bin's."""

    edges: tuple[float, ...]
    expected: tuple[float, ...]
    rows: int

    def to_dict(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "expected": list(self.expected), "rows": self.rows}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Bins:
        return cls(
            tuple(float(e) for e in data["edges"]),
            tuple(float(s) for s in data["expected"]),
            int(data["rows"]),
        )


def _counts(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    counts = np.bincount(
        np.searchsorted(edges, values[~missing], side="right"), minlength=edges.size + 1
    ).astype(np.float64)
    return np.append(counts, float(missing.sum()))


def _shares(counts: np.ndarray) -> np.ndarray:
    floored = np.maximum(counts, 0.5)
    result: np.ndarray = floored / floored.sum()
    return result


def numeric_edges(values: np.ndarray, bins: int = DECILES) -> np.ndarray:
    present = values[~np.isnan(values)]
    if present.size == 0:
        return np.array([])
    return np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))


def fit_bins(values: np.ndarray, categories: int | None = None) -> Bins:
    """Bins of a development column: deciles, or one bin per code of `categories` codes."""
    values = np.asarray(values, dtype=np.float64)
    if categories is None:
        edges = numeric_edges(values)
    else:
        edges = np.arange(categories - 1, dtype=np.float64) + 0.5
    counts = _counts(edges, values)
    return Bins(
        tuple(float(e) for e in edges),
        tuple(float(s) for s in _shares(counts)),
        int(values.size),
    )


def actual_shares(bins: Bins, values: np.ndarray) -> np.ndarray:
    return _shares(_counts(np.asarray(bins.edges), np.asarray(values, dtype=np.float64)))


def psi(bins: Bins, values: np.ndarray) -> float:
    """Population stability index of `values` against the development bins."""
    expected = np.asarray(bins.expected)
    actual = actual_shares(bins, values)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def psi_matrix(bins: Sequence[Bins], matrix: np.ndarray) -> list[float]:
    """CSI of each column of an encoded feature matrix against its development bins."""
    return [psi(b, matrix[:, j]) for j, b in enumerate(bins)]
