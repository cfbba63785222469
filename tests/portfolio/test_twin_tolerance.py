"""The twin held to the real lending engine on the same customers: THE test to re-run when
servicing semantics change (the money-path audit): update `portfolio/rules.py`, run this.

Tolerance, stated: every monthly count equal, every monthly money figure within 1 yuan or
0.1% of the engine's (whichever is larger), the engine's books reconciled, nothing refused.
On main the twin reproduces the engine to the fen.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from puhui.portfolio.simulate import simulate
from puhui.risk.strategy import load_strategy

MONEY_ABS_MINOR = 100
MONEY_REL = 0.001
COUNTS = (
    "approvals",
    "drawdowns",
    "new_borrowers",
    "prepayments",
    "late_payments",
    "defaults",
    "calls",
)


def within(engine: int, twin: int) -> bool:
    return abs(engine - twin) <= max(MONEY_ABS_MINOR, MONEY_REL * abs(engine))


@pytest.mark.slow
def test_twin_matches_the_engine_on_the_same_customers(
    small_book: tuple[pl.DataFrame, npt.NDArray[np.float64]],
) -> None:
    population, pd = small_book
    strategy = load_strategy()
    options = {"months": 9, "seed": 5}
    engine = simulate(strategy, population, pd, mode="engine", **options)
    twin = simulate(strategy, population, pd, mode="twin", **options)
    assert engine.mode == "engine" and twin.mode == "twin"
    assert engine.summary.extra["reconciled"] is True
    assert engine.summary.refused_events == twin.summary.refused_events == 0
    # The run must exercise what the twin reproduces: late payments, penalties, write-offs,
    # recoveries and prepayments.
    s = engine.summary
    assert s.penalty_income_minor > 0 and s.write_off_minor > 0 and s.recoveries_minor > 0
    assert sum(m.prepayments for m in engine.months) > 0
    for e, t in zip(engine.months, twin.months, strict=True):
        for name in COUNTS:
            assert getattr(e, name) == getattr(t, name), (e.month, name)
        for name, value in e.to_dict().items():
            if name.endswith("_minor"):
                assert within(value, getattr(t, name)), (e.month, name, value, getattr(t, name))
    for name, value in engine.summary.to_dict().items():
        if name.endswith("_minor"):
            assert within(value, twin.summary.to_dict()[name]), name
