"""The embedded ledger store: SQLite in WAL mode with `synchronous=FULL`.

Durability: WAL with synchronous=FULL fsyncs the write-ahead log at every commit, so an
acknowledged batch survives a process kill and a power loss; an unacknowledged batch is
rolled back whole on the next open. Writers take `BEGIN IMMEDIATE`, which serialises them
across processes before they read the balances they check.

128-bit values are stored as INTEGER when they fit in a signed 64-bit integer and as a
16-byte big-endian BLOB otherwise. SQLite orders every INTEGER before every BLOB and compares
BLOBs bytewise, so keys keep their numeric order and small values stay small on disk.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from puhui.db import connect_sqlite
from puhui.ledger.engine import AccountPlan, PendingState, TransferPlan
from puhui.ledger.store import (
    TRANSFER_COLUMNS,
    LedgerStore,
    WriteTransaction,
    account_transfers_query,
    chunks,
)
from puhui.ledger.types import (
    Account,
    AccountBalance,
    AccountFilter,
    LedgerTotals,
    PendingStatus,
    Transfer,
)

I64_MAX = (1 << 63) - 1
_CHUNK = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_meta (
    k INTEGER PRIMARY KEY CHECK (k = 1),
    last_timestamp INTEGER NOT NULL
);
INSERT OR IGNORE INTO ledger_meta (k, last_timestamp) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS ledger_accounts (
    id BLOB PRIMARY KEY,
    debits_pending BLOB NOT NULL,
    debits_posted BLOB NOT NULL,
    credits_pending BLOB NOT NULL,
    credits_posted BLOB NOT NULL,
    user_data_128 BLOB NOT NULL,
    user_data_64 BLOB NOT NULL,
    user_data_32 INTEGER NOT NULL,
    ledger INTEGER NOT NULL,
    code INTEGER NOT NULL,
    flags INTEGER NOT NULL,
    timestamp INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_transfers (
    timestamp INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    debit_account_id BLOB NOT NULL,
    credit_account_id BLOB NOT NULL,
    amount BLOB NOT NULL,
    pending_id BLOB NOT NULL,
    user_data_128 BLOB NOT NULL,
    user_data_64 BLOB NOT NULL,
    user_data_32 INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    ledger INTEGER NOT NULL,
    code INTEGER NOT NULL,
    flags INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_transfers_debit
    ON ledger_transfers (debit_account_id, timestamp);
CREATE INDEX IF NOT EXISTS ledger_transfers_credit
    ON ledger_transfers (credit_account_id, timestamp);
CREATE TABLE IF NOT EXISTS ledger_pending (
    id BLOB PRIMARY KEY,
    status INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_pending_due
    ON ledger_pending (expires_at) WHERE status = 1 AND expires_at > 0;
CREATE TABLE IF NOT EXISTS ledger_account_balances (
    account_id BLOB NOT NULL,
    timestamp INTEGER NOT NULL,
    debits_pending BLOB NOT NULL,
    debits_posted BLOB NOT NULL,
    credits_pending BLOB NOT NULL,
    credits_posted BLOB NOT NULL,
    PRIMARY KEY (account_id, timestamp)
) WITHOUT ROWID;
"""

_ACCOUNT_COLS = (
    "id, debits_pending, debits_posted, credits_pending, credits_posted, user_data_128, "
    "user_data_64, user_data_32, ledger, code, flags, timestamp"
)


def enc(x: int) -> int | bytes:
    """Encode an unsigned 128-bit integer for SQLite (order-preserving)."""
    return x if x <= I64_MAX else x.to_bytes(16, "big")


def dec(v: int | bytes) -> int:
    return v if type(v) is int else int.from_bytes(v, "big")  # type: ignore[arg-type]


def _ints(row: tuple[Any, ...]) -> list[int]:
    return [v if type(v) is int else int.from_bytes(v, "big") for v in row]


