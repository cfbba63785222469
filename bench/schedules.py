"""Schedules generated per second: cumulative vs progressive, and APR solves per second.

Each figure is the median of several timed rounds in this one process; the ratio compares
against the cumulative generator measured in the same run. The machine is small and shared,
so absolute numbers are noisy; the ratios are the steadier figure.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from bench.machine import info
from puhui.lending.apr import UnitPeriod, irr_apr, reg_z_apr, schedule_flows
from puhui.lending.schedule import generate_schedule
from puhui.lending.terms import LoanTerms
from puhui.rate import Rate

ROUNDS = 7


def _terms(engine: str, n: int) -> LoanTerms:
    return LoanTerms(
        principal=Decimal("10000"),
        nominal_rate=Rate.from_percent("18"),
        installments=n,
        disbursed=date(2026, 1, 15),
        engine=engine,  # type: ignore[arg-type]
        interest_period="daily",  # type: ignore[arg-type]
        days_in_year="360",  # type: ignore[arg-type]
        days_in_month="actual",  # type: ignore[arg-type]
    )


def per_second(fn: Callable[[], object], batch: int) -> float:
    """Median calls per second over ROUNDS rounds of `batch` calls."""
    rates = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(batch):
            fn()
        rates.append(batch / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    print("machine:", info())
    print("schedules per second (median of", ROUNDS, "rounds; 2 shared cores: noisy)")
    for n in (5, 10, 20):
        cumulative = _terms("cumulative", n)
        progressive = _terms("progressive", n)
        base = per_second(lambda t=cumulative: generate_schedule(t), 200)
        prog = per_second(lambda t=progressive: generate_schedule(t), 200)
        print(
            f"  {n:>2} installments: cumulative {base:>8.0f}/s   progressive {prog:>8.0f}/s"
            f"   progressive/cumulative {prog / base:.2f}x"
        )
    s = generate_schedule(_terms("cumulative", 12))
    flows = schedule_flows(
        s.terms.disbursed,
        s.terms.principal,
        Decimal(0),
        [(i.due_date, Decimal(i.total).scaleb(-2)) for i in s.installments],
    )
    unit = UnitPeriod(1, "month")
    irr = per_second(lambda: irr_apr(flows, unit), 20)
    regz = per_second(lambda: reg_z_apr(flows, unit), 20)
    print(f"  APR of a 12-installment loan: irr {irr:.0f}/s   us-actuarial {regz:.0f}/s")


if __name__ == "__main__":
    main()
