"""Qini and uplift curves on observed outcomes of a randomised experiment.

A curve ranks customers by a score and, at each share of the population targeted (the top k),
counts the incremental take-ups the experiment shows there:

- Qini: treated take-ups - control take-ups x (treated / control counts) in the top k;
- cumulative gain: (treated take-up rate - control take-up rate) x k.

Random targeting is the straight line from 0 to the whole population's value. The Qini
coefficient is the area between a score's Qini curve and that line, per customer; the AUUC is
the area under the cumulative-gain curve, per customer (Radcliffe 2007; Gutierrez & Gérardy
2017). Curves are thinned to `points` points for people and the console.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _curves(y: FloatArray, w: FloatArray, score: FloatArray) -> tuple[FloatArray, FloatArray]:
    order = np.argsort(-score, kind="stable")
    treated = np.cumsum(w[order])
    control = np.cumsum(1 - w[order])
    y_treated = np.cumsum((y * w)[order])
    y_control = np.cumsum((y * (1 - w))[order])
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = y_treated - y_control * np.where(control > 0, treated / control, 0.0)
        rate_t = np.where(treated > 0, y_treated / np.maximum(treated, 1), 0.0)
        rate_c = np.where(control > 0, y_control / np.maximum(control, 1), 0.0)
    gain = (rate_t - rate_c) * np.arange(1, y.size + 1)
    return np.concatenate([[0.0], qini]), np.concatenate([[0.0], gain])


def curves(
    took_up: npt.ArrayLike,
    contacted: npt.ArrayLike,
    scores: dict[str, npt.ArrayLike],
    points: int = 51,
) -> dict[str, Any]:
    """Qini and cumulative-gain curves of each score (and of random targeting), with each
    score's Qini coefficient and AUUC."""
    y = np.asarray(took_up, dtype=np.float64)
    w = np.asarray(contacted, dtype=np.float64)
    n = y.size
    qini: dict[str, FloatArray] = {}
    gain: dict[str, FloatArray] = {}
    for name, score in scores.items():
        qini[name], gain[name] = _curves(y, w, np.asarray(score, dtype=np.float64))
    line = np.linspace(0.0, 1.0, n + 1)
    any_curve = next(iter(qini.values()))
    qini["Random"] = line * any_curve[-1]
    gain["Random"] = line * next(iter(gain.values()))[-1]
    picks = np.unique(np.linspace(0, n, points).round().astype(int))
    return {
        "share": (picks / max(n, 1)).round(4).tolist(),
        "qini": {k: v[picks].round(2).tolist() for k, v in qini.items()},
        "gain": {k: v[picks].round(2).tolist() for k, v in gain.items()},
        "qini_coefficient": {
            k: round(float(np.mean(qini[k] - qini["Random"]) / max(n, 1)), 6) for k in scores
        },
        "auuc": {k: round(float(np.mean(gain[k]) / max(n, 1)), 6) for k in scores},
    }
