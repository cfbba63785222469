"""Meter a real workload: CPU-seconds per unit of work and bytes stored per account/transfer.

The workload runs through the platform's own code paths on a database of its own (a throwaway
SQLite file by default, or a PostgreSQL database you name): batch pre-approval of a synthetic
population, real-time decisions that grant credit lines (audited), drawdowns, daily close of
business, and repayments on the due dates. CPU is this process's CPU time
(`time.process_time`, all threads, user + system): on SQLite the database engine runs in the
process, so it is counted; on PostgreSQL the server's CPU is not (the WAL it wrote is).

Storage is read from the database itself: SQLite's `dbstat` table (every table and index,
page bytes) plus the WAL file; PostgreSQL's `pg_total_relation_size` (table + indexes + TOAST)
and the WAL written during the workload (`pg_wal_lsn_diff`).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from puhui.db import Database, DatabaseUrl, connect, parse_database_url
from puhui.errors import ValidationError
from puhui.machine import info as machine_info
from puhui.machine import load
from puhui.money import Money
from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.preapproval.engine import chunks_of, run_preapproval
from puhui.risk.decide import Decider, bind_model
from puhui.risk.strategy import load_strategy
from puhui.risk.training import TrainConfig, train_model
from puhui.services.decisions import DecisionService, grant_credit_line
from puhui.servicing.drawdown import DrawdownRequest
from puhui.servicing.service import LendingService

#: The kinds of work metered, each per one unit.
KINDS = ("preapproval_row", "decision", "drawdown", "repayment", "cob_loan_day")
#: Tables whose rows are transfers (a ledger transfer, a loan transaction): the rest is per account.
TRANSFER_TABLES = ("ledger_transfers",)


@dataclass
class Measured:
    """What the workload used: CPU-seconds per unit of each kind, bytes per account/transfer."""

    backend: str
    customers: int
    days: int
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # per unit
    units: dict[str, int] = field(default_factory=dict)
    accounts: int = 0
    transfers: int = 0
    table_bytes: dict[str, int] = field(default_factory=dict)
    bytes_per_account: float = 0.0
    bytes_per_transfer: float = 0.0
    wal_bytes: int = 0
    machine: dict[str, Any] = field(default_factory=dict)
    load: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Cpu:
    """Accumulates process CPU-seconds and units per kind."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {k: 0.0 for k in KINDS}
        self.units: dict[str, int] = {k: 0 for k in KINDS}

    @contextmanager
    def meter(self, kind: str, units: int) -> Iterator[None]:
        start = time.process_time()
        try:
            yield
        finally:
            self.seconds[kind] += time.process_time() - start
            self.units[kind] += units


def measure(
    url: str | None = None,
    *,
    customers: int = 2_000,
    days: int = 40,
    seed: int = 11,
    progress: Callable[[str], None] | None = None,
) -> Measured:
    """Run the workload on `url` (a new temporary SQLite file when None) and meter it."""
    if not 100 <= customers <= 1_000_000:
        raise ValidationError("customers must be between 100 and 1,000,000", field="customers")
    if not 32 <= days <= 400:
        raise ValidationError(
            "days must be between 32 and 400 (installments fall due monthly)", field="days"
        )
    if url is None:
        with tempfile.TemporaryDirectory(prefix="puhui-cost-") as tmp:
            return _measure(f"sqlite:///{Path(tmp) / 'cost.db'}", customers, days, seed, progress)
    return _measure(url, customers, days, seed, progress)


