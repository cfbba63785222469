"""Risk training: time for 100,000 rows x 30 features, and AUC against the baselines.

1. `puhui.risk.train_model` (kind auto: scorecard + LightGBM, calibration, refit) on 100k
   population rows with 30 features (the 22 population fields plus 8 derived ones).
2. german_credit and hmda_boston_aer (tests/data), 5-fold stratified CV, the same folds for
   all three: ours (auto), untuned LightGBM (LGBMClassifier defaults) and optbinning WOE +
   logistic regression.
   The issue quotes 0.782 / 0.781 for LightGBM / WOE-LR measured elsewhere.

`python -m bench bench.risk_training`
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import polars as pl
from optbinning import BinningProcess
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from bench.machine import info, load
from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.risk import TrainConfig, train_model

DATA = Path(__file__).parent.parent / "tests" / "data"
# (file, target, bad value, excluded columns): afam is protected, never a feature.
DATASETS = (
    ("german_credit.csv", "creditability", "bad", ()),
    ("hmda_boston_aer.csv", "deny", "yes", ("afam",)),
)


def thirty_features(rows: int, seed: int) -> pl.DataFrame:
    frame = generate_population(PopulationConfig(n=rows, seed=seed))
    return frame.with_columns(
        (pl.col("payment_amount_90d") / (pl.col("monthly_income") * 3)).alias("spend_ratio"),
        (pl.col("existing_debt") / pl.col("monthly_income")).alias("debt_multiple"),
        (pl.col("inquiries_90d") - pl.col("inquiries_30d")).alias("inquiries_31_90d"),
        (pl.col("months_on_platform") / pl.col("age")).alias("platform_per_year_of_age"),
        (pl.col("payment_txn_90d") / 90).alias("payments_per_day"),
        (pl.col("device_age_days") < 30).alias("new_device"),
        (pl.col("age") // 10).cast(pl.String).alias("age_decade"),
        (pl.col("monthly_income") - pl.col("monthly_obligations")).alias("free_income"),
    )


def training_time() -> None:
    frame = thirty_features(130_000, seed=1)
    train, test = frame.head(100_000), frame.tail(30_000)
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    features = len(train.columns) - len(NON_FEATURES)
    started = time.perf_counter()
    result = train_model(train, TrainConfig("defaulted", "true", exclude=exclude, seed=1))
    seconds = time.perf_counter() - started
    bad = test["defaulted"].to_numpy()
    ours = roc_auc_score(bad, result.model.predict_pd(test))
    truth = roc_auc_score(bad, test["true_pd"].to_numpy())
    candidates = {k: round(v["auc"], 4) for k, v in result.metrics["candidates"].items()}
    print(
        f"risk_training: 100,000 rows x {features} features, kind auto -> {result.model.kind}: "
        f"{seconds:.1f} s (candidates held-out AUC {candidates}, "
        f"calibration {result.metrics['calibration']['method']})"
    )
    print(
        f"risk_training: on 30,000 new rows AUC {ours:.4f} vs true-PD AUC {truth:.4f} "
        f"(gap {truth - ours:.4f})"
    )


def baseline_cv(name: str, target: str, bad_value: str, exclude: tuple[str, ...]) -> None:
    frame = pl.read_csv(DATA / name)
    bad = (frame[target].cast(pl.String) == bad_value).to_numpy()
    features = frame.drop([target, *exclude]).to_pandas()
    config = TrainConfig(target, bad_value, exclude=exclude, seed=0)
    categorical = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    scores: dict[str, list[float]] = {"ours (auto)": [], "lightgbm untuned": [], "woe + lr": []}
    kinds = []
    for train, test in folds.split(features, bad):
        model = train_model(frame[train], config).model
        kinds.append(model.kind)
        scores["ours (auto)"].append(roc_auc_score(bad[test], model.predict_pd(frame[test])))
        as_category = {c: pd.CategoricalDtype(sorted(features[c].unique())) for c in categorical}
        untuned = lgb.LGBMClassifier(verbose=-1, random_state=0)
        untuned.fit(features.iloc[train].astype(as_category), bad[train])
        untuned_pd = np.asarray(untuned.predict_proba(features.iloc[test].astype(as_category)))
        scores["lightgbm untuned"].append(roc_auc_score(bad[test], untuned_pd[:, 1]))
        process = BinningProcess(list(features.columns), categorical_variables=categorical)
        process.fit(features.iloc[train], bad[train].astype(int))
        logistic = LogisticRegression(max_iter=1000)
        logistic.fit(process.transform(features.iloc[train]), bad[train])
        scores["woe + lr"].append(
            roc_auc_score(
                bad[test], logistic.predict_proba(process.transform(features.iloc[test]))[:, 1]
            )
        )
    for method, values in scores.items():
        print(
            f"risk_training: {name} 5-fold CV AUC {method}: mean {np.mean(values):.4f} "
            f"(folds {', '.join(f'{v:.3f}' for v in values)})"
        )
    best = max(statistics.mean(scores["lightgbm untuned"]), statistics.mean(scores["woe + lr"]))
    gap = statistics.mean(scores["ours (auto)"]) - best
    print(f"risk_training: ours - best baseline = {gap:+.4f}; kinds kept per fold: {kinds}")


def main() -> None:
    print("machine:", info(), "load:", load())
    training_time()
    for dataset in DATASETS:
        baseline_cv(*dataset)
    print("load after:", load())


if __name__ == "__main__":
    main()
