"""Optimal WOE binning, fitted with optbinning and kept as plain JSON tables.

optbinning's `BinningProcess` finds the bins (with an automatic monotonic trend per feature);
we keep only what scoring needs — split points or category groups, WOE and bad rate per bin —
so a model is stored as JSON (no pickle) and a row is binned with a few numpy look-ups.
Bins follow optbinning: numeric bin i is [split[i-1], split[i]); missing values get the
"Missing" bin's WOE (0 when training had none).
"""

from __future__ import annotations

import warnings
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from puhui.risk.spec import FeatureSpec


@dataclass(frozen=True)
class FeatureBins:
    """The bins of one feature: WOE and bad rate per bin, plus the missing bin."""

    name: str
    kind: str
    splits: tuple[float, ...]
    groups: tuple[tuple[int, ...], ...]
    woe: tuple[float, ...]
    bad_rate: tuple[float, ...]
    count: tuple[int, ...]
    woe_missing: float
    count_missing: int
    iv: float

    @property
    def trend(self) -> int:
        """+1 when the bad rate rises with the value, -1 when it falls, 0 otherwise."""
        rates = [r for r, c in zip(self.bad_rate, self.count, strict=True) if c > 0]
        if self.kind != "numeric" or len(rates) < 2:
            return 0
        steps = np.diff(rates)
        if np.all(steps >= 0):
            return 1
        if np.all(steps <= 0):
            return -1
        return 0

    def bin_index(self, values: np.ndarray) -> np.ndarray:
        """Bin of each encoded value; -1 for missing or an unseen category."""
        if self.kind == "numeric":
            index: np.ndarray = np.searchsorted(self._splits, values, side="right")
            return np.where(np.isnan(values), -1, index)
        lookup = self._lookup
        codes = np.where(np.isnan(values), -1, values).astype(np.int64)
        valid = (codes >= 0) & (codes < lookup.size)
        found: np.ndarray = np.where(valid, lookup[np.clip(codes, 0, max(lookup.size - 1, 0))], -1)
        return found

    def bin_of(self, value: float) -> int:
        """`bin_index` of one value, without numpy: a single decision bins ~20 cells, and
        numpy's per-call overhead would cost more than the look-ups (same bins, same order)."""
        if value != value:  # NaN: missing
            return -1
        if self.kind == "numeric":
            return bisect_right(self.splits, value)
        code = int(value)
        lookup = self._lookup_list
        return lookup[code] if 0 <= code < len(lookup) else -1

    def woe_of(self, values: np.ndarray) -> np.ndarray:
        result: np.ndarray = self._woe_table[self.bin_index(values)]  # -1: the missing bin
        return result

    # Arrays built once per object (cached_property writes past the frozen dataclass).
    @cached_property
    def _splits(self) -> np.ndarray:
        return np.asarray(self.splits, dtype=np.float64)

    @cached_property
    def _woe_table(self) -> np.ndarray:
        return np.append(np.asarray(self.woe, dtype=np.float64), self.woe_missing)

    @cached_property
    def woe_list(self) -> list[float]:
        """WOE per bin, the missing bin last (index -1), as Python floats."""
        return [*self.woe, self.woe_missing]

    @cached_property
    def _lookup_list(self) -> list[int]:
        return [int(b) for b in self._lookup]

    @cached_property
    def _lookup(self) -> np.ndarray:
        size = 1 + max((code for group in self.groups for code in group), default=-1)
        lookup = np.full(size, -1, dtype=np.int64)
        for b, group in enumerate(self.groups):
            lookup[list(group)] = b
        return lookup

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "splits": list(self.splits),
            "groups": [list(g) for g in self.groups],
            "woe": list(self.woe),
            "bad_rate": list(self.bad_rate),
            "count": list(self.count),
            "woe_missing": self.woe_missing,
            "count_missing": self.count_missing,
            "iv": self.iv,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureBins:
        return cls(
            name=str(data["name"]),
            kind=str(data["kind"]),
            splits=tuple(float(s) for s in data["splits"]),
            groups=tuple(tuple(int(c) for c in g) for g in data["groups"]),
            woe=tuple(float(w) for w in data["woe"]),
            bad_rate=tuple(float(r) for r in data["bad_rate"]),
            count=tuple(int(c) for c in data["count"]),
            woe_missing=float(data["woe_missing"]),
            count_missing=int(data["count_missing"]),
            iv=float(data["iv"]),
        )


