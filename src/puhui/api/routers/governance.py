"""/v1/governance: the AI inventory, maker–checker approvals, validation reports, monitoring.

Makers (risk analysts) register models and strategies; checkers (the approver role) approve,
promote and retire them; the key that registered a subject can never approve it, and a
strategy is promoted only when it and its model are approved (409 `approval_refused`
otherwise). Every transition is an append-only event naming the key, its role, when and why.
Monitoring figures and alerts are read as the monitoring job stored them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric

from puhui.ai.client import endpoints_from_settings
from puhui.api.dependencies import (
    DecisionsDep,
    GovernanceChecker,
    GovernanceMaker,
    GovernanceReader,
)
from puhui.api.keys import ApiKey
from puhui.api.schemas.governance import (
    AlertOut,
    DecisionIn,
    EventOut,
    MetaIn,
    ModelIn,
    PromoteIn,
    StrategyIn,
)
from puhui.db import Database
from puhui.errors import ValidationError
from puhui.governance import approvals, inventory, monitoring
from puhui.governance.lifecycle import Actor, Kind, Meta
from puhui.risk.strategy import parse_strategy
from puhui.services.decisions_context import DecisionsContext

router = APIRouter(prefix="/v1/governance", tags=["governance"])

KindPath = Literal["models", "strategies"]
_KINDS = {"models": Kind.MODEL, "strategies": Kind.STRATEGY}


def actor_of(key: ApiKey) -> Actor:
    """The identity events record for an API key: one key, one identity."""
    return Actor(f"key:{key.key_id}", key.role.value, key.label)


def _meta(body: MetaIn) -> Meta:
    return Meta(body.owner, body.purpose, body.risk_tier, tuple(body.data))


def _ready(db: Database) -> Database:
    approvals.create_governance_tables(db)
    monitoring.create_monitoring_tables(db)
    return db


def _with(decisions: DecisionsContext, fn: Any) -> Any:
    return decisions.with_db(lambda db: fn(_ready(db)))


@router.get("/inventory", summary="Every model, strategy and large-model task, with governance")
def get_inventory(decisions: DecisionsDep, key: GovernanceReader) -> dict[str, Any]:
    endpoints = endpoints_from_settings(decisions.settings)
    result: dict[str, Any] = _with(decisions, lambda db: inventory.inventory(db, endpoints))
    return result


@router.get("/models/{version}", summary="A model: inventory entry, cards (en, zh), events")
def get_model(decisions: DecisionsDep, version: str, key: GovernanceReader) -> dict[str, Any]:
    result: dict[str, Any] = _with(decisions, lambda db: inventory.model_entry(db, version))
    return result


@router.get("/strategies/{version}", summary="A strategy: inventory entry, content, events")
def get_strategy(decisions: DecisionsDep, version: str, key: GovernanceReader) -> dict[str, Any]:
    result: dict[str, Any] = _with(decisions, lambda db: inventory.strategy_entry(db, version))
    return result


@router.post("/models", status_code=201, summary="Register a model (maker)")
def register_model(decisions: DecisionsDep, body: ModelIn, key: GovernanceMaker) -> EventOut:
    names = set(body.files)
    if "model.json" not in names:
        raise ValidationError("files must include model.json", field="files")
    if any("/" in n or "\\" in n or n.startswith(".") for n in names):
        raise ValidationError("file names must be plain names", field="files")
    with tempfile.TemporaryDirectory() as folder:
        for name, text in body.files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        record = _with(
            decisions,
            lambda db: approvals.register_model(
                db, folder, actor_of(key), _meta(body), body.reason
            ),
        )
    return EventOut.of(record)


@router.post("/strategies", status_code=201, summary="Register a strategy (maker)")
def register_strategy(decisions: DecisionsDep, body: StrategyIn, key: GovernanceMaker) -> EventOut:
    strategy = parse_strategy(body.strategy)  # StrategyError (422) names the field
    record = _with(
        decisions,
        lambda db: approvals.register_strategy(
            db, strategy, actor_of(key), _meta(body), body.reason
        ),
    )
    return EventOut.of(record)


@router.post("/{kind}/{version}/approve", summary="Approve for champion (checker)")
def approve(
    decisions: DecisionsDep, kind: KindPath, version: str, body: DecisionIn, key: GovernanceChecker
) -> EventOut:
    record = _with(
        decisions,
        lambda db: approvals.approve(
            db, _KINDS[kind], version, actor_of(key), body.reason, body.override_reason
        ),
    )
    return EventOut.of(record)


@router.post("/strategies/{version}/promote", summary="Promote an approved strategy (checker)")
def promote(
    decisions: DecisionsDep, version: str, body: PromoteIn, key: GovernanceChecker
) -> EventOut:
    record = _with(
        decisions,
        lambda db: approvals.promote(db, version, actor_of(key), body.reason, body.slot),
    )
    decisions.reload()  # the next decision uses the new champion
    return EventOut.of(record)


@router.post("/{kind}/{version}/retire", summary="Retire for good (checker)")
def retire(
    decisions: DecisionsDep, kind: KindPath, version: str, body: DecisionIn, key: GovernanceChecker
) -> EventOut:
    record = _with(
        decisions,
        lambda db: approvals.retire(db, _KINDS[kind], version, actor_of(key), body.reason),
    )
    return EventOut.of(record)


@router.get("/events", summary="Lifecycle events, newest first (append-only)")
def events(
    decisions: DecisionsDep,
    key: GovernanceReader,
    kind: Literal["model", "strategy"] | None = None,
    version: str | None = Query(None, max_length=200),
    limit: int = Query(200, ge=1, le=1000),
) -> list[EventOut]:
    records = _with(
        decisions,
        lambda db: approvals.events(
            db, kind=Kind(kind) if kind else None, version=version, limit=limit
        ),
    )
    return [EventOut.of(r) for r in records]


@router.get(
    "/reports/{report_id}",
    summary="A validation report (HTML)",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
)
def get_report(decisions: DecisionsDep, report_id: str, key: GovernanceReader) -> HTMLResponse:
    _, html, _ = _with(decisions, lambda db: approvals.report(db, report_id))
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@router.get("/monitoring", summary="Stored monitoring runs, oldest day first")
def runs(
    decisions: DecisionsDep,
    key: GovernanceReader,
    model_version: str | None = Query(None, max_length=200),
    limit: int = Query(90, ge=1, le=1000),
) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = _with(
        decisions, lambda db: monitoring.runs(db, model_version, limit)
    )
    return result


@router.get("/alerts", summary="Stored monitoring alerts, newest first")
def alerts(
    decisions: DecisionsDep,
    key: GovernanceReader,
    level: Literal["amber", "red"] | None = None,
    model_version: str | None = Query(None, max_length=200),
    limit: int = Query(200, ge=1, le=1000),
) -> list[AlertOut]:
    rows = _with(
        decisions,
        lambda db: monitoring.alerts(db, model_version=model_version, level=level, limit=limit),
    )
    return [AlertOut(**r) for r in rows]


class MonitoringCollector:
    """`/metrics` gauges from the latest stored monitoring run of each model and the open
    alerts of each model's latest day: read from the database, never recomputed."""

    def __init__(self, url: str) -> None:
        self.url = url

    def collect(self) -> Iterator[Metric]:
        db = Database(self.url)
        try:
            if not db.table_exists("governance_monitoring"):
                return
            with db.read():
                latest = db.all(
                    "SELECT m.model_version, m.day, m.decisions, m.approval_rate, m.mean_pd, "
                    "m.psi_score FROM governance_monitoring m JOIN (SELECT model_version, "
                    "max(day) AS day FROM governance_monitoring WHERE decisions > 0 "
                    "GROUP BY model_version) l ON l.model_version = m.model_version "
                    "AND l.day = m.day"
                )
                alert_rows = db.all(
                    "SELECT a.model_version, a.level, count(*) FROM governance_alerts a JOIN "
                    "(SELECT model_version, max(day) AS day FROM governance_monitoring GROUP BY "
                    "model_version) l ON l.model_version = a.model_version AND l.day = a.day "
                    "GROUP BY a.model_version, a.level"
                )
        finally:
            db.close()
        gauges = {
            "decisions": GaugeMetricFamily(
                "puhui_model_decisions", "Decisions on the latest monitored day.", labels=["model"]
            ),
            "approval_rate": GaugeMetricFamily(
                "puhui_model_approval_rate",
                "Approval rate, latest monitored day.",
                labels=["model"],
            ),
            "mean_pd": GaugeMetricFamily(
                "puhui_model_mean_pd", "Mean predicted PD, latest monitored day.", labels=["model"]
            ),
            "psi": GaugeMetricFamily(
                "puhui_model_score_psi",
                "PSI of the score against the development sample, latest monitored day.",
                labels=["model"],
            ),
        }
        for version, _day, count, approval, mean_pd, psi_value in latest:
            gauges["decisions"].add_metric([version], float(count))
            for name, value in (
                ("approval_rate", approval),
                ("mean_pd", mean_pd),
                ("psi", psi_value),
            ):
                if value is not None:
                    gauges[name].add_metric([version], float(value))
        yield from gauges.values()
        open_alerts = GaugeMetricFamily(
            "puhui_model_alerts",
            "Monitoring alerts on each model's latest monitored day, by level.",
            labels=["model", "level"],
        )
        for version, level, count in alert_rows:
            open_alerts.add_metric([version, level], float(count))
        yield open_alerts


def install_metrics(registry: CollectorRegistry, url: str) -> None:
    """Expose the stored monitoring on the app's `/metrics`."""
    registry.register(MonitoringCollector(url))
