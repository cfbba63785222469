"""Model monitoring: a job computes each day's figures from the decision audit and stores them.

For each model that decided in a window (a UTC day, or the decisions since the last run when
close of business calls it), one run holds:

- volume: decisions, approval rate, mean PD, mean approved limit;
- stability: PSI of the score and CSI of every feature against the development sample's bins
  (`baseline.json`, stored with the model);
- matured outcomes (cumulative, `governance_outcomes`): AUC, KS, calibration by score band
  (the development score deciles) and default rate by vintage against the mean predicted PD;
- fairness of the window's approvals across a protected attribute held in the customers'
  profiles (fairlearn), when there is one;
- alerts: every figure graded against `thresholds.toml`; amber and red ones are stored.

Pages and `/metrics` read the stored runs; nothing is recomputed when a page loads. A rerun of
the same model and day replaces that day's run and its alerts (the job is idempotent).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from puhui.db import Database
from puhui.governance import registry
from puhui.governance.audit import new_decision_id, stored_json
from puhui.governance.baseline import Baseline, baseline_from_files
from puhui.governance.fairness import fairness_report
from puhui.governance.stability import actual_shares, psi
from puhui.governance.thresholds import Thresholds
from puhui.risk import metrics
from puhui.risk.spec import FeatureSpec

DDL = """
CREATE TABLE IF NOT EXISTS governance_monitoring (
    run_id TEXT PRIMARY KEY,
    model_version TEXT NOT NULL,
    day TEXT NOT NULL,
    window_from TEXT NOT NULL,
    window_to TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    seconds DOUBLE PRECISION NOT NULL,
    decisions BIGINT NOT NULL,
    approval_rate DOUBLE PRECISION,
    mean_pd DOUBLE PRECISION,
    mean_limit_minor DOUBLE PRECISION,
    psi_score DOUBLE PRECISION,
    worst_level TEXT NOT NULL,
    result_json TEXT NOT NULL,
    UNIQUE (model_version, day)
);
CREATE INDEX IF NOT EXISTS governance_monitoring_day ON governance_monitoring (day);
CREATE TABLE IF NOT EXISTS governance_alerts (
    alert_id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL,
    model_version TEXT NOT NULL,
    day TEXT NOT NULL,
    metric TEXT NOT NULL,
    subject TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    level TEXT NOT NULL,
    amber DOUBLE PRECISION NOT NULL,
    red DOUBLE PRECISION NOT NULL,
    raised_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS governance_alerts_day ON governance_alerts (day, level);
CREATE TABLE IF NOT EXISTS governance_outcomes (
    decision_id TEXT PRIMARY KEY,
    observed_on TEXT NOT NULL,
    bad INTEGER NOT NULL,
    source TEXT NOT NULL
)
"""
MONITORING_LOCK_KEY = 7345104

#: Protected attributes looked up in customer profiles (the population's `PROTECTED`).
DEFAULT_PROTECTED = ("gender",)


def create_monitoring_tables(db: Database) -> None:
    db.create_tables(DDL, MONITORING_LOCK_KEY)


# -- outcomes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """A matured outcome of one decision: did the customer default (`bad`)?"""

    decision_id: str
    observed_on: date
    bad: bool
    source: str


def record_outcomes(db: Database, outcomes: Sequence[Outcome]) -> int:
    """Store matured outcomes in the caller's transaction; a decision's first outcome stands."""
    db.many(
        "INSERT INTO governance_outcomes (decision_id, observed_on, bad, source) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (decision_id) DO NOTHING",
        [(o.decision_id, o.observed_on.isoformat(), int(o.bad), o.source) for o in outcomes],
    )
    return len(outcomes)


# -- the figures (pure) -----------------------------------------------------------------------
def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else float(value)


def decode_features(spec: FeatureSpec, features_json: pl.Series) -> pl.DataFrame:
    """The audit's feature snapshots (JSON text) as a frame of the model's features."""
    types: dict[str, pl.DataType] = {}
    for feature in spec.features:
        if feature.kind == "categorical":
            types[feature.name] = pl.String()
        elif feature.dtype == "Boolean":
            types[feature.name] = pl.Boolean()
        else:
            types[feature.name] = pl.Float64()
    decoded = features_json.str.json_decode(dtype=pl.Struct(types))
    return decoded.struct.unnest()


def volume_and_stability(
    spec: FeatureSpec, baseline: Baseline, decisions: pl.DataFrame, thresholds: Thresholds
) -> dict[str, Any]:
    """Approval rate, mean PD and limit, PSI of the score and CSI of each feature."""
    n = decisions.height
    approved = (decisions["outcome"] == "approve").to_numpy()
    limits = decisions["limit_minor"].to_numpy()[approved]
    score = decisions["score"].to_numpy().astype(np.float64)
    matrix = spec.encode_frame(decode_features(spec, decisions["features_json"]))
    csi = {
        name: psi(baseline.features[name], matrix[:, j])
        for j, name in enumerate(spec.names)
        if name in baseline.features
    }
    return {
        "decisions": n,
        "approved": int(approved.sum()),
        "approval_rate": float(approved.mean()) if n else None,
        "mean_pd": float(decisions["pd"].mean()) if n else None,  # type: ignore[arg-type]
        "mean_limit_minor": float(limits.mean()) if limits.size else None,
        "psi_score": psi(baseline.score, score),
        "score_shares": {
            "edges": list(baseline.score.edges),
            "expected": list(baseline.score.expected),
            "actual": actual_shares(baseline.score, score).tolist(),
        },
        "csi": csi,
    }


def outcome_figures(
    baseline: Baseline, frame: pl.DataFrame, thresholds: Thresholds
) -> dict[str, Any]:
    """On matured outcomes (`pd`, `score`, `bad`, `vintage`): AUC, KS, calibration by score
    band and default rate by vintage, each against what the model predicted."""
    rows = frame.height
    bad = frame["bad"].to_numpy().astype(bool) if rows else np.zeros(0, dtype=bool)
    bads = int(bad.sum())
    result: dict[str, Any] = {"rows": rows, "bads": bads}
    if rows == 0:
        return result
    pd = frame["pd"].to_numpy().astype(np.float64)
    result["bad_rate"] = float(bad.mean())
    result["mean_pd"] = float(pd.mean())
    result["calibration_gap"] = (
        abs(result["bad_rate"] / result["mean_pd"] - 1.0) if result["mean_pd"] > 0 else None
    )
    enough = rows >= thresholds.outcome_rows and bads >= thresholds.outcome_bads
    result["enough"] = enough
    if enough and 0 < bads < rows:
        result["auc"] = metrics.auc(bad, pd)
        result["ks"] = metrics.ks(bad, pd)
    edges = np.asarray(baseline.score.edges)
    band = np.searchsorted(edges, frame["score"].to_numpy().astype(np.float64), side="right")
    bands = []
    for b in range(edges.size + 1):
        inside = band == b
        if not inside.any():
            continue
        low = None if b == 0 else float(edges[b - 1])
        high = None if b == edges.size else float(edges[b])
        bands.append(
            {
                "band": b + 1,
                "from": low,
                "to": high,
                "rows": int(inside.sum()),
                "mean_pd": float(pd[inside].mean()),
                "bad_rate": float(bad[inside].mean()),
            }
        )
    result["calibration_by_band"] = bands
    vintages = (
        frame.group_by("vintage")
        .agg(
            pl.len().alias("rows"),
            pl.col("pd").mean().alias("mean_pd"),
            pl.col("bad").cast(pl.Float64).mean().alias("bad_rate"),
        )
        .sort("vintage")
    )
    result["vintages"] = vintages.to_dicts()
    return result


def grade(result: Mapping[str, Any], thresholds: Thresholds) -> list[dict[str, Any]]:
    """Every amber or red figure of a run, as alerts."""
    checks: list[tuple[str, str, float | None]] = [("psi_score", "score", result.get("psi_score"))]
    checks += [("csi", name, value) for name, value in (result.get("csi") or {}).items()]
    outcomes = result.get("outcomes") or {}
    if outcomes.get("enough"):
        checks += [
            ("auc", "outcomes", outcomes.get("auc")),
            ("ks", "outcomes", outcomes.get("ks")),
            ("calibration_gap", "outcomes", outcomes.get("calibration_gap")),
        ]
    fairness = result.get("fairness") or {}
    for metric in ("demographic_parity_difference", "equalized_odds_difference"):
        if fairness.get(metric) is not None:
            checks.append((metric, str(fairness["attribute"]), fairness[metric]))
    alerts = []
    for metric, subject, value in checks:
        value = _finite(value)
        if value is None:
            continue
        limit = thresholds[metric]
        level = limit.level(value)
        if level != "green":
            alerts.append(
                {
                    "metric": metric,
                    "subject": subject,
                    "value": value,
                    "level": level,
                    "amber": limit.amber,
                    "red": limit.red,
                }
            )
    return alerts


def worst(alerts: Sequence[Mapping[str, Any]]) -> str:
    levels = {a["level"] for a in alerts}
    return "red" if "red" in levels else "amber" if "amber" in levels else "green"


# -- the job ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Window:
    """Decisions with `start <= decided_at < end` (ISO UTC timestamps), labelled `day`."""

    day: str
    start: str
    end: str

    @classmethod
    def of_day(cls, day: date) -> Window:
        return cls(day.isoformat(), day.isoformat(), (day + timedelta(days=1)).isoformat())


def _decisions(db: Database, window: Window, protected: Sequence[str]) -> pl.DataFrame:
    """The window's decisions, with each protected attribute from the customer's profile."""
    extra, join, params = "", "", []
    if protected and db.table_exists("platform_customers"):
        for attribute in protected:
            if db.dialect == "sqlite":
                extra += ", json_extract(p.profile_json, ?)"
                params.append(f"$.{attribute}")
            else:
                extra += ", (p.profile_json::json ->> ?)"
                params.append(attribute)
        join = " LEFT JOIN platform_customers p ON p.customer_id = a.customer_id"
    else:
        protected = ()
    rows = db.all(
        "SELECT a.decision_id, a.customer_id, a.model_version, a.outcome, a.pd, a.score, "
        f"a.limit_minor, a.features_json{extra} FROM decision_audit a{join} "
        "WHERE a.decided_at >= ? AND a.decided_at < ?",
        (*params, window.start, window.end),
    )
    schema: dict[str, Any] = {
        "decision_id": pl.String,
        "customer_id": pl.String,
        "model_version": pl.String,
        "outcome": pl.String,
        "pd": pl.Float64,
        "score": pl.Int64,
        "limit_minor": pl.Int64,
        "features_json": pl.String,
        **{f"protected:{a}": pl.String for a in protected},
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _outcomes(db: Database, model_version: str) -> pl.DataFrame:
    rows = db.all(
        "SELECT a.pd, a.score, substr(a.decided_at, 1, 10), o.bad FROM governance_outcomes o "
        "JOIN decision_audit a ON a.decision_id = o.decision_id WHERE a.model_version = ?",
        (model_version,),
    )
    schema = {"pd": pl.Float64, "score": pl.Int64, "vintage": pl.String, "bad": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _fairness(decisions: pl.DataFrame, thresholds: Thresholds) -> dict[str, Any] | None:
    """Approval rates across the first protected attribute the profiles hold (two groups+)."""
    for column in decisions.columns:
        if not column.startswith("protected:"):
            continue
        known = decisions.filter(pl.col(column).is_not_null())
        if known[column].n_unique() < 2:
            continue
        report = fairness_report(
            column.removeprefix("protected:"),
            known[column].to_numpy(),
            (known["outcome"] == "approve").to_numpy(),
            thresholds,
        )
        return report.to_dict() | {"rows": known.height}
    return None


def monitor_model(
    db: Database,
    model_version: str,
    decisions: pl.DataFrame,
    thresholds: Thresholds,
) -> dict[str, Any]:
    """Every figure of one model's run (without storing it)."""
    files = registry.model_files(db, model_version)
    spec = FeatureSpec.from_dict(json.loads(files["feature_spec.json"]))
    baseline = baseline_from_files(files, model_version)
    result: dict[str, Any] = {"model_version": model_version, "decisions": decisions.height}
    if decisions.height:
        result |= volume_and_stability(spec, baseline, decisions, thresholds)
        result["fairness"] = _fairness(decisions, thresholds)
    result["outcomes"] = outcome_figures(baseline, _outcomes(db, model_version), thresholds)
    result["alerts"] = grade(result, thresholds)
    return result


def run_monitoring(
    db: Database,
    window: Window,
    thresholds: Thresholds,
    *,
    protected: Sequence[str] = DEFAULT_PROTECTED,
    also: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Compute and store a run for every model that decided in `window` (and the models in
    `also`, for their outcomes); returns the stored results."""
    with db.read():
        decisions = _decisions(db, window, protected)
    versions = sorted(set(decisions["model_version"].to_list()) | set(also))
    stored = []
    for version in versions:
        began = datetime.now(UTC)
        with db.read():
            result = monitor_model(
                db, version, decisions.filter(pl.col("model_version") == version), thresholds
            )
        result["window"] = {"day": window.day, "from": window.start, "to": window.end}
        result["seconds"] = (datetime.now(UTC) - began).total_seconds()
        _store(db, window, result, datetime.now(UTC))
        stored.append(result)
    return stored


def _store(db: Database, window: Window, result: dict[str, Any], now: datetime) -> None:
    run_id = new_decision_id()
    at = now.isoformat(timespec="microseconds")
    version = result["model_version"]
    with db.tx():
        db.execute(
            "DELETE FROM governance_alerts WHERE model_version = ? AND day = ?",
            (version, window.day),
        )
        db.execute(
            "DELETE FROM governance_monitoring WHERE model_version = ? AND day = ?",
            (version, window.day),
        )
        db.execute(
            "INSERT INTO governance_monitoring (run_id, model_version, day, window_from, "
            "window_to, computed_at, seconds, decisions, approval_rate, mean_pd, "
            "mean_limit_minor, psi_score, worst_level, result_json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                version,
                window.day,
                window.start,
                window.end,
                at,
                result["seconds"],
                result["decisions"],
                result.get("approval_rate"),
                result.get("mean_pd"),
                result.get("mean_limit_minor"),
                _finite(result.get("psi_score")),
                worst(result["alerts"]),
                stored_json(result),
            ),
        )
        db.many(
            "INSERT INTO governance_alerts (alert_id, run_id, model_version, day, metric, "
            "subject, value, level, amber, red, raised_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    new_decision_id(),
                    run_id,
                    version,
                    window.day,
                    a["metric"],
                    a["subject"],
                    a["value"],
                    a["level"],
                    a["amber"],
                    a["red"],
                    at,
                )
                for a in result["alerts"]
            ],
        )


def last_window_end(db: Database) -> str | None:
    """Where the previous run's window ended (the next COB run starts there)."""
    row = db.one("SELECT max(window_to) FROM governance_monitoring")
    return None if row is None or row[0] is None else str(row[0])


# -- reads for pages, the API and /metrics ----------------------------------------------------
def runs(db: Database, model_version: str | None = None, limit: int = 90) -> list[dict[str, Any]]:
    """Stored runs, oldest day first (the last `limit` days)."""
    sql = (
        "SELECT run_id, model_version, day, window_from, window_to, computed_at, seconds, "
        "decisions, approval_rate, mean_pd, mean_limit_minor, psi_score, worst_level, "
        "result_json FROM governance_monitoring"
    )
    params: list[Any] = []
    if model_version:
        sql += " WHERE model_version = ?"
        params.append(model_version)
    sql += " ORDER BY day DESC, model_version LIMIT ?"
    params.append(limit)
    keys = (
        "run_id",
        "model_version",
        "day",
        "window_from",
        "window_to",
        "computed_at",
        "seconds",
        "decisions",
        "approval_rate",
        "mean_pd",
        "mean_limit_minor",
        "psi_score",
        "worst_level",
    )
    result = []
    for row in reversed(db.all(sql, params)):
        entry = dict(zip(keys, row[:-1], strict=True))
        entry["result"] = json.loads(row[-1])
        result.append(entry)
    return result


def alerts(
    db: Database, *, model_version: str | None = None, level: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Stored alerts, newest day first, red before amber."""
    where: list[str] = []
    params: list[Any] = []
    if model_version:
        where.append("model_version = ?")
        params.append(model_version)
    if level:
        where.append("level = ?")
        params.append(level)
    sql = (
        "SELECT alert_id, run_id, model_version, day, metric, subject, value, level, amber, red, "
        "raised_at FROM governance_alerts"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY day DESC, level DESC, metric, subject LIMIT ?"
    params.append(limit)
    keys = (
        "alert_id",
        "run_id",
        "model_version",
        "day",
        "metric",
        "subject",
        "value",
        "level",
        "amber",
        "red",
        "raised_at",
    )
    return [dict(zip(keys, r, strict=True)) for r in db.all(sql, params)]
