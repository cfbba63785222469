"""Print the machine the benchmarks run on."""

from __future__ import annotations

from puhui.machine import info, load

__all__ = ["info", "load", "main"]


def main() -> None:
    print("machine:", info())
