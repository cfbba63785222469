"""Ledger benchmark (issue: Foundation and ledger): `puhui ledger bench` with its defaults."""

from __future__ import annotations

from puhui.ledger.cli import bench


def main() -> None:
    bench(
        accounts=10_000,
        transfers=1_000_000,
        workload="both",
        postgres_url=None,
        json_output=False,
    )
