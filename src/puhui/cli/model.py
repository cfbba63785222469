"""`puhui model ...`: train a PD model from a table, and score a table with it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from puhui.output import err_console, print_json, print_table

if TYPE_CHECKING:
    from puhui.risk.model import RiskModel
from puhui.tabular import check_suffix, read_table, write_table

app = typer.Typer(help="Risk models: train and score (风险模型：训练与评分).", no_args_is_help=True)

SCORE_CHUNK = 100_000


@app.command("train")
def train(
    data: Path = typer.Option(..., "--data", help="Training table, .csv or .parquet."),
    target: str = typer.Option(..., "--target", help="Outcome column."),
    bad_value: str = typer.Option(..., "--bad-value", help="Outcome value that means default."),
    exclude: str = typer.Option("", "--exclude", help="Comma-separated columns to leave out."),
    kind: str = typer.Option("auto", "--kind", help="auto | scorecard | gbdt."),
    out: Path = typer.Option(..., "--out", help="Model directory to write."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    base_points: float = typer.Option(600.0, "--base-points", help="Points at the base odds."),
    base_odds: float = typer.Option(50.0, "--base-odds", help="Good:bad odds at base points."),
    pdo: float = typer.Option(20.0, "--pdo", help="Points to double the odds."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Train a calibrated PD model and write it, its spec, metrics and model card to OUT."""
    # Imported here: LightGBM, optbinning and scikit-learn would slow every `puhui` command.
    from puhui.governance.baseline import build_baseline, write_baseline
    from puhui.risk.card import model_card, model_card_zh
    from puhui.risk.model import CARD_FILE, CARD_ZH_FILE, METRICS_FILE, PointsScale, save_model
    from puhui.risk.training import TrainConfig, train_model

    started = time.perf_counter()
    frame = read_table(data)
    config = TrainConfig(
        target=target,
        bad_value=bad_value,
        exclude=tuple(c.strip() for c in exclude.split(",") if c.strip()),
        kind=kind,
        seed=seed,
        scale=PointsScale(base_points=base_points, base_odds=base_odds, pdo=pdo),
    )
    with Progress(
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=json_output,
    ) as progress:
        task = progress.add_task("training", total=None)
        result = train_model(frame, config, lambda step: progress.update(task, description=step))
    save_model(result.model, out)
    (out / METRICS_FILE).write_text(json.dumps(result.metrics, ensure_ascii=False, indent=2))
    (out / CARD_FILE).write_text(model_card(result.metrics, data.name))
    (out / CARD_ZH_FILE).write_text(model_card_zh(result.metrics, data.name), encoding="utf-8")
    write_baseline(build_baseline(result.model, frame), out)  # for monitoring (PSI, CSI)
    held = result.metrics["held_out"]
    summary: dict[str, Any] = {
        "model": str(out),
        "version": result.model.version,
        "kind": result.model.kind,
        "rows": result.metrics["rows"],
        "features": len(result.model.feature_names),
        "candidates": result.metrics["candidates"],
        "calibration": result.metrics["calibration"]["method"],
        "auc": held["auc"],
        "ks": held["ks"],
        "gini": held["gini"],
        "brier": held["brier"],
        "ece": held["ece"],
        "seconds": round(time.perf_counter() - started, 2),
    }
    if json_output:
        print_json(summary)
        return
    rows = [(key, _show(value)) for key, value in summary.items()]
    print_table("Model trained 模型已训练", ["item 项目", "value 值"], rows)


