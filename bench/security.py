"""What the request limits cost: `python -m bench bench.security`.

Drives `api.limits.RequestLimits` in process (no network, so the figures are the middleware's
own work): a typical drawdown body through a bare ASGI app with and without it, a 377 KB JSON
body (parsed once for its depth and array lengths), and refusing a declared 10 MB body (413
from Content-Length, nothing read). Medians of 5 runs; 2 shared cores, so compare ratios.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from typing import Any

from puhui.api.limits import Limits, RequestLimits
from puhui.machine import info, load


async def _bare(scope: Any, receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def _scope(length: int) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/v1/lines/L1/drawdowns",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(length).encode()),
        ],
    }


async def _drive(app: Any, body: bytes, n: int) -> float:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    scope = _scope(len(body))
    start = time.perf_counter()
    for _ in range(n):
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, receive, send)
    return (time.perf_counter() - start) / n


def _median(app: Any, body: bytes, n: int) -> float:
    return statistics.median(asyncio.run(_drive(app, body, n)) for _ in range(5))


def main() -> None:
    print("== request limits (api.limits) ==")
    print(f"machine: {info()}  load: {load()}")
    limited = RequestLimits(_bare, Limits())
    small = json.dumps({"amount": "1000.00", "installments": 5}).encode()
    big = json.dumps({"rows": [{"a": i, "b": "x" * 20} for i in range(9_000)]}).encode()
    bare_us = _median(_bare, small, 20_000) * 1e6
    limited_us = _median(limited, small, 20_000) * 1e6
    print(
        f"  drawdown body ({len(small)} B): bare app {bare_us:.1f} µs,"
        f" with limits {limited_us:.1f} µs"
        f" (+{limited_us - bare_us:.1f} µs a request)"
    )
    big_ms = _median(limited, big, 20) * 1e3
    print(f"  a JSON body of {len(big):,} B (9,000 objects): checked in {big_ms:.2f} ms")
    declared = _scope(10_000_000)

    async def refuse(n: int) -> float:
        async def receive() -> dict[str, Any]:
            raise AssertionError("a refused body is never read")

        async def send(message: Any) -> None:
            pass

        start = time.perf_counter()
        for _ in range(n):
            await limited(declared, receive, send)
        return (time.perf_counter() - start) / n

    refuse_us = statistics.median(asyncio.run(refuse(5_000)) for _ in range(5)) * 1e6
    print(f"  a declared 10 MB body: 413 in {refuse_us:.1f} µs, none of it read")


if __name__ == "__main__":
    main()
