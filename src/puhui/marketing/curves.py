"""Qini and uplift curves on observed outcomes of a randomised experiment (causalml.metrics).

A curve ranks customers by a score and, at each share of the population targeted, counts
the incremental take-ups the experiment shows: treated take-ups minus control take-ups scaled
to the treated count (Qini), or the cumulative gain. Random targeting is the straight line;
the area between (Qini coefficient, AUUC) measures the ranking. Curves are thinned to
`points` points for people and the console.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd


def curves(
    took_up: npt.ArrayLike,
    contacted: npt.ArrayLike,
    scores: dict[str, npt.ArrayLike],
    points: int = 51,
) -> dict[str, Any]:
    """Qini and cumulative-gain curves of each score, with Qini coefficient and AUUC."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from causalml.metrics import auuc_score, get_cumgain, get_qini, qini_score

    frame = pd.DataFrame({"y": np.asarray(took_up, dtype=float)})
    frame["w"] = np.asarray(contacted, dtype=int)
    for name, score in scores.items():
        frame[name] = np.asarray(score, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qini = get_qini(frame, outcome_col="y", treatment_col="w", random_seed=0)
        gain = get_cumgain(frame, outcome_col="y", treatment_col="w", random_seed=0)
        qini_coefficient = qini_score(frame, outcome_col="y", treatment_col="w")
        auuc = auuc_score(frame, outcome_col="y", treatment_col="w")
    picks = np.unique(np.linspace(0, len(qini) - 1, points).round().astype(int))
    share = (picks / max(len(qini) - 1, 1)).round(4).tolist()
    return {
        "share": share,
        "qini": {c: qini[c].to_numpy()[picks].round(2).tolist() for c in qini.columns},
        "gain": {c: gain[c].to_numpy()[picks].round(2).tolist() for c in gain.columns},
        "qini_coefficient": {k: round(float(v), 4) for k, v in qini_coefficient.items()},
        "auuc": {k: round(float(v), 4) for k, v in auuc.items()},
    }
