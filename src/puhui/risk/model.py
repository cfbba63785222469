"""A trained risk model: PD, points and reason codes for a batch (polars) or one customer (dict).

`load_model(dir)` reads a model directory written by `save_model`: every file is JSON or
LightGBM's text format (no pickle), and each file's SHA-256 is checked against `model.json`.
The version is a hash of the model's content, so the same model always has the same version.

    model = load_model(directory)        # checks every file's SHA-256
    model.predict_pd(frame_or_row)       # calibrated PD per row (polars frame or one dict)
    model.score_points(pd)               # points: 600 at 50:1 good:bad odds, PDO 20 (default)
    model.explain(frame_or_row, top=4)   # reasons: feature, direction, contribution, zh, en
    model.feature_spec.encode_row(row)   # the checks alone (ValidationError names the field)
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from puhui.errors import PuhuiError, ValidationError
from puhui.risk.binning import WoeBinning
from puhui.risk.calibration import Calibrator
from puhui.risk.gbdt import GbdtModel
from puhui.risk.reasons import DIRECTIONS, VALUE, Reason, reason_text, top_positive
from puhui.risk.scorecard import ScorecardModel
from puhui.risk.spec import FeatureSpec

FORMAT = "puhui-risk-model/1"
MODEL_FILE = "model.json"
SPEC_FILE = "feature_spec.json"
BINNING_FILE = "binning.json"
LIGHTGBM_FILE = "lightgbm.txt"
METRICS_FILE = "metrics.json"
CARD_FILE = "model_card.md"
CARD_ZH_FILE = "model_card.zh.md"

Input = pl.DataFrame | Mapping[str, object]


@dataclass(frozen=True)
class PointsScale:
    """Score points from PD: `base_points` at odds (good:bad) of `base_odds`, and `pdo` more
    points each time the odds double."""

    base_points: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    def __post_init__(self) -> None:
        if self.pdo <= 0:
            raise ValidationError("pdo must be > 0", field="pdo")
        if self.base_odds <= 0:
            raise ValidationError("base_odds must be > 0", field="base_odds")

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2.0)

    @property
    def offset(self) -> float:
        return self.base_points - self.factor * math.log(self.base_odds)

    def points(self, pd: np.ndarray) -> np.ndarray:
        p = np.clip(np.asarray(pd, dtype=np.float64), 1e-9, 1 - 1e-9)
        result: np.ndarray = np.rint(self.offset + self.factor * np.log((1 - p) / p))
        return result.astype(np.int64)

    def to_dict(self) -> dict[str, float]:
        return {"base_points": self.base_points, "base_odds": self.base_odds, "pdo": self.pdo}


@dataclass(frozen=True)
class RiskModel:
    """PD, points and reasons. `scorer` is a scorecard or LightGBM over the spec's encoding."""

    kind: str
    spec: FeatureSpec
    binning: WoeBinning
    scorer: ScorecardModel | GbdtModel
    calibrator: Calibrator
    scale: PointsScale
    version: str

    @property
    def feature_names(self) -> list[str]:
        return self.spec.names

    @property
    def feature_spec(self) -> FeatureSpec:
        return self.spec

    def encode(self, data: Input) -> np.ndarray:
        """Check and encode input: a frame may carry extra columns (ids), a row dict may not."""
        if isinstance(data, pl.DataFrame):
            return self.spec.encode_frame(data, allow_extra=True)
        return self.spec.encode_row(data, allow_extra=False)

    def margin(self, matrix: np.ndarray) -> np.ndarray:
        if isinstance(self.scorer, GbdtModel):
            return self.scorer.margin(matrix, threads=1 if matrix.shape[0] < 256 else None)
        return self.scorer.margin(matrix)

    def predict_pd_encoded(self, matrix: np.ndarray) -> np.ndarray:
        return self.calibrator(self.margin(matrix))

    def predict_pd(self, data: Input) -> np.ndarray:
        """Calibrated probability of default, one per row, in input order."""
        return self.predict_pd_encoded(self.encode(data))

    def score_points(self, pd: np.ndarray | float) -> np.ndarray:
        """Score points for PDs (higher = safer), on this model's points scale."""
        return self.scale.points(np.atleast_1d(np.asarray(pd, dtype=np.float64)))

    def explain(self, data: Input, top: int = 4) -> list[list[Reason]]:
        """Up to `top` reasons per row: features that raised this customer's PD, largest first."""
        return self.explain_encoded(self.encode(data), top)

    def reason_arrays(
        self, matrix: np.ndarray, top: int = 4
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per row and slot: feature index (-1 = none), direction code and contribution."""
        if top <= 0:
            empty = np.zeros((matrix.shape[0], 0))
            return empty.astype(np.int64), empty.astype(np.int8), empty
        index, size = top_positive(self.scorer.contributions(matrix), top)
        directions = self.scorer.directions(self.spec, matrix)
        rows = np.arange(matrix.shape[0])[:, None]
        direction = np.where(index >= 0, directions[rows, np.maximum(index, 0)], -1)
        return index, direction.astype(np.int8), size

    def explain_encoded(self, matrix: np.ndarray, top: int = 4) -> list[list[Reason]]:
        index, direction, size = self.reason_arrays(matrix, top)
        result = []
        for i in range(matrix.shape[0]):
            reasons = []
            for slot in range(index.shape[1]):
                j = int(index[i, slot])
                if j < 0:
                    break
                word = DIRECTIONS[int(direction[i, slot])]
                shown = self._display_value(j, float(matrix[i, j]))
                zh, en = reason_text(self.spec.features[j].name, word, shown)
                reasons.append(
                    Reason(
                        feature=self.spec.features[j].name,
                        direction=word,
                        value=shown,
                        contribution=round(float(size[i, slot]), 6),
                        text_zh=zh,
                        text_en=en,
                    )
                )
            result.append(reasons)
        return result

    def reason_columns(self, matrix: np.ndarray, top: int = 4) -> dict[str, pl.Series]:
        """Batch reasons as columns reason_k (feature:direction), reason_k_zh, reason_k_en.

        Texts are built once per distinct (feature, direction, category) and gathered."""
        index, direction, _ = self.reason_arrays(matrix, top)
        rows = np.arange(matrix.shape[0])
        columns: dict[str, pl.Series] = {}
        cache: dict[tuple[int, int, int], tuple[str | None, str | None, str | None]] = {}
        for slot in range(top):
            name = f"reason_{slot + 1}"
            if slot >= index.shape[1]:
                for suffix in ("", "_zh", "_en"):
                    columns[name + suffix] = pl.Series(
                        name + suffix, [None] * matrix.shape[0], dtype=pl.String
                    )
                continue
            j = index[:, slot].astype(np.int64)
            values = matrix[rows, np.maximum(j, 0)]
            is_value = (direction[:, slot] == VALUE) & ~np.isnan(values)
            category = np.where(is_value, values, -1).astype(np.int64)
            # One integer per (feature, direction, category): a 1-D unique is fast.
            width = max((len(f.categories) for f in self.spec.features), default=0) + 1
            keys = ((j + 1) * len(DIRECTIONS) + direction[:, slot]) * width + (category + 1)
            unique, inverse = np.unique(keys, return_inverse=True)
            texts = [
                self._reason_key(
                    (
                        int(key // width // len(DIRECTIONS)) - 1,
                        int(key // width % len(DIRECTIONS)),
                        int(key % width) - 1,
                    ),
                    cache,
                )
                for key in unique
            ]
            gather = pl.Series(inverse.ravel().astype(np.int64))
            for position, suffix in enumerate(("", "_zh", "_en")):
                table = pl.Series(name + suffix, [t[position] for t in texts], dtype=pl.String)
                columns[name + suffix] = table.gather(gather)
        return columns

    def _reason_key(
        self,
        key: tuple[int, ...],
        cache: dict[tuple[int, int, int], tuple[str | None, str | None, str | None]],
    ) -> tuple[str | None, str | None, str | None]:
        j, code, category = key[0], key[1], key[2]
        if (j, code, category) not in cache:
            if j < 0:
                cache[(j, code, category)] = (None, None, None)
            else:
                feature = self.spec.features[j]
                word = DIRECTIONS[code]
                shown = feature.categories[category] if category >= 0 else None
                zh, en = reason_text(feature.name, word, shown)
                cache[(j, code, category)] = (f"{feature.name}:{word}", zh, en)
        return cache[(j, code, category)]

    def _display_value(self, j: int, value: float) -> float | str | None:
        if math.isnan(value):
            return None
        feature = self.spec.features[j]
        if feature.kind == "categorical":
            return feature.categories[int(value)]
        return value


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()


def model_files(model: RiskModel) -> dict[str, bytes]:
    """The content files of a model (everything except model.json, metrics and card)."""
    files = {
        SPEC_FILE: _json_bytes(model.spec.to_dict()),
        BINNING_FILE: _json_bytes(model.binning.to_dict()),
    }
    if isinstance(model.scorer, GbdtModel):
        files[LIGHTGBM_FILE] = model.scorer.booster.model_to_string().encode()
    return files


def content_version(
    kind: str, files: Mapping[str, bytes], head: Mapping[str, Any], version_prefix: str = ""
) -> str:
    digest = hashlib.sha256()
    digest.update(_json_bytes(head))
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(files[name])
    return f"{version_prefix}{kind}-{digest.hexdigest()[:12]}"


def _head(model: RiskModel) -> dict[str, Any]:
    head: dict[str, Any] = {
        "format": FORMAT,
        "kind": model.kind,
        "calibrator": model.calibrator.to_dict(),
        "scale": model.scale.to_dict(),
    }
    if isinstance(model.scorer, ScorecardModel):
        head["scorecard"] = model.scorer.to_dict()
    else:
        head["gbdt"] = {
            "monotone": list(model.scorer.monotone),
            "best_iteration": model.scorer.best_iteration,
        }
    return head


def with_version(model: RiskModel) -> RiskModel:
    """The same model with its content version filled in."""
    version = content_version(model.kind, model_files(model), _head(model))
    return RiskModel(
        kind=model.kind,
        spec=model.spec,
        binning=model.binning,
        scorer=model.scorer,
        calibrator=model.calibrator,
        scale=model.scale,
        version=version,
    )


def save_model(model: RiskModel, directory: Path) -> None:
    """Write the model files and model.json (with their checksums) into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    files = model_files(model)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    stale = directory / LIGHTGBM_FILE
    if LIGHTGBM_FILE not in files and stale.exists():
        stale.unlink()  # left by an earlier LightGBM model in the same directory
    head = _head(model)
    head["version"] = model.version
    head["feature_names"] = model.feature_names
    head["sha256"] = {name: _sha256(data) for name, data in sorted(files.items())}
    (directory / MODEL_FILE).write_bytes(_json_bytes(head))


def load_model(directory: Path | str) -> RiskModel:
    """Read a model directory, checking every file against its recorded SHA-256."""
    directory = Path(directory)
    head_path = directory / MODEL_FILE
    if not head_path.is_file():
        raise PuhuiError(f"no {MODEL_FILE} in {directory}", field="model", code="not_found")
    head = json.loads(head_path.read_text())
    if head.get("format") != FORMAT:
        raise PuhuiError(f"unknown model format {head.get('format')!r}", field="model")
    files: dict[str, bytes] = {}
    for name, expected in head["sha256"].items():
        data = (directory / name).read_bytes()
        if _sha256(data) != expected:
            raise PuhuiError(
                f"{name} does not match its checksum in {MODEL_FILE}",
                field="model",
                code="checksum_mismatch",
            )
        files[name] = data
    spec = FeatureSpec.from_dict(json.loads(files[SPEC_FILE]))
    binning = WoeBinning.from_dict(json.loads(files[BINNING_FILE]))
    scorer: ScorecardModel | GbdtModel
    if head["kind"] == "scorecard":
        scorer = ScorecardModel.from_dict(head["scorecard"], binning)
    else:
        import lightgbm as lgb

        booster = lgb.Booster(model_str=files[LIGHTGBM_FILE].decode())
        scorer = GbdtModel(
            booster=booster,
            monotone=tuple(int(m) for m in head["gbdt"]["monotone"]),
            best_iteration=int(head["gbdt"]["best_iteration"]),
        )
    scale = head["scale"]
    model = RiskModel(
        kind=str(head["kind"]),
        spec=spec,
        binning=binning,
        scorer=scorer,
        calibrator=Calibrator.from_dict(head["calibrator"]),
        scale=PointsScale(
            base_points=float(scale["base_points"]),
            base_odds=float(scale["base_odds"]),
            pdo=float(scale["pdo"]),
        ),
        version=str(head["version"]),
    )
    if with_version(model).version != model.version:
        raise PuhuiError(
            f"{MODEL_FILE} content does not match its version {model.version}",
            field="model",
            code="checksum_mismatch",
        )
    return model
