"""AI governance figures: monitoring a day of 100,000 decisions, and the fairness reports.

1. Monitoring: 100,000 pre-approval decisions (the real batch path, audited as the main job
   audits them) in a SQLite file; `run_monitoring` for that day (PSI of the score, CSI of every
   feature, approval rate, mean PD and limit, fairness by gender from the stored profiles,
   alerts, stored); median of three runs. The baseline in the same process: reading the
   day's rows alone.
2. Fairness (fairlearn) of the approve decision (PD <= the default strategy's 8% cutoff) on
   the synthetic population: model trained on 40,000 rows (seed 2027), judged on a fresh
   draw of 20,000 (seed 2028) across `gender`, which is independent of everything.
3. Fairness on HMDA Boston (tests/data/hmda_boston_aer.csv, see tests/data/SOURCES.md): a
   scorecard without `afam`, PDs cross-fitted in 5 folds, approve the 88.0% with the lowest
   PD (the data's own approval rate), across `afam` (race).

    python -m bench governance
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.model_selection import StratifiedKFold

from bench.machine import info, load
from puhui import customers
from puhui.db import Database
from puhui.governance import approvals, audit, monitoring
from puhui.governance.approvals import SYSTEM_MAKER
from puhui.governance.baseline import build_baseline, write_baseline
from puhui.governance.fairness import fairness_report
from puhui.governance.lifecycle import Meta
from puhui.governance.thresholds import load_thresholds
from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.preapproval.engine import chunks_of, run_preapproval
from puhui.risk import TrainConfig, save_model, train_model
from puhui.risk.decide import bind_model
from puhui.risk.strategy import load_strategy
from puhui.services.decisions import batch_entry

HMDA = Path(__file__).resolve().parents[1] / "tests" / "data" / "hmda_boston_aer.csv"
EXCLUDE = tuple(c for c in NON_FEATURES if c != "defaulted")
THRESHOLDS = load_thresholds()
DAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _monitoring(folder: Path) -> None:
    history = generate_population(PopulationConfig(n=40_000, seed=2027))
    model = train_model(
        history, TrainConfig(target="defaulted", bad_value="true", exclude=EXCLUDE)
    ).model
    directory = folder / "model"
    save_model(model, directory)
    write_baseline(build_baseline(model, history), directory)
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    audit.create_audit_tables(db)
    approvals.create_governance_tables(db)
    monitoring.create_monitoring_tables(db)
    customers.create_customer_tables(db)
    approvals.register_model(db, directory, SYSTEM_MAKER, Meta("bench", "bench"))
    strategy = bind_model(load_strategy(), model)
    prospects = generate_population(PopulationConfig(n=100_000, seed=2029)).with_columns(
        pl.col("customer_id").cast(pl.String)
    )
    profiles = prospects.drop(["true_pd", "defaulted"])
    applicants = prospects.drop([c for c in NON_FEATURES if c != "customer_id"])
    features = {r["customer_id"]: r for r in applicants.iter_rows(named=True)}
    with db.tx():
        customers.save_profiles(db, ((r["customer_id"], r) for r in profiles.to_dicts()))

    def on_chunk(decided: pl.DataFrame) -> None:
        with db.tx():
            for row in decided.iter_rows(named=True):
                ident = audit.new_decision_id()
                entry = batch_entry(
                    row, features[row["customer_id"]], ident, DAY, strategy, model, None
                )
                audit.record(db, entry)

    run_preapproval(
        model,
        strategy,
        chunks_of(applicants, 20_000),
        on_chunk=on_chunk,
        reasons=4,
    )
    window = monitoring.Window.of_day(DAY.date())
    reads, runs = [], []
    result: dict[str, object] = {}
    for _ in range(3):
        started = time.perf_counter()
        with db.read():
            rows = monitoring._decisions(db, window, ("gender",))
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        [result] = monitoring.run_monitoring(db, window, THRESHOLDS)
        runs.append(time.perf_counter() - started)
    db.close()
    print(
        f"monitoring one day of {rows.height:,} decisions (SQLite): "
        f"median {statistics.median(runs):.2f} s (runs {', '.join(f'{s:.2f}' for s in runs)}); "
        f"reading the rows alone {statistics.median(reads):.2f} s; "
        f"PSI {result['psi_score']:.4f}, alerts {len(result['alerts'])}"  # type: ignore[arg-type]
    )


def _print_fairness(name: str, report: dict[str, object]) -> None:
    groups = ", ".join(
        f"{g['group']} {g['selection_rate']:.2%} (n={g['rows']:,})"  # type: ignore[index]
        for g in report["groups"]  # type: ignore[attr-defined]
    )
    print(
        f"fairness {name}: approval rate {groups}; demographic parity difference "
        f"{report['demographic_parity_difference']:.4f}, equalised odds difference "
        f"{report['equalized_odds_difference']:.4f}; levels {report['levels']}"
    )


def _population_fairness() -> None:
    history = generate_population(PopulationConfig(n=40_000, seed=2027))
    model = train_model(
        history, TrainConfig(target="defaulted", bad_value="true", exclude=EXCLUDE)
    ).model
    sample = generate_population(PopulationConfig(n=20_000, seed=2028))
    cutoff = float(load_strategy().cutoffs.approve_max_pd)
    report = fairness_report(
        "gender",
        sample["gender"].cast(pl.String).to_numpy(),
        model.predict_pd(sample) <= cutoff,
        THRESHOLDS,
        good=~sample["defaulted"].to_numpy(),
    )
    _print_fairness(f"population (gender, {model.kind}, PD <= {cutoff:.0%})", report.to_dict())


def _hmda_fairness() -> None:
    frame = pl.read_csv(HMDA)
    bad = (frame["deny"] == "yes").to_numpy()
    pd = np.empty(frame.height)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in folds.split(np.zeros(frame.height), bad):
        model = train_model(
            frame[train],
            TrainConfig(target="deny", bad_value="yes", exclude=("afam",), kind="scorecard"),
        ).model
        pd[test] = model.predict_pd(frame[test])
    approve = pd <= np.quantile(pd, 1 - bad.mean())
    report = fairness_report("afam", frame["afam"].to_numpy(), approve, THRESHOLDS, good=~bad)
    _print_fairness("HMDA Boston (afam, scorecard, 5-fold cross-fitted)", report.to_dict())
    historic = fairness_report("afam", frame["afam"].to_numpy(), ~bad, THRESHOLDS)
    print(
        "fairness HMDA, the lenders' own decisions: demographic parity difference "
        f"{historic.demographic_parity_difference:.4f}"
    )


def main() -> None:
    print("machine:", info(), "load:", load())
    with tempfile.TemporaryDirectory() as folder:
        _monitoring(Path(folder))
    _population_fairness()
    _hmda_fairness()


if __name__ == "__main__":
    main()
