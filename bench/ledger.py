"""Ledger benchmark: TigerBeetle's canonical workload, scaled to one small machine.

N accounts, M transfers in batches of 8,190; `uniform` picks both sides uniformly, `hot` sends
90% of transfers through 1% of the accounts. Reported: transfers/s, p50/p99 batch latency,
bytes on disk per transfer, single-transfer commits/s, and, in the same run, the ceiling of
raw SQLite `executemany` writing the same rows into the same schema (no validation, no
balances), as a ratio.

    python -m bench bench.ledger                 # SQLite, plus PostgreSQL when
    PUHUI_TEST_POSTGRES_URL=postgresql://... python -m bench bench.ledger   # the URL is set

Knobs: PUHUI_BENCH_LEDGER_ACCOUNTS (10,000), PUHUI_BENCH_LEDGER_TRANSFERS (1,000,000),
PUHUI_BENCH_LEDGER_WORKLOAD (uniform | hot | both), PUHUI_BENCH_JSON=1 for JSON.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from puhui.db import connect_sqlite
from puhui.ledger.ledger import BATCH_MAX, Ledger, open_ledger
from puhui.ledger.sqlite_store import INSERT_TRANSFER_SQL, SCHEMA, transfer_row
from puhui.ledger.types import Account, Transfer

Progress = Callable[[int], None]


@dataclass
class BenchResult:
    backend: str
    workload: str
    accounts: int
    transfers: int
    batch_size: int
    seconds: float
    transfers_per_s: float
    batch_p50_ms: float
    batch_p99_ms: float
    bytes_per_transfer: float | None
    raw_executemany_per_s: float | None = None
    ratio_to_raw: float | None = None
    single_commits_per_s: float | None = None


def make_batches(
    accounts: int, transfers: int, workload: str, batch_size: int = BATCH_MAX, seed: int = 42
) -> list[list[Transfer]]:
    rng = random.Random(seed)
    hot = max(accounts // 100, 2)
    batches: list[list[Transfer]] = []
    tid = 1
    for start in range(0, transfers, batch_size):
        batch: list[Transfer] = []
        for _ in range(min(batch_size, transfers - start)):
            if workload == "hot" and rng.random() < 0.9:
                dr = rng.randint(1, hot)
                cr = rng.randint(1, hot - 1)
                cr = cr + 1 if cr >= dr else cr
            else:
                dr = rng.randint(1, accounts)
                cr = rng.randint(1, accounts - 1)
                cr = cr + 1 if cr >= dr else cr
            batch.append(
                Transfer(
                    id=tid,
                    debit_account_id=dr,
                    credit_account_id=cr,
                    amount=rng.randint(1, 10_000),
                    ledger=1,
                    code=1,
                )
            )
            tid += 1
        batches.append(batch)
    return batches


def _setup_accounts(ledger: Ledger, accounts: int) -> None:
    for start in range(1, accounts + 1, BATCH_MAX):
        end = min(start + BATCH_MAX, accounts + 1)
        results = ledger.create_accounts(
            [Account(id=i, ledger=1, code=1) for i in range(start, end)]
        )
        assert results == [], results[:3]


def run_ledger(
    url: str,
    backend: str,
    accounts: int,
    batches: list[list[Transfer]],
    workload: str,
    progress: Progress | None = None,
) -> BenchResult:
    with open_ledger(url) as ledger:
        _setup_accounts(ledger, accounts)
        latencies: list[float] = []
        started = time.perf_counter()
        for batch in batches:
            t0 = time.perf_counter()
            results = ledger.create_transfers(batch)
            latencies.append(time.perf_counter() - t0)
            assert results == [], results[:3]
            if progress:
                progress(len(batch))
        elapsed = time.perf_counter() - started
        total = sum(len(b) for b in batches)
        size = ledger.size_bytes()
        assert all(t.balanced for t in ledger.trial_balance())
    latencies.sort()
    return BenchResult(
        backend=backend,
        workload=workload,
        accounts=accounts,
        transfers=total,
        batch_size=len(batches[0]) if batches else 0,
        seconds=round(elapsed, 3),
        transfers_per_s=round(total / elapsed),
        batch_p50_ms=round(statistics.median(latencies) * 1000, 2),
        batch_p99_ms=round(
            latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2
        ),
        bytes_per_transfer=round(size / total, 1) if size else None,
    )


def raw_sqlite_ceiling(path: str, batches: list[list[Transfer]]) -> float:
    """Rows/s of plain `executemany` inserts of the same rows into the same schema."""
    conn = connect_sqlite(path)  # the same pragmas as the ledger's own connection
    conn.executescript(SCHEMA)
    ts = 1
    started = time.perf_counter()
    for batch in batches:
        rows = []
        for t in batch:
            t.timestamp = ts
            rows.append(transfer_row(t))
            ts += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(INSERT_TRANSFER_SQL, rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    for batch in batches:
        for t in batch:
            t.timestamp = 0
    conn.close()
    return sum(len(b) for b in batches) / elapsed


def single_commits(url: str, count: int = 2_000) -> float:
    """Transfers/s when every transfer is its own request and commit."""
    with open_ledger(url) as ledger:
        ledger.create_accounts([Account(id=(1 << 90) + i, ledger=1, code=1) for i in (1, 2)])
        started = time.perf_counter()
        for i in range(count):
            ledger.create_transfers(
                [
                    Transfer(
                        id=(1 << 91) + i,
                        debit_account_id=(1 << 90) + 1,
                        credit_account_id=(1 << 90) + 2,
                        amount=1,
                        ledger=1,
                        code=1,
                    )
                ]
            )
        return count / (time.perf_counter() - started)


def fresh_postgres(url: str) -> str:
    """Drop and recreate a dedicated benchmark schema; returns a URL that uses it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS puhui_bench CASCADE")
        conn.execute("CREATE SCHEMA puhui_bench")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3Dpuhui_bench"


