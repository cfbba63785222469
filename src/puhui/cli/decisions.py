"""`puhui decide` (one or many customers, audited) and `puhui preapprove` (a whole population)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from puhui.errors import PuhuiError
from puhui.output import err_console, print_json, print_table
from puhui.settings import get_settings

JSON = typer.Option(False, "--json", help="Print JSON for machines.")


def _read_customers(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist", param_hint="--customer-file")
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = data if isinstance(data, list) else [data]
    else:
        import polars as pl

        frame = pl.read_parquet(path) if path.suffix.lower() == ".parquet" else pl.read_csv(path)
        rows = frame.to_dicts()
    if not all(isinstance(r, dict) for r in rows):
        raise typer.BadParameter("each customer must be an object", param_hint="--customer-file")
    return rows


def decide(
    customer_file: Path = typer.Option(
        ..., "--customer-file", help="JSON (object or list), CSV or Parquet of customers."
    ),
    record: bool = typer.Option(
        True, "--record/--no-record", help="Log to the decision audit and grant approved lines."
    ),
    json_output: bool = JSON,
) -> None:
    """Decide for one or many customers with the champion strategy and model."""
    from puhui.services.decisions_context import DecisionsContext

    rows = _read_customers(customer_file)
    ctx = DecisionsContext(get_settings())
    results: list[dict[str, Any]] = []
    failed = 0
    try:
        for i, row in enumerate(rows):
            application_id = row.pop("application_id", None)
            try:
                if record:
                    entry = ctx.with_service(
                        lambda svc: svc.decide(row, application_id)  # noqa: B023
                    )
                    results.append(entry.to_dict())
                else:
                    result = ctx.with_service(lambda svc: svc.decider.decide(row))  # noqa: B023
                    results.append({"customer_id": result.customer_id, **result.outputs()})
            except PuhuiError as err:
                failed += 1
                results.append({"index": i, "error": err.to_dict()})
    finally:
        ctx.close()
    if json_output:
        print_json(results if len(results) != 1 else results[0])
    else:
        print_table(
            "Decisions / 授信决策",
            ["customer", "outcome", "limit", "nominal rate", "reasons"],
            [
                [
                    r.get("customer_id", f"#{r.get('index')}"),
                    r.get("outcome", r.get("error", {}).get("detail")),
                    r.get("limit_minor", ""),
                    r.get("nominal_rate") or "",
                    "; ".join(x.get("text_en") or x.get("code", "") for x in r.get("reasons", [])),
                ]
                for r in results
            ],
        )
    if failed:
        raise typer.Exit(2)


def preapprove(
    data: Path = typer.Option(
        ..., "--data", help="A Parquet file, or a folder of Parquet partitions."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Output folder: decisions by partition + manifest."
    ),
    engine: str = typer.Option("local", "--engine", help="local, ray or spark."),
    workers: int = typer.Option(
        1, "--workers", help="Processes (local), CPUs (Ray), cores (Spark)."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Keep finished partitions of a crashed run."
    ),
    reasons: int = typer.Option(4, help="Adverse-action reasons per declined/referred row (0-4)."),
    fast: bool = typer.Option(
        True, "--fast/--exact", help="Compiled trees and table TreeSHAP (same results) or LightGBM."
    ),
    strategy: str | None = typer.Option(
        None, "--strategy", help="A registered strategy version (default: the champion)."
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="A Ray cluster (default: RAY_ADDRESS, else a local one)."
    ),
    spark_master: str | None = typer.Option(
        None, "--spark-master", help="A Spark master URL (default: local[workers])."
    ),
    json_output: bool = JSON,
) -> None:
    """Batch pre-approval of a population with the champion strategy and model (预授信).

    Writes decisions as Parquet partitions and a manifest (counts, checksums, versions,
    timings). Not logged to the audit: `puhui preapprove-load --run OUT` grants the lines."""
    from puhui.db import Database
    from puhui.governance.registry import (
        champion,
        create_registry_tables,
        load_strategy_version,
        materialise_model,
    )
    from puhui.preapproval.engines import ENGINES, run
    from puhui.preapproval.partitions import plan
    from puhui.preapproval.scoring import ScoringBundle
    from puhui.risk.model import load_model

    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    partitions = plan(data)
    settings = get_settings()
    db = Database(settings.database_url)
    try:
        create_registry_tables(db)
        strategy_version = strategy or champion(db)[0]
        chosen = load_strategy_version(db, strategy_version)
        cache = Path(settings.data_dir) / "models"
        model = load_model(materialise_model(db, chosen.model.version, cache))
    finally:
        db.close()
    bundle = ScoringBundle.of(model, chosen, reasons=reasons, fast=fast)
    with Progress(
        TextColumn("[bold]pre-approve / 预授信"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        disable=json_output or engine != "local",  # Ray and Spark show their own progress
    ) as progress:
        task = progress.add_task("run", total=sum(p.rows for p in partitions))
        manifest = run(
            bundle,
            partitions,
            out,
            engine=engine,
            workers=workers,
            resume=resume,
            progress=lambda n: progress.advance(task, n),
            ray_address=ray_address,
            spark_master=spark_master,
        )
    summary = {k: v for k, v in manifest.items() if k not in ("partitions", "inputs")}
    summary["partitions"] = len(manifest["partitions"])
    summary["out"] = str(out)
    if json_output:
        print_json(summary)
    else:
        print_table("Pre-approval / 预授信", ["", ""], [(k, str(v)) for k, v in summary.items()])


def _lending_progress(label: str, total: int, json_output: bool) -> Progress:
    progress = Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console,
        disable=json_output,
    )
    progress.add_task(label, total=total)
    return progress


def preapprove_load(
    run_dir: Path = typer.Option(..., "--run", help="The --out folder of a finished run."),
    json_output: bool = JSON,
) -> None:
    """Grant a run's approved lines in bulk, each decision with its audit row (idempotent by
    run id: loading twice never grants twice)."""
    from puhui.services.preapproval import load_run
    from puhui.servicing.service import LendingService

    manifest = run_dir / "manifest.json"
    if not manifest.is_file():
        raise typer.BadParameter(f"{run_dir} holds no finished run", param_hint="--run")
    total = int(json.loads(manifest.read_text())["customers"])
    settings = get_settings()
    lending = LendingService(settings.database_url)
    try:
        with _lending_progress("load / 授信入账", total, json_output) as progress:
            summary = load_run(
                lending,
                run_dir,
                model_cache=Path(settings.data_dir) / "models",
                advance=lambda n: progress.advance(progress.task_ids[0], n),
            )
    finally:
        lending.close()
    if json_output:
        print_json(summary)
    else:
        print_table("Pre-approval load / 授信入账", ["", ""], list(summary.items()))


def preapprove_refresh(
    data: Path = typer.Option(..., "--data", help="Today's features: a Parquet file or folder."),
    refresh_id: str | None = typer.Option(
        None, "--refresh-id", help="Idempotency key (default: the business date)."
    ),
    json_output: bool = JSON,
) -> None:
    """Daily refresh: re-decide line holders; raise, lower, freeze or unfreeze their lines."""
    from puhui.preapproval.partitions import plan
    from puhui.services.preapproval import champion_of, refresh_lines
    from puhui.servicing.service import LendingService

    total = sum(p.rows for p in plan(data))
    settings = get_settings()
    lending = LendingService(settings.database_url)
    try:
        model, strategy = champion_of(lending.db, Path(settings.data_dir) / "models")
        with _lending_progress("refresh / 额度调整", total, json_output) as progress:
            summary = refresh_lines(
                lending,
                data,
                model,
                strategy,
                refresh_id=refresh_id,
                advance=lambda n: progress.advance(progress.task_ids[0], n),
            )
    finally:
        lending.close()
    if json_output:
        print_json(summary)
    else:
        print_table("Line refresh / 额度调整", ["", ""], list(summary.items()))
