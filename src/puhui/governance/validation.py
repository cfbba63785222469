"""Model validation: the figures an independent validator signs off, on a sample with outcomes.

`validate_model` computes, for a model and a labelled validation sample:

- discrimination: AUC, Gini, KS (and the ROC curve), for the model and a challenger;
- calibration: mean PD against the bad rate by decile, Brier, ECE;
- stability: PSI of the score and CSI of each feature against the development sample;
- fairness: fairlearn's metrics of the approve decision (PD at or below the cutoff) across
  each protected attribute, graded against the thresholds (a red figure is a breach);
- benchmark: the challenger (another registered model, or else a logistic regression on the
  same features, cross-fitted in five folds on the validation sample);
- sensitivity: for each feature, how many decisions change and how far the PD moves when the
  feature alone is set to its 10th / 90th percentile (numbers) or to each category;
- limits: what the figures say the model should not be trusted for.

Pure: no storage, no clock. `report.render_html` turns the result into the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from puhui.errors import ValidationError
from puhui.governance.baseline import Baseline
from puhui.governance.fairness import fairness_report
from puhui.governance.stability import psi
from puhui.governance.thresholds import Thresholds
from puhui.risk import metrics
from puhui.risk.model import RiskModel

SENSITIVITY_ROWS = 5_000
ROC_POINTS = 60


@dataclass(frozen=True)
class ValidationInput:
    """What a validation runs on: the model, a labelled sample and its context."""

    model: RiskModel
    frame: pl.DataFrame  # the model's features, the protected attributes, anything else
    bad: np.ndarray  # True where the customer defaulted
    data_name: str
    cutoff: float  # approve when PD <= cutoff
    thresholds: Thresholds
    baseline: Baseline | None = None
    protected: Sequence[str] = ()
    challenger: RiskModel | None = None
    seed: int = 0


def _ranking(bad: np.ndarray, pd: np.ndarray) -> dict[str, Any]:
    fpr, tpr, _ = roc_curve(bad.astype(np.int64), pd)
    keep = np.unique(np.linspace(0, fpr.size - 1, min(ROC_POINTS, fpr.size)).astype(int))
    return {
        "auc": metrics.auc(bad, pd),
        "gini": metrics.gini(bad, pd),
        "ks": metrics.ks(bad, pd),
        "brier": metrics.brier(bad, pd),
        "ece": metrics.ece(bad, pd),
        "mean_pd": float(pd.mean()),
        "roc": [[float(fpr[i]), float(tpr[i])] for i in keep],
    }


def benchmark_pd(model: RiskModel, matrix: np.ndarray, bad: np.ndarray, seed: int) -> np.ndarray:
    """Cross-fitted PDs of a plain logistic regression on the same encoded features."""
    numeric = [j for j, f in enumerate(model.spec.features) if f.kind == "numeric"]
    categorical = [j for j, f in enumerate(model.spec.features) if f.kind == "categorical"]
    columns = ColumnTransformer(
        [
            (
                "numeric",
                make_pipeline(
                    SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
                ),
                numeric,
            ),
            (
                "categorical",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=-1.0),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                categorical,
            ),
        ]
    )
    pipeline = make_pipeline(columns, LogisticRegression(solver="newton-cholesky", max_iter=200))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    proba = cross_val_predict(pipeline, matrix, bad.astype(int), cv=folds, method="predict_proba")
    result: np.ndarray = proba[:, 1]
    return result


def sensitivity(
    model: RiskModel, matrix: np.ndarray, cutoff: float, seed: int
) -> list[dict[str, Any]]:
    """Per feature: the largest share of decisions that change, and the spread of mean PD,
    when that feature alone is set to each of its probe values."""
    rng = np.random.default_rng(seed)
    if matrix.shape[0] > SENSITIVITY_ROWS:
        matrix = matrix[rng.choice(matrix.shape[0], SENSITIVITY_ROWS, replace=False)]
    base_pd = model.predict_pd_encoded(matrix)
    base_approve = base_pd <= cutoff
    rows: list[dict[str, Any]] = []
    for j, feature in enumerate(model.spec.features):
        column = matrix[:, j]
        if feature.kind == "categorical":
            probes = [float(c) for c in range(min(len(feature.categories), 12))]
            labels = list(feature.categories[: len(probes)])
        else:
            present = column[~np.isnan(column)]
            if present.size == 0:
                continue
            probes = [float(np.quantile(present, 0.1)), float(np.quantile(present, 0.9))]
            labels = ["p10", "p90"]
        flips, means = [], []
        for value in probes:
            probe = matrix.copy()
            probe[:, j] = value
            pd = model.predict_pd_encoded(probe)
            flips.append(float(np.mean((pd <= cutoff) != base_approve)))
            means.append(float(pd.mean()))
        worst = int(np.argmax(flips))
        rows.append(
            {
                "feature": feature.name,
                "kind": feature.kind,
                "max_flip_share": flips[worst],
                "at": labels[worst],
                "mean_pd_low": min(means),
                "mean_pd_high": max(means),
                "probes": dict(zip(labels, means, strict=True)),
            }
        )
    rows.sort(key=lambda r: -float(r["max_flip_share"]))
    return rows


def _limits(result: Mapping[str, Any], model: RiskModel, data_name: str, rows: int) -> list[str]:
    notes = [
        f"Validated on {rows:,} rows of `{data_name}`; decisions about other products, "
        "populations or periods are outside what this evidence covers.",
        "Outcomes exist only for customers who were granted credit in the past (no reject "
        "inference): PDs for segments earlier strategies declined are extrapolations.",
    ]
    drifting = [name for name, v in (result.get("csi") or {}).items() if v > 0.1]
    if drifting:
        notes.append(
            "Features whose distribution differs from development (CSI > 0.1): "
            + ", ".join(drifting)
            + "; figures on them rest on less data."
        )
    gaps = [
        row
        for row in result["calibration"]
        if row["rows"] >= 200 and abs(row["bad_rate"] - row["mean_pd"]) > 0.5 * row["mean_pd"]
    ]
    if gaps:
        notes.append(
            "Calibration is off by more than half the predicted PD in decile(s) "
            + ", ".join(str(r["bin"]) for r in gaps)
            + ": use the PD there with care (pricing, limits)."
        )
    top = result["sensitivity"][:3]
    if top and top[0]["max_flip_share"] > 0.05:
        notes.append(
            "Decisions lean most on "
            + ", ".join(f"{r['feature']} ({r['max_flip_share']:.1%} change)" for r in top)
            + ": errors in these inputs move decisions most."
        )
    return notes


def validate_model(given: ValidationInput) -> dict[str, Any]:
    """Every figure of the validation report (JSON-ready)."""
    model, frame, bad = given.model, given.frame, np.asarray(given.bad, dtype=bool)
    if frame.height != bad.size:
        raise ValidationError("outcomes and rows differ in number", field="target")
    if bad.all() or not bad.any():
        raise ValidationError("validation needs both good and bad outcomes", field="target")
    matrix = model.encode(frame)
    pd = model.predict_pd_encoded(matrix)
    result: dict[str, Any] = {
        "model_version": model.version,
        "model_kind": model.kind,
        "data_name": given.data_name,
        "rows": int(bad.size),
        "bad_rate": float(bad.mean()),
        "cutoff": given.cutoff,
        "approval_rate": float(np.mean(pd <= given.cutoff)),
        "discrimination": _ranking(bad, pd),
        "calibration": metrics.calibration_table(bad, pd),
    }
    if given.challenger is not None:
        challenger_pd = given.challenger.predict_pd(frame)
        challenger_name = f"challenger {given.challenger.version}"
    else:
        challenger_pd = benchmark_pd(model, matrix, bad, given.seed)
        challenger_name = "benchmark: logistic regression, 5-fold cross-fitted"
    result["challenger"] = {"name": challenger_name, **_ranking(bad, challenger_pd)}
    if given.baseline is not None:
        score = model.score_points(pd).astype(np.float64)
        result["psi_score"] = psi(given.baseline.score, score)
        result["csi"] = {
            name: psi(given.baseline.features[name], matrix[:, j])
            for j, name in enumerate(model.spec.names)
            if name in given.baseline.features
        }
    else:
        result["psi_score"] = None
        result["csi"] = {}
    fairness = []
    for attribute in given.protected:
        if attribute not in frame.columns:
            raise ValidationError(f"no protected column '{attribute}'", field="protected")
        report = fairness_report(
            attribute,
            frame[attribute].cast(pl.String).fill_null("missing").to_numpy(),
            pd <= given.cutoff,
            given.thresholds,
            good=~bad,
        )
        fairness.append(report.to_dict())
    result["fairness"] = fairness
    result["fairness_breach"] = any(f["breach"] for f in fairness)
    result["sensitivity"] = sensitivity(model, matrix, given.cutoff, given.seed)
    result["limits"] = _limits(result, model, given.data_name, int(bad.size))
    result["headline"] = {
        "auc": result["discrimination"]["auc"],
        "ks": result["discrimination"]["ks"],
        "ece": result["discrimination"]["ece"],
        "challenger_auc": result["challenger"]["auc"],
        "psi_score": result["psi_score"],
        "fairness_breach": result["fairness_breach"],
    }
    return result
