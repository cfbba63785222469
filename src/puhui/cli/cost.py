"""`puhui cost report`: the cost of a customer in yuan per account-year, measured here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from puhui.cli.common import JSON
from puhui.output import err_console, print_json, print_table

app = typer.Typer(help="The IT cost of a customer, measured on this machine / 单账户成本计量")


@app.command("report")
def report(
    customers: int = typer.Option(2_000, "--customers", help="Customers in the metered workload."),
    days: int = typer.Option(40, "--days", help="Business days of close of business (>= 32)."),
    prices: Path | None = typer.Option(
        None, "--prices", help="A prices TOML (default: the packaged prices.toml)."
    ),
    database_url: str | None = typer.Option(
        None,
        "--workload-database",
        help="Run the workload on this database (default: a temporary SQLite file).",
    ),
    save: bool = typer.Option(False, "--save", help="Keep the report for the console."),
    json_output: bool = JSON,
) -> None:
    """Meter CPU and storage per unit of work, read model calls from the AI audit, and price
    them per account-year; project to 420M accounts and 1.4B transactions on the peak day."""
    from puhui.cost import ai_usage, build_report, load_inputs, measure, save_report
    from puhui.db import Database
    from puhui.settings import get_settings

    inputs = load_inputs(prices)  # bad prices fail before any work
    platform = get_settings().database_url

    def say(step: str) -> None:
        if not json_output:
            err_console.print(f"[dim]{step}[/dim]")

    measured = measure(database_url, customers=customers, days=days, progress=say)
    result = build_report(measured, inputs, ai_usage(platform))
    data: dict[str, Any] = result.to_dict()
    if save:
        db = Database(platform)
        try:
            data["report_id"] = save_report(db, result)
        finally:
            db.close()
    if json_output:
        print_json(data)
        return
    m = measured
    print_table(
        "measured on this machine / 本机实测",
        ("work", "units", "CPU ms per unit"),
        [(k, f"{m.units[k]:,}", f"{v * 1000:.3f}") for k, v in m.cpu_seconds.items()],
    )
    print_table(
        "storage / 存储",
        ("what", "value"),
        [
            ("backend", m.backend),
            ("accounts", f"{m.accounts:,}"),
            ("transfers", f"{m.transfers:,}"),
            ("bytes per account (tables + indexes)", f"{m.bytes_per_account:,.0f}"),
            ("bytes per transfer (ledger_transfers + indexes)", f"{m.bytes_per_transfer:,.0f}"),
            ("WAL bytes", f"{m.wal_bytes:,}"),
        ],
    )
    y = result.yuan_per_account_year
    print_table(
        "yuan per account-year / 每户每年成本（元）",
        ("part", "yuan"),
        [(k, f"{v:.4f}") for k, v in y.items()],
    )
    p = result.projection
    print_table(
        "at the seed's scale / 目标规模",
        ("figure", "value"),
        [
            ("accounts", f"{p['accounts']:,}"),
            ("peak-day transactions", f"{p['peak_day_transactions']:,}"),
            ("machines for the peak day", f"{p['machines_peak_day']:,.1f}"),
            ("machines for COB in its window", f"{p['machines_cob']:,.1f}"),
            ("machines for pre-approval in its window", f"{p['machines_preapproval']:,.1f}"),
            (f"machines of {p['cores_per_machine']} cores", f"{p['machines']:,}"),
            ("storage, TB (all copies)", f"{p['storage_tb']:,.1f}"),
            (
                "yuan per account-year, fleet provisioned",
                f"{p['yuan_per_account_year_provisioned']:.4f}",
            ),
        ],
    )