def _account(row: tuple[Any, ...]) -> Account:
    v = _ints(row)
    return Account(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], 0, v[8], v[9], v[10], v[11])


def _transfer(row: tuple[Any, ...]) -> Transfer:
    return Transfer(*_ints(row))


def transfer_row(t: Transfer) -> tuple[Any, ...]:
    # Inlined `enc` on the hot path: this runs once per stored transfer.
    m = I64_MAX
    return (
        t.timestamp,
        t.id if t.id <= m else t.id.to_bytes(16, "big"),
        t.debit_account_id if t.debit_account_id <= m else t.debit_account_id.to_bytes(16, "big"),
        t.credit_account_id
        if t.credit_account_id <= m
        else t.credit_account_id.to_bytes(16, "big"),
        t.amount if t.amount <= m else t.amount.to_bytes(16, "big"),
        t.pending_id if t.pending_id <= m else t.pending_id.to_bytes(16, "big"),
        t.user_data_128 if t.user_data_128 <= m else t.user_data_128.to_bytes(16, "big"),
        t.user_data_64 if t.user_data_64 <= m else t.user_data_64.to_bytes(16, "big"),
        t.user_data_32,
        t.timeout,
        t.ledger,
        t.code,
        t.flags,
    )


INSERT_TRANSFER_SQL = (
    "INSERT INTO ledger_transfers (timestamp, id, debit_account_id, credit_account_id, amount, "
    "pending_id, user_data_128, user_data_64, user_data_32, timeout, ledger, code, flags) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)


class _SqliteWrite(WriteTransaction):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def last_timestamp(self) -> int:
        row = self.conn.execute("SELECT last_timestamp FROM ledger_meta WHERE k = 1").fetchone()
        return int(row[0])

    def _select(self, sql: str, ids: Iterable[int]) -> list[tuple[Any, ...]]:
        keys = [enc(i) for i in set(ids) if i]
        rows: list[tuple[Any, ...]] = []
        for part in chunks(keys, _CHUNK):  # type: ignore[arg-type]
            marks = ",".join("?" * len(part))
            rows.extend(self.conn.execute(sql.format(marks), part).fetchall())
        return rows

    def load_accounts(self, ids: Iterable[int]) -> dict[int, Account]:
        rows = self._select(f"SELECT {_ACCOUNT_COLS} FROM ledger_accounts WHERE id IN ({{}})", ids)
        return {a.id: a for a in map(_account, rows)}

    def load_transfers(self, ids: Iterable[int]) -> dict[int, Transfer]:
        rows = self._select(
            f"SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN ({{}})", ids
        )
        return {t.id: t for t in map(_transfer, rows)}

    def load_pending(self, ids: Iterable[int]) -> dict[int, PendingState]:
        rows = self._select(
            "SELECT id, status, expires_at FROM ledger_pending WHERE id IN ({})", ids
        )
        return {dec(r[0]): PendingState(PendingStatus(r[1]), r[2]) for r in rows}

    def due_pending(self, now: int) -> list[int]:
        rows = self.conn.execute(
            "SELECT id FROM ledger_pending WHERE status = 1 AND expires_at > 0 AND expires_at <= ?",
            (now,),
        ).fetchall()
        return [dec(r[0]) for r in rows]

    def write_accounts(self, plan: AccountPlan) -> None:
        self.conn.executemany(
            f"INSERT INTO ledger_accounts ({_ACCOUNT_COLS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    enc(a.id),
                    0,
                    0,
                    0,
                    0,
                    enc(a.user_data_128),
                    enc(a.user_data_64),
                    a.user_data_32,
                    a.ledger,
                    a.code,
                    a.flags,
                    a.timestamp,
                )
                for a in plan.inserted
            ],
        )
        self._set_timestamp(plan.last_timestamp)

    def write_transfers(self, plan: TransferPlan) -> None:
        conn = self.conn
        conn.executemany(INSERT_TRANSFER_SQL, [transfer_row(t) for t in plan.inserted])
        conn.executemany(
            "UPDATE ledger_accounts SET debits_pending = ?, debits_posted = ?, "
            "credits_pending = ?, credits_posted = ?, flags = ? WHERE id = ?",
            [
                (
                    enc(a.debits_pending),
                    enc(a.debits_posted),
                    enc(a.credits_pending),
                    enc(a.credits_posted),
                    a.flags,
                    enc(a.id),
                )
                for a in plan.accounts.values()
            ],
        )
        if plan.pending:
            conn.executemany(
                "INSERT INTO ledger_pending (id, status, expires_at) VALUES (?,?,?) "
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status",
                [(enc(i), int(s.status), s.expires_at) for i, s in plan.pending.items()],
            )
        if plan.history:
            conn.executemany(
                "INSERT INTO ledger_account_balances VALUES (?,?,?,?,?,?)",
                [
                    (
                        enc(aid),
                        b.timestamp,
                        enc(b.debits_pending),
                        enc(b.debits_posted),
                        enc(b.credits_pending),
                        enc(b.credits_posted),
                    )
                    for aid, b in plan.history
                ],
            )
        self._set_timestamp(plan.last_timestamp)

    def _set_timestamp(self, ts: int) -> None:
        self.conn.execute(
            "UPDATE ledger_meta SET last_timestamp = max(last_timestamp, ?) WHERE k = 1", (ts,)
        )


