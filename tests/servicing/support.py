"""Helpers for the servicing tests: fresh databases per example and small test products."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from puhui.lending.products import Product, default_product, parse_product
from puhui.rate import Rate
from puhui.servicing.service import LendingService

EIGHTEEN_PCT = Rate.from_percent(18)

POSTGRES_URL = os.environ.get("PUHUI_TEST_POSTGRES_URL", "")
START = date(2026, 1, 5)


def weekly_product(write_off_dpd: int = 12, version: int = 1) -> Product:
    """The default product on a weekly cycle with short buckets, so tests see a whole life fast."""
    data: dict[str, Any] = default_product().to_dict()
    data["id"] = "weekly-test"
    data["version"] = version
    data["terms"] = {"installments": [2, 3, 4], "frequency": "weeks", "every": 1}
    data["overdue"] = {"penalty_multiplier": "1.5", "grace_days": 2}
    data["delinquency"] = {
        "buckets": [
            {"name": "M1", "from": 1, "to": 5},
            {"name": "M2", "from": 6, "to": 10},
            {"name": "M3+", "from": 11},
        ],
        "write_off_dpd": write_off_dpd,
    }
    return parse_product(data)


@contextmanager
def fresh_service(kind: str, tmp: Path) -> Iterator[LendingService]:
    """A service on a brand-new database of `kind` (sqlite | postgresql)."""
    if kind == "sqlite":
        service = LendingService(f"sqlite:///{tmp / (uuid.uuid4().hex + '.db')}")
        try:
            yield service
        finally:
            service.close()
        return
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    service = LendingService(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield service
    finally:
        service.close()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def setup_book(service: LendingService, limit: str = "100000", lines: int = 1) -> None:
    """Register the test product, start the business date, fund settlement, open lines."""
    service.register_product(weekly_product())
    service.start(START)
    service.fund("CNY", "10000000", "seed")
    for k in range(lines):
        service.create_line(f"L{k}", f"C{k}", limit, EIGHTEEN_PCT, date(2030, 1, 1), "weekly-test")


def advance(service: LendingService, days: int) -> None:
    for _ in range(days):
        service.run_cob(service.business_date())


def assert_reconciled(service: LendingService) -> None:
    rec = service.reconcile()
    bad = [(x.account.name, x.subledger, x.general_ledger) for x in rec.lines if not x.ok]
    assert rec.trial_balance_zero
    assert bad == []


def snapshot(service: LendingService) -> tuple[Any, ...]:
    """Every lending row and the ledger totals: equal snapshots mean nothing changed."""
    db = service.db
    with db.read():
        loans = db.all("SELECT * FROM lending_loans ORDER BY id")
        inst = db.all("SELECT * FROM lending_installments ORDER BY loan_id, n")
        txns = db.all("SELECT id, client_id, kind, amount FROM lending_transactions ORDER BY id")
        outbox = db.all("SELECT transfer_id, amount FROM lending_outbox ORDER BY transfer_id")
        state = db.all("SELECT * FROM lending_state")
    totals = [(t.ledger, t.debits_posted, t.credits_posted) for t in service.ledger.trial_balance()]
    return (tuple(loans), tuple(inst), tuple(txns), tuple(outbox), tuple(state), tuple(totals))


def draw_in_process(url: str, prefix: str, count: int) -> list[int]:
    """A worker process: try `count` drawdowns of 1,000 on line L0; return what was booked."""
    from puhui.errors import ValidationError

    booked = []
    with LendingService(url) as service:
        for j in range(count):
            try:
                booked.append(service.drawdown(f"{prefix}-{j}", "L0", "1000", 2).loan.principal)
            except ValidationError as exc:
                assert exc.field == "amount"
    return booked
