"""The triangle's figures: twin speed, engine-vs-twin error, optimiser gain, uplift targeting.

`python -m bench bench.triangle` prints:

1. the twin: 1,000,000 customers x 12 months (population, scoring, decisions, simulation),
   median of runs, against the 60 s the issue asks for;
2. the engine against the twin on the same 300 customers x 10 months: the largest monthly
   money error and the speed ratio;
3. the optimiser: the best candidate's profit against the champion's at the champion's loss
   rate or below (20,000 customers, 30 trials);
4. targeting at equal budget: the uplift list's true incremental take-up and profit against
   the response list's (40,000 customers, a budget of 10%);
5. the response model on the UCI bank-marketing data (`../shared/data`, 4,521 calls): AUC on
   a stratified 30% hold-out and the top-decile lift, if the file is there.

Sizes: PUHUI_BENCH_TRIANGLE_CUSTOMERS (default 1,000,000), PUHUI_BENCH_TRIANGLE_RUNS (3).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from bench.machine import info, load
from puhui.population import PopulationConfig, generate_population
from puhui.portfolio.scoring import resolve_model, score
from puhui.portfolio.simulate import simulate
from puhui.risk.strategy import load_strategy

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BANK_MARKETING = "bank_marketing_uci_kivi.csv"


def main() -> None:
    customers = int(os.environ.get("PUHUI_BENCH_TRIANGLE_CUSTOMERS", "1000000"))
    runs = int(os.environ.get("PUHUI_BENCH_TRIANGLE_RUNS", "3"))
    print("machine:", info(), "load:", load())
    strategy = load_strategy()
    with tempfile.TemporaryDirectory() as cache:
        model, where = resolve_model(strategy, None, os.environ.get("PUHUI_DATA_DIR", cache))
        print(f"triangle: PD model {model.version} ({model.kind}) from {where}")
        twin_speed(strategy, model, customers, runs)
        engine_error(strategy, model)
        optimiser_gain(strategy, model)
        targeting_gain(strategy, model)
    bank_marketing_response()
    print("load after:", load())


def twin_speed(strategy: Any, model: Any, customers: int, runs: int) -> None:
    seconds = []
    for run in range(runs):
        started = time.perf_counter()
        population = generate_population(PopulationConfig(n=customers, seed=100 + run))
        generated = time.perf_counter()
        pd = score(model, population)
        scored = time.perf_counter()
        result = simulate(strategy, population, pd, months=12, seed=run, mode="twin")
        done = time.perf_counter()
        seconds.append(done - started)
        s = result.summary
        print(
            f"triangle: twin run {run + 1}: {customers:,} customers x 12 months in"
            f" {done - started:.1f} s (population {generated - started:.1f} s, scoring"
            f" {scored - generated:.1f} s, decide + simulate {done - scored:.1f} s);"
            f" {s.approvals:,} approved, {s.borrowers:,} borrowers, {s.drawdowns:,} loans,"
            f" loss rate {s.loss_rate:.2%}, ROA {s.return_on_assets:.2%},"
            f" first-time {s.first_time_share:.1%}"
        )
    median = statistics.median(seconds)
    print(f"triangle: twin median {median:.1f} s for {customers:,} x 12 months (target < 60 s)")


def engine_error(strategy: Any, model: Any) -> None:
    population = generate_population(PopulationConfig(n=300, seed=17, bad_rate=0.15))
    pd = score(model, population)
    started = time.perf_counter()
    engine = simulate(strategy, population, pd, months=10, seed=5, mode="engine")
    middle = time.perf_counter()
    twin = simulate(strategy, population, pd, months=10, seed=5, mode="twin")
    ended = time.perf_counter()
    worst, worst_name = 0.0, ""
    for e, t in zip(engine.months, twin.months, strict=True):
        for name, value in e.to_dict().items():
            if name.endswith("_minor") and value:
                error = abs(getattr(t, name) - value) / abs(value)
                if error >= worst:
                    worst, worst_name = error, f"{name} month {e.month}"
    counts_equal = all(
        (e.drawdowns, e.defaults, e.late_payments) == (t.drawdowns, t.defaults, t.late_payments)
        for e, t in zip(engine.months, twin.months, strict=True)
    )
    print(
        f"triangle: engine vs twin, 300 customers x 10 months: largest monthly money error"
        f" {worst:.6%} ({worst_name or 'none'}), counts equal: {counts_equal},"
        f" engine reconciled: {engine.summary.extra.get('reconciled')};"
        f" engine {middle - started:.1f} s, twin {ended - middle:.2f} s"
        f" ({(middle - started) / max(ended - middle, 1e-9):,.0f}x)"
    )


def optimiser_gain(strategy: Any, model: Any) -> None:
    from puhui.portfolio.optimise import Constraints, optimise

    population = generate_population(PopulationConfig(n=20_000, seed=7))
    pd = score(model, population)
    began = time.perf_counter()
    result = optimise(
        strategy,
        population,
        pd,
        trials=30,
        constraints=Constraints(min_approval_rate=0.5, min_first_time_share=0.15),
    )
    same = result.same_loss_rate()
    best = result.best
    print(
        f"triangle: optimiser, 20,000 customers, 30 trials in {time.perf_counter() - began:.0f} s:"
        f" champion profit {same['champion_profit_minor'] / 100:,.0f} yuan at loss rate"
        f" {same['champion_loss_rate']:.2%}; best at that loss rate or below"
        f" {(same['best_profit_minor'] or 0) / 100:,.0f} yuan (x{same['profit_ratio']})"
        + (
            f"; best overall {best.summary['profit_minor'] / 100:,.0f} yuan at loss rate"
            f" {best.summary['loss_rate']:.2%}, max APR {best.max_apr}"
            if best
            else ""
        )
    )


def targeting_gain(strategy: Any, model: Any) -> None:
    from puhui.marketing.campaign import run_campaign

    experiment = generate_population(PopulationConfig(n=40_000, seed=21, contact_experiment=True))
    target = generate_population(PopulationConfig(n=40_000, seed=22, contact_experiment=True))
    started = time.perf_counter()
    result = run_campaign(
        strategy,
        experiment,
        score(model, experiment),
        target,
        score(model, target),
        budget=4_000,
    )
    s = result.summary
    u, r = s["by_uplift"], s["by_response"]
    print(
        f"triangle: targeting 4,000 of 40,000 ({time.perf_counter() - started:.0f} s): true"
        f" incremental take-up {u['true_incremental_takeup']:.0f} by uplift x value vs"
        f" {r['true_incremental_takeup']:.0f} by response (x{s.get('takeup_ratio')}); true"
        f" incremental profit {u['true_incremental_profit_minor'] / 100:,.0f} vs"
        f" {r['true_incremental_profit_minor'] / 100:,.0f} yuan; uplift model's correlation"
        f" with the true effect {s['truth_correlation']['uplift_model']},"
        f" Qini coefficient {s['curves']['qini_coefficient']}"
    )


def bank_marketing_response(path: Path | None = None) -> dict[str, float] | None:
    """The take-up model's learner on the UCI bank-marketing calls (response: `y`)."""
    import polars as pl
    from lightgbm import LGBMClassifier
    from sklearn.model_selection import train_test_split

    from puhui.risk.metrics import auc

    source = path or SHARED_DATA / BANK_MARKETING
    if not source.exists():
        print(f"triangle: bank marketing: {source} not found, skipped")
        return None
    frame = pl.read_csv(source)
    y = (frame["y"] == "yes").to_numpy().astype(int)
    # `duration` is only known after the call: leaving it in would leak the outcome.
    features = frame.drop(["y", "duration"])
    text = [c for c, t in features.schema.items() if t == pl.String]
    matrix = features.to_dummies(text).cast(pl.Float64).to_numpy()
    train, test = train_test_split(np.arange(y.size), test_size=0.3, stratify=y, random_state=0)
    model = LGBMClassifier(
        n_estimators=200, learning_rate=0.03, num_leaves=15, min_child_samples=30, verbose=-1
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(matrix[train], y[train])
        p = model.predict_proba(matrix[test])[:, 1]
    top = np.argsort(-p)[: max(1, test.size // 10)]
    figures = {
        "rows": float(y.size),
        "response_rate": float(y.mean()),
        "auc": float(auc(y[test], p)),
        "top_decile_lift": float(y[test][top].mean() / y[test].mean()),
    }
    print(
        f"triangle: bank marketing ({int(figures['rows']):,} calls, response"
        f" {figures['response_rate']:.1%}): response model AUC {figures['auc']:.3f} on a 30%"
        f" hold-out, top-decile lift {figures['top_decile_lift']:.2f}x"
    )
    return figures


if __name__ == "__main__":
    main()
