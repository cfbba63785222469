"""The lending sub-ledger's tables (prefix `lending_`) and a thin connection wrapper.

One schema, two real backends. Dates are stored as proleptic ordinals (`*_day` integers) so
that COB can age loans with plain integer arithmetic in SQL; amounts are integer minor units;
a column holding a rate says its unit (`nominal_rate_ppm`: parts per million a year,
`apr_nominal_pct`: percent as text, as disclosed); `year_days` is the accrual divisor (0: each
day counts against its own calendar year's length). Client ids of drawdowns and payments are
the caller's idempotency keys; a reversal is keyed by the payment it reverses (`reverses`),
never by a derived client id, so the two cannot collide.
`Db.tx()` is one write transaction: SQLite takes the write lock up front (`BEGIN IMMEDIATE`),
PostgreSQL relies on row locks (`SELECT ... FOR UPDATE`, see `Db.for_update`).
"""

from __future__ import annotations

from puhui.db import Database, DatabaseUrl
from puhui.errors import ValidationError

_TABLES = """
CREATE TABLE IF NOT EXISTS lending_products (
    product_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (product_id, version)
);
CREATE TABLE IF NOT EXISTS lending_state (
    k INTEGER PRIMARY KEY CHECK (k = 1),
    business_day INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lending_lines (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    limit_minor BIGINT NOT NULL,
    nominal_rate_ppm BIGINT NOT NULL,
    expires_day INTEGER NOT NULL,
    status TEXT NOT NULL,
    product_id TEXT NOT NULL,
    product_version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS lending_lines_customer ON lending_lines (customer_id);
CREATE TABLE IF NOT EXISTS lending_loans (
    id {id_type} PRIMARY KEY,
    client_id TEXT NOT NULL UNIQUE,
    line_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    product_version INTEGER NOT NULL,
    currency TEXT NOT NULL,
    ledger INTEGER NOT NULL,
    principal BIGINT NOT NULL,
    installments INTEGER NOT NULL,
    amortization TEXT NOT NULL,
    disbursed_day INTEGER NOT NULL,
    maturity_day INTEGER NOT NULL,
    apr_nominal_pct TEXT NOT NULL,
    apr_effective_pct TEXT NOT NULL,
    upfront_fee BIGINT NOT NULL,
    nominal_rate_ppm BIGINT NOT NULL,
    penalty_rate_ppm BIGINT NOT NULL,
    year_days BIGINT NOT NULL,
    rounding TEXT NOT NULL,
    grace_days INTEGER NOT NULL,
    freeze_dpd INTEGER NOT NULL,
    write_off_dpd INTEGER NOT NULL,
    status TEXT NOT NULL,
    principal_outstanding BIGINT NOT NULL,
    principal_billed BIGINT NOT NULL DEFAULT 0,
    principal_overdue BIGINT NOT NULL DEFAULT 0,
    interest_unbilled BIGINT NOT NULL DEFAULT 0,
    interest_billed BIGINT NOT NULL DEFAULT 0,
    interest_rem BIGINT NOT NULL DEFAULT 0,
    interest_period BIGINT NOT NULL DEFAULT 0,
    fee_billed BIGINT NOT NULL DEFAULT 0,
    penalty_unpaid BIGINT NOT NULL DEFAULT 0,
    penalty_rem BIGINT NOT NULL DEFAULT 0,
    credit_balance BIGINT NOT NULL DEFAULT 0,
    written_off BIGINT NOT NULL DEFAULT 0,
    principal_written_off BIGINT NOT NULL DEFAULT 0,
    recovered BIGINT NOT NULL DEFAULT 0,
    interest_earned BIGINT NOT NULL DEFAULT 0,
    fee_earned BIGINT NOT NULL DEFAULT 0,
    penalty_earned BIGINT NOT NULL DEFAULT 0,
    early_fee_paid BIGINT NOT NULL DEFAULT 0,
    accrual_day INTEGER NOT NULL DEFAULT 0,
    penalty_day INTEGER NOT NULL DEFAULT 0,
    oldest_due_day INTEGER,
    dpd INTEGER NOT NULL DEFAULT 0,
    bucket TEXT NOT NULL DEFAULT 'M0',
    closed_day INTEGER
){loan_storage};
CREATE INDEX IF NOT EXISTS lending_loans_line ON lending_loans (line_id);
CREATE TABLE IF NOT EXISTS lending_installments (
    loan_id BIGINT NOT NULL,
    n INTEGER NOT NULL,
    from_day INTEGER NOT NULL,
    due_day INTEGER NOT NULL,
    last INTEGER NOT NULL,
    sched_principal BIGINT NOT NULL,
    sched_interest BIGINT NOT NULL,
    sched_fee BIGINT NOT NULL,
    billed INTEGER NOT NULL DEFAULT 0,
    principal_billed BIGINT NOT NULL DEFAULT 0,
    interest_billed BIGINT NOT NULL DEFAULT 0,
    fee_billed BIGINT NOT NULL DEFAULT 0,
    principal_paid BIGINT NOT NULL DEFAULT 0,
    interest_paid BIGINT NOT NULL DEFAULT 0,
    fee_paid BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (loan_id, n)
);
CREATE INDEX IF NOT EXISTS lending_installments_due ON lending_installments (due_day);
CREATE TABLE IF NOT EXISTS lending_transactions (
    id {id_type} PRIMARY KEY,
    client_id TEXT UNIQUE,
    loan_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    business_day INTEGER NOT NULL,
    amount BIGINT NOT NULL,
    paid_principal BIGINT NOT NULL DEFAULT 0,
    paid_interest BIGINT NOT NULL DEFAULT 0,
    paid_fee BIGINT NOT NULL DEFAULT 0,
    paid_penalty BIGINT NOT NULL DEFAULT 0,
    reverses BIGINT UNIQUE,
    reversed_by BIGINT,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS lending_transactions_loan ON lending_transactions (loan_id);
CREATE TABLE IF NOT EXISTS lending_funding (
    client_id TEXT PRIMARY KEY,
    ledger INTEGER NOT NULL,
    amount BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS lending_outbox (
    seq {id_type} PRIMARY KEY,
    transfer_id TEXT NOT NULL UNIQUE,
    debit_account_id TEXT NOT NULL,
    credit_account_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    ledger INTEGER NOT NULL,
    code INTEGER NOT NULL,
    posted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS lending_outbox_unposted ON lending_outbox (posted);
CREATE TABLE IF NOT EXISTS lending_cob_steps (
    business_day INTEGER NOT NULL,
    step TEXT NOT NULL,
    loans INTEGER NOT NULL,
    PRIMARY KEY (business_day, step)
);
-- daily summaries kept by COB's summarise step (puhui.servicing.summary)
CREATE TABLE IF NOT EXISTS lending_daily_transfers (
    day INTEGER NOT NULL,
    ledger INTEGER NOT NULL,
    code INTEGER NOT NULL,
    transfers BIGINT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (day, ledger, code)
);
CREATE TABLE IF NOT EXISTS lending_summary_state (
    k INTEGER PRIMARY KEY CHECK (k = 1),
    transfers_through BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS lending_daily_book (
    business_day INTEGER NOT NULL,
    currency TEXT NOT NULL,
    bucket TEXT NOT NULL,
    loans BIGINT NOT NULL,
    principal_outstanding BIGINT NOT NULL,
    PRIMARY KEY (business_day, currency, bucket)
);
CREATE TABLE IF NOT EXISTS lending_daily_lines (
    business_day INTEGER PRIMARY KEY,
    active_lines BIGINT NOT NULL,
    customers BIGINT NOT NULL
);
"""


