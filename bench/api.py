"""API benchmark (issue: The service): the decision and drawdown endpoints over HTTP.

A small bank is built in a temporary SQLite database and uvicorn serves it in a child
process. The load comes from wrk (C, so the generator costs little of the 2 cores):
POST /v1/decisions with a new customer id in every request (each decided, audited and, when
approved, granted a line), PUHUI_BENCH_RUNS runs (default 3) of 10 s, the median reported;
then POST /v1/lines/{id}/drawdowns, 500 yuan over 5 months on the next of 2,000 lines
(1,000,000 yuan each, so none is refused for limit) with a fresh Idempotency-Key each time,
one 5 s run, and the mean batch size from /metrics. Rows written are counted, so a fast 4xx
cannot pass for work. Without wrk, a bounded asyncio client in this process does the same.
Settings:
PUHUI_BENCH_CONCURRENCY (connections, default 8), PUHUI_BENCH_WORKERS (uvicorn workers,
default 1), PUHUI_BENCH_DEBUG=1 prints wrk's raw output.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from bench.machine import info, load
from puhui.api.keys import KeyStore
from puhui.db import Database
from puhui.population.generator import PROTECTED
from puhui.rate import Rate
from puhui.services.bank import BankConfig, build_bank
from puhui.servicing.service import LendingService

EIGHTEEN_PCT = Rate.from_percent(18)

CONCURRENCY = int(os.environ.get("PUHUI_BENCH_CONCURRENCY", "8"))
REQUESTS = int(os.environ.get("PUHUI_BENCH_REQUESTS", "3000"))
RUNS = int(os.environ.get("PUHUI_BENCH_RUNS", "3"))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _drive(
    base: str, key: str, bodies: list[dict[str, Any]], path: str, headers_for: Any = None
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(len(bodies)):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=base, headers={"X-API-Key": key}, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                i = queue.get_nowait()
                extra = headers_for(i) if headers_for else None
                t0 = time.perf_counter()
                r = await client.post(path, json=bodies[i], headers=extra)
                latencies.append(time.perf_counter() - t0)
                if r.status_code >= 500:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, errors


def _report(name: str, elapsed: float, latencies: list[float], errors: int) -> None:
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    print(
        f"{name}: {len(latencies) / elapsed:,.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"({len(latencies)} requests, {CONCURRENCY} in flight, {errors} 5xx)"
    )


WRK_SCRIPT = """
counter = 0
request = function()
  counter = counter + 1
  local id = "W" .. RUN .. "-" .. counter
  local body = string.gsub(BODY, "CUSTOMER_ID", id)
  return wrk.format("POST", "/v1/decisions",
    {["Content-Type"] = "application/json", ["X-API-Key"] = KEY}, body)
end
"""


WRK_DRAWDOWN_SCRIPT = """
counter = 0
lines = LINES
request = function()
  counter = counter + 1
  local line = lines[(counter - 1) % #lines + 1]
  return wrk.format("POST", "/v1/lines/" .. line .. "/drawdowns",
    {["Content-Type"] = "application/json", ["X-API-Key"] = KEY,
     ["Idempotency-Key"] = "wrk-" .. RUN .. "-" .. counter},
    '{"amount": "500", "installments": 5}')
end
"""


def _wrk_once(base: str, script: str, seconds: int) -> dict[str, str]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONCURRENCY}", f"-d{seconds}s", "--latency", "-s", f.name, base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(f.name)
    if os.environ.get("PUHUI_BENCH_DEBUG"):
        print(out)
    figures = {"non2xx": "0"}
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] in (["50%"], ["99%"]):
            figures[parts[0]] = parts[1]
        if line.startswith("Requests/sec:"):
            figures["rps"] = parts[1]
        if "Non-2xx" in line:
            figures["non2xx"] = parts[-1]
    return figures


def _ms(text: str) -> float:
    """wrk's latency ('812.00us', '7.53ms', '1.02s') in milliseconds."""
    for unit, scale in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * scale
    return float(text)


def _wrk(name: str, base: str, script: str, runs: int = RUNS, seconds: int = 10) -> None:
    """Drive one endpoint with wrk (C, so the load generator costs little CPU); the median
    of `runs` runs, since the 2 cores are shared and one run can be unlucky."""
    results = [_wrk_once(base, script.replace("RUN", str(k)), seconds) for k in range(runs)]
    rps = sorted(float(r["rps"]) for r in results)
    p50 = sorted(_ms(r["50%"]) for r in results)
    p99 = sorted(_ms(r["99%"]) for r in results)
    each = ", ".join(f"{float(r['rps']):,.0f}/s p99 {_ms(r['99%']):.1f} ms" for r in results)
    print(
        f"{name} (wrk, {CONCURRENCY} connections, {runs} x {seconds} s): median "
        f"{statistics.median(rps):,.0f} requests/s, p50 {statistics.median(p50):.1f} ms, "
        f"p99 {statistics.median(p99):.1f} ms; non-2xx {sum(int(r['non2xx']) for r in results)}"
        f" [runs: {each}]"
    )


def _count(url: str, table: str) -> int:
    db = Database(url)
    try:
        return int(db.one(f"SELECT COUNT(*) FROM {table}")[0])
    finally:
        db.close()


async def _drawdowns(
    base: str, key: str, path: str, lines: list[str]
) -> tuple[float, list[float], int]:
    """One drawdown per line, each with its own Idempotency-Key (the Python client)."""
    n = min(len(lines), REQUESTS)
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, headers={"X-API-Key": key}, timeout=30) as client:
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(i: int) -> None:
            nonlocal errors
            async with gate:
                t0 = time.perf_counter()
                r = await client.post(
                    path.replace("{line_id}", lines[i]),
                    json={"amount": "500", "installments": 5},
                    headers={"Idempotency-Key": f"bdd-{i}"},
                )
                latencies.append(time.perf_counter() - t0)
                errors += r.status_code >= 500

        await asyncio.gather(*(one(i) for i in range(n)))
    return time.perf_counter() - started, latencies, errors


