"""German credit (tests/data): our model against untuned LightGBM and optbinning WOE + LR.

Target from the issue: held-out AUC >= max(baselines) - 0.005, baselines computed here on the
same split. The figure the issue quotes for reference (5-fold CV, LightGBM / WOE-LR) is
0.782 / 0.781; `python -m bench.risk_training` measures all three in one CV.
"""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from optbinning import BinningProcess
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from puhui.errors import PuhuiError
from puhui.risk import RiskModel, TrainConfig, load_model, save_model, train_model
from puhui.risk.model import MODEL_FILE

DATA = Path(__file__).parent.parent / "data"
SEED = 0


@pytest.fixture(scope="module")
def split() -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = pl.read_csv(DATA / "german_credit.csv")
    bad = (frame["creditability"] == "bad").to_numpy()
    train, test = train_test_split(
        np.arange(frame.height), test_size=0.3, stratify=bad, random_state=SEED
    )
    return frame[np.sort(train)], frame[np.sort(test)]


@pytest.fixture(scope="module")
def model(split: tuple[pl.DataFrame, pl.DataFrame]) -> RiskModel:
    train, _ = split
    return train_model(train, TrainConfig("creditability", "bad", seed=SEED)).model


def _baselines(train: pl.DataFrame, test: pl.DataFrame) -> dict[str, float]:
    y_train = (train["creditability"] == "bad").to_numpy()
    y_test = (test["creditability"] == "bad").to_numpy()
    x_train = train.drop("creditability").to_pandas()
    x_test = test.drop("creditability").to_pandas()
    categorical = [c for c in x_train.columns if not pd.api.types.is_numeric_dtype(x_train[c])]
    as_category = {c: pd.CategoricalDtype(sorted(x_train[c].unique())) for c in categorical}
    untuned = lgb.LGBMClassifier(verbose=-1, random_state=SEED).fit(
        x_train.astype(as_category), y_train
    )
    lgb_auc = roc_auc_score(y_test, untuned.predict_proba(x_test.astype(as_category))[:, 1])
    process = BinningProcess(list(x_train.columns), categorical_variables=categorical)
    process.fit(x_train, y_train.astype(int))
    logistic = LogisticRegression(max_iter=1000).fit(process.transform(x_train), y_train)
    woe_auc = roc_auc_score(y_test, logistic.predict_proba(process.transform(x_test))[:, 1])
    return {"lightgbm": float(lgb_auc), "woe_lr": float(woe_auc)}


def test_held_out_auc_meets_the_baselines(
    model: RiskModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    train, test = split
    baselines = _baselines(train, test)
    ours = roc_auc_score((test["creditability"] == "bad").to_numpy(), model.predict_pd(test))
    assert ours >= max(baselines.values()) - 0.005, (ours, baselines)
    assert ours > 0.7


def test_pd_is_a_probability_and_points_fall_as_pd_rises(
    model: RiskModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    _, test = split
    pd_ = model.predict_pd(test)
    assert pd_.shape == (test.height,) and (pd_ > 0).all() and (pd_ < 1).all()
    order = np.argsort(pd_)
    assert np.all(np.diff(model.score_points(pd_)[order]) <= 0)
    # 600 points at 50:1 good:bad odds, 20 points to double the odds.
    assert model.score_points(1 / 51).tolist() == [600]
    assert model.score_points(1 / 101).tolist() == [620]


def test_reason_codes_only_name_features_that_raised_risk(
    model: RiskModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    _, test = split
    explained = model.explain(test, top=4)
    assert len(explained) == test.height
    for reasons in explained:
        assert len(reasons) <= 4
        sizes = [r.contribution for r in reasons]
        assert all(size > 0 for size in sizes) and sizes == sorted(sizes, reverse=True)
        assert len({r.feature for r in reasons}) == len(reasons)
        for reason in reasons:
            assert reason.direction in ("high", "low", "missing", "value")
            assert reason.text_zh and reason.text_en


def test_batch_and_single_row_agree(
    model: RiskModel, split: tuple[pl.DataFrame, pl.DataFrame]
) -> None:
    _, test = split
    features = test.drop("creditability")
    batch_pd = model.predict_pd(test)
    batch_reasons = model.explain(test.head(20))
    for i in range(20):
        row = features.row(i, named=True)
        assert model.predict_pd(row)[0] == pytest.approx(batch_pd[i], rel=1e-12)
        assert model.explain(row)[0] == batch_reasons[i]


def test_save_load_round_trip_and_tamper_check(
    model: RiskModel, split: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path
) -> None:
    _, test = split
    save_model(model, tmp_path)
    loaded = load_model(tmp_path)
    assert loaded.version == model.version and loaded.feature_names == model.feature_names
    assert np.array_equal(loaded.predict_pd(test), model.predict_pd(test))
    head = json.loads((tmp_path / MODEL_FILE).read_text())
    head["calibrator"]["b"] += 1.0
    (tmp_path / MODEL_FILE).write_text(json.dumps(head))
    with pytest.raises(PuhuiError) as error:
        load_model(tmp_path)
    assert error.value.code == "checksum_mismatch"


def test_gbdt_model_saves_as_lightgbm_text(
    split: tuple[pl.DataFrame, pl.DataFrame], tmp_path: Path
) -> None:
    train, test = split
    gbdt = train_model(train, TrainConfig("creditability", "bad", kind="gbdt", seed=SEED)).model
    assert gbdt.kind == "gbdt"
    save_model(gbdt, tmp_path)
    assert (tmp_path / "lightgbm.txt").read_text().startswith("tree")
    spec_file = tmp_path / "feature_spec.json"
    spec_file.write_text(spec_file.read_text().replace('"numeric"', '"categorical"', 1))
    with pytest.raises(PuhuiError) as error:
        load_model(tmp_path)
    assert error.value.code == "checksum_mismatch"
    assert roc_auc_score((test["creditability"] == "bad").to_numpy(), gbdt.predict_pd(test)) > 0.7
