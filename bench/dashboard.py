"""The dashboard at 10 million transfers: COB's daily summaries against scanning the table.

Opens a bank (lending + ledger tables on SQLite), writes N ledger transfers straight into
`ledger_transfers` with one bulk SQL insert (spread over 60 days, a few above 2^63 as BLOBs:
the shape the ledger stores, without paying for N posts through it), then times the
signed-in dashboard (in-process ASGI client):

1. before any close of business: the ledger panels scan `ledger_transfers`;
2. COB's `summarise` step catching up on all N transfers once (later closes read one day's);
3. after it: the panels read `lending_daily_transfers` plus the transfers after the watermark.

    python -m bench bench.dashboard                          # 10,000,000 transfers
    PUHUI_BENCH_TRANSFERS=1000000 python -m bench bench.dashboard
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.machine import info
from puhui.api.app import create_app
from puhui.api.keys import KeyStore
from puhui.db import connect, parse_database_url
from puhui.machine import load
from puhui.servicing import summary
from puhui.servicing.service import LendingService
from puhui.settings import Settings

TRANSFERS = int(os.environ.get("PUHUI_BENCH_TRANSFERS", "10000000"))
REPEATS = 5
DAY_NS = 86_400_000_000_000


def bulk_transfers(url: str, n: int) -> None:
    """N rows into ledger_transfers in one INSERT ... SELECT over a recursive counter."""
    conn = connect(parse_database_url(url))
    (newest,) = conn.execute("SELECT COALESCE(MAX(timestamp), 0) FROM ledger_transfers").fetchone()
    start = max(int(newest), time.time_ns() - 60 * DAY_NS) + 1
    step = 60 * DAY_NS // max(n, 1)
    conn.execute("BEGIN")
    conn.execute(
        "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < ?) "
        "INSERT INTO ledger_transfers (timestamp, id, debit_account_id, credit_account_id, "
        "amount, pending_id, user_data_128, user_data_64, user_data_32, timeout, ledger, code, "
        "flags) SELECT ? + i * ?, randomblob(16), 1 + i % 1000, 1 + (i + 1) % 1000, "
        "CASE WHEN i % 1000000 = 0 THEN x'00000000000000010000000000000000' "
        "ELSE 100 + i % 5000 END, 0, 0, 0, 0, 0, 156, 1 + i % 12, 0 FROM c",
        (n, start, step),
    )
    conn.execute("COMMIT")
    conn.close()


def median_ms(fn: object, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    print("machine:", info(), "load:", load())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        service = LendingService(url)
        service.register_product()
        service.start(date(2026, 1, 5))
        service.fund("CNY", "1000000", "bench-funding")
        t = time.perf_counter()
        bulk_transfers(url, TRANSFERS)
        print(f"dashboard: wrote {TRANSFERS:,} transfers in {time.perf_counter() - t:.1f} s")

        from fastapi.testclient import TestClient

        key = KeyStore(url).create("operator", "bench")[0]
        app = create_app(Settings(database_url=url, data_dir=tmp))
        with TestClient(app) as client:
            client.cookies.set("puhui_console_key", key)
            assert client.get("/console").status_code == 200
            scan = median_ms(lambda: client.get("/console"), 3)
            print(f"dashboard: GET /console scanning ledger_transfers   median {scan:9.1f} ms")
            t = time.perf_counter()
            service.run_cob(service.business_date())  # the summarise step catches up once
            took = time.perf_counter() - t
            print(f"dashboard: first COB with summarise over all rows  {took:9.1f} s")
            with service.db.tx():
                t = time.perf_counter()
                summary.summarise(service.db, date(2026, 1, 5))
                print(
                    f"dashboard: summarise with nothing new              "
                    f"{(time.perf_counter() - t) * 1000:9.1f} ms"
                )
            fast = median_ms(lambda: client.get("/console"))
            print(f"dashboard: GET /console from COB's summaries       median {fast:9.1f} ms")
            ledger = median_ms(lambda: client.get("/console/ledger"), 3)
            print(f"dashboard: GET /console/ledger from the summaries  median {ledger:9.1f} ms")
        service.close()


if __name__ == "__main__":
    main()
