"""The one engine-neutral scoring function: a batch of customers in, a batch of decisions out.

The local engine, Ray Data and PySpark all call `score_batch` on whatever batch they hold (an
Arrow record batch or table, a Polars or pandas frame) and get an Arrow table of the fixed
`DECISIONS` schema back: decision, PD, score, nominal annual rate (`rate_ppb`, parts per
billion), limit, term, the strategy's rule and reason codes, and up to four model reasons with
their Chinese and English text. Nothing is reimplemented per engine: each row goes through
`decide_frame`, the batch path the real-time decision is tested against row by row, and a row's
decision never depends on which other rows share its batch.

What a worker needs travels as a `ScoringBundle`: the model's files and the strategy's data,
picklable and small, so a Ray actor or a Spark executor on another machine rebuilds the same
scorer (`scorer_for`, once per process) without reading the bank's database.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from puhui.errors import ValidationError
from puhui.preapproval.engine import decide_frame
from puhui.preapproval.fast import FastGbdt, fast_model
from puhui.risk.model import RiskModel, load_model, save_model
from puhui.risk.outcome import ID_FIELD
from puhui.risk.strategy import Strategy, parse_strategy

MAX_REASONS = 4

_REASON_FIELDS = [
    pa.field(f"reason_{k}{suffix}", pa.string())
    for k in range(1, MAX_REASONS + 1)
    for suffix in ("", "_zh", "_en")
]

#: Every engine writes exactly this schema, so their outputs compare row for row.
DECISIONS = pa.schema(
    [
        pa.field("customer_id", pa.string()),
        pa.field("decision", pa.string()),
        pa.field("pd", pa.float64()),
        pa.field("score", pa.int64()),
        pa.field("rate_ppb", pa.int64()),
        pa.field("limit_minor", pa.int64()),
        pa.field("term_months", pa.int64()),
        pa.field("expected_loss_minor", pa.float64()),
        pa.field("rules_fired", pa.list_(pa.string())),
        pa.field("reason_codes", pa.list_(pa.string())),
        *_REASON_FIELDS,
    ]
)

#: An Arrow record batch or table, a Polars frame, or a pandas frame (typed loosely: pandas is
#: not a dependency of ours).
Batch = Any


@dataclass(frozen=True)
class ScoringBundle:
    """What a worker needs to score: the model's files, the strategy's data, the options."""

    model_files: dict[str, bytes]
    strategy_data: dict[str, Any]
    model_version: str
    strategy_version: str
    reasons: int = MAX_REASONS
    fast: bool = True
    _key: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if not 0 <= self.reasons <= MAX_REASONS:
            raise ValidationError(f"reasons must be 0..{MAX_REASONS}", field="reasons")
        key = (self.model_version, self.strategy_version, str(self.reasons), str(self.fast))
        object.__setattr__(self, "_key", key)

    @property
    def key(self) -> tuple[str, ...]:
        return self._key

    @classmethod
    def of(
        cls, model: RiskModel, strategy: Strategy, *, reasons: int = MAX_REASONS, fast: bool = True
    ) -> ScoringBundle:
        """The bundle of a loaded model and strategy (the strategy must name this model)."""
        if strategy.model.version != model.version:
            raise ValidationError(
                f"strategy {strategy.version_id} is bound to model {strategy.model.version}, "
                f"not {model.version}",
                field="model_version",
            )
        with tempfile.TemporaryDirectory() as folder:
            save_model(model, Path(folder))
            files = {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())}
        return cls(
            model_files=files,
            strategy_data=json.loads(json.dumps(strategy.to_data(), default=str)),
            model_version=model.version,
            strategy_version=strategy.version_id,
            reasons=reasons,
            fast=fast,
        )

    def load(self) -> Scorer:
        """Rebuild the model (its files' checksums checked) and the strategy, and check both
        still hash to the versions the bundle names."""
        with tempfile.TemporaryDirectory() as folder:
            for name, data in self.model_files.items():
                (Path(folder) / name).write_bytes(data)
            model = load_model(folder)
        if model.version != self.model_version:
            raise ValidationError("bundle model does not match its version", field="model")
        strategy = parse_strategy(self.strategy_data)
        if strategy.version_id != self.strategy_version:
            raise ValidationError("bundle strategy does not match its version", field="strategy")
        if self.fast:
            model = fast_model(model)
        return Scorer(model, strategy, self.reasons)


@dataclass(frozen=True)
class Scorer:
    """A loaded model and strategy; calling it scores one batch."""

    model: RiskModel
    strategy: Strategy
    reasons: int = MAX_REASONS

    @property
    def compiled(self) -> bool:
        scorer = self.model.scorer
        return isinstance(scorer, FastGbdt) and scorer.compiled

    def describe(self) -> dict[str, Any]:
        """How this scorer computes: for the run's manifest."""
        gbdt = self.model.kind == "gbdt"
        return {
            "model_kind": self.model.kind,
            "margins": "treelite+tl2cgen" if self.compiled else self.model.kind,
            "reasons": (
                ("treeshap path table" if isinstance(self.model.scorer, FastGbdt) else "treeshap")
                if gbdt
                else "scorecard points"
            ),
        }

    def __call__(self, batch: Batch) -> pa.Table:
        return score_batch(self, batch)


_SCORERS: dict[tuple[str, ...], Scorer] = {}


def scorer_for(bundle: ScoringBundle) -> Scorer:
    """The scorer of a bundle, built once per process (workers call this per batch)."""
    scorer = _SCORERS.get(bundle.key)
    if scorer is None:
        scorer = _SCORERS[bundle.key] = bundle.load()
    return scorer


def to_polars(batch: Batch) -> pl.DataFrame:
    """An Arrow batch or table, or a Polars or pandas frame, as a Polars frame (no copy for
    Arrow where Polars can share the buffers)."""
    if isinstance(batch, pl.DataFrame):
        return batch
    if isinstance(batch, pa.RecordBatch):
        batch = pa.Table.from_batches([batch])
    if isinstance(batch, pa.Table):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        return frame
    if type(batch).__name__ == "DataFrame" and hasattr(batch, "to_numpy"):
        return pl.from_pandas(batch)
    raise ValidationError(f"cannot score a batch of type {type(batch).__name__}", field="batch")


def score_batch(scorer: Scorer | ScoringBundle, batch: Batch) -> pa.Table:
    """Decide every row of `batch`; one row out per row in, in order, as a `DECISIONS` table."""
    if isinstance(scorer, ScoringBundle):
        scorer = scorer_for(scorer)
    frame = to_polars(batch)
    if ID_FIELD not in frame.columns:
        raise ValidationError("customer data has no column 'customer_id'", field=ID_FIELD)
    decided = decide_frame(scorer.model, scorer.strategy, frame, reasons=scorer.reasons)
    missing = [
        pl.lit(None, dtype=pl.String).alias(f.name)
        for f in _REASON_FIELDS
        if f.name not in decided.columns
    ]
    if missing:
        decided = decided.with_columns(missing)
    # The oldest compat level gives plain Arrow strings: the cast to DECISIONS is then free.
    table = decided.select(DECISIONS.names).to_arrow(compat_level=pl.CompatLevel.oldest())
    return table.cast(DECISIONS)