def run(
    accounts: int = 10_000,
    transfers: int = 1_000_000,
    workloads: tuple[str, ...] = ("uniform", "hot"),
    postgres_url: str | None = None,
    progress: Progress | None = None,
) -> list[BenchResult]:
    """Run every variant; SQLite always, PostgreSQL when a URL is given."""
    results: list[BenchResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        for workload in workloads:
            batches = make_batches(accounts, transfers, workload)
            path = str(Path(tmp) / f"{workload}.db")
            result = run_ledger(
                f"sqlite:///{path}", "sqlite", accounts, batches, workload, progress
            )
            raw = raw_sqlite_ceiling(str(Path(tmp) / f"raw-{workload}.db"), batches)
            result.raw_executemany_per_s = round(raw)
            result.ratio_to_raw = round(result.transfers_per_s / raw, 3)
            result.single_commits_per_s = round(single_commits(f"sqlite:///{path}"))
            results.append(result)
            os.remove(path)
            if postgres_url:
                url = fresh_postgres(postgres_url)
                pg = run_ledger(url, "postgresql", accounts, batches, workload, progress)
                pg.single_commits_per_s = round(single_commits(url, 500))
                results.append(pg)
                fresh_postgres(postgres_url)
    return results


def as_dicts(results: list[BenchResult]) -> list[dict[str, object]]:
    return [asdict(r) for r in results]


def main(
    accounts: int | None = None,
    transfers: int | None = None,
    workload: str | None = None,
    postgres_url: str | None = None,
    json_output: bool | None = None,
) -> list[BenchResult]:
    """Run the workload(s) with a progress bar and print the figures with machine info."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from puhui.machine import info as machine_info
    from puhui.output import print_json, print_table

    accounts = accounts or int(os.environ.get("PUHUI_BENCH_LEDGER_ACCOUNTS", 10_000))
    transfers = transfers or int(os.environ.get("PUHUI_BENCH_LEDGER_TRANSFERS", 1_000_000))
    workload = workload or os.environ.get("PUHUI_BENCH_LEDGER_WORKLOAD", "both")
    if json_output is None:
        json_output = os.environ.get("PUHUI_BENCH_JSON") == "1"
    if workload not in {"uniform", "hot", "both"}:
        raise ValueError("workload must be uniform, hot or both")
    if accounts < 2 or transfers < 1:
        raise ValueError("need at least 2 accounts and 1 transfer")
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
        results = run(accounts, transfers, workloads, pg, lambda n: progress.advance(task, n))
    data = {"machine": machine_info(), "results": as_dicts(results)}
    if json_output:
        print_json(data)
        return results
    print_table(
        "Ledger benchmark / 账本基准",
        [
            *("backend", "workload", "transfers/s", "p50 ms", "p99 ms", "B/transfer", "raw/s"),
            *("ratio", "single/s"),
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
    return results
