"""The simulator's figures, its determinism and the twin's own bookkeeping."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.population import PopulationConfig, generate_population
from puhui.portfolio.scoring import score
from puhui.portfolio.simulate import ENGINE_MAX_CUSTOMERS, decide, simulate
from puhui.risk.model import RiskModel
from puhui.risk.strategy import load_strategy


def test_same_seed_same_months_other_seed_other_months(
    small_book: tuple[pl.DataFrame, npt.NDArray[np.float64]],
) -> None:
    population, pd = small_book
    strategy = load_strategy()
    a = simulate(strategy, population, pd, months=6, seed=1, mode="twin")
    b = simulate(strategy, population, pd, months=6, seed=1, mode="twin")
    c = simulate(strategy, population, pd, months=6, seed=2, mode="twin")
    assert [m.to_dict() for m in a.months] == [m.to_dict() for m in b.months]
    assert [m.to_dict() for m in a.months] != [m.to_dict() for m in c.months]
    assert a.mode == "twin" and len(population) <= ENGINE_MAX_CUSTOMERS


def test_monthly_profit_is_income_less_losses_funding_and_costs(
    small_book: tuple[pl.DataFrame, npt.NDArray[np.float64]],
) -> None:
    population, pd = small_book
    run = simulate(load_strategy(), population, pd, months=9, seed=5, mode="twin")
    for m in run.months:
        income = m.interest_income_minor + m.penalty_income_minor + m.fee_income_minor
        losses = m.write_off_minor - m.recoveries_minor
        assert m.profit_minor == income - losses - m.funding_cost_minor - m.operating_cost_minor
    s = run.summary
    assert (
        s.approvals
        == run.months[0].approvals
        == int(decide(load_strategy(), population, pd).approved.sum())
    )
    assert s.realised_loss_minor == s.write_off_minor - s.recoveries_minor + s.end_provision_minor
    assert 0 <= s.first_time_share <= 1 and s.borrowers <= s.approvals


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), bad_rate=st.sampled_from((0.03, 0.2)))
def test_the_twin_books_add_up_by_customer(pd_model: RiskModel, seed: int, bad_rate: float) -> None:
    population = generate_population(PopulationConfig(n=300, seed=seed, bad_rate=bad_rate))
    pd = score(pd_model, population)
    twin = simulate(load_strategy(), population, pd, months=8, seed=seed, mode="twin")
    assert twin.by_row is not None
    s = twin.summary
    income = s.interest_income_minor + s.penalty_income_minor + s.fee_income_minor
    assert int(twin.by_row["income"].sum()) == income
    assert int(twin.by_row["loss"].sum()) == s.write_off_minor
    assert int(twin.by_row["recovered"].sum()) == s.recoveries_minor
    days = sum(m.days for m in twin.months)
    assert int(twin.by_row["balance_days"].sum()) // days == s.average_balance_minor
    assert (twin.by_row["income"] >= 0).all() and s.refused_events == 0


def test_a_bad_mode_is_refused(
    small_book: tuple[pl.DataFrame, npt.NDArray[np.float64]],
) -> None:
    population, pd = small_book
    with pytest.raises(ValidationError) as err:
        simulate(load_strategy(), population, pd, mode="fast")
    assert err.value.field == "mode"
