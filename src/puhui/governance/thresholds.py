"""Alert thresholds as data (`data/thresholds.toml`, or a file of the same shape).

A threshold has an amber and a red level; `level(value)` says which one a value reaches
(`below = true` for figures that alert when they fall, such as AUC).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from puhui.errors import ValidationError

DEFAULT_FILE = Path(__file__).parent / "data" / "thresholds.toml"
LEVELS = ("green", "amber", "red")
METRICS = (
    "psi_score",
    "csi",
    "auc",
    "ks",
    "calibration_gap",
    "demographic_parity_difference",
    "equalized_odds_difference",
)


@dataclass(frozen=True)
class Threshold:
    metric: str
    amber: float
    red: float
    below: bool = False

    def __post_init__(self) -> None:
        ordered = self.red <= self.amber if self.below else self.red >= self.amber
        if not ordered:
            raise ValidationError(
                f"{self.metric}: red must be {'below' if self.below else 'above'} amber",
                field=self.metric,
            )

    def level(self, value: float | None) -> str:
        if value is None or math.isnan(value):
            return "green"
        if self.below:
            return "red" if value < self.red else "amber" if value < self.amber else "green"
        return "red" if value > self.red else "amber" if value > self.amber else "green"

    def to_dict(self) -> dict[str, Any]:
        return {"amber": self.amber, "red": self.red, "below": self.below}


@dataclass(frozen=True)
class Thresholds:
    limits: Mapping[str, Threshold]
    outcome_rows: int = 500
    outcome_bads: int = 20

    def __getitem__(self, metric: str) -> Threshold:
        return self.limits[metric]

    def to_dict(self) -> dict[str, Any]:
        return {
            **{name: t.to_dict() for name, t in self.limits.items()},
            "minimums": {"outcome_rows": self.outcome_rows, "outcome_bads": self.outcome_bads},
        }


def parse_thresholds(data: Mapping[str, Any]) -> Thresholds:
    limits = {}
    for metric in METRICS:
        entry = data.get(metric)
        if not isinstance(entry, Mapping):
            raise ValidationError(f"thresholds need a [{metric}] table", field=metric)
        try:
            limits[metric] = Threshold(
                metric, float(entry["amber"]), float(entry["red"]), bool(entry.get("below", False))
            )
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                f"[{metric}] needs numbers `amber` and `red`", field=metric
            ) from None
    minimums = data.get("minimums") or {}
    return Thresholds(
        limits,
        outcome_rows=int(minimums.get("outcome_rows", 500)),
        outcome_bads=int(minimums.get("outcome_bads", 20)),
    )


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    source = Path(path) if path else DEFAULT_FILE
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"no thresholds file {source}", field="thresholds") from None
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(f"{source}: {error}", field="thresholds") from None
    return parse_thresholds(data)