@dataclass(frozen=True)
class WoeBinning:
    """WOE bins for every feature of a spec, in spec order."""

    bins: tuple[FeatureBins, ...]

    def transform(self, matrix: np.ndarray) -> np.ndarray:
        """WOE of every cell of an encoded (n, features) matrix."""
        if matrix.shape[0] == 1:  # one decision: plain look-ups beat numpy's call overhead
            row = matrix[0].tolist()
            woe = [b.woe_list[b.bin_of(v)] for b, v in zip(self.bins, row, strict=True)]
            return np.asarray([woe], dtype=np.float64)
        out = np.empty_like(matrix, dtype=np.float64)
        for j, feature_bins in enumerate(self.bins):
            out[:, j] = feature_bins.woe_of(matrix[:, j])
        return out

    def iv(self) -> dict[str, float]:
        return {b.name: b.iv for b in self.bins}

    def to_dict(self) -> dict[str, Any]:
        return {"bins": [b.to_dict() for b in self.bins]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WoeBinning:
        return cls(bins=tuple(FeatureBins.from_dict(b) for b in data["bins"]))


def min_bin_share(rows: int) -> float:
    """Smallest bin as a share of rows: 50 rows, between 0.2% and 5% of the data."""
    return max(0.002, min(0.05, 50.0 / max(rows, 1)))


def fit_binning(
    spec: FeatureSpec, matrix: np.ndarray, bad: np.ndarray, monotonic_trend: str = "auto"
) -> WoeBinning:
    """Fit optbinning's BinningProcess on an encoded matrix and keep its tables."""
    import pandas as pd
    from optbinning import BinningProcess

    names = spec.names
    categorical = [spec.features[i].name for i in spec.categorical_indices()]
    frame = pd.DataFrame(matrix, columns=names)
    process = BinningProcess(
        names,
        categorical_variables=categorical,
        min_prebin_size=min_bin_share(len(bad)),
        binning_fit_params={name: {"monotonic_trend": monotonic_trend} for name in names},
        n_jobs=1,
    )
    with warnings.catch_warnings():
        # optbinning's table builder trips pandas 3 dtype deprecation warnings; harmless here.
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        process.fit(frame, bad.astype(np.int64))
        return WoeBinning(
            bins=tuple(
                _tables(name, kind, process.get_binned_variable(name))
                for name, kind in zip(names, [f.kind for f in spec.features], strict=True)
            )
        )


def _tables(name: str, kind: str, optb: Any) -> FeatureBins:
    table = optb.binning_table.build()
    labels = [str(label) for label in table["Bin"]]
    rows = [i for i, label in enumerate(labels) if label not in ("Special", "Missing", "")]
    rows = [i for i in rows if table.index[i] != "Totals"]
    missing_row = labels.index("Missing")
    woe = [float(table["WoE"].iloc[i]) for i in rows]
    bad_rate = [float(table["Event rate"].iloc[i]) for i in rows]
    count = [int(table["Count"].iloc[i]) for i in rows]
    splits: Sequence[float] = ()
    groups: Sequence[tuple[int, ...]] = ()
    if kind == "numeric":
        splits = tuple(float(s) for s in optb.splits)
    else:
        groups = tuple(tuple(int(float(c)) for c in group) for group in optb.splits)
    return FeatureBins(
        name=name,
        kind=kind,
        splits=tuple(splits),
        groups=tuple(groups),
        woe=tuple(woe),
        bad_rate=tuple(0.0 if np.isnan(r) else r for r in bad_rate),
        count=tuple(count),
        woe_missing=float(table["WoE"].iloc[missing_row]),
        count_missing=int(table["Count"].iloc[missing_row]),
        iv=float(table["IV"].loc["Totals"]),
    )
