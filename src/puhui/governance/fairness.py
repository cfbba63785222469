"""Fairness of a model's decisions across a protected attribute, with fairlearn's metrics.

The decision is the favourable outcome (approval); the label is the good outcome (no
default), so the equalised-odds gap compares, between groups, how often good customers are
approved (true-positive rate) and how often bad ones are (false-positive rate):

- selection rate by group: the approval rate of each group;
- demographic parity difference: the largest gap in approval rate between groups;
- equalised odds difference: the larger of the largest TPR gap and the largest FPR gap.

Each figure is graded against `thresholds.toml`; a red figure is a breach, and approving a
model with a breach in its validation needs an explicit override reason (`lifecycle.check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)

from puhui.errors import ValidationError
from puhui.governance.thresholds import Thresholds


@dataclass(frozen=True)
class FairnessReport:
    attribute: str
    groups: list[dict[str, Any]]  # group, rows, selection_rate, tpr, fpr, bad_rate
    demographic_parity_difference: float
    equalized_odds_difference: float | None
    levels: dict[str, str]

    @property
    def breach(self) -> bool:
        return "red" in self.levels.values()

    def to_dict(self) -> dict[str, Any]:
        return {
            "attribute": self.attribute,
            "groups": self.groups,
            "demographic_parity_difference": self.demographic_parity_difference,
            "equalized_odds_difference": self.equalized_odds_difference,
            "levels": self.levels,
            "breach": self.breach,
        }


def fairness_report(
    attribute: str,
    groups: np.ndarray,
    approved: np.ndarray,
    thresholds: Thresholds,
    good: np.ndarray | None = None,
) -> FairnessReport:
    """Fairness of `approved` (bool per row) across `groups`; with `good` (bool: did not
    default) also the error rates and the equalised-odds gap."""
    groups = np.asarray(groups).astype(str)
    approved = np.asarray(approved, dtype=bool)
    if groups.size != approved.size or (good is not None and np.asarray(good).size != groups.size):
        raise ValidationError(
            "groups, decisions and outcomes must be the same length", field="groups"
        )
    if np.unique(groups).size < 2:
        raise ValidationError(f"'{attribute}' needs at least two groups", field=attribute)
    y_true = np.asarray(good, dtype=bool) if good is not None else approved
    metrics: dict[str, Any] = {"rows": count, "selection_rate": selection_rate}
    if good is not None:
        metrics |= {"tpr": true_positive_rate, "fpr": false_positive_rate}
    frame = MetricFrame(
        metrics=metrics, y_true=y_true, y_pred=approved, sensitive_features=groups
    ).by_group
    rows = []
    for group, values in frame.iterrows():
        entry: dict[str, Any] = {
            "group": str(group),
            "rows": int(values["rows"]),
            "selection_rate": float(values["selection_rate"]),
        }
        if good is not None:
            entry["tpr"] = float(values["tpr"])
            entry["fpr"] = float(values["fpr"])
            entry["bad_rate"] = float(1.0 - np.mean(y_true[groups == str(group)]))
        rows.append(entry)
    dpd = float(demographic_parity_difference(y_true, approved, sensitive_features=groups))
    eod = (
        float(equalized_odds_difference(y_true, approved, sensitive_features=groups))
        if good is not None
        else None
    )
    levels = {
        "demographic_parity_difference": thresholds["demographic_parity_difference"].level(dpd)
    }
    if eod is not None:
        levels["equalized_odds_difference"] = thresholds["equalized_odds_difference"].level(eod)
    return FairnessReport(attribute, rows, dpd, eod, levels)
