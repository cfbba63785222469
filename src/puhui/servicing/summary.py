"""Daily summaries kept by close of business, so the console never scans the transfers table.

COB's `summarise` step (before `advance`) keeps two summaries in the caller's transaction:

- `lending_daily_transfers`: ledger transfers per UTC day (of their timestamp), ledger and
  code: how many and their total amount (a decimal string: sums of 128-bit amounts overflow
  any SQL integer). It is incremental: `lending_summary_state.transfers_through` is the
  newest transfer timestamp summarised, and each run reads only the transfers after it.
  A reader adds the few transfers after the watermark (`transfers_after`) to be exact.
- `lending_daily_book`: the book at the close of each business day, per currency and
  delinquency bucket: open loans and their principal outstanding; and `lending_daily_lines`:
  active credit lines and the customers holding lines.

The tables are created with the other lending tables (`puhui.servicing.store`). When the
ledger keeps its tables in another database, the transfer summary is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from puhui.ledger.store import u128
from puhui.servicing.store import Db

#: Nanoseconds in a day: ledger timestamps are ns since the Unix epoch (UTC).
DAY_NS = 86_400_000_000_000


def watermark(db: Db) -> int:
    row = db.one("SELECT transfers_through FROM lending_summary_state WHERE k = 1")
    return int(row[0]) if row else 0


def transfers_after(
    conn_rows: Iterator[tuple[Any, ...]],
) -> dict[tuple[int, int, int], list[int]]:
    """Group (timestamp, ledger, code, amount) rows by (UTC day, ledger, code): [count, sum]."""
    out: dict[tuple[int, int, int], list[int]] = {}
    for ts, ledger, code, amount in conn_rows:
        key = (int(ts) // DAY_NS, int(ledger), int(code))
        cell = out.get(key)
        if cell is None:
            cell = out[key] = [0, 0]
        cell[0] += 1
        cell[1] += amount if type(amount) is int else u128(amount)
    return out


def summarise(db: Db, day: date) -> int:
    """Bring both summaries up to the close of `day`; returns the transfers newly summarised."""
    added = 0
    if db.table_exists("ledger_transfers"):
        since = watermark(db)
        cursor = db.execute(
            "SELECT timestamp, ledger, code, amount FROM ledger_transfers WHERE timestamp > ?",
            (since,),
        )
        newest = since
        groups: dict[tuple[int, int, int], list[int]] = {}
        for chunk in iter(lambda: cursor.fetchmany(50_000), []):
            newest = max(newest, max(int(r[0]) for r in chunk))
            for key, (n, amount) in transfers_after(iter(chunk)).items():
                cell = groups.setdefault(key, [0, 0])
                cell[0] += n
                cell[1] += amount
        for (d, ledger, code), (n, amount) in groups.items():
            row = db.one(
                "SELECT transfers, amount FROM lending_daily_transfers"
                " WHERE day = ? AND ledger = ? AND code = ?",
                (d, ledger, code),
            )
            if row is None:
                db.execute(
                    "INSERT INTO lending_daily_transfers (day, ledger, code, transfers, amount)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (d, ledger, code, n, str(amount)),
                )
            else:
                db.execute(
                    "UPDATE lending_daily_transfers SET transfers = ?, amount = ?"
                    " WHERE day = ? AND ledger = ? AND code = ?",
                    (int(row[0]) + n, str(int(row[1]) + amount), d, ledger, code),
                )
            added += n
        db.execute("DELETE FROM lending_summary_state WHERE k = 1")
        db.execute(
            "INSERT INTO lending_summary_state (k, transfers_through) VALUES (1, ?)", (newest,)
        )
    today = day.toordinal()
    db.execute("DELETE FROM lending_daily_book WHERE business_day = ?", (today,))
    db.execute(
        "INSERT INTO lending_daily_book (business_day, currency, bucket, loans,"
        " principal_outstanding) SELECT ?, currency, bucket, COUNT(*),"
        " COALESCE(SUM(principal_outstanding), 0) FROM lending_loans WHERE status <> 'closed'"
        " GROUP BY currency, bucket",
        (today,),
    )
    db.execute("DELETE FROM lending_daily_lines WHERE business_day = ?", (today,))
    db.execute(
        "INSERT INTO lending_daily_lines (business_day, active_lines, customers)"
        " SELECT ?, COALESCE(SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0),"
        " COUNT(DISTINCT customer_id) FROM lending_lines",
        (today,),
    )
    return added
