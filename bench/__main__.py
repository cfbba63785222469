"""Run every benchmark and print its figures (`make bench`)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "bench.machine",
    "bench.ledger",
    "bench.schedules",
    "bench.population",
    "bench.risk_training",
    "bench.risk_scoring",
    "bench.risk_policy",
    "bench.decisions",
    "bench.preapproval",
    "bench.api",
    "bench.ai",
    "bench.lending",
    "bench.console",
    "bench.governance",
    "bench.triangle",
    "bench.assist",
    "bench.security",
    "bench.borrower",
    "bench.demo_bank",
    "bench.dashboard",
    "bench.reports",
    "bench.studio",
]


def main() -> None:
    for name in BENCHMARKS if len(sys.argv) < 2 else sys.argv[1:]:
        module = importlib.import_module(name)
        module.main()


if __name__ == "__main__":
    main()
