"""The development sample's fingerprint for monitoring: the bins of the score and every feature.

Written next to a trained model as `baseline.json` (so the registry stores it with the model's
files) by whoever trains it: the main job and `puhui model train`. Monitoring compares each
day's decisions with it; the sample itself is never kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from puhui.errors import NotFoundError
from puhui.governance.stability import Bins, fit_bins
from puhui.risk.model import RiskModel

BASELINE_FILE = "baseline.json"


@dataclass(frozen=True)
class Baseline:
    model_version: str
    rows: int
    mean_pd: float
    score: Bins
    features: Mapping[str, Bins]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "rows": self.rows,
            "mean_pd": self.mean_pd,
            "score": self.score.to_dict(),
            "features": {name: b.to_dict() for name, b in self.features.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Baseline:
        return cls(
            model_version=str(data["model_version"]),
            rows=int(data["rows"]),
            mean_pd=float(data["mean_pd"]),
            score=Bins.from_dict(data["score"]),
            features={k: Bins.from_dict(v) for k, v in data["features"].items()},
        )


def feature_bins(model: RiskModel, matrix: np.ndarray) -> dict[str, Bins]:
    """Bins of each encoded feature column (categoricals by code)."""
    result = {}
    for j, feature in enumerate(model.spec.features):
        categories = len(feature.categories) if feature.kind == "categorical" else None
        result[feature.name] = fit_bins(matrix[:, j], categories)
    return result


def build_baseline(model: RiskModel, development: pl.DataFrame) -> Baseline:
    """Bins of the score points and of every feature over the development sample."""
    matrix = model.encode(development)
    pd = model.predict_pd_encoded(matrix)
    return Baseline(
        model_version=model.version,
        rows=development.height,
        mean_pd=float(np.mean(pd)) if pd.size else 0.0,
        score=fit_bins(model.score_points(pd).astype(np.float64)),
        features=feature_bins(model, matrix),
    )


def write_baseline(baseline: Baseline, directory: str | Path) -> Path:
    path = Path(directory) / BASELINE_FILE
    path.write_text(json.dumps(baseline.to_dict(), indent=1), encoding="utf-8")
    return path


def baseline_from_files(files: Mapping[str, str], version: str) -> Baseline:
    """The baseline stored with a registered model's files."""
    text = files.get(BASELINE_FILE)
    if text is None:
        raise NotFoundError(
            f"model {version} has no {BASELINE_FILE}: monitoring needs the development "
            "sample's bins (retrain with `puhui model train`, which writes it)",
            field="baseline",
        )
    return Baseline.from_dict(json.loads(text))
