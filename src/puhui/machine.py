"""Machine information printed alongside every benchmark figure."""

from __future__ import annotations

import os
import platform
import sqlite3


def info() -> dict[str, str | int | None]:
    """Python, CPU model, core count and SQLite version of this machine."""
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cores": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
    }


def load() -> str:
    """1/5/15-minute load averages: on a shared machine they say how noisy a figure is."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
