"""Risk policy throughput: rules in Polars vs row by row, pricing + limits, the whole pipeline.

Synthetic customers from a seeded NumPy generator (not the population model: only the speed is
measured here). Prints medians of repeated runs; the machine is shared, so figures are noisy
and the ratios in one run matter more than the absolute numbers.

    python -m bench bench.risk_policy          # 1M rows
    PUHUI_BENCH_ROWS=200000 python -m bench bench.risk_policy
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from bench.machine import info
from puhui.risk.limits import limit_batch
from puhui.risk.outcome import apply_experiment_batch, apply_strategy, apply_strategy_batch
from puhui.risk.pricing import price_batch
from puhui.risk.strategy import Experiment, load_strategy
from puhui.risk.units import yuan_to_minor_batch

ROWS = int(os.environ.get("PUHUI_BENCH_ROWS", "1000000"))
REPEATS = 3
LATENCY_CALLS = 20_000


def customers(n: int, seed: int = 20261128) -> tuple[pl.DataFrame, np.ndarray[Any, Any]]:
    """n synthetic customers with the population generator's column names, and their PDs."""
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(np.log(6000), 0.6, n), 2)
    income[rng.random(n) < 0.02] = np.nan  # unknown income
    frame = pl.DataFrame(
        {
            "customer_id": [f"C{i:010d}" for i in range(n)],
            "age": rng.integers(16, 72, n),
            "blacklisted": rng.random(n) < 0.01,
            "identity_match": rng.random(n) > 0.02,
            "inquiries_30d": rng.poisson(1.0, n),
            "inquiries_90d": rng.poisson(3.0, n),
            "overdue_elsewhere": rng.random(n) < 0.03,
            "monthly_income": income,
            "monthly_obligations": np.round(rng.exponential(800, n), 2),
        }
    )
    pd = rng.beta(1.2, 30, n)
    return frame, pd


def median_seconds(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s ({seconds * 1000:,.0f} ms)"


def main() -> None:
    print("machine:", info())
    print(f"risk_policy: {ROWS:,} synthetic customers; 2 shared cores, figures are noisy")
    strategy = load_strategy()
    policy = strategy.policy
    frame, pd = customers(ROWS)
    term = strategy.limits.term_months

    flags = median_seconds(lambda: policy.evaluate_batch(frame, reasons=False))
    with_reasons = median_seconds(lambda: policy.evaluate_batch(frame, reasons=True))
    rows = frame.to_dicts()
    start = time.perf_counter()
    for row in rows:
        policy.evaluate(row)
    row_by_row = time.perf_counter() - start
    print(
        f"policy ({len(policy.rules)} rules), Polars batch, flags + decision: {rate(ROWS, flags)}"
    )
    print(f"policy, Polars batch, + reason-code lists:  {rate(ROWS, with_reasons)}")
    print(f"policy, row by row in Python:               {rate(ROWS, row_by_row)}")
    print(
        f"  batch / row-by-row speed-up: {row_by_row / flags:.1f}x (flags), "
        f"{row_by_row / with_reasons:.1f}x (with reasons)"
    )

    income = yuan_to_minor_batch(frame["monthly_income"].to_numpy())
    owed = yuan_to_minor_batch(frame["monthly_obligations"].to_numpy())

    def price_and_limit() -> None:
        prices = price_batch(pd, term, strategy.pricing)
        limit_batch(pd, prices.rate_ppb, income, owed, strategy.limits)

    print(
        f"pricing + limits, NumPy vectorised:         {rate(ROWS, median_seconds(price_and_limit))}"
    )
    pipeline = median_seconds(lambda: apply_strategy_batch(pd, frame, strategy))
    print(
        f"whole pipeline apply_strategy_batch:        {rate(ROWS, pipeline)}  (target >= 200,000)"
    )
    experiment = Experiment(
        "bench", "bench-salt", strategy, strategy, challenger_share=Decimal("0.1"), shadow=True
    )
    shadowed = median_seconds(lambda: apply_experiment_batch(pd, frame, experiment), repeats=1)
    print(f"pipeline + champion/challenger (10% shadow): {rate(ROWS, shadowed)}")

    sample = rows[:LATENCY_CALLS]
    for label, fn in (
        ("policy.evaluate", lambda r, p: policy.evaluate(r)),
        ("apply_strategy ", lambda r, p: apply_strategy(p, r, strategy)),
    ):
        laps = []
        for row, p in zip(sample, pd[:LATENCY_CALLS].tolist(), strict=True):
            start_ns = time.perf_counter_ns()
            fn(row, p)
            laps.append(time.perf_counter_ns() - start_ns)
        laps.sort()
        p50, p99 = laps[len(laps) // 2], laps[len(laps) * 99 // 100]
        print(f"real time {label} one customer: p50 {p50 / 1000:.1f} us, p99 {p99 / 1000:.1f} us")


if __name__ == "__main__":
    main()