class Db(Database):
    """The shared `Database` with the lending tables created on open."""

    def __init__(self, url: str | DatabaseUrl) -> None:
        super().__init__(url)
        self.create_schema()

    def create_schema(self) -> None:
        id_type = "INTEGER" if self.dialect == "sqlite" else "BIGSERIAL"
        # PostgreSQL: COB rewrites every loan row daily; free space in each page lets it
        # update in place (HOT: no indexed column changes), instead of bloating the heap.
        storage = "" if self.dialect == "sqlite" else " WITH (fillfactor = 50)"
        if self.table_exists("lending_loans") and not self._has_column(
            "lending_loans", "freeze_dpd"
        ):
            raise ValidationError(
                "this database was made by an older Puhui (its loans lack columns this one"
                " keeps): start over with `puhui run --reset`, or use a new PUHUI_DATABASE_URL",
                field="database_url",
            )
        self.create_tables(_TABLES.format(id_type=id_type, loan_storage=storage), 7345001)

    def _has_column(self, table: str, column: str) -> bool:
        if self.dialect == "sqlite":
            rows = self.all(f"PRAGMA table_info({table})")
            return any(str(r[1]) == column for r in rows)
        row = self.one(
            "SELECT 1 FROM information_schema.columns WHERE table_name = ? AND column_name = ?"
            " AND table_schema = current_schema()",
            (table, column),
        )
        return row is not None

    def next_ids(self, table: str, count: int) -> list[int]:
        """`count` fresh ids for `table` (call inside a transaction)."""
        if count <= 0:
            return []
        if self.dialect == "sqlite":
            (top,) = self.one(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return list(range(int(top) + 1, int(top) + 1 + count))
        rows = self.all(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, ?)",
            (count,),
        )
        return [int(r[0]) for r in rows]
