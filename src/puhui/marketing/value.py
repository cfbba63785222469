"""The value of a customer who takes up a line: what the simulator says a borrower earns.

The strategy is simulated over the population with the twin (`portfolio.simulate`); each
borrower's profit over the horizon is its interest, penalty and fees, plus recoveries, less
write-offs, the end provision on what it still owes past due (at the strategy's LGD) and the
funding of its balance. One customer's realised profit is noisy (it defaulted or it did not),
so the value is the mean over borrowers of the same risk and size: deciles of the model's PD
by quintiles of the limit. A customer the strategy does not approve is worth nothing to a
line campaign.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from puhui.portfolio.simulate import decide, simulate
from puhui.rate import PPB
from puhui.risk.strategy import Strategy

FloatArray = npt.NDArray[np.float64]


def borrower_profit(
    by_row: dict[str, npt.NDArray[np.int64]], lgd: float, funding_ppb: int
) -> FloatArray:
    """Each customer's profit over the horizon (minor units) from the twin's per-row money."""
    funding = by_row["balance_days"] * (funding_ppb / PPB) / 365.0
    provision = by_row["past_due_receivable"] * lgd
    profit: FloatArray = (
        by_row["income"] + by_row["recovered"] - by_row["loss"] - provision - funding
    ).astype(np.float64)
    return profit


def customer_values(
    strategy: Strategy,
    population: pl.DataFrame,
    pd: npt.ArrayLike,
    *,
    months: int = 12,
    seed: int = 0,
    **simulation: Any,
) -> FloatArray:
    """Expected profit (minor units) of each customer if it takes up its line."""
    pd_array = np.asarray(pd, dtype=np.float64)
    run = simulate(
        strategy, population, pd_array, months=months, seed=seed, mode="twin", **simulation
    )
    assert run.by_row is not None
    profit = borrower_profit(
        run.by_row, float(strategy.pricing.lgd), strategy.pricing.cost_of_funds.per_unit(PPB)
    )
    customers = decide(strategy, population, pd_array)
    approved = customers.approved
    borrowed = run.by_row["borrowed"].astype(bool) & approved
    if not approved.any():
        return np.zeros(pd_array.size)
    pd_cut = np.quantile(pd_array[approved], np.linspace(0, 1, 11)[1:-1])
    limit_cut = np.quantile(customers.limit_minor[approved], np.linspace(0, 1, 6)[1:-1])
    cell = np.searchsorted(pd_cut, pd_array) * 5 + np.searchsorted(limit_cut, customers.limit_minor)
    total = np.bincount(cell[borrowed], weights=profit[borrowed], minlength=55)
    count = np.bincount(cell[borrowed], minlength=55)
    overall = profit[borrowed].mean() if borrowed.any() else 0.0
    mean = np.where(count > 0, total / np.maximum(count, 1), overall)
    values: FloatArray = np.where(approved, mean[cell], 0.0)
    return values
