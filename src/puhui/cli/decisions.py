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
    data: Path = typer.Option(..., "--data", help="Parquet or CSV population."),
    out: Path = typer.Option(..., "--out", help="Parquet file of decisions."),
    reasons: int = typer.Option(4, help="Adverse-action reasons per declined/referred row."),
    json_output: bool = JSON,
) -> None:
    """Batch pre-approval of a population with the champion (not logged; see `puhui run`)."""
    import polars as pl

    from puhui.preapproval.engine import chunks_of, run_preapproval
    from puhui.services.decisions_context import DecisionsContext

    if not data.exists():
        raise typer.BadParameter(f"{data} does not exist", param_hint="--data")
    frame = pl.read_parquet(data) if data.suffix.lower() == ".parquet" else pl.read_csv(data)
    ctx = DecisionsContext(get_settings())
    try:
        service = ctx.with_service(lambda svc: svc)
        model = service.decider.model
        strategy = service.decider.experiment.champion
        with Progress(
            TextColumn("[bold]pre-approve / 预授信"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            disable=json_output,
        ) as progress:
            task = progress.add_task("run", total=frame.height)
            report = run_preapproval(
                model,
                strategy,
                chunks_of(frame),
                output=out,
                reasons=reasons,
                progress=lambda n: progress.advance(task, n),
            )
    finally:
        ctx.close()
    if json_output:
        print_json(report.to_dict())
    else:
        print_table("Pre-approval / 预授信", ["", ""], list(report.to_dict().items()))
