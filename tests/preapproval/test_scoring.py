"""One scoring function for every engine: any batch type in, the same DECISIONS table out."""

from __future__ import annotations

import pickle

import polars as pl
import pytest

from puhui.errors import ValidationError
from puhui.preapproval.engine import decide_frame
from puhui.preapproval.scoring import DECISIONS, ScoringBundle, score_batch, scorer_for
from puhui.risk import RiskModel
from puhui.risk.decide import bind_model
from puhui.risk.strategy import Strategy, load_strategy


def test_every_batch_type_gives_the_same_decisions(
    gbdt: tuple[RiskModel, Strategy], customers: pl.DataFrame
) -> None:
    model, strategy = gbdt
    bundle = ScoringBundle.of(model, strategy)
    frame = customers.head(2_000)
    arrow = frame.to_arrow()
    results = [
        score_batch(bundle, frame),
        score_batch(bundle, arrow),
        score_batch(bundle, arrow.to_batches(max_chunksize=2_000)[0]),
        score_batch(bundle, frame.to_pandas()),
    ]
    for result in results:
        assert result.schema == DECISIONS
        assert result.equals(results[0])
    exact = decide_frame(model, strategy, frame).select(DECISIONS.names)
    assert pl.from_arrow(results[0]).equals(exact)  # the real-time-tested batch path, unchanged


def test_a_rows_decision_does_not_depend_on_its_batch(
    gbdt: tuple[RiskModel, Strategy], customers: pl.DataFrame
) -> None:
    model, strategy = gbdt
    bundle = ScoringBundle.of(model, strategy)
    whole = score_batch(bundle, customers)
    pieces = [score_batch(bundle, customers.slice(i, 777)) for i in range(0, customers.height, 777)]
    import pyarrow as pa

    assert pa.concat_tables(pieces).equals(whole)


def test_the_bundle_travels_and_rebuilds_the_same_scorer(
    scorecard: tuple[RiskModel, Strategy], customers: pl.DataFrame
) -> None:
    model, strategy = scorecard
    bundle = ScoringBundle.of(model, strategy, reasons=2)
    travelled = pickle.loads(pickle.dumps(bundle))
    scorer = travelled.load()
    assert scorer.model.version == model.version
    assert scorer.strategy.version_id == strategy.version_id
    out = score_batch(scorer, customers.head(500))
    assert out.column("reason_3").null_count == 500  # two reasons asked for
    assert scorer_for(travelled) is scorer_for(travelled)  # built once per process


def test_bad_input_is_refused_naming_the_field(
    scorecard: tuple[RiskModel, Strategy], gbdt: tuple[RiskModel, Strategy]
) -> None:
    model, strategy = scorecard
    bundle = ScoringBundle.of(model, strategy)
    with pytest.raises(ValidationError) as missing:
        score_batch(bundle, pl.DataFrame({"age": [30]}))
    assert missing.value.field == "customer_id"
    with pytest.raises(ValidationError) as mismatch:
        ScoringBundle.of(gbdt[0], strategy)  # the strategy is bound to another model
    assert mismatch.value.field == "model_version"
    with pytest.raises(ValidationError) as reasons:
        ScoringBundle.of(model, bind_model(load_strategy(), model), reasons=5)
    assert reasons.value.field == "reasons"
    with pytest.raises(ValidationError) as kind:
        score_batch(bundle, [{"customer_id": 1}])
    assert kind.value.field == "batch"
