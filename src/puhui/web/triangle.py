"""The console's triangle and marketing pages: the latest optimisation and targeting runs.

`puhui optimise --save` and `puhui marketing target --save` keep their runs in the platform
database (`portfolio.store`); these pages draw them: the frontier (profit against loss rate
and against approval rate) with the champion and the selected candidate, their monthly
curves, and the Qini and uplift curves of a campaign. Installed by one line in `routes.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from puhui.api.dependencies import platform_of
from puhui.db import Database
from puhui.portfolio.store import latest_run
from puhui.web import triangle_charts as charts
from puhui.web.i18n import translate

router = APIRouter(prefix="/console", include_in_schema=False)

#: This page's labels: key -> (Chinese, English).
TEXT: dict[str, tuple[str, str]] = {
    "tri.title": ("不可能三角：风险 · 利润 · 规模", "The triangle: risk · profit · scale"),
    "tri.intro": (
        "每个点是一套候选策略在同一批客户上的模拟结果；红线是前沿（没有别的策略在两条轴上都更好）。",
        "Each point is a candidate strategy simulated on the same customers; the red line is"
        " the frontier (no other candidate is better on both axes).",
    ),
    "tri.none": ("还没有优化结果。", "No optimisation run yet."),
    "tri.none.hint": ("运行：", "Run:"),
    "tri.champion": ("冠军策略", "Champion"),
    "tri.selected": ("选中候选", "Selected candidate"),
    "tri.feasible": ("满足约束", "Feasible"),
    "tri.infeasible": ("不满足约束", "Infeasible"),
    "tri.frontier": ("前沿", "Frontier"),
    "tri.loss_rate": ("损失率（年化）", "Loss rate (annualised)"),
    "tri.approval_rate": ("通过率", "Approval rate"),
    "tri.profit": ("利润", "Profit"),
    "tri.profit_wan": ("利润（万元）", "Profit (10k yuan)"),
    "tri.balance": ("余额", "Balance"),
    "tri.balance_wan": ("余额（万元）", "Balance (10k yuan)"),
    "tri.by_loss": ("利润 — 损失率", "Profit against loss rate"),
    "tri.by_approval": ("利润 — 通过率", "Profit against approval rate"),
    "tri.monthly": ("逐月余额与利润", "Monthly balance and profit"),
    "tri.first_time": ("首贷户占比", "First-time borrowers"),
    "tri.roa": ("资产回报率", "Return on assets"),
    "tri.apr": ("最高 APR（IRR）", "Highest APR (IRR)"),
    "tri.constraints": ("约束", "Constraints"),
    "tri.same_loss": ("同等损失率下的利润倍数", "Profit at the champion's loss rate"),
    "tri.version": ("版本", "Version"),
    "tri.trials": ("候选数", "Candidates"),
    "tri.customers": ("模拟客户", "Customers simulated"),
    "tri.register": (
        "选中候选需经审批流程注册并晋升为冠军。",
        "The selected candidate is registered and promoted through the approval path.",
    ),
    "mkt.title": ("精准营销：增量响应", "Precision marketing: uplift"),
    "mkt.intro": (
        "在随机触达实验上训练的增量（uplift）模型与响应模型；同等预算下比较两份名单。",
        "Uplift and take-up models trained on a randomised contact experiment; two contact"
        " lists compared at the same budget.",
    ),
    "mkt.none": ("还没有营销名单。", "No targeting run yet."),
    "mkt.budget": ("触达预算", "Contact budget"),
    "mkt.by_uplift": ("按增量利润", "By incremental profit"),
    "mkt.by_response": ("按响应概率", "By response"),
    "mkt.incremental_takeup": ("增量借款人数", "Incremental take-ups"),
    "mkt.incremental_profit_wan": ("增量利润（万元）", "Incremental profit (10k yuan)"),
    "mkt.takeup_ratio": ("增量借款倍数", "Incremental take-up ratio"),
    "mkt.qini": ("Qini 曲线", "Qini curve"),
    "mkt.gain": ("增量曲线（累计增益）", "Uplift curve (cumulative gain)"),
    "mkt.qini_axis": ("增量借款（Qini）", "Incremental take-ups (Qini)"),
    "mkt.gain_axis": ("累计增益", "Cumulative gain"),
    "mkt.share_targeted": ("触达比例 %", "Share targeted %"),
    "mkt.score.uplift": ("增量模型", "Uplift model"),
    "mkt.score.takeup": ("响应模型", "Take-up model"),
    "mkt.score.Random": ("随机", "Random"),
    "mkt.compare": ("同等预算的两份名单", "Two lists at the same budget"),
    "mkt.qini_coefficient": ("Qini 系数", "Qini coefficient"),
    "mkt.learner": ("增量模型", "Uplift learner"),
}


def texts(lang: str) -> Callable[..., str]:
    """This page's labels first, then the console's."""

    def t(key: str, default: str | None = None) -> str:
        pair = TEXT.get(key)
        if pair is not None:
            return pair[0] if lang == "zh" else pair[1]
        return translate(key, lang, default)

    return t


def _latest(request: Request, kind: str) -> dict[str, Any] | None:
    db = Database(platform_of(request).settings.database_url)
    try:
        return latest_run(db, kind)
    finally:
        db.close()


@router.get("/triangle", response_class=HTMLResponse)
def triangle_page(request: Request) -> Response:
    from puhui.web.routes import Viewer, _gate, _render

    viewer = _gate(request, "triangle")
    if not isinstance(viewer, Viewer):
        return viewer
    t = texts(viewer.lang)
    run = _latest(request, "optimisation")
    context: dict[str, Any] = {"run": run, "t": t}
    if run is not None:
        context |= {
            "loss_chart": charts.frontier(run, "loss_rate", t),
            "approval_chart": charts.frontier(run, "approval_rate", t),
            "monthly_chart": charts.monthly(run["champion_months"], run.get("best_months"), t),
        }
    return _render(request, viewer, "triangle.html", **context)


@router.get("/marketing", response_class=HTMLResponse)
def marketing_page(request: Request) -> Response:
    from puhui.web.routes import Viewer, _gate, _render

    viewer = _gate(request, "marketing")
    if not isinstance(viewer, Viewer):
        return viewer
    t = texts(viewer.lang)
    run = _latest(request, "targeting")
    context: dict[str, Any] = {"run": run, "t": t}
    if run is not None:
        context["compare_chart"] = charts.targeting(run, t)
        if run.get("curves"):
            context["qini_chart"] = charts.uplift_curves(run["curves"], "qini", t)
            context["gain_chart"] = charts.uplift_curves(run["curves"], "gain", t)
    return _render(request, viewer, "marketing.html", **context)