class SqliteStore(LedgerStore):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self.conn = connect_sqlite(path)
        self.conn.executescript(SCHEMA)

    @contextmanager
    def write(self) -> Iterator[WriteTransaction]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SqliteWrite(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def lookup_accounts(self, ids: list[int]) -> dict[int, Account]:
        return _SqliteWrite(self.conn).load_accounts(ids)

    def lookup_transfers(self, ids: list[int]) -> dict[int, Transfer]:
        return _SqliteWrite(self.conn).load_transfers(ids)

    def account_transfers(self, f: AccountFilter) -> list[Transfer]:
        query = account_transfers_query(f, enc(f.account_id))
        if query is None:
            return []
        sql, params = query
        return [_transfer(r) for r in self.conn.execute(sql, params).fetchall()]

    def account_balances(self, f: AccountFilter) -> list[AccountBalance]:
        order = "DESC" if f.reversed else "ASC"
        rows = self.conn.execute(
            "SELECT timestamp, debits_pending, debits_posted, credits_pending, credits_posted "
            "FROM ledger_account_balances WHERE account_id = ? AND timestamp BETWEEN ? AND ? "
            f"ORDER BY timestamp {order} LIMIT ?",
            (enc(f.account_id), f.timestamp_min or 0, f.timestamp_max or I64_MAX, f.limit),
        ).fetchall()
        return [AccountBalance(dec(r[1]), dec(r[2]), dec(r[3]), dec(r[4]), r[0]) for r in rows]

    def iter_accounts(self) -> Iterator[Account]:
        cur = self.conn.execute(f"SELECT {_ACCOUNT_COLS} FROM ledger_accounts ORDER BY id")
        for row in cur:
            yield _account(row)

    def totals(self) -> list[LedgerTotals]:
        sums: dict[int, list[int]] = {}
        cur = self.conn.execute(
            "SELECT ledger, debits_pending, debits_posted, credits_pending, credits_posted "
            "FROM ledger_accounts"
        )
        for ledger, dp, dpo, cp, cpo in cur:
            s = sums.setdefault(ledger, [0, 0, 0, 0, 0])
            s[0] += 1
            s[1] += dec(dp)
            s[2] += dec(dpo)
            s[3] += dec(cp)
            s[4] += dec(cpo)
        return [LedgerTotals(k, *v) for k, v in sorted(sums.items())]

    def size_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            with suppress(OSError):
                total += os.path.getsize(self.path + suffix)
        return total

    def close(self) -> None:
        self.conn.close()
