"""The strategy parameters the optimiser turns, and writing a strategy back as a file.

Knobs: the approval cut-off (`cutoffs.approve_max_pd`), a price per risk band (a margin for
each PD band of the limit rules, `pricing.margin_bands`), the rate cap, and the limit
multiplier of each PD band (kept non-increasing with PD, as `LimitParams` requires). Every
value is quantised to what a strategy file can say exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import tomli_w

from puhui.risk.strategy import Strategy, parse_strategy


@dataclass(frozen=True)
class Knobs:
    approve_max_pd: Decimal
    band_margins: tuple[Decimal, ...]
    rate_cap: Decimal
    multipliers: tuple[Decimal, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: [str(x) for x in v] if isinstance(v, tuple) else str(v) for k, v in data.items()}


def band_edges(strategy: Strategy) -> tuple[Decimal, ...]:
    """The PD bands priced and limited: the limit rules' bands."""
    return tuple(b.max_pd for b in strategy.limits.pd_bands)


def knobs_of(strategy: Strategy) -> Knobs:
    """The knobs that reproduce `strategy`'s decisions (its margin in every band)."""
    pricing = strategy.pricing
    margins = {b.max_pd: b.margin.fraction for b in pricing.margin_bands}
    return Knobs(
        approve_max_pd=strategy.cutoffs.approve_max_pd,
        band_margins=tuple(
            margins.get(edge, pricing.target_margin.fraction) for edge in band_edges(strategy)
        ),
        rate_cap=pricing.rate_cap.fraction,
        multipliers=tuple(b.multiplier for b in strategy.limits.pd_bands),
    )


def apply_knobs(strategy: Strategy, knobs: Knobs, label: str | None = None) -> Strategy:
    """`strategy` with the knobs set (a new version: its content changed)."""
    data = strategy.to_data()
    edges = band_edges(strategy)
    if len(knobs.band_margins) != len(edges) or len(knobs.multipliers) != len(edges):
        raise ValueError("one margin and one multiplier per PD band")
    refer = max(Decimal(data["cutoffs"]["refer_max_pd"]), knobs.approve_max_pd)
    data["cutoffs"] = {"approve_max_pd": knobs.approve_max_pd, "refer_max_pd": refer}
    data["pricing"]["margin_bands"] = [
        {"max_pd": edge, "margin": margin}
        for edge, margin in zip(edges, knobs.band_margins, strict=True)
    ]
    data["pricing"]["rate_cap"] = knobs.rate_cap
    data["pricing"]["rate_floor"] = min(Decimal(data["pricing"]["rate_floor"]), knobs.rate_cap)
    data["limits"]["pd_bands"] = [
        {"max_pd": edge, "multiplier": m} for edge, m in zip(edges, knobs.multipliers, strict=True)
    ]
    if label is not None:
        data["strategy"]["label"] = label
    return parse_strategy(data)


def write_strategy(strategy: Strategy, path: str | Path, comment: str = "") -> Path:
    """Write `strategy` as a TOML file that `load_strategy` reads back to the same version."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    head = "".join(f"# {line}\n" for line in comment.splitlines())
    body = tomli_w.dumps(_plain(strategy.to_data()))
    target.write_text(head + body, encoding="utf-8")
    return target


def _plain(value: Any) -> Any:
    """TOML-ready data: decimals as floats (read back as the same decimals), no nulls."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else (float(value))
        )
    return value
