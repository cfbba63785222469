"""The scale-out ledger store: PostgreSQL through psycopg 3.

Ids are `uuid` (16 bytes, ordered bytewise, i.e. numerically); amounts and balances are
`numeric(39,0)`, wide enough for unsigned 128-bit values. Writers serialise on the single
`ledger_meta` row (`SELECT ... FOR UPDATE`), the same single-writer model as TigerBeetle's
state machine, and then read the latest committed balances under READ COMMITTED. Transfers are
written with COPY, account balances with one `UPDATE ... FROM unnest(...)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from puhui.ledger.engine import AccountPlan, PendingState, TransferPlan
from puhui.ledger.store import (
    TRANSFER_COLUMNS,
    LedgerStore,
    WriteTransaction,
    account_transfers_query,
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

SCHEMA = """
CREATE TABLE IF NOT EXISTS ledger_meta (
    k integer PRIMARY KEY CHECK (k = 1),
    last_timestamp bigint NOT NULL
);
INSERT INTO ledger_meta (k, last_timestamp) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS ledger_accounts (
    id uuid PRIMARY KEY,
    debits_pending numeric(39,0) NOT NULL,
    debits_posted numeric(39,0) NOT NULL,
    credits_pending numeric(39,0) NOT NULL,
    credits_posted numeric(39,0) NOT NULL,
    user_data_128 uuid NOT NULL,
    user_data_64 numeric(20,0) NOT NULL,
    user_data_32 bigint NOT NULL,
    ledger bigint NOT NULL,
    code integer NOT NULL,
    flags integer NOT NULL,
    timestamp bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ledger_transfers (
    timestamp bigint PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    debit_account_id uuid NOT NULL,
    credit_account_id uuid NOT NULL,
    amount numeric(39,0) NOT NULL,
    pending_id uuid NOT NULL,
    user_data_128 uuid NOT NULL,
    user_data_64 numeric(20,0) NOT NULL,
    user_data_32 bigint NOT NULL,
    timeout bigint NOT NULL,
    ledger bigint NOT NULL,
    code integer NOT NULL,
    flags integer NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_transfers_debit
    ON ledger_transfers (debit_account_id, timestamp);
CREATE INDEX IF NOT EXISTS ledger_transfers_credit
    ON ledger_transfers (credit_account_id, timestamp);
CREATE TABLE IF NOT EXISTS ledger_pending (
    id uuid PRIMARY KEY,
    status smallint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS ledger_pending_due
    ON ledger_pending (expires_at) WHERE status = 1 AND expires_at > 0;
CREATE TABLE IF NOT EXISTS ledger_account_balances (
    account_id uuid NOT NULL,
    timestamp bigint NOT NULL,
    debits_pending numeric(39,0) NOT NULL,
    debits_posted numeric(39,0) NOT NULL,
    credits_pending numeric(39,0) NOT NULL,
    credits_posted numeric(39,0) NOT NULL,
    PRIMARY KEY (account_id, timestamp)
);
"""

_ACCOUNT_COLS = (
    "id, debits_pending, debits_posted, credits_pending, credits_posted, user_data_128, "
    "user_data_64, user_data_32, ledger, code, flags, timestamp"
)


def u(x: int) -> uuid.UUID:
    return uuid.UUID(int=x)


def _account(r: tuple[Any, ...]) -> Account:
    return Account(
        r[0].int,
        int(r[1]),
        int(r[2]),
        int(r[3]),
        int(r[4]),
        r[5].int,
        int(r[6]),
        r[7],
        0,
        r[8],
        r[9],
        r[10],
        r[11],
    )


def _transfer(r: tuple[Any, ...]) -> Transfer:
    return Transfer(
        r[0].int,
        r[1].int,
        r[2].int,
        int(r[3]),
        r[4].int,
        r[5].int,
        int(r[6]),
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        r[12],
    )


class _PgWrite(WriteTransaction):
    def __init__(self, conn: psycopg.Connection[Any], last: int) -> None:
        self.conn = conn
        self._last = last

    def last_timestamp(self) -> int:
        return self._last

    def _ids(self, ids: Iterable[int]) -> list[uuid.UUID]:
        return [u(i) for i in set(ids) if i]

    def load_accounts(self, ids: Iterable[int]) -> dict[int, Account]:
        rows = self.conn.execute(
            f"SELECT {_ACCOUNT_COLS} FROM ledger_accounts WHERE id = ANY(%s)", (self._ids(ids),)
        ).fetchall()
        return {a.id: a for a in map(_account, rows)}

    def load_transfers(self, ids: Iterable[int]) -> dict[int, Transfer]:
        rows = self.conn.execute(
            f"SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY(%s)", (self._ids(ids),)
        ).fetchall()
        return {t.id: t for t in map(_transfer, rows)}

    def load_pending(self, ids: Iterable[int]) -> dict[int, PendingState]:
        rows = self.conn.execute(
            "SELECT id, status, expires_at FROM ledger_pending WHERE id = ANY(%s)",
            (self._ids(ids),),
        ).fetchall()
        return {r[0].int: PendingState(PendingStatus(r[1]), r[2]) for r in rows}

    def due_pending(self, now: int) -> list[int]:
        rows = self.conn.execute(
            "SELECT id FROM ledger_pending "
            "WHERE status = 1 AND expires_at > 0 AND expires_at <= %s",
            (now,),
        ).fetchall()
        return [r[0].int for r in rows]

    def write_accounts(self, plan: AccountPlan) -> None:
        with self.conn.cursor().copy(f"COPY ledger_accounts ({_ACCOUNT_COLS}) FROM STDIN") as copy:
            for a in plan.inserted:
                copy.write_row(
                    (
                        u(a.id),
                        0,
                        0,
                        0,
                        0,
                        u(a.user_data_128),
                        a.user_data_64,
                        a.user_data_32,
                        a.ledger,
                        a.code,
                        a.flags,
                        a.timestamp,
                    )
                )
        self._set_timestamp(plan.last_timestamp)

    def write_transfers(self, plan: TransferPlan) -> None:
        conn = self.conn
        if plan.inserted:
            with conn.cursor().copy(f"COPY ledger_transfers ({TRANSFER_COLUMNS}) FROM STDIN") as cp:
                for t in plan.inserted:
                    cp.write_row(
                        (
                            u(t.id),
                            u(t.debit_account_id),
                            u(t.credit_account_id),
                            t.amount,
                            u(t.pending_id),
                            u(t.user_data_128),
                            t.user_data_64,
                            t.user_data_32,
                            t.timeout,
                            t.ledger,
                            t.code,
                            t.flags,
                            t.timestamp,
                        )
                    )
        if plan.accounts:
            accs = list(plan.accounts.values())
            conn.execute(
                "UPDATE ledger_accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo, "
                "credits_pending = v.cp, credits_posted = v.cpo, flags = v.flags "
                "FROM unnest(%s::uuid[], %s::numeric[], %s::numeric[], %s::numeric[], "
                "%s::numeric[], %s::int[]) AS v(id, dp, dpo, cp, cpo, flags) WHERE a.id = v.id",
                (
                    [u(a.id) for a in accs],
                    [str(a.debits_pending) for a in accs],
                    [str(a.debits_posted) for a in accs],
                    [str(a.credits_pending) for a in accs],
                    [str(a.credits_posted) for a in accs],
                    [a.flags for a in accs],
                ),
            )
        if plan.pending:
            items = list(plan.pending.items())
            conn.execute(
                "INSERT INTO ledger_pending (id, status, expires_at) "
                "SELECT * FROM unnest(%s::uuid[], %s::smallint[], %s::bigint[]) "
                "ON CONFLICT (id) DO UPDATE SET status = excluded.status",
                (
                    [u(i) for i, _ in items],
                    [int(s.status) for _, s in items],
                    [s.expires_at for _, s in items],
                ),
            )
        if plan.history:
            with conn.cursor().copy(
                "COPY ledger_account_balances (account_id, timestamp, debits_pending, "
                "debits_posted, credits_pending, credits_posted) FROM STDIN"
            ) as cp:
                for aid, b in plan.history:
                    cp.write_row(
                        (
                            u(aid),
                            b.timestamp,
                            b.debits_pending,
                            b.debits_posted,
                            b.credits_pending,
                            b.credits_posted,
                        )
                    )
        self._set_timestamp(plan.last_timestamp)

    def _set_timestamp(self, ts: int) -> None:
        self.conn.execute(
            "UPDATE ledger_meta SET last_timestamp = greatest(last_timestamp, %s) WHERE k = 1",
            (ts,),
        )


class PostgresStore(LedgerStore):
    dialect = "postgresql"

    def __init__(self, dsn: str) -> None:
        self.conn: psycopg.Connection[Any] = psycopg.connect(dsn, autocommit=True)
        with self.conn.transaction():
            # Serialise concurrent schema creation by several processes.
            self.conn.execute("SELECT pg_advisory_xact_lock(7482113)")
            self.conn.execute(SCHEMA)

    @contextmanager
    def write(self) -> Iterator[WriteTransaction]:
        conn = self.conn
        with conn.transaction():
            row = conn.execute(
                "SELECT last_timestamp FROM ledger_meta WHERE k = 1 FOR UPDATE"
            ).fetchone()
            assert row is not None
            yield _PgWrite(conn, int(row[0]))

    def _read(self, sql: str, params: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def lookup_accounts(self, ids: list[int]) -> dict[int, Account]:
        rows = self._read(
            f"SELECT {_ACCOUNT_COLS} FROM ledger_accounts WHERE id = ANY(%s)",
            ([u(i) for i in set(ids) if 0 < i < (1 << 128)],),
        )
        return {a.id: a for a in map(_account, rows)}

    def lookup_transfers(self, ids: list[int]) -> dict[int, Transfer]:
        rows = self._read(
            f"SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY(%s)",
            ([u(i) for i in set(ids) if 0 < i < (1 << 128)],),
        )
        return {t.id: t for t in map(_transfer, rows)}

    def account_transfers(self, f: AccountFilter) -> list[Transfer]:
        query = account_transfers_query(f, u(f.account_id))
        if query is None:
            return []
        sql, params = query
        return [_transfer(r) for r in self._read(sql.replace("?", "%s"), params)]

    def account_balances(self, f: AccountFilter) -> list[AccountBalance]:
        order = "DESC" if f.reversed else "ASC"
        rows = self._read(
            "SELECT timestamp, debits_pending, debits_posted, credits_pending, credits_posted "
            "FROM ledger_account_balances WHERE account_id = %s AND timestamp BETWEEN %s AND %s "
            f"ORDER BY timestamp {order} LIMIT %s",
            (u(f.account_id), f.timestamp_min or 0, f.timestamp_max or I64_MAX, f.limit),
        )
        return [AccountBalance(int(r[1]), int(r[2]), int(r[3]), int(r[4]), r[0]) for r in rows]

    def iter_accounts(self) -> Iterator[Account]:
        rows = self._read(f"SELECT {_ACCOUNT_COLS} FROM ledger_accounts ORDER BY id", ())
        for row in rows:
            yield _account(row)

    def totals(self) -> list[LedgerTotals]:
        rows = self._read(
            "SELECT ledger, count(*), coalesce(sum(debits_pending), 0), "
            "coalesce(sum(debits_posted), 0), coalesce(sum(credits_pending), 0), "
            "coalesce(sum(credits_posted), 0) FROM ledger_accounts GROUP BY ledger ORDER BY ledger",
            (),
        )
        return [LedgerTotals(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5])) for r in rows]

    def size_bytes(self) -> int:
        rows = self._read(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relkind = 'r' AND c.relname LIKE 'ledger_%%'",
            (),
        )
        return int(rows[0][0])

    def close(self) -> None:
        self.conn.close()
