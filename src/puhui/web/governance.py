"""The console's governance pages: the AI inventory, a model's monitoring, approvals, alerts.

Every figure is read as the monitoring job and the approvals stored it (nothing is computed
when a page loads). Approvers approve and promote from the approvals page; the same rules as
the API apply (`governance.approvals`), with the signed-in key as the identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from puhui.ai.client import endpoints_from_settings
from puhui.api.dependencies import platform_of
from puhui.db import Database
from puhui.errors import PuhuiError
from puhui.governance import approvals, inventory, monitoring
from puhui.governance.lifecycle import APPROVER_ROLES, Actor, Kind
from puhui.web import charts
from puhui.web.routes import (
    PREFIX,
    Viewer,
    _gate,
    _not_found,
    _render,
    form_allowed,
    markdown,
    refused,
)

router = APIRouter(prefix=f"{PREFIX}/governance", include_in_schema=False)
T = TypeVar("T")


@contextmanager
def _db(request: Request) -> Iterator[Database]:
    db = Database(platform_of(request).settings.database_url)
    try:
        approvals.create_governance_tables(db)
        monitoring.create_monitoring_tables(db)
        yield db
    finally:
        db.close()


def _read(request: Request, fn: Callable[[Database], T]) -> T:
    with _db(request) as db, db.read():
        return fn(db)


def _gated(request: Request) -> Viewer | Response:
    return _gate(request, "governance")


def _may_approve(viewer: Viewer) -> bool:
    return viewer.role.value in APPROVER_ROLES


# -- charts (ECharts options; labels arrive translated) ---------------------------------------
def _days_chart(
    runs: Sequence[Mapping[str, Any]], series: Sequence[tuple[str, str]], t: Any
) -> charts.Option:
    days = [r["day"] for r in runs]
    return {
        "color": charts.PALETTE,
        "animation": False,
        "grid": {"left": 16, "right": 24, "top": 48, "bottom": 32, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "xAxis": {"type": "category", "data": days},
        "yAxis": {"type": "value"},
        "series": [
            {
                "type": "line",
                "name": t(label),
                "data": [None if r.get(key) is None else round(float(r[key]), 5) for r in runs],
            }
            for key, label in series
        ],
    }


def _bars_chart(values: Mapping[str, float], name: str, line: float | None) -> charts.Option:
    names = list(values)
    series: dict[str, Any] = {
        "type": "bar",
        "name": name,
        "data": [round(float(values[n]), 5) for n in names],
    }
    if line is not None:
        series["markLine"] = {"symbol": "none", "data": [{"xAxis": line}], "silent": True}
    return {
        "color": charts.PALETTE,
        "animation": False,
        "grid": {"left": 16, "right": 32, "top": 16, "bottom": 24, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": names, "inverse": True},
        "series": [series],
    }


def _calibration_chart(bands: Sequence[Mapping[str, Any]], t: Any) -> charts.Option:
    return charts.calibration(
        [{"mean_pd": b["mean_pd"], "bad_rate": b["bad_rate"]} for b in bands], t
    )


# -- pages ------------------------------------------------------------------------------------
@router.get("", response_class=HTMLResponse)
def inventory_page(request: Request) -> Response:
    viewer = _gated(request)
    if not isinstance(viewer, Viewer):
        return viewer
    endpoints = endpoints_from_settings(platform_of(request).settings)
    found = _read(request, lambda db: inventory.inventory(db, endpoints))
    alerts = _read(request, lambda db: monitoring.alerts(db, limit=10))
    return _render(request, viewer, "governance.html", inv=found, alerts=alerts)


@router.get("/models/{version}", response_class=HTMLResponse)
def model_page(request: Request, version: str) -> Response:
    viewer = _gated(request)
    if not isinstance(viewer, Viewer):
        return viewer
    try:
        entry = _read(request, lambda db: inventory.model_entry(db, version))
    except (PuhuiError, StopIteration):
        return _not_found(request, viewer)
    runs = _read(request, lambda db: monitoring.runs(db, version))
    with_decisions = [r for r in runs if r["decisions"]]
    latest = with_decisions[-1]["result"] if with_decisions else None
    outcomes = runs[-1]["result"].get("outcomes") if runs else None
    report = None
    if entry["validation"] and entry["validation"].get("report_id"):
        summary, _, _ = _read(
            request, lambda db: approvals.report(db, entry["validation"]["report_id"])
        )
        report = summary
    card = entry["card"]["zh" if viewer.lang == "zh" else "en"] or entry["card"]["en"]
    return _render(
        request,
        viewer,
        "governance_model.html",
        m=entry,
        runs=runs,
        latest=latest,
        outcomes=outcomes,
        report=report,
        card_html=markdown.render(card) if card else "",
        stability_chart=(
            _days_chart(with_decisions, [("psi_score", "gov.psi_score")], viewer.t)
            if with_decisions
            else None
        ),
        volume_chart=(
            _days_chart(
                with_decisions,
                [("approval_rate", "gov.approval_rate"), ("mean_pd", "gov.mean_pd")],
                viewer.t,
            )
            if with_decisions
            else None
        ),
        csi_chart=(
            _bars_chart(latest["csi"], "CSI", 0.1) if latest and latest.get("csi") else None
        ),
        band_chart=(
            _calibration_chart(outcomes["calibration_by_band"], viewer.t)
            if outcomes and outcomes.get("calibration_by_band")
            else None
        ),
        may_approve=_may_approve(viewer),
    )


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, done: str = "", error: str = "") -> Response:
    viewer = _gated(request)
    if not isinstance(viewer, Viewer):
        return viewer
    found = _read(request, lambda db: inventory.inventory(db))
    events = _read(request, lambda db: approvals.events(db, limit=100))
    pending = [
        s
        for s in [*found["models"], *found["strategies"]]
        if s["state"] in ("registered", "validated")
        or (s["kind"] == "strategy" and s["state"] == "approved")
    ]
    return _render(
        request,
        viewer,
        "governance_approvals.html",
        pending=pending,
        events=events,
        may_approve=_may_approve(viewer),
        me=f"key:{viewer.key.key_id}" if viewer.key else "",
        done=done,
        error=error,
    )


@router.post("/approvals", response_class=HTMLResponse)
async def act(request: Request) -> Response:
    """Approve or promote from the console: the signed-in key is the checker."""
    viewer = _gated(request)
    if not isinstance(viewer, Viewer):
        return viewer
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    if not form_allowed(request, fields):
        return refused(request, viewer)
    form = {k: v[0] for k, v in fields.items()}
    key = viewer.key
    assert key is not None
    actor = Actor(f"key:{key.key_id}", key.role.value, key.label)
    action, version = form.get("action", ""), form.get("version", "")
    kind = Kind.STRATEGY if form.get("kind") == "strategy" else Kind.MODEL
    try:
        with _db(request) as db:
            if action == "approve":
                approvals.approve(
                    db, kind, version, actor, form.get("reason", ""), form.get("override", "")
                )
            elif action == "promote":
                approvals.promote(db, version, actor, form.get("reason", ""))
                request.app.state.decisions.reload()
            else:
                return _not_found(request, viewer)
    except PuhuiError as error:
        target = f"{PREFIX}/governance/approvals?error={quote(error.message)}"
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(f"{PREFIX}/governance/approvals?done={quote(action)}", status_code=303)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, level: str = "") -> Response:
    viewer = _gated(request)
    if not isinstance(viewer, Viewer):
        return viewer
    chosen = level if level in ("amber", "red") else None
    rows = _read(request, lambda db: monitoring.alerts(db, level=chosen))
    return _render(request, viewer, "governance_alerts.html", alerts=rows, level=chosen or "")


@router.get("/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: str) -> Response:
    viewer = _gated(request)
    if not isinstance(viewer, Viewer):
        return viewer
    try:
        _, html, _ = _read(request, lambda db: approvals.report(db, report_id))
    except PuhuiError:
        return _not_found(request, viewer)
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Cache-Control"] = "no-store"
    return response
