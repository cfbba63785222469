"""Train a PD model from a table: scorecard, LightGBM, or both and keep the better.

The procedure, in one place:

1. Features are every column but the target and `exclude`; the spec is read from the data.
2. Assessment: 5-fold stratified cross-validation below 20,000 rows, otherwise one stratified
   80/20 split. In each fold the WOE binning is fitted on the training part; the scorecard is
   logistic regression on WOE; LightGBM gets monotone constraints where the binning found a
   monotone trend and early-stops on 15% of the training part.
3. `auto` keeps the kind with the higher held-out AUC, preferring the scorecard within 0.005.
4. Calibration (Platt or isotonic) is chosen and fitted on the held-out log-odds; the reported
   metrics use cross-fitted calibrated PDs, so they are honest held-out figures.
5. The chosen kind is refitted on every row (LightGBM for the mean early-stopped rounds).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedKFold, train_test_split

from puhui.errors import ValidationError
from puhui.risk import metrics
from puhui.risk.binning import WoeBinning, fit_binning
from puhui.risk.calibration import choose_calibrator
from puhui.risk.gbdt import GbdtModel, fit_gbdt
from puhui.risk.model import PointsScale, RiskModel, with_version
from puhui.risk.scorecard import ScorecardModel, fit_scorecard
from puhui.risk.spec import FeatureSpec

KINDS = ("auto", "scorecard", "gbdt")
SCORECARD_MARGIN = 0.005
CV_BELOW_ROWS = 20_000

# Column names that usually hold protected attributes; flagged in metrics and the model card.
PROTECTED_HINTS = ("afam", "race", "ethnic", "gender", "sex", "religion", "nationality")


@dataclass(frozen=True)
class TrainConfig:
    target: str
    bad_value: str
    exclude: tuple[str, ...] = ()
    kind: str = "auto"
    seed: int = 0
    scale: PointsScale = field(default_factory=PointsScale)


@dataclass(frozen=True)
class TrainResult:
    model: RiskModel
    metrics: dict[str, Any]


def bad_flags(frame: pl.DataFrame, target: str, bad_value: str) -> np.ndarray:
    """True where the target equals `bad_value` (compared as text; booleans case-blind)."""
    if target not in frame.columns:
        raise ValidationError(f"no target column '{target}'", field="target")
    column = frame[target]
    if column.null_count():
        raise ValidationError(f"target '{target}' has missing values", field="target")
    text = column.cast(pl.String)
    wanted = bad_value
    if column.dtype == pl.Boolean:
        wanted = bad_value.strip().lower()
        text = text.str.to_lowercase()
    flags: np.ndarray = (text == wanted).to_numpy()
    bads = int(flags.sum())
    if bads < 10 or flags.size - bads < 10:
        raise ValidationError(
            f"target '{target}' has {bads} rows equal to {bad_value!r} and "
            f"{flags.size - bads} others; need at least 10 of each",
            field="bad_value",
        )
    return flags


def feature_frame(frame: pl.DataFrame, target: str, exclude: Sequence[str]) -> pl.DataFrame:
    for name in exclude:
        if name not in frame.columns:
            raise ValidationError(f"cannot exclude unknown column '{name}'", field="exclude")
    features = frame.drop([target, *exclude])
    if not features.columns:
        raise ValidationError("no feature columns left", field="exclude")
    return features


def train_model(
    frame: pl.DataFrame,
    config: TrainConfig,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Train, assess and calibrate a PD model; see the module docstring for the procedure."""
    if config.kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    say = progress or (lambda _: None)
    bad = bad_flags(frame, config.target, config.bad_value)
    features = feature_frame(frame, config.target, config.exclude)
    spec = FeatureSpec.infer(features)
    matrix = spec.encode_frame(features)
    kinds = ["scorecard", "gbdt"] if config.kind == "auto" else [config.kind]

    splits = _assessment_splits(bad, config.seed)
    held_out = np.concatenate([test for _, test in splits])
    oof = {kind: np.full(bad.size, np.nan) for kind in kinds}
    first_train_margin: dict[str, np.ndarray] = {}
    rounds: list[int] = []
    for number, (train, test) in enumerate(splits, start=1):
        say(f"assessment fold {number}/{len(splits)}")
        binning = fit_binning(spec, matrix[train], bad[train])
        for kind in kinds:
            fitted = _fit_kind(kind, spec, binning, matrix[train], bad[train], config.seed)
            oof[kind][test] = fitted.margin(matrix[test])
            if number == 1:
                first_train_margin[kind] = fitted.margin(matrix[train])
            if isinstance(fitted, GbdtModel):
                rounds.append(fitted.best_iteration)

    aucs = {kind: metrics.auc(bad[held_out], oof[kind][held_out]) for kind in kinds}
    chosen = kinds[0]
    if config.kind == "auto":
        chosen = "scorecard" if aucs["scorecard"] >= aucs["gbdt"] - SCORECARD_MARGIN else "gbdt"
    say("calibration")
    calibrator, honest_pd, losses = choose_calibrator(
        oof[chosen][held_out], bad[held_out], config.seed
    )

    say(f"final {chosen} fit on all rows")
    final_binning = fit_binning(spec, matrix, bad)
    final_rounds = max(1, round(float(np.mean(rounds)) * 1.1)) if rounds else None
    scorer = _fit_kind(chosen, spec, final_binning, matrix, bad, config.seed, rounds=final_rounds)
    model = with_version(
        RiskModel(
            kind=chosen,
            spec=spec,
            binning=final_binning,
            scorer=scorer,
            calibrator=calibrator,
            scale=config.scale,
            version="",
        )
    )

    first_train, first_test = splits[0]
    train_pd = calibrator(first_train_margin[chosen])
    test_pd = calibrator(oof[chosen][first_test])
    report: dict[str, Any] = {
        "kind": chosen,
        "version": model.version,
        "target": config.target,
        "bad_value": config.bad_value,
        "excluded": list(config.exclude),
        "seed": config.seed,
        "rows": int(bad.size),
        "bad_rate": float(np.mean(bad)),
        "features": spec.names,
        "assessment": (
            f"{len(splits)}-fold stratified cross-validation"
            if len(splits) > 1
            else "stratified 80/20 hold-out"
        ),
        "candidates": {kind: {"auc": aucs[kind]} for kind in kinds},
        "selection": (
            f"higher held-out AUC, scorecard preferred within {SCORECARD_MARGIN}"
            if config.kind == "auto"
            else f"kind fixed to {config.kind}"
        ),
        "calibration": {"method": calibrator.method, "cross_fitted_log_loss": losses},
        "held_out": metrics.summary(bad[held_out], honest_pd),
        "psi": {
            "score_train_vs_test": metrics.psi(train_pd, test_pd),
            "features_train_vs_test": {
                name: metrics.psi(matrix[first_train, j], matrix[first_test, j])
                for j, name in enumerate(spec.names)
            },
        },
        "iv": final_binning.iv(),
        "monotone": {b.name: b.trend for b in final_binning.bins if b.trend},
        "gbdt_rounds": final_rounds if chosen == "gbdt" else None,
        "points_scale": config.scale.to_dict(),
        "protected_like_features": [
            name for name in spec.names if any(h in name.lower() for h in PROTECTED_HINTS)
        ],
    }
    return TrainResult(model=model, metrics=report)


def _assessment_splits(bad: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rows = np.arange(bad.size)
    if bad.size < CV_BELOW_ROWS:
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
        return [(train, test) for train, test in folds.split(rows, bad)]
    train, test = train_test_split(rows, test_size=0.2, stratify=bad, random_state=seed)
    return [(np.sort(train), np.sort(test))]


def _fit_kind(
    kind: str,
    spec: FeatureSpec,
    binning: WoeBinning,
    matrix: np.ndarray,
    bad: np.ndarray,
    seed: int,
    rounds: int | None = None,
) -> ScorecardModel | GbdtModel:
    if kind == "scorecard":
        return fit_scorecard(binning, matrix, bad)
    monotone = [b.trend for b in binning.bins]
    if rounds is not None:
        return fit_gbdt(spec, matrix, bad, monotone, seed, rounds=rounds)
    inner_train, inner_valid = train_test_split(
        np.arange(bad.size), test_size=0.15, stratify=bad, random_state=seed
    )
    return fit_gbdt(
        spec,
        matrix[inner_train],
        bad[inner_train],
        monotone,
        seed,
        valid=(matrix[inner_valid], bad[inner_valid]),
    )
