"""`puhui ledger ...`: inspect the ledger and run its benchmark."""

from __future__ import annotations

import os

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from puhui.ledger.bench import as_dicts
from puhui.ledger.bench import run as run_bench
from puhui.ledger.ledger import open_ledger
from puhui.machine import info as machine_info
from puhui.output import print_json, print_table
from puhui.settings import get_settings

app = typer.Typer(help="The double-entry ledger (TigerBeetle semantics).", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON for machines.")
URL = typer.Option(None, "--url", help="Database URL (default: PUHUI_DATABASE_URL).")


@app.command("trial-balance")
def trial_balance(url: str | None = URL, json_output: bool = JSON) -> None:
    """Per-ledger totals of debits and credits; every ledger must balance."""
    with open_ledger(url or get_settings().database_url) as ledger:
        totals = ledger.trial_balance()
    rows = [
        {
            "ledger": t.ledger,
            "accounts": t.accounts,
            "debits_posted": t.debits_posted,
            "credits_posted": t.credits_posted,
            "debits_pending": t.debits_pending,
            "credits_pending": t.credits_pending,
            "balanced": t.balanced,
        }
        for t in totals
    ]
    if json_output:
        print_json({"ledgers": rows, "balanced": all(r["balanced"] for r in rows)})
        return
    print_table(
        "Trial balance / 试算平衡",
        ["ledger", "accounts", "debits posted", "credits posted", "pending Dr", "pending Cr", "ok"],
        [list(r.values()) for r in rows],
    )


@app.command("account")
def account(
    account_id: int = typer.Argument(..., help="Account id (decimal)."),
    url: str | None = URL,
    json_output: bool = JSON,
) -> None:
    """Show one account's balances."""
    with open_ledger(url or get_settings().database_url) as ledger:
        found = ledger.lookup_accounts([account_id])
    if not found:
        typer.echo(f"account {account_id} not found", err=True)
        raise typer.Exit(1)
    a = found[0]
    data = {
        "id": str(a.id),
        "ledger": a.ledger,
        "code": a.code,
        "flags": a.flags,
        "debits_pending": str(a.debits_pending),
        "debits_posted": str(a.debits_posted),
        "credits_pending": str(a.credits_pending),
        "credits_posted": str(a.credits_posted),
        "timestamp": a.timestamp,
    }
    if json_output:
        print_json(data)
    else:
        print_table(f"Account {a.id}", ["field", "value"], data.items())


@app.command("bench")
def bench(
    accounts: int = typer.Option(10_000, help="Accounts to create."),
    transfers: int = typer.Option(1_000_000, help="Transfers per workload."),
    workload: str = typer.Option("both", help="uniform, hot or both."),
    postgres_url: str | None = typer.Option(
        None,
        help="Also run on PostgreSQL at this URL (default: PUHUI_TEST_POSTGRES_URL if set).",
    ),
    json_output: bool = JSON,
) -> None:
    """TigerBeetle's canonical workload: transfers/s, batch latency, bytes per transfer."""
    if workload not in {"uniform", "hot", "both"}:
        raise typer.BadParameter("must be uniform, hot or both", param_hint="--workload")
    if accounts < 2 or transfers < 1:
        raise typer.BadParameter("need at least 2 accounts and 1 transfer", param_hint="--accounts")
    workloads = ("uniform", "hot") if workload == "both" else (workload,)
    pg = postgres_url or os.environ.get("PUHUI_TEST_POSTGRES_URL") or None
    runs = len(workloads) * (2 if pg else 1)
    with Progress(
        TextColumn("[bold]ledger bench"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} transfers"),
        TimeRemainingColumn(),
        disable=json_output,
        transient=True,
    ) as progress:
        task = progress.add_task("bench", total=transfers * runs)
        results = run_bench(accounts, transfers, workloads, pg, lambda n: progress.advance(task, n))
    data = {"machine": machine_info(), "results": as_dicts(results)}
    if json_output:
        print_json(data)
        return
    print_table(
        "Ledger benchmark / 账本基准",
        [
            "backend",
            "workload",
            "transfers/s",
            "p50 ms",
            "p99 ms",
            "B/transfer",
            "raw/s",
            "ratio",
            "single/s",
        ],
        [
            [
                r.backend,
                r.workload,
                f"{r.transfers_per_s:,.0f}",
                r.batch_p50_ms,
                r.batch_p99_ms,
                r.bytes_per_transfer,
                f"{r.raw_executemany_per_s:,.0f}" if r.raw_executemany_per_s else "-",
                r.ratio_to_raw if r.ratio_to_raw is not None else "-",
                f"{r.single_commits_per_s:,.0f}" if r.single_commits_per_s else "-",
            ]
            for r in results
        ],
    )
    print(f"machine: {data['machine']}")
