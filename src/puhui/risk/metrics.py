"""Model performance figures: ranking (AUC, Gini, KS), calibration (Brier, ECE) and stability (PSI).

ECE uses ten equal-frequency bins of the predicted PD (equal-width bins put almost every row
of a 3% bad-rate book in the first bin): the row-weighted mean of |mean PD - bad rate|.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve


def auc(bad: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of `score` (higher = riskier) against the bad flag."""
    return float(roc_auc_score(bad.astype(np.int64), score))


def gini(bad: np.ndarray, score: np.ndarray) -> float:
    return 2.0 * auc(bad, score) - 1.0


def ks(bad: np.ndarray, score: np.ndarray) -> float:
    """Kolmogorov-Smirnov: the largest gap between the bad and good score distributions."""
    fpr, tpr, _ = roc_curve(bad.astype(np.int64), score)
    return float(np.max(tpr - fpr))


def brier(bad: np.ndarray, pd: np.ndarray) -> float:
    return float(np.mean((pd - bad.astype(np.float64)) ** 2))


def calibration_table(bad: np.ndarray, pd: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted PD and observed bad rate in each equal-frequency bin of PD (deciles)."""
    order = np.argsort(pd, kind="stable")
    rows = []
    for index, part in enumerate(np.array_split(order, bins)):
        if part.size == 0:
            continue
        rows.append(
            {
                "bin": index + 1,
                "rows": int(part.size),
                "mean_pd": float(np.mean(pd[part])),
                "bad_rate": float(np.mean(bad[part])),
            }
        )
    return rows


def ece(bad: np.ndarray, pd: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-frequency bins of the predicted PD."""
    table = calibration_table(bad, pd, bins)
    total = sum(row["rows"] for row in table)
    return float(
        sum(row["rows"] * abs(row["mean_pd"] - row["bad_rate"]) for row in table) / max(total, 1)
    )


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """Population stability index of `actual` against `expected`, on deciles of `expected`.

    Missing values form a bin of their own; empty bins get a 0.5-row floor so PSI stays finite.
    """
    expected = np.asarray(expected, dtype=np.float64)
    actual = np.asarray(actual, dtype=np.float64)
    present = expected[~np.isnan(expected)]
    if present.size == 0:
        edges = np.array([])
    else:
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))

    def shares(values: np.ndarray) -> np.ndarray:
        missing = np.isnan(values)
        counts = np.bincount(
            np.searchsorted(edges, values[~missing], side="right"), minlength=edges.size + 1
        ).astype(np.float64)
        counts = np.append(counts, missing.sum())
        counts = np.maximum(counts, 0.5)
        result: np.ndarray = counts / counts.sum()
        return result

    e, a = shares(expected), shares(actual)
    return float(np.sum((a - e) * np.log(a / e)))


def summary(bad: np.ndarray, pd: np.ndarray) -> dict[str, Any]:
    """Every headline figure for one set of predictions."""
    return {
        "rows": int(bad.size),
        "bad_rate": float(np.mean(bad)),
        "mean_pd": float(np.mean(pd)),
        "auc": auc(bad, pd),
        "gini": gini(bad, pd),
        "ks": ks(bad, pd),
        "brier": brier(bad, pd),
        "ece": ece(bad, pd),
        "calibration_by_decile": calibration_table(bad, pd),
    }
