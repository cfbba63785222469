"""Batch pre-approval decides exactly as the real-time decision does, row for row."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from puhui.population import PopulationConfig, generate_population
from puhui.population.generator import NON_FEATURES
from puhui.preapproval.engine import chunks_of, decide_frame, run_preapproval
from puhui.rate import PPB, Rate
from puhui.risk import RiskModel, TrainConfig, train_model
from puhui.risk.decide import Decider, bind_model
from puhui.risk.strategy import Strategy, load_strategy

HOOKS = [c for c in NON_FEATURES if c != "customer_id"]


@pytest.fixture(scope="module")
def setup() -> tuple[RiskModel, Strategy, pl.DataFrame]:
    frame = generate_population(PopulationConfig(n=10_000, seed=5))
    exclude = tuple(c for c in NON_FEATURES if c != "defaulted")
    model = train_model(
        frame, TrainConfig(target="defaulted", bad_value="true", exclude=exclude, kind="scorecard")
    ).model
    customers = generate_population(PopulationConfig(n=3_000, seed=77)).drop(HOOKS)
    return model, bind_model(load_strategy(), model), customers


def test_batch_equals_row_by_row(setup: tuple[RiskModel, Strategy, pl.DataFrame]) -> None:
    model, strategy, customers = setup
    batch = decide_frame(model, strategy, customers)
    decider = Decider.single(model, strategy)
    for i, row in enumerate(customers.head(400).to_dicts()):
        one = decider.decide(row)
        b = batch.row(i, named=True)
        assert b["customer_id"] == one.customer_id
        assert b["decision"] == one.outcome
        assert b["limit_minor"] == one.limit_minor
        rate = None if b["rate_ppb"] is None else Rate.from_units(b["rate_ppb"], PPB)
        assert rate == one.nominal_rate
        assert b["pd"] == pytest.approx(one.pd, abs=1e-12)
        assert b["score"] == one.score
        policy_codes = [r["code"] for r in one.reasons if r["source"] == "policy"]
        assert policy_codes == list(b["reason_codes"])[: len(policy_codes)]
        if one.outcome != "approve":
            model_codes = [r["code"] for r in one.reasons if r["source"] == "model"]
            if model_codes:
                assert b["reason_1"] in model_codes


def test_streaming_run_counts_and_writes(
    setup: tuple[RiskModel, Strategy, pl.DataFrame], tmp_path: Path
) -> None:
    model, strategy, customers = setup
    out = tmp_path / "decisions.parquet"
    seen: list[int] = []
    report = run_preapproval(
        model, strategy, chunks_of(customers, 1_000), output=out, progress=seen.append
    )
    assert report.customers == 3_000 == sum(seen)
    assert report.approved + report.referred + report.declined == 3_000
    written = pl.read_parquet(out)
    assert written.height == 3_000
    assert written["customer_id"].to_list() == customers["customer_id"].cast(pl.String).to_list()
    approved = written.filter(pl.col("decision") == "approve")
    assert approved["reason_1"].null_count() == approved.height  # no reasons owed
    declined = written.filter(pl.col("decision") == "decline")
    assert declined.height == report.declined
    assert (declined["limit_minor"] == 0).all()


def test_a_customers_pd_does_not_depend_on_the_batch(
    setup: tuple[RiskModel, Strategy, pl.DataFrame],
) -> None:
    model, _, customers = setup
    together = model.predict_pd(customers)
    for i in range(0, customers.height, 97):
        alone = model.predict_pd(customers.slice(i, 1))
        assert alone[0] == together[i]  # bit-for-bit: replay decides one row at a time
