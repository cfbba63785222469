"""The monitoring job on both backends: decisions on two days, a drifted day, matured outcomes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from puhui import customers
from puhui.db import Database
from puhui.governance import approvals, monitoring
from puhui.governance.lifecycle import Actor, Meta
from puhui.governance.thresholds import load_thresholds
from puhui.population import NON_FEATURES, PopulationConfig, generate_population
from puhui.risk import metrics
from puhui.risk.decide import Decider, bind_model
from puhui.risk.model import RiskModel
from puhui.risk.strategy import load_strategy
from puhui.services.decisions import DecisionService

DAY1, DAY2 = date(2026, 3, 1), date(2026, 3, 2)
THRESHOLDS = load_thresholds()


def _decide(service: DecisionService, frame: pl.DataFrame, day: date, tag: str) -> None:
    service.clock = lambda: datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    for row in frame.drop([c for c in NON_FEATURES if c != "customer_id"]).to_dicts():
        row["customer_id"] = f"{tag}{row['customer_id']}"
        service.decide(row, f"app-{row['customer_id']}", grant=False)


@pytest.fixture
def bank(database_url: str, model_dir: Path, model: RiskModel, tmp_path: Path) -> Database:
    db = Database(database_url)
    approvals.create_governance_tables(db)
    monitoring.create_monitoring_tables(db)
    customers.create_customer_tables(db)
    approvals.register_model(db, model_dir, Actor("key:m", "risk_analyst"), Meta("o", "p"))
    service = DecisionService(
        db, Decider.single(model, bind_model(load_strategy(), model)), model_cache=tmp_path
    )
    usual = generate_population(PopulationConfig(n=1_200, seed=31))
    # day two: the same kind of customers, but only those with many recent inquiries
    shifted = generate_population(PopulationConfig(n=14_000, seed=32)).filter(
        pl.col("inquiries_30d") >= 2
    )
    with db.tx():
        for tag, frame in (("a", usual), ("b", shifted)):
            customers.save_profiles(db, ((f"{tag}{r['customer_id']}", r) for r in frame.to_dicts()))
    _decide(service, usual, DAY1, "a")
    _decide(service, shifted.head(1_200), DAY2, "b")
    db.truths = {  # type: ignore[attr-defined]
        **{f"a{c}": d for c, d in usual.select("customer_id", "defaulted").iter_rows()},
    }
    return db


def test_a_day_is_monitored_stored_and_graded(bank: Database, model: RiskModel) -> None:
    db = bank
    [day1] = monitoring.run_monitoring(db, monitoring.Window.of_day(DAY1), THRESHOLDS)
    [day2] = monitoring.run_monitoring(db, monitoring.Window.of_day(DAY2), THRESHOLDS)
    assert day1["decisions"] == 1_200 and day2["decisions"] == 1_200
    assert day1["psi_score"] < 0.1  # the development population again: stable
    assert day2["psi_score"] > 0.25  # many inquiries: the score shifted
    assert day2["csi"]["inquiries_30d"] > 0.25
    red = {(a["metric"], a["subject"]) for a in day2["alerts"] if a["level"] == "red"}
    assert ("psi_score", "score") in red and ("csi", "inquiries_30d") in red
    assert day2["approval_rate"] < day1["approval_rate"]
    assert day2["mean_pd"] > day1["mean_pd"]
    # the profiles hold gender: the day's approval rates by group (fairlearn)
    assert {g["group"] for g in day1["fairness"]["groups"]} == {"female", "male"}

    stored = monitoring.runs(db, model.version)
    assert [r["day"] for r in stored] == [DAY1.isoformat(), DAY2.isoformat()]
    assert stored[1]["worst_level"] == "red"
    stored_alerts = monitoring.alerts(db, model_version=model.version, level="red")
    assert {(a["metric"], a["subject"]) for a in stored_alerts} >= red
    # a rerun of a day replaces it (the job is idempotent)
    monitoring.run_monitoring(db, monitoring.Window.of_day(DAY2), THRESHOLDS)
    assert len(monitoring.runs(db, model.version)) == 2
    assert len(monitoring.alerts(db, model_version=model.version, level="red")) == len(
        stored_alerts
    )
    db.close()


def test_matured_outcomes_against_what_the_model_predicted(bank: Database) -> None:
    db = bank
    rows = db.all(
        "SELECT decision_id, customer_id, pd FROM decision_audit WHERE decided_at < ?",
        (DAY2.isoformat(),),
    )
    truths = db.truths  # type: ignore[attr-defined]
    with db.tx():
        monitoring.record_outcomes(
            db,
            [monitoring.Outcome(r[0], date(2027, 3, 1), bool(truths[r[1]]), "test") for r in rows],
        )
    [run] = monitoring.run_monitoring(db, monitoring.Window.of_day(DAY1), THRESHOLDS)
    outcomes = run["outcomes"]
    bad = np.array([bool(truths[r[1]]) for r in rows])
    pd = np.array([r[2] for r in rows])
    assert outcomes["rows"] == 1_200 and outcomes["bads"] == int(bad.sum())
    assert outcomes["bad_rate"] == pytest.approx(bad.mean())
    assert outcomes["mean_pd"] == pytest.approx(pd.mean())
    if outcomes["enough"]:
        assert outcomes["auc"] == pytest.approx(metrics.auc(bad, pd))
    assert sum(b["rows"] for b in outcomes["calibration_by_band"]) == 1_200
    assert outcomes["vintages"] == [
        {
            "vintage": DAY1.isoformat(),
            "rows": 1_200,
            "mean_pd": pytest.approx(pd.mean()),
            "bad_rate": pytest.approx(bad.mean()),
        }
    ]
    db.close()


def test_a_day_without_decisions_stores_nothing(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    monitoring.create_monitoring_tables(db)
    from puhui.governance import audit

    audit.create_audit_tables(db)
    assert monitoring.run_monitoring(db, monitoring.Window.of_day(DAY1), THRESHOLDS) == []
    assert monitoring.runs(db) == []
    db.close()
