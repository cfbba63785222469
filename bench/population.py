"""Population generator: seconds and rows/s for 10 million customers (chunks of 1M).

`python -m bench bench.population` (set PUHUI_BENCH_POPULATION_ROWS to change the size).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.machine import info, load
from puhui.population import PopulationConfig, calibrate_intercept, generate_population


def main() -> None:
    rows = int(os.environ.get("PUHUI_BENCH_POPULATION_ROWS", "10000000"))
    print("machine:", info(), "load:", load())
    started = time.perf_counter()
    calibrate_intercept(0, 0.03)
    print(f"population: intercept calibration {time.perf_counter() - started:.2f} s")
    runs = []
    for run in range(2):
        started = time.perf_counter()
        frame = generate_population(PopulationConfig(n=rows, seed=run))
        runs.append(time.perf_counter() - started)
        print(
            f"population: run {run + 1}: {rows:,} rows in {runs[-1]:.1f} s "
            f"({rows / runs[-1]:,.0f} rows/s), {frame.estimated_size('mb'):,.0f} MB in memory"
        )
    median = statistics.median(runs)
    print(f"population: median {median:.1f} s for {rows:,} rows = {rows / median:,.0f} rows/s")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        frame.write_parquet(Path(folder) / "population.parquet")
        print(f"population: write Parquet {time.perf_counter() - started:.1f} s")
    print("load after:", load())


if __name__ == "__main__":
    main()
