"""Console read model: ledger panels on a SQLite ledger, and the dashboard over HTTP.

Books N transfers between 1,000 accounts (a few above 2^63, stored as BLOBs) through the
ledger, then times the panels that sum 128-bit columns: `ReadModel` (on SQLite it streams the
rows and sums them in Python) against the alternative of summing two 32-bit halves of each
INTEGER in SQL plus a second pass that decodes the BLOBs.
Then times the signed-in dashboard page end to end (in-process ASGI client). Medians of
repeated runs; the machine is shared with other work, so read the ratio more than the times.

    python -m bench bench.console                   # 200,000 transfers
    PUHUI_BENCH_TRANSFERS=50000 python -m bench bench.console
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.machine import info
from puhui.api.app import create_app
from puhui.api.keys import KeyStore
from puhui.db import connect, parse_database_url
from puhui.ledger import BATCH_MAX, Account, Transfer, open_ledger
from puhui.ledger.store import u128
from puhui.settings import Settings
from puhui.web.queries import ReadModel

TRANSFERS = int(os.environ.get("PUHUI_BENCH_TRANSFERS", "200000"))
ACCOUNTS = 1000
REPEATS = 5


def median_seconds(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved(a: Callable[[], object], b: Callable[[], object]) -> tuple[float, float]:
    """Medians of `a` and `b` run in turn (so both see the same machine load)."""
    ta, tb = [], []
    for _ in range(REPEATS):
        ta.append(median_seconds(a, 1))
        tb.append(median_seconds(b, 1))
    return statistics.median(ta), statistics.median(tb)


def book(url: str, n: int) -> None:
    with open_ledger(url) as ledger:
        ledger.create_accounts(
            [Account(id=i + 1, ledger=1, code=1 + i % 7) for i in range(ACCOUNTS)]
        )
        done = 0
        while done < n:
            size = min(BATCH_MAX, n - done)
            batch = [
                Transfer(
                    id=done + j + 1,
                    debit_account_id=1 + (done + j) % ACCOUNTS,
                    credit_account_id=1 + (done + j + 1) % ACCOUNTS,
                    amount=2**64 if (done + j) % 10_000 == 0 else 100 + (done + j) % 5000,
                    ledger=1,
                    code=1 + (done + j) % 12,
                )
                for j in range(size)
            ]
            results = ledger.create_transfers(batch)
            assert all(r.name == "OK" for _, r in results), results[:3]
            done += size


def sql_halves(url: str) -> dict[tuple[int, int], int]:
    """The alternative: 32-bit halves of INTEGER values summed in SQL, BLOBs decoded apart."""
    conn = connect(parse_database_url(url))
    totals: dict[tuple[int, int], int] = {}
    for ledger, code, high, low in conn.execute(
        "SELECT ledger, code, "
        "SUM(CASE WHEN typeof(amount) = 'integer' THEN amount >> 32 ELSE 0 END), "
        "SUM(CASE WHEN typeof(amount) = 'integer' THEN amount & 4294967295 ELSE 0 END) "
        "FROM ledger_transfers GROUP BY ledger, code"
    ):
        totals[(ledger, code)] = (high << 32) + low
    for ledger, code, amount in conn.execute(
        "SELECT ledger, code, amount FROM ledger_transfers WHERE typeof(amount) = 'blob'"
    ):
        totals[(ledger, code)] += u128(amount)
    conn.close()
    return totals


def main() -> None:
    print("machine:", info())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        start = time.perf_counter()
        book(url, TRANSFERS)
        print(f"console: booked {TRANSFERS:,} transfers in {time.perf_counter() - start:.1f} s")
        reader = ReadModel(url)
        sql = {(v.ledger, v.code): v.amount for v in reader.transfers_by_code() or []}
        assert sql == sql_halves(url), "both ways must give the same sums"
        t_model, t_sql = interleaved(reader.transfers_by_code, lambda: sql_halves(url))
        t_codes = median_seconds(reader.accounts_by_code)
        t_days = median_seconds(lambda: reader.transfers_per_day(1))
        print(
            f"console: transfers by code  ReadModel (Python sums) {t_model * 1000:8.1f} ms   "
            f"SQL halves {t_sql * 1000:8.1f} ms   SQL halves / ReadModel {t_sql / t_model:4.2f}x"
        )
        print(f"console: accounts by code   {t_codes * 1000:8.1f} ms ({ACCOUNTS:,} accounts)")
        print(f"console: transfers per day  {t_days * 1000:8.1f} ms")

        from fastapi.testclient import TestClient

        key = KeyStore(url).create("operator", "bench")[0]
        app = create_app(Settings(database_url=url, data_dir=tmp))
        with TestClient(app) as client:
            client.cookies.set("puhui_console_key", key)
            assert client.get("/console").status_code == 200
            pages = {
                "dashboard": "/console",
                "ledger": "/console/ledger",
                "decisions": "/console/decisions",
            }
            for name, path in pages.items():
                t = median_seconds(lambda p=path: client.get(p))  # type: ignore[misc]
                print(f"console: GET {path:<20} median {t * 1000:8.1f} ms ({name})")


if __name__ == "__main__":
    main()