def main() -> None:
    print("machine:", info(), "load:", load())
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        build_bank(
            url,
            tmp,
            BankConfig(
                customers=3_000, history=20_000, seed=5, start=date(2026, 1, 5), days=2, borrowers=0
            ),
        )
        # Lines for the drawdown run, large enough that no drawdown is refused for limit.
        lending = LendingService(url)
        for k in range(2000):
            lending.create_line(
                f"bench-{k}", f"B{k:07d}", "1000000", EIGHTEEN_PCT, date(2030, 1, 1)
            )
        lending.close()
        store = KeyStore(url)
        key, _ = store.create("admin", "bench")
        store.close()
        db = Database(url)
        profiles = [
            json.loads(r[0])
            for r in db.all(
                "SELECT profile_json FROM platform_customers ORDER BY customer_id LIMIT 1000"
            )
        ]
        db.close()
        for p in profiles:
            # the stored profile: behaviour hooks and protected attributes are not an application's
            for hook in (
                "drawdown_propensity",
                "early_repay_prob",
                "late_payment_prob",
                *PROTECTED,
            ):
                p.pop(hook, None)
        bodies = [
            {
                "application_id": f"bench-{i}",
                "customer": {**profiles[i % len(profiles)], "customer_id": f"B{i:07d}"},
            }
            for i in range(REQUESTS)
        ]
        port = _free_port()
        env = {
            **os.environ,
            "PUHUI_DATABASE_URL": url,
            "PUHUI_DATA_DIR": tmp,
            # the benchmark measures throughput, not the money endpoints' rate limit
            "PUHUI_MONEY_RATE_PER_SECOND": "100000",
            "PUHUI_MONEY_RATE_BURST": "100000",
            "PUHUI_WRITE_RATE_PER_SECOND": "100000",
            "PUHUI_WRITE_RATE_BURST": "100000",
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
                "--no-access-log",
                "--workers",
                os.environ.get("PUHUI_BENCH_WORKERS", "1"),
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            # warm up: the champion model loads on first use
            httpx.post(
                base + "/v1/decisions", json=bodies[0], headers={"X-API-Key": key}, timeout=30
            )
            if shutil.which("wrk"):
                body = json.dumps({"customer": {**profiles[1], "customer_id": "CUSTOMER_ID"}})
                script = WRK_SCRIPT.replace("BODY", json.dumps(body)).replace(
                    "KEY", json.dumps(key)
                )
                before = _count(url, "decision_audit")
                _wrk("POST /v1/decisions", base, script)
                print(
                    f"  decisions logged by those runs: {_count(url, 'decision_audit') - before:,}"
                )
            else:
                elapsed, lat, errors = asyncio.run(_drive(base, key, bodies[1:], "/v1/decisions"))
                _report("POST /v1/decisions (Python client)", elapsed, lat, errors)
            spec = httpx.get(base + "/openapi.json").json()
            drawdown = next((p for p in spec["paths"] if p.endswith("/drawdowns")), None)
            if drawdown:
                lines = [f"bench-{k}" for k in range(2000)]
                if shutil.which("wrk"):
                    # each request a new Idempotency-Key on the next line, 500 yuan, 5 months
                    script = WRK_DRAWDOWN_SCRIPT.replace("KEY", json.dumps(key)).replace(
                        "LINES", "{" + ", ".join(json.dumps(x) for x in lines) + "}"
                    )
                    before = _count(url, "lending_loans")
                    _wrk(f"POST {drawdown}", base, script, runs=1, seconds=5)
                    print(f"  loans booked by that run: {_count(url, 'lending_loans') - before:,}")
                    sizes = {
                        line.split()[0]: float(line.split()[1])
                        for line in httpx.get(
                            base + "/metrics", headers={"X-API-Key": key}
                        ).text.splitlines()
                        if line.startswith("puhui_drawdown_batch_size_")
                    }
                    count = sizes.get("puhui_drawdown_batch_size_count", 0)
                    if count:
                        mean = sizes["puhui_drawdown_batch_size_sum"] / count
                        print(f"  drawdowns per booking transaction: {mean:.1f} on average")
                else:
                    _report(
                        f"POST {drawdown}", *asyncio.run(_drawdowns(base, key, drawdown, lines))
                    )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
