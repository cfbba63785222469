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


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