@app.command("score")
def score(
    model_dir: Path = typer.Option(..., "--model", help="Model directory from `model train`."),
    data: Path = typer.Option(..., "--data", help="Table to score, .csv or .parquet."),
    out: Path = typer.Option(..., "--out", help="Scores table to write, .csv or .parquet."),
    top: int = typer.Option(4, "--top", help="Reason codes per row (at most 4 by default)."),
    id_column: str = typer.Option(
        "customer_id", "--id", help="Column copied to the output when present."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Score every row: pd, score points and reason codes (Chinese and English), in input order."""
    from puhui.risk.model import load_model

    started = time.perf_counter()
    check_suffix(out, "out")
    model = load_model(model_dir)
    frame = read_table(data)
    with Progress(
        TextColumn("scoring"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
        console=err_console,
        disable=json_output,
    ) as progress:
        task = progress.add_task("score", total=frame.height)
        parts = []
        for offset in range(0, max(frame.height, 1), SCORE_CHUNK):
            chunk = frame.slice(offset, SCORE_CHUNK)
            parts.append(score_frame(model, chunk, top, id_column))
            progress.advance(task, chunk.height)
    scores = pl.concat(parts)
    write_table(scores, out)
    pd = scores["pd"].to_numpy()
    summary: dict[str, Any] = {
        "out": str(out),
        "model_version": model.version,
        "rows": scores.height,
        "mean_pd": float(np.mean(pd)) if pd.size else None,
        "mean_score": float(scores["score"].mean()) if pd.size else None,  # type: ignore[arg-type]
        "seconds": round(time.perf_counter() - started, 2),
    }
    if json_output:
        print_json(summary)
        return
    rows = [(key, _show(value)) for key, value in summary.items()]
    print_table("Scores written 评分已写出", ["item 项目", "value 值"], rows)


@app.command("validate")
def validate(
    version: str = typer.Argument(..., help="Registered model version (see `GET /v1/models`)."),
    out: Path = typer.Option(..., "--out", help="Report to write: .html, or .pdf (WeasyPrint)."),
    data: Path | None = typer.Option(
        None, "--data", help="Labelled sample, .csv or .parquet (default: a fresh synthetic draw)."
    ),
    target: str = typer.Option("defaulted", "--target", help="Outcome column of --data."),
    bad_value: str = typer.Option("true", "--bad-value", help="Outcome value meaning default."),
    protected: str = typer.Option(
        "gender", "--protected", help="Comma-separated protected columns for fairness."
    ),
    challenger: str | None = typer.Option(
        None, "--challenger", help="Challenger model version (default: the champion's model)."
    ),
    rows: int = typer.Option(20_000, "--rows", min=1_000, help="Rows of the synthetic draw."),
    seed: int = typer.Option(4242, "--seed", help="Seed of the synthetic draw."),
    record: bool = typer.Option(
        True, "--record/--no-record", help="Store the report and a `validated` event."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Validate a registered model: discrimination, calibration, stability, fairness, a
    challenger, sensitivity and limits, with plots; the approval step links the stored report."""
    import getpass

    from puhui.db import Database
    from puhui.errors import ValidationError
    from puhui.governance import approvals
    from puhui.governance.lifecycle import Actor
    from puhui.governance.report import render_pdf
    from puhui.risk.training import bad_flags
    from puhui.services.governance import synthetic_sample, validate_registered
    from puhui.settings import get_settings

    if out.suffix.lower() not in (".html", ".pdf"):
        raise ValidationError("--out must end in .html or .pdf", field="out")
    started = time.perf_counter()
    if data is None:
        sample = synthetic_sample(rows, seed)
    else:
        frame = read_table(data)
        sample = (frame, bad_flags(frame, target, bad_value), data.name)
    settings = get_settings()
    db = Database(settings.database_url)
    actor = Actor(f"cli:{getpass.getuser()}", "risk_analyst", "puhui model validate")
    try:
        approvals.create_governance_tables(db)
        with Progress(
            TextColumn("validating {task.description}"),
            TimeElapsedColumn(),
            console=err_console,
            disable=json_output,
        ) as progress:
            progress.add_task(version, total=None)
            summary, html, event = validate_registered(
                db,
                version,
                sample,
                actor,
                Path(settings.data_dir) / "models",
                challenger_version=challenger,
                protected=tuple(p.strip() for p in protected.split(",") if p.strip()),
                record=record,
            )
    finally:
        db.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(render_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    result: dict[str, Any] = {
        "out": str(out),
        "model_version": version,
        "data": summary["data_name"],
        "rows": summary["rows"],
        **summary["headline"],
        "challenger": summary["challenger"]["name"],
        "fairness": {
            f["attribute"]: f["demographic_parity_difference"] for f in summary["fairness"]
        },
        "report_id": event.details["report_id"] if event else None,
        "seconds": round(time.perf_counter() - started, 2),
    }
    if json_output:
        print_json(result)
        return
    print_table(
        "Model validated 模型已验证",
        ["item 项目", "value 值"],
        [(k, _show(v)) for k, v in result.items()],
    )


def score_frame(model: RiskModel, frame: pl.DataFrame, top: int, id_column: str) -> pl.DataFrame:
    """pd, score and reason columns for each row of `frame`, in its order."""
    matrix = model.encode(frame)
    pd = model.predict_pd_encoded(matrix)
    columns: dict[str, Any] = {}
    if id_column in frame.columns:
        columns[id_column] = frame[id_column]
    columns["pd"] = pl.Series("pd", pd)
    columns["score"] = pl.Series("score", model.score_points(pd))
    columns.update(model.reason_columns(matrix, top))
    return pl.DataFrame(columns)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
