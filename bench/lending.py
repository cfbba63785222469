"""Lending servicing benchmark: drawdowns with disbursement, and COB over a large book.

- drawdowns: `drawdown_many` (one transaction per batch of 1,000, ledger postings flushed
  per batch) and single `drawdown()` calls (one transaction each), on SQLite. Amounts come
  from a grid of 200 round amounts, as pre-approved offers do, so most schedules and APRs
  come from the pricing memo; the uncached rate is measured too.
- COB: a book of PUHUI_BENCH_LOANS loans (default 1,000,000; 5 installments each) on SQLite:
  10,000 are booked through the service, the rest are copies made by SQL (same schedules,
  new ids; their disbursement is posted to the ledger as one transfer so the book reconciles).
  Each COB step is timed; then the sub-ledger is reconciled with the general ledger.

Figures are medians where repeated; the machine has 2 cores shared with other engineers, so
they are noisy. Run: `.venv/bin/python -m bench bench.lending`; with
PUHUI_BENCH_POSTGRES_URL set, COB also runs on PostgreSQL over PUHUI_BENCH_PG_LOANS loans.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from puhui.ledger import Transfer
from puhui.machine import info
from puhui.rate import Rate
from puhui.servicing import drawdown as dd
from puhui.servicing.chart import Code, TransferCode, account_id, transfer_id
from puhui.servicing.cob import STEPS, run_step
from puhui.servicing.outbox import flush
from puhui.servicing.service import LendingService
from puhui.servicing.store import Db

EIGHTEEN_PCT = Rate.from_percent(18)

START = date(2026, 1, 15)
GRID = [str(1000 + 100 * k) for k in range(200)]


def _book(directory: Path, name: str, url: str | None = None) -> LendingService:
    service = LendingService(url or f"sqlite:///{directory / name}")
    service.register_product()
    service.start(START)
    service.fund("CNY", "100000000000", "seed")
    return service


def _lines(service: LendingService, count: int) -> None:
    for k in range(count):
        service.create_line(f"L{k}", f"C{k}", "10000000", EIGHTEEN_PCT, date(2030, 1, 1))


def bench_drawdowns(directory: Path, n: int = 20_000, batch: int = 1_000) -> None:
    rng = random.Random(7)
    service = _book(directory, "draw.db")
    _lines(service, n // 50)
    requests = [
        dd.DrawdownRequest(f"d{k}", f"L{k % (n // 50)}", rng.choice(GRID), rng.choice([5, 10, 20]))
        for k in range(n)
    ]
    rates = []
    for start in range(0, n, batch):
        t0 = time.perf_counter()
        service.drawdown_many(requests[start : start + batch])
        rates.append(batch / (time.perf_counter() - t0))
    print(
        f"drawdown_many (batches of {batch}, {n:,} loans, 200-amount grid):"
        f" median {statistics.median(rates):,.0f} loans/s"
        f" (min {min(rates):,.0f}, max {max(rates):,.0f})"
    )
    single = []
    t0 = time.perf_counter()
    for k in range(2_000):
        service.drawdown(f"s{k}", f"L{k % (n // 50)}", rng.choice(GRID), 10)
    single.append(2_000 / (time.perf_counter() - t0))
    dd._PRICED.clear()
    t0 = time.perf_counter()
    unique = [
        dd.DrawdownRequest(f"u{k}", f"L{k % (n // 50)}", str(1000 + k), 10) for k in range(2_000)
    ]
    for start in range(0, len(unique), batch):
        service.drawdown_many(unique[start : start + batch])
    uncached = 2_000 / (time.perf_counter() - t0)
    print(f"drawdown() one call per loan: {single[0]:,.0f} loans/s")
    print(f"drawdown_many with every schedule and APR computed (no memo): {uncached:,.0f} loans/s")
    rec = service.reconcile()
    print(f"reconciled after drawdowns: {rec.ok}")
    service.close()


def _columns(db: Db, table: str) -> list[str]:
    if db.dialect == "sqlite":
        return [str(r[1]) for r in db.all(f"PRAGMA table_info({table})")]
    rows = db.all(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
        " AND table_schema = current_schema() ORDER BY ordinal_position",
        (table,),
    )
    return [str(r[0]) for r in rows]


def _replicate(service: LendingService, copies: int) -> None:
    """Copy every booked loan (and its installments) `copies` times with fresh ids."""
    db = service.db
    columns, inst_columns = _columns(db, "lending_loans"), _columns(db, "lending_installments")
    (top,) = db.one("SELECT MAX(id) FROM lending_loans")
    base = int(top)
    pick = {"id": "l.id + m.k * ?", "client_id": "l.client_id || '-' || m.k"}
    select = ", ".join(pick.get(c, f"l.{c}") for c in columns)
    inst_select = ", ".join(
        "i.loan_id + m.k * ?" if c == "loan_id" else f"i.{c}" for c in inst_columns
    )
    mult = "WITH RECURSIVE m(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM m WHERE k < ?)"
    with db.tx():
        (principal,) = db.one("SELECT SUM(principal) FROM lending_loans")
        db.execute(
            f"{mult} INSERT INTO lending_loans ({', '.join(columns)})"
            f" SELECT {select} FROM lending_loans AS l, m",
            (copies, base),
        )
        db.execute(
            f"{mult} INSERT INTO lending_installments ({', '.join(inst_columns)})"
            f" SELECT {inst_select} FROM lending_installments AS i, m",
            (copies, base),
        )
    number = 1
    service.ledger.create_transfers(
        [
            Transfer(
                id=transfer_id("bench", "replicas"),
                debit_account_id=account_id(number, Code.PRINCIPAL_RECEIVABLE),
                credit_account_id=account_id(number, Code.SETTLEMENT),
                amount=int(principal) * copies,
                ledger=number,
                code=int(TransferCode.DISBURSEMENT),
            )
        ]
    )


def bench_cob(directory: Path, loans: int, url: str | None = None) -> None:
    service = _book(directory, "cob.db", url)
    print(f"-- COB on {service.db.dialect}")
    seed = min(loans, 10_000)
    _lines(service, seed // 100)
    rng = random.Random(11)
    t0 = time.perf_counter()
    for start in range(0, seed, 1_000):
        service.drawdown_many(
            [
                dd.DrawdownRequest(f"d{k}", f"L{k % (seed // 100)}", rng.choice(GRID), 5)
                for k in range(start, min(seed, start + 1_000))
            ]
        )
    t1 = time.perf_counter()
    if loans > seed:
        _replicate(service, loans // seed - 1)
    (count,) = service.db.one("SELECT COUNT(*) FROM lending_loans")
    print(
        f"COB book: {int(count):,} active loans ({seed:,} booked in {t1 - t0:.1f}s,"
        f" the rest SQL copies in {time.perf_counter() - t1:.1f}s)"
    )
    day = service.business_date()
    # Run days until the first installments fall due, timing each step of each day.
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    days = 0
    while True:
        for step in STEPS:
            t = time.perf_counter()
            with service.db.tx():
                run_step(service.db, day, step)
            flush(service.db, service.ledger)
            timings[step].append(time.perf_counter() - t)
        days += 1
        day = service.business_date()
        if days >= 2 and day.day == 16:  # past the day the first installments were billed
            break
        if days >= 40:
            break
    accrue = statistics.median(timings["accrue"])
    print(
        f"COB accrual step: median {accrue:.2f}s per day = {int(count) / accrue:,.0f} loans/s"
        f" over {days} days"
    )
    for step in STEPS:
        worst = max(timings[step])
        print(
            f"  step {step:<9} median {statistics.median(timings[step]):6.2f}s  max {worst:6.2f}s"
        )
    whole = [sum(timings[s][k] for s in STEPS) for k in range(days)]
    print(
        f"COB whole day: median {statistics.median(whole):.2f}s"
        f" ({int(count) / statistics.median(whole):,.0f} loans/s); the day the first"
        f" installments fall due: {max(whole):.2f}s"
    )
    t = time.perf_counter()
    rec = service.reconcile()
    print(f"reconcile: ok={rec.ok} in {time.perf_counter() - t:.2f}s")
    service.close()


def main() -> None:
    print("machine:", info())
    loans = int(os.environ.get("PUHUI_BENCH_LOANS", "1000000"))
    with tempfile.TemporaryDirectory(prefix="puhui-bench-lending-") as tmp:
        bench_drawdowns(Path(tmp))
        bench_cob(Path(tmp), loans)
    postgres = os.environ.get("PUHUI_BENCH_POSTGRES_URL", "")
    if postgres:
        _bench_postgres(postgres, int(os.environ.get("PUHUI_BENCH_PG_LOANS", "100000")))


def _bench_postgres(url: str, loans: int) -> None:
    """The same COB run on PostgreSQL, in a scratch schema dropped afterwards."""
    import psycopg

    schema = f"bench_lending_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in url else "?"
        with tempfile.TemporaryDirectory() as tmp:
            bench_cob(Path(tmp), loans, f"{url}{sep}options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
