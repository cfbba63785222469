"""ECharts option documents for the console's charts (pure functions over panel data).

The page embeds each option as JSON and `static/console.js` draws it with the vendored
ECharts, so every label arrives already translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

Option = dict[str, Any]
T = Callable[[str], str]

PALETTE = ["#c0392b", "#2e86c1", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#7f8c8d"]


def _base() -> Option:
    return {
        "color": PALETTE,
        "animation": False,
        "grid": {"left": 16, "right": 24, "top": 48, "bottom": 32, "containLabel": True},
        "tooltip": {"trigger": "axis"},
    }


def dpd_buckets(rows: Sequence[tuple[str, int, int]], t: T) -> Option:
    return {
        **_base(),
        "xAxis": {
            "type": "category",
            "data": [r[0] for r in rows],
            "name": t("bucket"),
            "nameLocation": "middle",
            "nameGap": 28,
        },
        "yAxis": {"type": "value", "name": t("dash.loans")},
        "series": [{"type": "bar", "name": t("dash.loans"), "data": [r[1] for r in rows]}],
    }


def vintage_curves(curves: Mapping[str, Sequence[tuple[int, float]]], t: T) -> Option:
    longest = max((len(c) for c in curves.values()), default=0)
    return {
        **_base(),
        "legend": {"top": 0, "type": "scroll"},
        "xAxis": {
            "type": "category",
            "name": t("installment_n"),
            "nameLocation": "middle",
            "nameGap": 28,
            "data": [str(n) for n in range(1, longest + 1)],
        },
        "yAxis": {
            "type": "value",
            "name": t("share_overdue"),
            "axisLabel": {"formatter": "{value}%"},
        },
        "series": [
            {
                "type": "line",
                "name": month,
                "data": [round(share * 100, 2) for _, share in points],
                "showSymbol": True,
            }
            for month, points in curves.items()
        ],
    }


OUTCOME_COLORS = {"approve": "#2da44e", "refer": "#d4a72c", "decline": "#cf222e"}


def decisions_per_day(per_day: Sequence[tuple[str, Mapping[str, int]]], t: T) -> Option:
    outcomes = ("approve", "refer", "decline")
    return {
        **_base(),
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": [d for d, _ in per_day]},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "bar",
                "stack": "all",
                "name": t(f"outcome.{o}"),
                "itemStyle": {"color": OUTCOME_COLORS[o]},
                "data": [counts.get(o, 0) for _, counts in per_day],
            }
            for o in outcomes
        ],
    }


def transfer_volume(per_day: Sequence[tuple[str, int, int]], digits: int, t: T) -> Option:
    scale = 10**digits
    return {
        **_base(),
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": [d for d, _, _ in per_day]},
        "yAxis": [{"type": "value", "name": t("ledger.amount")}, {"type": "value"}],
        "series": [
            {
                "type": "bar",
                "name": t("ledger.amount"),
                "data": [round(amount / scale, 2) for _, _, amount in per_day],
            },
            {
                "type": "line",
                "yAxisIndex": 1,
                "name": t("ledger.transfers"),
                "data": [n for _, n, _ in per_day],
            },
        ],
    }


def calibration(table: Sequence[Mapping[str, float]], t: T) -> Option:
    points = [[round(r["mean_pd"], 5), round(r["bad_rate"], 5)] for r in table]
    top = max([0.01, *(max(p) for p in points)])
    return {
        **_base(),
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 24, "top": 48, "bottom": 36, "containLabel": True},
        "xAxis": {
            "type": "value",
            "name": t("model.mean_pd"),
            "nameLocation": "middle",
            "nameGap": 28,
            "min": 0,
            "max": round(top, 3),
        },
        "yAxis": {
            "type": "value",
            "name": t("model.bad_rate"),
            "nameLocation": "middle",
            "nameGap": 44,
            "min": 0,
            "max": round(top, 3),
        },
        "series": [
            {
                "type": "line",
                "name": t("model.perfect"),
                "data": [[0, 0], [round(top, 3), round(top, 3)]],
                "showSymbol": False,
                "lineStyle": {"type": "dashed", "color": "#999"},
            },
            {"type": "line", "name": t("model.calibration"), "data": points},
        ],
    }
