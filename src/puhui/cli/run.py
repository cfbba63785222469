"""`puhui run`: build the bank on first run (with progress bars), then serve it."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from puhui.api.keys import KeyStore, Role
from puhui.db import Database, parse_database_url
from puhui.output import console, print_json, print_table
from puhui.services.bank import BankConfig, build_bank, ready
from puhui.settings import get_settings


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not enabled,
    ) as progress:

        def report(label: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(label, total=total)
            return lambda n: progress.advance(task, n)

        yield report


def run_main_job(
    *,
    reset: bool,
    customers: int,
    days: int,
    borrowers: int,
    serve: bool,
    port: int | None,
    json_output: bool,
) -> dict[str, Any]:
    settings = get_settings()
    url = parse_database_url(settings.database_url, field="PUHUI_DATABASE_URL")
    if reset:
        if url.dialect == "sqlite":
            shutil.rmtree(settings.data_dir, ignore_errors=True)
        else:
            _drop_postgres_tables(settings.database_url)
    db = Database(url)
    summary = ready(db)
    db.close()
    started = time.perf_counter()
    if summary is None:
        config = replace(BankConfig(), customers=customers, days=days, borrowers=borrowers)
        with _progress(not json_output) as report:
            summary = build_bank(settings.database_url, settings.data_dir, config, report)
        summary["build_seconds"] = round(time.perf_counter() - started, 1)
        reused = False
    else:
        reused = True
    keys = KeyStore(settings.database_url)
    key, _ = keys.create(Role.ADMIN, "puhui run")
    keys.close()
    from puhui.cli.borrower import issue_code

    borrower = issue_code(settings.database_url)
    host, bound = settings.host, port or settings.port
    info = {
        **summary,
        "reused": reused,
        "database": settings.database_url,
        "console": f"http://{host}:{bound}/console",
        "api_docs": f"http://{host}:{bound}/docs",
        "login_key": key,
        "app": f"http://{host}:{bound}/app",
        "app_customer": borrower["customer_id"] if borrower else None,
        "app_code": borrower["code"] if borrower else None,
    }
    if json_output:
        print_json(info)
    else:
        _print_summary(info)
    if serve:
        import uvicorn

        from puhui.api.app import create_app

        uvicorn.run(create_app(settings), host=host, port=bound, log_level="warning")
    return info


def _print_summary(info: dict[str, Any]) -> None:
    rows = [
        ("customers / 客户", f"{info['customers']:,}"),
        ("approved / 批准", f"{info['approved']:,}"),
        ("referred / 转人工", f"{info['referred']:,}"),
        ("declined / 拒绝", f"{info['declined']:,}"),
        ("loans / 借据", f"{info['loans']:,}"),
        ("repayments / 还款", f"{info['repayments']:,}"),
        ("business date / 营业日", info["business_date"]),
        ("model / 模型", f"{info['model_version']} ({info['model_kind']})"),
        ("strategy / 策略", info["strategy_version"]),
        ("books reconciled / 对账", str(info["reconciled"])),
    ]
    print_table("Puhui bank / 普惠银行" + (" (reused)" if info["reused"] else ""), ["", ""], rows)
    console.print(f"Console / 控制台: [bold]{info['console']}[/bold]")
    console.print(f"API docs / 接口文档: {info['api_docs']}")
    # Plain print: a key must never be wrapped across lines.
    print(f"Login key (admin) / 登录密钥: {info['login_key']}")
    if info.get("app_code"):
        console.print(f"Borrower app / 借款 App: [bold]{info['app']}[/bold]")
        print(
            f"  customer / 客户号 {info['app_customer']}, code / 验证码 {info['app_code']}"
            " (5 minutes, single use; more: puhui app code CUSTOMER)"
        )


def _drop_postgres_tables(url: str) -> None:
    import psycopg

    with psycopg.connect(parse_database_url(url).target, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND ("
            "tablename LIKE 'ledger_%' OR tablename LIKE 'lending_%' OR tablename LIKE "
            "'governance_%' OR tablename LIKE 'platform_%' OR tablename LIKE 'borrower_%'"
            " OR tablename IN "
            "('decision_audit', 'api_keys', 'ai_calls'))"
        ).fetchall()
        for (name,) in rows:
            conn.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')


def run(
    reset: bool = typer.Option(False, "--reset", help="Delete the data directory and start over."),
    customers: int = typer.Option(100_000, help="Demo population size."),
    days: int = typer.Option(90, help="Business days to simulate."),
    borrowers: int = typer.Option(2_000, help="Customers who draw on their lines."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the API and console."),
    port: int = typer.Option(None, help="Port (default PUHUI_PORT or 8000)."),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """The main job: build the embedded bank (first run), then serve the API and console."""
    run_main_job(
        reset=reset,
        customers=customers,
        days=days,
        borrowers=borrowers,
        serve=serve,
        port=port,
        json_output=json_output,
    )
