"""The optimiser's knobs, the APR check, the frontier and a small search end to end."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from puhui.lending.products import default_product
from puhui.portfolio.frontier import Point, frontier
from puhui.portfolio.knobs import Knobs, apply_knobs, knobs_of, write_strategy
from puhui.portfolio.optimise import Constraints, max_apr, optimise
from puhui.portfolio.simulate import decide
from puhui.risk.strategy import load_strategy


def test_the_champions_knobs_decide_as_the_champion(
    small_book: tuple[pl.DataFrame, npt.NDArray[np.float64]],
) -> None:
    population, pd = small_book
    champion = load_strategy()
    again = apply_knobs(champion, knobs_of(champion))
    a, b = decide(champion, population, pd), decide(again, population, pd)
    assert np.array_equal(a.approved, b.approved)
    assert np.array_equal(a.rate_ppb, b.rate_ppb)
    assert np.array_equal(a.limit_minor, b.limit_minor)


def test_a_written_candidate_reads_back_as_the_same_version(tmp_path: Path) -> None:
    champion = load_strategy()
    knobs = Knobs(
        Decimal("0.05"),
        tuple(Decimal(x) for x in ("0.01", "0.015", "0.02", "0.03", "0.04")),
        Decimal("0.2364"),
        tuple(Decimal(x) for x in ("1", "0.85", "0.6", "0.35", "0.1")),
    )
    candidate = apply_knobs(champion, knobs, label="test")
    path = write_strategy(candidate, tmp_path / "candidate.toml", "a comment")
    assert path.read_text().startswith("# a comment")
    assert load_strategy(path).version_id == candidate.version_id != champion.version_id


def test_the_24_percent_cap_is_checked_on_the_apr_not_the_nominal_rate() -> None:
    product = default_product()
    # A 24% nominal rate on a 360-day product is an APR above 24% (PBOC IRR, 20 months:
    # 24.26%); 23.64% is inside the line.
    assert max_apr(load_strategy(), np.array([240_000_000]), product) > Decimal("0.24")
    assert max_apr(load_strategy(), np.array([236_400_000]), product) <= Decimal("0.24")


@given(
    st.lists(
        st.tuples(st.integers(-1000, 1000), st.floats(0, 0.2), st.floats(0, 1), st.booleans()),
        min_size=1,
        max_size=30,
    )
)
def test_frontier_points_are_undominated_and_dominate_the_rest(
    raw: list[tuple[int, float, float, bool]],
) -> None:
    points = [Point(i, p, loss, approval, ok) for i, (p, loss, approval, ok) in enumerate(raw)]
    front = set(frontier(points, "loss_rate"))
    feasible = [p for p in points if p.feasible]
    assert front <= {p.number for p in feasible}

    def beats(q: Point, p: Point) -> bool:
        return (
            q.loss_rate <= p.loss_rate
            and q.profit_minor >= p.profit_minor
            and (q.loss_rate < p.loss_rate or q.profit_minor > p.profit_minor)
        )

    for p in feasible:
        dominated = any(beats(q, p) for q in feasible)
        assert (p.number in front) != dominated


def test_a_small_search_starts_from_the_champion_and_respects_constraints(
    small_book: tuple[pl.DataFrame, npt.NDArray[np.float64]],
) -> None:
    population, pd = small_book
    champion = load_strategy()
    result = optimise(
        champion,
        population,
        pd,
        trials=5,
        constraints=Constraints(min_approval_rate=0.3),
        months=6,
        seed=1,
    )
    assert len(result.trials) == 5
    assert result.trials[0].version_id == champion.version_id
    assert result.trials[0].knobs == knobs_of(champion)
    if result.best is not None:
        assert result.best.feasible and result.best.summary["approval_rate"] >= 0.3
        assert result.best_strategy is not None
        assert result.best_strategy.version_id == result.best.version_id
    data = result.to_dict()
    assert set(data["frontiers"]) == {"loss_rate", "approval_rate"}
    assert (
        data["same_loss_rate"]["champion_profit_minor"] == result.trials[0].summary["profit_minor"]
    )
