"""apply_strategy: precedence of decline > refer > approve, reason codes, row == batch."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from puhui.errors import ValidationError
from puhui.risk.limits import installment_minor
from puhui.risk.outcome import (
    LIMIT_BELOW_MIN,
    PD_DECLINE,
    PD_REFER,
    Decision,
    apply_experiment,
    apply_experiment_batch,
    apply_strategy,
    apply_strategy_batch,
    reason_text,
)
from puhui.risk.strategy import Experiment, Strategy, load_strategy, parse_strategy

GOOD: dict[str, Any] = {
    "customer_id": "C0001",
    "age": 30,
    "blacklisted": False,
    "identity_match": 0.97,
    "inquiries_30d": 0,
    "inquiries_90d": 1,
    "overdue_elsewhere": False,
    "monthly_income": 8000.0,
    "monthly_obligations": 500.0,
}
SCHEMA = {
    "customer_id": pl.String,
    "age": pl.Int64,
    "blacklisted": pl.Boolean,
    "identity_match": pl.Float64,
    "inquiries_30d": pl.Int64,
    "inquiries_90d": pl.Int64,
    "overdue_elsewhere": pl.Boolean,
    "monthly_income": pl.Float64,
    "monthly_obligations": pl.Float64,
}


@pytest.fixture(scope="module")
def strategy() -> Strategy:
    return load_strategy()


def test_a_good_customer_is_approved_with_limit_and_price(strategy: Strategy) -> None:
    outcome = apply_strategy(0.02, GOOD, strategy)
    assert outcome.decision is Decision.APPROVE
    assert outcome.reason_codes == ()
    assert outcome.nominal_rate == outcome.price.nominal_rate and outcome.nominal_rate
    assert outcome.limit_minor > 0 and outcome.limit_minor % 10_000 == 0
    # Low burden: installment at the full limit + obligations within 40% of income.
    due = installment_minor(outcome.limit_minor, outcome.nominal_rate, outcome.term_months)
    assert due + 50_000 <= 800_000 * Decimal("0.4")
    assert outcome.strategy_id == strategy.version_id
    assert outcome.model == "pd-gbdt@1"


def test_knock_out_declines_whatever_the_pd(strategy: Strategy) -> None:
    outcome = apply_strategy(0.001, GOOD | {"blacklisted": True}, strategy)
    assert outcome.decision is Decision.DECLINE
    assert outcome.reason_codes == ("KO-BLACKLIST",)
    assert outcome.limit_minor == 0 and outcome.nominal_rate is None


def test_pd_cutoffs(strategy: Strategy) -> None:
    # the default strategy's cut-offs: approve up to 3.5%, refer up to 5.5% (calibrated on the
    # demo bank, docs/population.md)
    refer = apply_strategy(0.05, GOOD, strategy)
    assert refer.decision is Decision.REFER and refer.reason_codes == (PD_REFER,)
    decline = apply_strategy(0.06, GOOD, strategy)
    assert decline.decision is Decision.DECLINE and decline.reason_codes == (PD_DECLINE,)
    assert apply_strategy(0.035, GOOD, strategy).decision is Decision.APPROVE  # at the cut-off
    assert apply_strategy(0.055, GOOD, strategy).decision is Decision.REFER  # at the cut-off


def test_unaffordable_customer_is_declined(strategy: Strategy) -> None:
    outcome = apply_strategy(0.02, GOOD | {"monthly_obligations": 3300.0}, strategy)
    assert outcome.decision is Decision.DECLINE
    assert outcome.reason_codes == (LIMIT_BELOW_MIN,)
    assert reason_text(strategy, LIMIT_BELOW_MIN)[0].startswith("收入")


def test_refer_rule_and_refer_band_both_reported(strategy: Strategy) -> None:
    outcome = apply_strategy(0.045, GOOD | {"inquiries_30d": 4}, strategy)
    assert outcome.decision is Decision.REFER
    assert outcome.reason_codes == ("RF-INQUIRIES-30D", PD_REFER)
    assert outcome.rules_fired == ("RF-INQUIRIES-30D",)
    assert reason_text(strategy, "RF-INQUIRIES-30D")[1].startswith("Several")


customers = st.fixed_dictionaries(
    {
        "customer_id": st.integers(0, 10**9).map(lambda i: f"C{i}"),
        "age": st.one_of(st.none(), st.integers(15, 70)),
        "blacklisted": st.booleans(),
        "identity_match": st.one_of(st.just(0.97), st.just(0.95), st.floats(0, 1), st.none()),
        "inquiries_30d": st.integers(0, 8),
        "inquiries_90d": st.integers(0, 15),
        "overdue_elsewhere": st.booleans(),
        "monthly_income": st.one_of(
            st.none(), st.just(math.nan), st.floats(0, 100_000, allow_nan=False)
        ),
        "monthly_obligations": st.floats(0, 20_000, allow_nan=False),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(customers, st.floats(0, 0.3, allow_nan=False)), min_size=1, max_size=40))
def test_batch_equals_row_by_row(rows: list[tuple[dict[str, Any], float]]) -> None:
    strategy = load_strategy()
    frame = pl.DataFrame([r for r, _ in rows], schema=SCHEMA)
    pds = np.array([p for _, p in rows])
    batch = apply_strategy_batch(pds, frame, strategy)
    for i, (row, pd) in enumerate(rows):
        outcome = apply_strategy(pd, row, strategy)
        got = batch.row(i, named=True)
        assert got["decision"] == outcome.decision.value
        assert got["limit_minor"] == outcome.limit_minor
        expected_rate = None if outcome.nominal_rate is None else outcome.price.rate_ppb
        assert got["rate_ppb"] == expected_rate
        assert tuple(got["reason_codes"]) == outcome.reason_codes


def test_batch_needs_one_pd_per_row(strategy: Strategy) -> None:
    with pytest.raises(ValidationError) as err:
        apply_strategy_batch([0.1, 0.2], pl.DataFrame([GOOD], schema=SCHEMA), strategy)
    assert err.value.field == "pd"


@pytest.mark.parametrize("shadow", [False, True])
def test_experiment_batch_equals_row_by_row(strategy: Strategy, shadow: bool) -> None:
    data = strategy.to_data()
    data["pricing"]["target_margin"] = Decimal("0.04")  # a challenger with a visible difference
    challenger = parse_strategy(data)
    experiment = Experiment("e", "salt-1", strategy, challenger, Decimal("0.5"), shadow=shadow)
    rows = [GOOD | {"customer_id": f"C{i}"} for i in range(40)]
    pds = np.linspace(0.001, 0.12, 40)
    batch = apply_experiment_batch(pds, pl.DataFrame(rows, schema=SCHEMA), experiment)
    arms = set()
    for i, row in enumerate(rows):
        result = apply_experiment(float(pds[i]), row, experiment)
        got = batch.row(i, named=True)
        arms.add(result.assignment.arm)
        assert got["bucket"] == result.assignment.bucket
        assert got["arm"] == result.assignment.arm.value
        assert got["decision"] == result.outcome.decision.value
        assert got["limit_minor"] == result.outcome.limit_minor
        expected = None if result.outcome.nominal_rate is None else result.outcome.price.rate_ppb
        assert got["rate_ppb"] == expected
        if shadow:
            shadow_decision = None if result.shadow is None else result.shadow.decision.value
            assert got["shadow_decision"] == shadow_decision
    assert len(arms) == (1 if shadow else 2)


def test_empty_batch(strategy: Strategy) -> None:
    out = apply_strategy_batch(np.zeros(0), pl.DataFrame(schema=SCHEMA), strategy)
    assert out.height == 0
    assert out.columns == [
        "customer_id",
        "decision",
        "limit_minor",
        "rate_ppb",
        "term_months",
        "rules_fired",
        "reason_codes",
    ]
