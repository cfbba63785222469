"""Pre-approval at scale (issue 15): Parquet partitions in, decisions Parquet out.

1. local engine on 20M customers (20 partitions): the scorecard, and LightGBM compiled with
   treelite + tl2cgen with exact table TreeSHAP reasons for declines and refers; customers/s
   and peak RSS of the driver and of the largest worker process;
2. Ray Data and Spark (`local[2]`) against the local engine on the same smaller set in the
   same run: customers/s, their ratio to local, and whether the three outputs are identical
   row for row;
3. a projection, from the measured per-core throughput, of the machines needed to decide
   100M customers in 10 minutes.

`python -m bench bench.preapproval` (PUHUI_BENCH_PREAPPROVAL_ROWS, default 20,000,000;
PUHUI_BENCH_ENGINE_ROWS, default 2,000,000; PUHUI_BENCH_WORKERS, default 2).
"""

from __future__ import annotations

import math
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from bench.machine import info, load
from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.population.partitions import write_partitions
from puhui.preapproval.engines import run
from puhui.preapproval.partitions import plan
from puhui.preapproval.scoring import ScoringBundle
from puhui.risk import RiskModel, TrainConfig, train_model
from puhui.risk.decide import bind_model
from puhui.risk.strategy import Strategy, load_strategy

TARGET_CUSTOMERS = 100_000_000
TARGET_SECONDS = 600
CORES_PER_MACHINE = 32
CLUSTER_EFFICIENCY = 0.8  # stated assumption, checked against the Ray/Spark ratios below


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the local engine's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rss_mb() -> tuple[float, float]:
    """Peak RSS (MB) of this process and of the largest child process so far."""
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return self_kb / 1024, child_kb / 1024


def _model(kind: str) -> tuple[RiskModel, Strategy]:
    history = generate_population(PopulationConfig(n=40_000, seed=1))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    model = train_model(
        history, TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind=kind)
    ).model
    return model, bind_model(load_strategy(), model)


def _run(bundle: ScoringBundle, data: Path, out: Path, **options: Any) -> dict[str, Any]:
    started, cpu = time.perf_counter(), _cpu_seconds()
    manifest = run(bundle, plan(data), out, **options)
    manifest["wall"] = time.perf_counter() - started
    manifest["cpu"] = _cpu_seconds() - cpu
    return manifest


def _decisions(out: Path) -> pl.DataFrame:
    return pl.read_parquet(str(out / "parts" / "**" / "*.parquet")).sort("customer_id")


def main() -> None:
    rows = int(os.environ.get("PUHUI_BENCH_PREAPPROVAL_ROWS", "20000000"))
    engine_rows = int(os.environ.get("PUHUI_BENCH_ENGINE_ROWS", "2000000"))
    workers = int(os.environ.get("PUHUI_BENCH_WORKERS", "2"))
    print("machine:", info(), "load:", load())
    models = {kind: _model(kind) for kind in ("scorecard", "gbdt")}
    per_core: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        write_partitions(PopulationConfig(n=rows, seed=2), root / "big", max(1, rows // 1_000_000))
        print(
            f"preapproval: generated {rows:,} customers in {rows // 1_000_000} Parquet partitions "
            f"in {time.perf_counter() - started:.1f} s"
        )
        for kind, (model, strategy) in models.items():
            bundle = ScoringBundle.of(model, strategy)
            result = _run(bundle, root / "big", root / f"out-{kind}", workers=workers)
            rate = result["customers"] / result["wall"]
            # Per core from CPU time, not wall time: on a shared machine the workers wait for
            # cores other jobs hold, and the CPU they did get is what a dedicated core gives.
            per_core[kind] = result["customers"] / result["cpu"]
            driver, worker = _rss_mb()
            print(
                f"preapproval[{kind}, {result['scoring']['margins']}, reasons "
                f"{result['scoring']['reasons']}]: local engine, {workers} workers: "
                f"{result['customers']:,} customers in {result['wall']:.1f} s = {rate:,.0f} "
                f"customers/s wall; {result['cpu']:.1f} CPU s = {per_core[kind]:,.0f} "
                f"customers/s per busy core ({workers} cores: {per_core[kind] * workers:,.0f}/s); "
                f"peak RSS driver {driver:,.0f} MB, largest worker {worker:,.0f} MB; "
                f"approved {result['approved']:,}, declined {result['declined']:,}; load {load()}"
            )

        # Ray and Spark against local, same data, same run.
        small = root / "small"
        write_partitions(PopulationConfig(n=engine_rows, seed=3), small, max(2, 2 * workers))
        model, strategy = models["gbdt"]
        bundle = ScoringBundle.of(model, strategy)
        outputs: dict[str, pl.DataFrame] = {}
        rates: dict[str, float] = {}
        for engine in ("local", "ray", "spark"):
            try:
                result = _run(bundle, small, root / f"e-{engine}", engine=engine, workers=workers)
            except ImportError as missing:
                print(f"preapproval[{engine}]: not installed ({missing}); skipped")
                continue
            rates[engine] = result["customers"] / result["wall"]
            outputs[engine] = _decisions(root / f"e-{engine}")
            ratio = rates[engine] / rates["local"]
            print(
                f"preapproval[gbdt on {engine}, {workers} workers]: {result['customers']:,} "
                f"customers in {result['wall']:.1f} s (start-up included) = "
                f"{rates[engine]:,.0f} customers/s; {ratio:.2f}x local; load {load()}"
            )
        for engine, frame in outputs.items():
            if engine != "local":
                same = frame.equals(outputs["local"])
                print(f"preapproval: {engine} output identical to local row for row: {same}")

    for kind, rate in per_core.items():
        needed = TARGET_CUSTOMERS / TARGET_SECONDS
        per_machine = rate * CORES_PER_MACHINE * CLUSTER_EFFICIENCY
        print(
            f"preapproval projection[{kind}]: {rate:,.0f} customers/s per core (CPU time); "
            f"100M in 10 min needs {needed:,.0f}/s = {math.ceil(needed / per_machine)} "
            f"machine(s) of {CORES_PER_MACHINE} cores at {CLUSTER_EFFICIENCY:.0%} cluster "
            f"efficiency ({math.ceil(needed / rate)} cores)"
        )
    print("load after:", load())


if __name__ == "__main__":
    main()
