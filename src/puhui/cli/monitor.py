"""`puhui monitor ...`: run model monitoring (the scheduled job) and read what it stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from puhui.cli.common import JSON, parse_date
from puhui.output import console, print_json, print_table

app = typer.Typer(
    help="Model monitoring: PSI/CSI, approvals, outcomes, fairness, alerts (模型监控).",
    no_args_is_help=True,
)


def _db() -> Any:
    from puhui.db import Database
    from puhui.governance import approvals, monitoring
    from puhui.settings import get_settings

    db = Database(get_settings().database_url)
    approvals.create_governance_tables(db)
    monitoring.create_monitoring_tables(db)
    return db


def _fmt(value: Any, places: int = 4) -> str:
    return "" if value is None else f"{value:.{places}f}"


@app.command("run")
def run(
    day: str = typer.Option(
        None, "--day", help="UTC day of decisions to monitor, YYYY-MM-DD (default: today)."
    ),
    thresholds: Path = typer.Option(
        None, "--thresholds", help="Thresholds TOML (default: the shipped thresholds.toml)."
    ),
    json_output: bool = JSON,
) -> None:
    """Monitor one day's decisions per model and store the figures and alerts (idempotent)."""
    from rich.status import Status

    from puhui.governance import monitoring
    from puhui.governance.thresholds import load_thresholds
    from puhui.population import PROTECTED

    when = parse_date(day, "day") or datetime.now(UTC).date()
    limits = load_thresholds(thresholds)
    db = _db()
    try:
        with Status(f"monitoring {when} …", console=console, spinner="dots") as status:
            if json_output:
                status.stop()
            results = monitoring.run_monitoring(
                db, monitoring.Window.of_day(when), limits, protected=PROTECTED
            )
    finally:
        db.close()
    summary = [
        {
            "model_version": r["model_version"],
            "day": when.isoformat(),
            "decisions": r["decisions"],
            "approval_rate": r.get("approval_rate"),
            "mean_pd": r.get("mean_pd"),
            "psi_score": r.get("psi_score"),
            "outcomes": r["outcomes"]["rows"],
            "alerts": r["alerts"],
            "seconds": round(r["seconds"], 3),
        }
        for r in results
    ]
    if json_output:
        print_json({"day": when.isoformat(), "runs": summary})
        return
    if not summary:
        console.print(f"no decisions on {when} (UTC): nothing to monitor")
        return
    print_table(
        f"Monitoring {when} 监控",
        ["model", "decisions", "approval", "mean PD", "PSI", "alerts", "seconds"],
        [
            (
                s["model_version"],
                f"{s['decisions']:,}",
                _fmt(s["approval_rate"]),
                _fmt(s["mean_pd"]),
                _fmt(s["psi_score"]),
                str(len(s["alerts"])),
                str(s["seconds"]),
            )
            for s in summary
        ],
    )


@app.command("show")
def show(
    model: str = typer.Option(None, "--model", help="Only this model version."),
    limit: int = typer.Option(30, "--limit", min=1, max=1000, help="Days to show."),
    json_output: bool = JSON,
) -> None:
    """The stored monitoring runs, oldest day first."""
    from puhui.governance import monitoring

    db = _db()
    try:
        rows = monitoring.runs(db, model, limit)
    finally:
        db.close()
    if json_output:
        print_json(rows)
        return
    print_table(
        "Monitoring runs 监控记录",
        ["day", "model", "decisions", "approval", "mean PD", "PSI", "level"],
        [
            (
                r["day"],
                r["model_version"],
                f"{r['decisions']:,}",
                _fmt(r["approval_rate"]),
                _fmt(r["mean_pd"]),
                _fmt(r["psi_score"]),
                r["worst_level"],
            )
            for r in rows
        ],
    )


@app.command("alerts")
def alerts(
    level: str = typer.Option(None, "--level", help="amber or red."),
    model: str = typer.Option(None, "--model", help="Only this model version."),
    json_output: bool = JSON,
) -> None:
    """Stored alerts, newest day first."""
    from puhui.errors import ValidationError
    from puhui.governance import monitoring

    if level not in (None, "amber", "red"):
        raise ValidationError("level must be amber or red", field="level")
    db = _db()
    try:
        rows = monitoring.alerts(db, model_version=model, level=level)
    finally:
        db.close()
    if json_output:
        print_json(rows)
        return
    print_table(
        "Alerts 告警",
        ["day", "model", "metric", "subject", "value", "level"],
        [
            (r["day"], r["model_version"], r["metric"], r["subject"], _fmt(r["value"]), r["level"])
            for r in rows
        ],
    )