def _measure(
    url: str, customers: int, days: int, seed: int, progress: Callable[[str], None] | None
) -> Measured:
    say = progress or (lambda _: None)
    wall = time.perf_counter()
    parsed = parse_database_url(url)
    wal_start = _wal_position(parsed)
    cpu = _Cpu()

    say("train a PD model / 训练模型")
    history = generate_population(PopulationConfig(n=3_000, seed=seed + 1))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    model = train_model(
        history,
        TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind="scorecard"),
    ).model
    strategy = bind_model(load_strategy(), model)
    people = generate_population(PopulationConfig(n=customers, seed=seed))
    people = people.with_columns(pl.format("K{}", pl.col("customer_id")).alias("customer_id"))
    features = people.drop([c for c in NON_FEATURES if c != "customer_id"])

    say("pre-approve / 批量预授信")
    with cpu.meter("preapproval_row", features.height):
        run_preapproval(model, strategy, chunks_of(features, 20_000), reasons=4)

    lending = LendingService(url)
    try:
        lending.register_product()
        start = date(2026, 1, 5)
        lending.start(start)
        lending.fund("CNY", "1000000000", "cost-meter-funding")
        service = DecisionService(
            lending.db,
            Decider.single(model, strategy),
            grant_line=grant_credit_line(),
            model_cache=Path(tempfile.gettempdir()) / "puhui-cost-models",
        )
        say("decide / 实时决策")
        line_ids: list[tuple[str, int]] = []
        rows = features.to_dicts()
        with cpu.meter("decision", len(rows)):
            for row in rows:
                entry = service.decide(row, f"cost-{row['customer_id']}")
                if entry.line_id:
                    line_ids.append((entry.line_id, entry.limit_minor))

        say("draw down / 借款")
        requests = [
            DrawdownRequest(
                f"cost-dd-{line_id}",
                line_id,
                Money(max(50_000, limit // 2 // 10_000 * 10_000), "CNY").format(),
                (5, 10, 20)[i % 3],
            )
            for i, (line_id, limit) in enumerate(line_ids)
        ]
        with cpu.meter("drawdown", len(requests)):
            for i in range(0, len(requests), 200):
                lending.drawdown_many(requests[i : i + 200])

        say("close of business and repayments / 日终与还款")
        day = start
        for _ in range(days):
            due = lending.installments_due(day)
            with cpu.meter("repayment", len(due)):
                for loan_id, n, amount, _line in due:
                    if amount > 0:
                        lending.repay(
                            int(loan_id),
                            Money(int(amount), "CNY").format(),
                            f"cost-rp-{loan_id}-{n}",
                        )
            with lending.db.read():
                (live,) = lending.db.one(
                    "SELECT COUNT(*) FROM lending_loans WHERE status = 'active'"
                )
            with cpu.meter("cob_loan_day", int(live)):
                lending.run_cob(day)
            day += timedelta(days=1)
    finally:
        lending.close()

    say("measure storage / 统计存储")
    tables = _table_bytes(parsed)
    db = Database(url)
    try:
        with db.read():
            (transfers,) = db.one("SELECT COUNT(*) FROM ledger_transfers")
            (accounts,) = db.one("SELECT COUNT(DISTINCT customer_id) FROM decision_audit")
    finally:
        db.close()
    wal = _wal_bytes(parsed, wal_start)
    transfer_bytes = sum(v for k, v in tables.items() if k in TRANSFER_TABLES)
    account_bytes = sum(tables.values()) - transfer_bytes
    return Measured(
        backend=parsed.dialect,
        customers=customers,
        days=days,
        cpu_seconds={k: cpu.seconds[k] / cpu.units[k] if cpu.units[k] else 0.0 for k in KINDS},
        units=dict(cpu.units),
        accounts=int(accounts),
        transfers=int(transfers),
        table_bytes=tables,
        bytes_per_account=account_bytes / accounts if accounts else 0.0,
        bytes_per_transfer=transfer_bytes / transfers if transfers else 0.0,
        wal_bytes=wal,
        machine=dict(machine_info()),
        load=load(),
        seconds=time.perf_counter() - wall,
    )


def _table_bytes(url: DatabaseUrl) -> dict[str, int]:
    """Bytes per table, its indexes counted with it."""
    conn = connect(url)
    try:
        if url.dialect == "sqlite":
            owner = {
                str(name): str(table)
                for name, table in conn.execute("SELECT name, tbl_name FROM sqlite_master")
            }
            out: dict[str, int] = {}
            for name, size in conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
                table = owner.get(str(name), str(name))
                out[table] = out.get(table, 0) + int(size)
            return out
        rows = conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relnamespace = ANY(SELECT oid FROM pg_namespace "
            "WHERE nspname = ANY(current_schemas(false)))"
        ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}
    finally:
        if url.dialect == "postgresql":
            conn.rollback()
        conn.close()


def _wal_position(url: DatabaseUrl) -> Any:
    if url.dialect != "postgresql":
        return None
    conn = connect(url)
    try:
        return conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    finally:
        conn.rollback()
        conn.close()


def _wal_bytes(url: DatabaseUrl, start: Any) -> int:
    """PostgreSQL: WAL written since `start`; SQLite: the WAL file's size now."""
    if url.dialect == "sqlite":
        try:
            return os.path.getsize(url.target + "-wal")
        except OSError:
            return 0
    conn = connect(url)
    try:
        row = conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", (start,)).fetchone()
        return int(row[0])
    finally:
        conn.rollback()
        conn.close()


def ai_usage(url: str) -> dict[str, dict[str, int]]:
    """Model calls by kind (small, large) in the gateway's audit: calls and tokens in and out."""
    parsed = parse_database_url(url)
    conn = connect(parsed)
    try:
        if parsed.dialect == "sqlite":
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ai_calls'"
            ).fetchone()
        else:
            found = conn.execute("SELECT to_regclass('ai_calls')").fetchone()
            found = found if found and found[0] else None
        if not found:
            return {}
        rows = conn.execute(
            "SELECT kind, COUNT(*), COALESCE(SUM(prompt_tokens), 0), "
            "COALESCE(SUM(completion_tokens), 0) FROM ai_calls GROUP BY kind"
        ).fetchall()
        return {
            str(r[0]): {"calls": int(r[1]), "input_tokens": int(r[2]), "output_tokens": int(r[3])}
            for r in rows
        }
    finally:
        if parsed.dialect == "postgresql":
            conn.rollback()
        conn.close()
