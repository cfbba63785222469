"""Governance use cases: validate a registered model, and run monitoring at close of business.

`validate_registered` loads a model from the registry with its development baseline and a
challenger (the champion's model when it differs, else a cross-fitted logistic-regression
benchmark), computes the validation, renders the report and records the `validated` event that
the approval step links to.

`CobMonitor` is the hook close of business calls with the day it closed: it monitors the
decisions made since the previous run (the first run takes every decision so far), labelled
with that business date. The lending service does not know it; the caller of `run_cob` calls
it after each day (the main job does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from puhui.db import Database
from puhui.errors import NotFoundError, ValidationError
from puhui.governance import approvals, monitoring, registry
from puhui.governance.baseline import Baseline, baseline_from_files
from puhui.governance.lifecycle import Actor, Record
from puhui.governance.report import render_html
from puhui.governance.thresholds import Thresholds, load_thresholds
from puhui.governance.validation import ValidationInput, validate_model
from puhui.population import PROTECTED, PopulationConfig, generate_population
from puhui.risk.model import RiskModel, load_model
from puhui.risk.strategy import load_strategy

#: Rows of the synthetic out-of-sample validation draw, and its seed's offset from the bank's.
VALIDATION_ROWS = 20_000


def synthetic_sample(n: int, seed: int) -> tuple[pl.DataFrame, np.ndarray, str]:
    """A fresh draw of the synthetic population with outcomes: (frame, bad, name)."""
    frame = generate_population(PopulationConfig(n=n, seed=seed))
    return frame, frame["defaulted"].to_numpy(), f"synthetic population, seed {seed}, n {n:,}"


def validation_report(
    model: RiskModel,
    frame: pl.DataFrame,
    bad: np.ndarray,
    data_name: str,
    *,
    actor: Actor,
    thresholds: Thresholds | None = None,
    baseline: Baseline | None = None,
    challenger: RiskModel | None = None,
    cutoff: float | None = None,
    protected: Sequence[str] = PROTECTED,
) -> tuple[dict[str, Any], str]:
    """(summary, html) of a model's validation on a labelled sample."""
    limits = thresholds or load_thresholds()
    result = validate_model(
        ValidationInput(
            model=model,
            frame=frame,
            bad=bad,
            data_name=data_name,
            cutoff=float(load_strategy().cutoffs.approve_max_pd) if cutoff is None else cutoff,
            thresholds=limits,
            baseline=baseline,
            protected=[p for p in protected if p in frame.columns],
            challenger=challenger,
        )
    )
    at = datetime.now(UTC).isoformat(timespec="seconds")
    return result, render_html(result, limits, actor=actor.identity, at=at)


def validate_registered(
    db: Database,
    version: str,
    sample: tuple[pl.DataFrame, np.ndarray, str],
    actor: Actor,
    cache_dir: str | Path,
    *,
    challenger_version: str | None = None,
    thresholds: Thresholds | None = None,
    protected: Sequence[str] = PROTECTED,
    record: bool = True,
) -> tuple[dict[str, Any], str, Record | None]:
    """Validate a registered model on `sample`; record the report unless `record` is False."""
    model = load_model(registry.materialise_model(db, version, cache_dir))
    files = registry.model_files(db, version)
    baseline = baseline_from_files(files, version) if "baseline.json" in files else None
    if challenger_version is None:
        try:
            _, live = registry.champion(db)
            challenger_version = live if live != version else None
        except NotFoundError:
            challenger_version = None
    challenger = None
    if challenger_version:
        challenger = load_model(registry.materialise_model(db, challenger_version, cache_dir))
        missing = set(challenger.feature_names) - set(sample[0].columns)
        if missing:
            raise ValidationError(
                f"the challenger needs fields the sample lacks: {', '.join(sorted(missing))}",
                field="challenger",
            )
    frame, bad, name = sample
    summary, html = validation_report(
        model,
        frame,
        bad,
        name,
        actor=actor,
        thresholds=thresholds,
        baseline=baseline,
        challenger=challenger,
        protected=protected,
    )
    event = approvals.record_validation(db, version, actor, summary, html) if record else None
    return summary, html, event


@dataclass
class CobMonitor:
    """Call with each closed business date: monitors the decisions since the previous run."""

    db: Database
    thresholds: Thresholds = field(default_factory=load_thresholds)
    protected: Sequence[str] = PROTECTED

    def __call__(self, business_day: date, also: Sequence[str] = ()) -> list[dict[str, Any]]:
        monitoring.create_monitoring_tables(self.db)
        with self.db.read():
            start = monitoring.last_window_end(self.db) or ""
        end = datetime.now(UTC).isoformat(timespec="microseconds")
        window = monitoring.Window(business_day.isoformat(), start, end)
        return monitoring.run_monitoring(
            self.db, window, self.thresholds, protected=self.protected, also=also
        )
