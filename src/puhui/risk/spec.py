"""The feature spec: what a model accepts, and the one place input is checked and encoded.

A model sees a float matrix: numeric fields as floats (booleans as 0/1), categorical fields as
the index of their category, and NaN for missing. Both the batch path (a polars frame) and the
real-time path (one dict) go through this spec, so they cannot disagree.

Checks (each raises `ValidationError` naming the field):

- a feature absent from the input: `missing_field`;
- a field the model does not know (unless `allow_extra`): `unexpected_field`;
- a value of the wrong type (text for a number, a number for a category): `wrong_type`;
- a number outside the allowed range: `out_of_range`.

Missing-value policy (documented in the spec JSON as `missing_policy`): a null / None / NaN value
is passed to the model as missing (the scorecard's missing bin, LightGBM's missing branch). A
category never seen in training is treated the same way as a missing value.

Allowed range: the training range widened by nine spans on each side (for a field that starts
at 0, ten times its training maximum), never below 0 for a field that was never negative. Real
data has long tails (HMDA has a housing-expense ratio of 3.0 where a training fold stops at
0.74), so the range catches unit, sign and sentinel errors (-999, 1e9), not business limits,
which belong to policy rules. Inside it, values beyond the training range score as the edge
bin / leaf. The range is plain JSON in `feature_spec.json` and may be edited.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import polars as pl

from puhui.errors import ValidationError

Kind = Literal["numeric", "categorical"]

MISSING_POLICY = (
    "null, None or NaN is passed to the model as missing (scorecard missing bin, LightGBM "
    "missing branch); a category not seen in training is treated as missing; an absent field, "
    "an unknown field, a wrong type or a value outside [min, max] is refused"
)

_NUMERIC_TYPES = (
    pl.Int8,
    pl.Int16,
    pl.Int32,
    pl.Int64,
    pl.UInt8,
    pl.UInt16,
    pl.UInt32,
    pl.UInt64,
    pl.Float32,
    pl.Float64,
    pl.Boolean,
)


@dataclass(frozen=True)
class Feature:
    """One input field: its kind, allowed range or categories, and a reference value."""

    name: str
    kind: Kind
    dtype: str
    min: float | None = None
    max: float | None = None
    categories: tuple[str, ...] = ()
    reference: float | None = None
    missing_share: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "min": self.min,
            "max": self.max,
            "categories": list(self.categories),
            "reference": self.reference,
            "missing_share": self.missing_share,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Feature:
        return cls(
            name=str(data["name"]),
            kind="categorical" if data["kind"] == "categorical" else "numeric",
            dtype=str(data["dtype"]),
            min=None if data.get("min") is None else float(data["min"]),
            max=None if data.get("max") is None else float(data["max"]),
            categories=tuple(str(c) for c in data.get("categories", ())),
            reference=None if data.get("reference") is None else float(data["reference"]),
            missing_share=float(data.get("missing_share", 0.0)),
        )


@dataclass(frozen=True)
class FeatureSpec:
    """The ordered features of a model, with the encoding and checks every input goes through."""

    features: tuple[Feature, ...]
    missing_policy: str = MISSING_POLICY
    _codes: dict[str, dict[str, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for feature in self.features:
            self._codes[feature.name] = {c: float(i) for i, c in enumerate(feature.categories)}

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def categorical_indices(self) -> list[int]:
        return [i for i, f in enumerate(self.features) if f.kind == "categorical"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "missing_policy": self.missing_policy,
            "features": [f.to_dict() for f in self.features],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        return cls(
            features=tuple(Feature.from_dict(f) for f in data["features"]),
            missing_policy=str(data.get("missing_policy", MISSING_POLICY)),
        )

    @classmethod
    def infer(cls, frame: pl.DataFrame) -> FeatureSpec:
        """Read kinds, ranges, categories and reference values from training data."""
        features = []
        for name in frame.columns:
            column = frame[name]
            missing = float(column.null_count() / max(column.len(), 1))
            if column.dtype in _NUMERIC_TYPES:
                values = column.cast(pl.Float64).fill_nan(None).drop_nulls()
                if values.len() == 0:
                    raise ValidationError(f"field '{name}' has no values", field=name)
                low, high = float(values.min()), float(values.max())  # type: ignore[arg-type]
                low_bound, high_bound = _allowed_range(low, high, column.dtype == pl.Boolean)
                features.append(
                    Feature(
                        name=name,
                        kind="numeric",
                        dtype=str(column.dtype),
                        min=low_bound,
                        max=high_bound,
                        reference=float(values.median()),  # type: ignore[arg-type]
                        missing_share=missing,
                    )
                )
            elif column.dtype in (pl.String, pl.Categorical) or isinstance(column.dtype, pl.Enum):
                categories = column.cast(pl.String).drop_nulls().unique().sort().to_list()
                if not categories:
                    raise ValidationError(f"field '{name}' has no values", field=name)
                features.append(
                    Feature(
                        name=name,
                        kind="categorical",
                        dtype=str(column.dtype),
                        categories=tuple(categories),
                        missing_share=missing,
                    )
                )
            else:
                raise ValidationError(
                    f"field '{name}' has unsupported type {column.dtype}",
                    field=name,
                    code="wrong_type",
                )
        return cls(features=tuple(features))

    def check_columns(self, columns: Sequence[str], *, allow_extra: bool) -> None:
        known = set(self.names)
        present = set(columns)
        for name in self.names:
            if name not in present:
                raise ValidationError(f"missing field '{name}'", field=name, code="missing_field")
        if not allow_extra:
            for name in columns:
                if name not in known:
                    raise ValidationError(
                        f"unexpected field '{name}'", field=name, code="unexpected_field"
                    )

    def encode_frame(self, frame: pl.DataFrame, *, allow_extra: bool = True) -> np.ndarray:
        """Check a batch and encode it to an (n, features) float64 matrix."""
        self.check_columns(frame.columns, allow_extra=allow_extra)
        matrix = np.empty((frame.height, len(self.features)), dtype=np.float64)
        for j, feature in enumerate(self.features):
            column = frame[feature.name]
            if feature.kind == "numeric":
                matrix[:, j] = _numeric_column(feature, column)
            else:
                matrix[:, j] = _categorical_column(feature, column, self._codes[feature.name])
        return matrix

    def encode_row(self, row: Mapping[str, object], *, allow_extra: bool = False) -> np.ndarray:
        """Check one customer's fields and encode them to a (1, features) float64 matrix."""
        if not allow_extra and len(row) != len(self.features):
            # Equal sizes with every feature present (checked below) leave no room for extras.
            self.check_columns(list(row), allow_extra=False)
        values = []
        for feature in self.features:
            if feature.name not in row:
                raise ValidationError(
                    f"missing field '{feature.name}'", field=feature.name, code="missing_field"
                )
            values.append(_encode_value(feature, row[feature.name], self._codes[feature.name]))
        return np.array([values], dtype=np.float64)


