"""Risk scoring: batch rows/s from a polars frame and single-row latency, scorecard and LightGBM.

Batch: 1,000,000 population rows scored by `RiskModel` (validate + encode + PD), with reason
codes (`reason_columns`), against the raw LightGBM booster on an already-encoded matrix (the
baseline in the same run). Single row: p50 / p99 of `predict_pd(dict)` and of
`predict_pd + explain` over 5,000 customers, wall clock and CPU time (on a shared 2-core
machine the wall-clock tail is mostly waiting for a core).

`python -m bench bench.risk_scoring`
"""

from __future__ import annotations

import gc
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from bench.machine import info, load
from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.risk import RiskModel, TrainConfig, train_model
from puhui.risk.gbdt import GbdtModel, default_threads

BATCH_ROWS = 1_000_000
SINGLE_ROWS = 5_000


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s ({seconds:.2f} s)"


def _best_of(runs: int, call: object) -> float:
    assert callable(call)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def batch(model: RiskModel, frame: pl.DataFrame) -> None:
    rows = frame.height
    encode = _best_of(2, lambda: model.encode(frame))
    predict = _best_of(2, lambda: model.predict_pd(frame))
    matrix = model.encode(frame)
    # TreeSHAP is slow: LightGBM's reasons are timed on a tenth of the rows.
    reason_rows = rows if model.kind == "scorecard" else rows // 10
    reasons = _best_of(1, lambda: model.reason_columns(matrix[:reason_rows], 4))
    name = model.kind
    print(f"risk_scoring[{name}]: validate+encode {_rate(rows, encode)}")
    print(f"risk_scoring[{name}]: predict_pd from polars {_rate(rows, predict)}")
    print(f"risk_scoring[{name}]: reason codes (4, zh+en) {_rate(reason_rows, reasons)}")
    if isinstance(model.scorer, GbdtModel):
        booster = model.scorer.booster
        raw = _best_of(2, lambda: booster.predict(matrix, raw_score=True))
        print(
            f"risk_scoring[{name}]: baseline raw LightGBM predict on encoded numpy "
            f"({default_threads()} thread(s)) {_rate(rows, raw)}; "
            f"ours/raw = {raw / predict:.2f}"
        )
        compiled(booster, matrix, raw)


def compiled(booster: Any, matrix: np.ndarray, lightgbm_seconds: float) -> None:
    """The same trees compiled to C by treelite + tl2cgen (dev extra; needs a C compiler)."""
    try:
        import tl2cgen
        import treelite
    except ImportError:
        print("risk_scoring[gbdt]: treelite/tl2cgen not installed; compiled figure skipped")
        return
    with tempfile.TemporaryDirectory() as folder:
        library = str(Path(folder) / "model.so")
        started = time.perf_counter()
        tl2cgen.export_lib(
            treelite.frontend.from_lightgbm(booster), toolchain="gcc", libpath=library
        )
        build = time.perf_counter() - started
        predictor = tl2cgen.Predictor(library, nthread=default_threads())
        data = tl2cgen.DMatrix(matrix, dtype="float64")
        seconds = _best_of(2, lambda: predictor.predict(data, pred_margin=True))
        same = np.allclose(
            np.ravel(predictor.predict(data, pred_margin=True)),
            booster.predict(matrix, raw_score=True),
        )
    print(
        f"risk_scoring[gbdt]: treelite+tl2cgen compiled ({default_threads()} thread(s), "
        f"build {build:.1f} s) {_rate(matrix.shape[0], seconds)}; "
        f"compiled/LightGBM speed = {lightgbm_seconds / seconds:.2f}x; same margins: {same}"
    )


def single(model: RiskModel, rows: list[dict[str, object]]) -> None:
    for label, call in (
        ("predict_pd(dict)", lambda row: model.predict_pd(row)),
        ("predict_pd + explain(dict)", lambda row: (model.predict_pd(row), model.explain(row))),
    ):
        for row in rows[:200]:
            call(row)
        wall, cpu = [], []
        gc.collect()
        for row in rows:
            started, started_cpu = time.perf_counter(), time.thread_time()
            call(row)
            wall.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - started_cpu)
        w, c = np.array(wall) * 1e3, np.array(cpu) * 1e3
        print(
            f"risk_scoring[{model.kind}]: {label}: wall p50 {np.percentile(w, 50):.3f} ms "
            f"p99 {np.percentile(w, 99):.3f} ms; cpu p50 {np.percentile(c, 50):.3f} ms "
            f"p99 {np.percentile(c, 99):.3f} ms"
        )


def main() -> None:
    print("machine:", info(), "load:", load())
    train = generate_population(PopulationConfig(n=60_000, seed=1))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    scoring = generate_population(PopulationConfig(n=BATCH_ROWS, seed=2))
    customers = scoring.drop(list(NON_FEATURES)).head(SINGLE_ROWS).to_dicts()
    for kind in ("scorecard", "gbdt"):
        model = train_model(train, TrainConfig("defaulted", "true", exclude, kind, seed=1)).model
        batch(model, scoring)
        single(model, customers)
    print("load after:", load())


if __name__ == "__main__":
    main()
