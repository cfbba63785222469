"""ECharts options of the triangle and marketing pages (pure functions over stored runs)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from puhui.web.charts import _base

Option = dict[str, Any]
T = Callable[[str], str]


def _wan(minor: float) -> float:
    """Minor units (fen) to 10,000 yuan (万元), the unit a portfolio is read in."""
    return round(minor / 1_000_000, 2)


def frontier(data: Mapping[str, Any], axis: str, t: T) -> Option:
    """Profit against `axis` (loss_rate | approval_rate): every trial, the frontier, the
    champion and the selected candidate."""
    trials = {tr["number"]: tr for tr in data["trials"]}

    def point(tr: Mapping[str, Any]) -> list[float]:
        s = tr["summary"]
        return [round(s[axis] * 100, 3), _wan(s["profit_minor"])]

    best = data["best"]["number"] if data.get("best") else None
    series: list[Option] = [
        {
            "type": "scatter",
            "name": t("tri.feasible"),
            "symbolSize": 7,
            "itemStyle": {"color": "#2e86c1"},
            "data": [point(tr) for tr in trials.values() if tr["feasible"]],
        },
        {
            "type": "scatter",
            "name": t("tri.infeasible"),
            "symbolSize": 6,
            "itemStyle": {"color": "#bbbbbb"},
            "data": [point(tr) for tr in trials.values() if not tr["feasible"]],
        },
        {
            "type": "line",
            "name": t("tri.frontier"),
            "showSymbol": False,
            "itemStyle": {"color": "#c0392b"},
            "lineStyle": {"color": "#c0392b", "width": 2},
            "data": [point(trials[n]) for n in data["frontiers"][axis]],
        },
        {
            "type": "scatter",
            "name": t("tri.champion"),
            "symbol": "pin",
            "symbolSize": 30,
            "itemStyle": {"color": "#27ae60"},
            "data": [point(trials[0])],
        },
    ]
    if best is not None:
        series.append(
            {
                "type": "scatter",
                "name": t("tri.selected"),
                "symbol": "diamond",
                "symbolSize": 18,
                "itemStyle": {"color": "#f39c12"},
                "data": [point(trials[best])],
            }
        )
    return {
        **_base(),
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "xAxis": {
            "type": "value",
            "scale": True,
            "name": t(f"tri.{axis}"),
            "nameLocation": "middle",
            "nameGap": 28,
            "axisLabel": {"formatter": "{value}%"},
        },
        "yAxis": {"type": "value", "scale": True, "name": t("tri.profit_wan")},
        "series": series,
    }


def monthly(
    champion: Sequence[Mapping[str, Any]], best: Sequence[Mapping[str, Any]] | None, t: T
) -> Option:
    """Monthly balance (bars) and profit (lines) of the champion and the selected candidate."""
    runs = [(t("tri.champion"), champion)]
    if best:
        runs.append((t("tri.selected"), best))
    series: list[Option] = []
    for name, months in runs:
        series.append(
            {
                "type": "bar",
                "name": f"{name} · {t('tri.balance')}",
                "data": [_wan(m["principal_outstanding_minor"]) for m in months],
            }
        )
        series.append(
            {
                "type": "line",
                "yAxisIndex": 1,
                "name": f"{name} · {t('tri.profit')}",
                "data": [_wan(m["profit_minor"]) for m in months],
            }
        )
    return {
        **_base(),
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 16, "right": 24, "top": 56, "bottom": 32, "containLabel": True},
        "xAxis": {"type": "category", "data": [m["date"][:7] for m in champion]},
        "yAxis": [
            {"type": "value", "name": t("tri.balance_wan")},
            {"type": "value", "name": t("tri.profit_wan")},
        ],
        "series": series,
    }


def uplift_curves(curves: Mapping[str, Any], kind: str, t: T) -> Option:
    """Qini (`kind="qini"`) or cumulative-gain curves of each score against random."""
    share = [round(s * 100, 1) for s in curves["share"]]
    return {
        **_base(),
        "legend": {"top": 0},
        "xAxis": {
            "type": "category",
            "data": share,
            "name": t("mkt.share_targeted"),
            "nameLocation": "middle",
            "nameGap": 28,
        },
        "yAxis": {"type": "value", "name": t(f"mkt.{kind}_axis")},
        "series": [
            {
                "type": "line",
                "name": t(f"mkt.score.{name}"),
                "showSymbol": False,
                "data": values,
                **({"lineStyle": {"type": "dashed"}} if name == "Random" else {}),
            }
            for name, values in curves[kind].items()
        ],
    }


def targeting(summary: Mapping[str, Any], t: T) -> Option:
    """Incremental take-up and profit of the two lists at the same budget."""
    lists = ("by_uplift", "by_response")
    key = "true_incremental_takeup"
    takeup = [summary[k].get(key, summary[k]["expected_incremental_takeup"]) for k in lists]
    profit_key = "true_incremental_profit_minor"
    profit = [
        _wan(summary[k].get(profit_key, summary[k]["expected_incremental_profit_minor"]))
        for k in lists
    ]
    return {
        **_base(),
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": [t(f"mkt.{k}") for k in lists]},
        "yAxis": [
            {"type": "value", "name": t("mkt.incremental_takeup")},
            {"type": "value", "name": t("mkt.incremental_profit_wan")},
        ],
        "series": [
            {"type": "bar", "name": t("mkt.incremental_takeup"), "data": takeup},
            {
                "type": "bar",
                "yAxisIndex": 1,
                "name": t("mkt.incremental_profit_wan"),
                "data": profit,
            },
        ],
    }
