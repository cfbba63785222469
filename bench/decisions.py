"""Decision benchmarks (issue: Risk decisioning): in-process latency and batch throughput.

- one decision in process (`Decider.decide`: checks, PD, reasons, strategy): p50/p99;
- the same through `DecisionService.decide` (plus the audit row, and the credit line when
  approved, committed to SQLite with synchronous=FULL): p50/p99;
- batch pre-approval of 1,000,000 customers (`run_preapproval`, adverse-action reasons for
  declines and refers, Parquet out): customers/s, with the scorecard and with LightGBM.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.machine import info, load
from puhui.governance.registry import register_model, register_strategy
from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.preapproval.engine import chunks_of, run_preapproval
from puhui.risk import TrainConfig, save_model, train_model
from puhui.risk.decide import Decider, bind_model
from puhui.risk.strategy import load_strategy
from puhui.services.decisions import DecisionService, grant_credit_line
from puhui.servicing.service import LendingService

HOOKS = [c for c in NON_FEATURES if c != "customer_id"]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] * 1000


def main() -> None:
    print("machine:", info(), "load:", load())
    history = generate_population(PopulationConfig(n=40_000, seed=1))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    customers = generate_population(PopulationConfig(n=1_000_000, seed=2)).drop(HOOKS)
    rows = customers.head(2_000).to_dicts()
    for row in rows:
        row["customer_id"] = f"C{row['customer_id']}"
    for kind in ("scorecard", "gbdt"):
        model = train_model(
            history, TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind=kind)
        ).model
        strategy = bind_model(load_strategy(), model)
        decider = Decider.single(model, strategy)
        times = []
        for row in rows:
            t0 = time.perf_counter()
            decider.decide(row)
            times.append(time.perf_counter() - t0)
        print(
            f"{kind}: in-process decision p50 {_pct(times, 0.5):.2f} ms, "
            f"p99 {_pct(times, 0.99):.2f} ms (n={len(times)})"
        )
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            lending = LendingService(url)
            lending.register_product()
            from datetime import date

            lending.start(date(2026, 1, 5))
            service = DecisionService(
                lending.db, decider, grant_line=grant_credit_line(), model_cache=Path(tmp) / "m"
            )
            save_model(model, Path(tmp) / "model")
            register_model(lending.db, Path(tmp) / "model")
            register_strategy(lending.db, strategy)
            times = []
            for i, row in enumerate(rows[:1_000]):
                t0 = time.perf_counter()
                service.decide(row, f"bench-{i}")
                times.append(time.perf_counter() - t0)
            lending.close()
        print(
            f"{kind}: decide + audit + line (SQLite, synchronous=FULL) p50 "
            f"{_pct(times, 0.5):.2f} ms, p99 {_pct(times, 0.99):.2f} ms"
        )
        runs = []
        for _ in range(3):
            with tempfile.TemporaryDirectory() as tmp:
                report = run_preapproval(
                    model, strategy, chunks_of(customers), output=Path(tmp) / "out.parquet"
                )
            runs.append(report.per_second)
        print(
            f"{kind}: batch pre-approval of {customers.height:,} customers: median "
            f"{statistics.median(runs):,.0f} customers/s (runs: "
            + ", ".join(f"{r:,.0f}" for r in runs)
            + ")"
        )


if __name__ == "__main__":
    main()
