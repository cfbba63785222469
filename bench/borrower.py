"""Borrower's app benchmark (issue 19): from tapping "borrow" to the loan booked and shown.

A small demo bank is built in a temporary SQLite database (`build_bank`: population, model,
decisions, two business days) and 100 more customers get pre-approved lines; uvicorn serves
it in a child process. 100 borrowers sign in to /app with one-time codes, each in its own
HTTP client, and then all at once, PUHUI_BENCH_ROUNDS times (default 5): open the borrow
form with an amount and a term (the quote: schedule and APR; timed as "quote"), then tap
"confirm", which posts the form and follows the redirect to the loan's page (timed as
"borrow -> shown": the drawdown booked through the servicing layer and the ledger, and the
page that shows it). The loans booked are counted, the books reconciled afterwards.
The load generator runs in this process on the same 2 cores as the server.

    python -m bench bench.borrower
    PUHUI_BENCH_BORROWERS=100 PUHUI_BENCH_ROUNDS=5 python -m bench bench.borrower
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx

from bench.machine import info, load
from puhui.borrower import SignInCodes
from puhui.rate import Rate
from puhui.services.bank import BankConfig, build_bank
from puhui.servicing.service import LendingService

BORROWERS = int(os.environ.get("PUHUI_BENCH_BORROWERS", "100"))
ROUNDS = int(os.environ.get("PUHUI_BENCH_ROUNDS", "5"))
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
KEY = re.compile(r'name="key" value="([A-Za-z0-9_-]+)"')


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def _borrower(
    base: str, customer: str, line: str, code: str, quotes: list[float], shown: list[float]
) -> int:
    booked = 0
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        r = await client.post("/app/login", data={"customer_id": customer, "code": code})
        assert r.status_code == 303, r.text
        for _ in range(ROUNDS):
            t0 = time.perf_counter()
            page = await client.get(
                f"/app/lines/{line}/borrow", params={"amount": "500", "term": "5"}
            )
            quotes.append(time.perf_counter() - t0)
            assert page.status_code == 200, page.text[:300]
            form = {
                "csrf": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
                "key": KEY.search(page.text).group(1),  # type: ignore[union-attr]
                "amount": "500",
                "term": "5",
            }
            t0 = time.perf_counter()
            done = await client.post(f"/app/lines/{line}/borrow", data=form)
            assert done.status_code == 303, done.text[:300]
            loan = await client.get(done.headers["location"])
            shown.append(time.perf_counter() - t0)
            assert loan.status_code == 200 and 'data-testid="loan-status"' in loan.text
            booked += 1
    return booked


async def _run(
    base: str, people: list[tuple[str, str, str]]
) -> tuple[float, int, list[float], list[float]]:
    quotes: list[float] = []
    shown: list[float] = []
    started = time.perf_counter()
    booked = await asyncio.gather(
        *(_borrower(base, c, line, code, quotes, shown) for c, line, code in people)
    )
    return time.perf_counter() - started, sum(booked), quotes, shown


def main() -> None:
    print("machine:", info(), "load:", load())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        build_bank(
            url,
            tmp,
            BankConfig(
                customers=3_000,
                history=20_000,
                seed=5,
                start=date(2026, 1, 5),
                days=2,
                borrowers=0,
                demo_calls=False,
            ),
        )
        lending = LendingService(url)
        people = []
        for k in range(BORROWERS):
            customer, line = f"APP{k:05d}", f"app-line-{k}"
            lending.create_line(line, customer, "20000", Rate.from_percent(18), date(2030, 1, 1))
            people.append((customer, line))
        lending.close()
        codes = SignInCodes(url)
        signed = [(c, line, codes.issue(c)) for c, line in people]
        codes.close()
        port = _free_port()
        env = {
            **os.environ,
            "PUHUI_DATABASE_URL": url,
            "PUHUI_DATA_DIR": tmp,
            # every simulated phone signs in from 127.0.0.1: lift the per-address limit
            "PUHUI_APP_SIGNIN_BURST": "100000",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "puhui.api.server:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            elapsed, booked, quotes, shown = asyncio.run(_run(base, signed))
        finally:
            server.terminate()
            server.wait(timeout=30)
        lending = LendingService(url)
        loans = len([1 for c, _ in people for _ in lending.loans_of_customer(c)])
        reconciled = lending.reconcile()
        lending.close()
        ms = 1000
        print(
            f"borrower app: {len(people)} concurrent borrowers x {ROUNDS} drawdowns,"
            f" {booked} booked ({loans} loans in the book) in {elapsed:.1f}s"
            f" = {booked / elapsed:.0f} drawdowns/s"
        )
        print(
            f"  borrow -> booked and shown: p50 {_pct(shown, 50) * ms:.0f} ms,"
            f" p99 {_pct(shown, 99) * ms:.0f} ms, mean {statistics.fmean(shown) * ms:.0f} ms"
        )
        print(
            f"  quote page (schedule + APR): p50 {_pct(quotes, 50) * ms:.0f} ms,"
            f" p99 {_pct(quotes, 99) * ms:.0f} ms"
        )
        ok = reconciled.trial_balance_zero and all(x.ok for x in reconciled.lines)
        print(f"  books reconciled afterwards: {ok}")


if __name__ == "__main__":
    main()
