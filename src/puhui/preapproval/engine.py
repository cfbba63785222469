"""The local streaming pre-approval engine.

A population is decided in chunks through the real decision path — the model's feature-spec
checks, its PD and reason codes, and the strategy's vectorised rules, prices and limits
(`apply_strategy_batch` gives the same outcome as `apply_strategy` row by row). Each chunk is
one vectorised pass, so the cost per customer is a few microseconds; chunks stream to a
Parquet file, so memory stays flat however large the population.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from puhui.risk.model import RiskModel
from puhui.risk.outcome import ID_FIELD, apply_strategy_batch
from puhui.risk.strategy import Strategy

CHUNK = 262_144


@dataclass
class PreapprovalReport:
    customers: int = 0
    approved: int = 0
    referred: int = 0
    declined: int = 0
    total_limit_minor: int = 0
    seconds: float = 0.0
    strategy_version: str = ""
    model_version: str = ""
    output: str | None = None
    expected_loss_minor: float = field(default=0.0)

    @property
    def per_second(self) -> float:
        return self.customers / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "customers": self.customers,
            "approved": self.approved,
            "referred": self.referred,
            "declined": self.declined,
            "approval_rate": round(self.approved / self.customers, 4) if self.customers else 0,
            "total_limit_minor": self.total_limit_minor,
            "expected_loss_minor": round(self.expected_loss_minor),
            "seconds": round(self.seconds, 3),
            "customers_per_second": round(self.per_second),
            "strategy_version": self.strategy_version,
            "model_version": self.model_version,
            "output": self.output,
        }


def decide_frame(
    model: RiskModel,
    strategy: Strategy,
    frame: pl.DataFrame,
    *,
    reasons: int = 4,
) -> pl.DataFrame:
    """Decide every row: PD, score, outcome, limit, APR, rule codes and model reasons.

    `expected_loss_minor` is the new line's EL = PD x LGD x EAD, with EAD = CCF x limit (a
    line just granted is all undrawn; the strategy's LGD and CCF, `puhui.risk.exposure`).
    """
    if ID_FIELD in frame.columns and frame[ID_FIELD].dtype != pl.String:
        frame = frame.with_columns(pl.col(ID_FIELD).cast(pl.String))
    matrix = model.spec.encode_frame(frame, allow_extra=True)
    pd = model.predict_pd_encoded(matrix)
    decided = apply_strategy_batch(pd, frame, strategy)
    extra: dict[str, pl.Series | np.ndarray] = {
        "pd": pd,
        "score": model.score_points(pd),
        "expected_loss_minor": pd
        * float(strategy.pricing.lgd * strategy.pricing.ccf)
        * decided["limit_minor"].to_numpy(),
    }
    out = decided.with_columns([pl.Series(name, values) for name, values in extra.items()])
    if not reasons:
        return out
    # Adverse-action reasons: computed for declined and referred customers only (an approval
    # owes no reasons), which is also where the cost of LightGBM's contributions goes.
    adverse = np.flatnonzero(out["decision"].to_numpy() != "approve")
    if adverse.size == 0:
        return out.with_columns(
            [
                pl.lit(None, dtype=pl.String).alias(f"reason_{k}{suffix}")
                for k in range(1, reasons + 1)
                for suffix in ("", "_zh", "_en")
            ]
        )
    columns = model.reason_columns(matrix[adverse], reasons)
    positions = pl.Series(np.full(out.height, -1, dtype=np.int64))
    positions = positions.scatter(adverse, np.arange(adverse.size))
    valid = positions >= 0
    gather = positions.clip(0, None)
    return out.with_columns(
        [
            pl.when(valid).then(series.gather(gather) if series.len() else None).alias(name)
            if series.len()
            else pl.lit(None, dtype=pl.String).alias(name)
            for name, series in columns.items()
        ]
    )


def chunks_of(frame: pl.DataFrame, size: int = CHUNK) -> Iterator[pl.DataFrame]:
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def run_preapproval(
    model: RiskModel,
    strategy: Strategy,
    source: Iterable[pl.DataFrame],
    *,
    output: str | Path | None = None,
    reasons: int = 4,
    progress: Callable[[int], None] | None = None,
    on_chunk: Callable[[pl.DataFrame], None] | None = None,
) -> PreapprovalReport:
    """Decide every chunk of `source`; write decisions to Parquet and/or hand them to `on_chunk`."""
    report = PreapprovalReport(
        strategy_version=strategy.version_id,
        model_version=model.version,
        output=str(output) if output else None,
    )
    writer: pq.ParquetWriter | None = None
    started = time.perf_counter()
    try:
        for chunk in source:
            decided = decide_frame(model, strategy, chunk, reasons=reasons)
            counts = decided["decision"].value_counts()
            by = dict(zip(counts["decision"].to_list(), counts["count"].to_list(), strict=True))
            report.customers += decided.height
            report.approved += int(by.get("approve", 0))
            report.referred += int(by.get("refer", 0))
            report.declined += int(by.get("decline", 0))
            report.total_limit_minor += int(decided["limit_minor"].sum())
            report.expected_loss_minor += float(decided["expected_loss_minor"].sum())
            if output is not None:
                table = decided.to_arrow()
                if writer is None:
                    Path(output).parent.mkdir(parents=True, exist_ok=True)
                    writer = pq.ParquetWriter(str(output), table.schema)
                writer.write_table(table)
            if on_chunk is not None:
                on_chunk(decided)
            if progress is not None:
                progress(decided.height)
    finally:
        if writer is not None:
            writer.close()
    report.seconds = time.perf_counter() - started
    return report