WIDEN_SPANS = 9.0


def _allowed_range(low: float, high: float, boolean: bool) -> tuple[float, float]:
    if boolean:
        return 0.0, 1.0
    span = WIDEN_SPANS * (high - low if high > low else max(abs(high), 1.0))
    low_bound = max(0.0, low - span) if low >= 0 else low - span
    return low_bound, high + span


def _numeric_column(feature: Feature, column: pl.Series) -> np.ndarray:
    if column.dtype == pl.String:
        converted = column.cast(pl.Float64, strict=False)
        bad = converted.is_null() & column.is_not_null() & (column.str.strip_chars() != "")
        if bad.any():
            row = int(bad.arg_true()[0])
            raise ValidationError(
                f"field '{feature.name}' must be a number, got {column[row]!r} at row {row}",
                field=feature.name,
                code="wrong_type",
            )
        column = converted
    elif column.dtype not in _NUMERIC_TYPES and column.dtype != pl.Null:
        raise ValidationError(
            f"field '{feature.name}' must be a number, got type {column.dtype}",
            field=feature.name,
            code="wrong_type",
        )
    values: np.ndarray = column.cast(pl.Float64).fill_null(np.nan).to_numpy()
    _check_range(feature, values)
    return values


def _check_range(feature: Feature, values: np.ndarray) -> None:
    low = feature.min if feature.min is not None else -np.inf
    high = feature.max if feature.max is not None else np.inf
    with np.errstate(invalid="ignore"):
        outside = (values < low) | (values > high) | np.isinf(values)
    if outside.any():
        row = int(np.argmax(outside))
        raise ValidationError(
            f"field '{feature.name}' = {values[row]} at row {row} is outside the allowed range "
            f"[{feature.min}, {feature.max}]",
            field=feature.name,
            code="out_of_range",
        )


def _categorical_column(
    feature: Feature, column: pl.Series, codes: Mapping[str, float]
) -> np.ndarray:
    if column.dtype in (pl.Float32, pl.Float64, pl.Boolean):
        raise ValidationError(
            f"field '{feature.name}' must be a category, got type {column.dtype}",
            field=feature.name,
            code="wrong_type",
        )
    text = column.cast(pl.String)
    encoded = text.replace_strict(
        list(codes), list(codes.values()), default=None, return_dtype=pl.Float64
    )
    result: np.ndarray = encoded.fill_null(np.nan).to_numpy()
    return result


def _encode_value(feature: Feature, value: object, codes: Mapping[str, float]) -> float:
    if value is None:
        return math.nan
    if feature.kind == "categorical":
        if isinstance(value, str):
            return codes.get(value, math.nan)
        if isinstance(value, int) and not isinstance(value, bool):
            return codes.get(str(value), math.nan)
        raise ValidationError(
            f"field '{feature.name}' must be a category (text), got {type(value).__name__}",
            field=feature.name,
            code="wrong_type",
        )
    if isinstance(value, bool | int | float | Decimal | np.integer | np.floating):
        number = float(value)
    else:
        raise ValidationError(
            f"field '{feature.name}' must be a number, got {type(value).__name__}",
            field=feature.name,
            code="wrong_type",
        )
    if math.isnan(number):
        return number
    low = feature.min if feature.min is not None else -math.inf
    high = feature.max if feature.max is not None else math.inf
    if not low <= number <= high:
        raise ValidationError(
            f"field '{feature.name}' = {number} is outside the allowed range "
            f"[{feature.min}, {feature.max}]",
            field=feature.name,
            code="out_of_range",
        )
    return number
