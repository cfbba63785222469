"""The AI inventory: every model, strategy and large-model task the bank runs, in one list.

A model or strategy entry joins the registry (what it is) with its events (who registered it
for what purpose, its risk tier and data, whether and by whom it was validated, approved,
promoted or retired) and the champion slot. A gateway task entry says where the router sends
it, which classes of data it may send out of the process, and how often it was called.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from puhui.ai.client import Endpoint
from puhui.ai.router import TASKS, route
from puhui.db import Database
from puhui.governance import approvals, registry
from puhui.governance.lifecycle import Event, Kind, Record, status
from puhui.risk.card import model_card_zh
from puhui.risk.model import CARD_ZH_FILE


def _champions(db: Database) -> list[tuple[str, str, str]]:
    rows = db.all("SELECT slot, strategy_version, model_version FROM governance_champion")
    return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]


def _governance(history: list[Record]) -> dict[str, Any]:
    now = status(history)
    registered = next((r for r in history if r.event is Event.REGISTERED), None)
    meta = dict(registered.details) if registered else {}
    validated = now.validated
    return {
        "state": now.state,
        "owner": meta.get("owner"),
        "purpose": meta.get("purpose"),
        "risk_tier": meta.get("risk_tier"),
        "data": meta.get("data", []),
        "registered_by": now.registered_by,
        "validation": (
            {
                "at": validated.at,
                "by": validated.actor,
                "report_id": validated.details.get("report_id"),
                "fairness_breach": bool(validated.details.get("fairness_breach")),
                "headline": validated.details.get("headline", {}),
            }
            if validated
            else None
        ),
        "approvals": [
            {"at": r.at, "by": r.actor, "reason": r.reason, **dict(r.details)}
            for r in history
            if r.event is Event.APPROVED
        ],
        "retired": now.retired is not None,
    }


def models(db: Database) -> list[dict[str, Any]]:
    champions = _champions(db)
    result = []
    for row in registry.list_models(db):
        version = row["version"]
        held = row["metrics"].get("held_out") or {}
        result.append(
            {
                "kind": "model",
                "version": version,
                "name": row["name"],
                "model_kind": row["kind"],
                "registered_at": row["registered_at"],
                "auc": held.get("auc"),
                "features": row["metrics"].get("features", []),
                "champion": [slot for slot, _, m in champions if m == version],
                **_governance(approvals.history(db, Kind.MODEL, version)),
            }
        )
    return result


def strategies(db: Database) -> list[dict[str, Any]]:
    champions = _champions(db)
    return [
        {
            "kind": "strategy",
            **row,
            "champion": [slot for slot, s, _ in champions if s == row["version"]],
            **_governance(approvals.history(db, Kind.STRATEGY, row["version"])),
        }
        for row in registry.list_strategies(db)
    ]


def ai_tasks(db: Database, endpoints: Sequence[Endpoint]) -> list[dict[str, Any]]:
    """Each gateway task: its route now, the data classes it may send out, and its usage."""
    usage: dict[str, dict[str, Any]] = {}
    if db.table_exists("ai_calls"):
        for r in db.all(
            "SELECT task, count(*), sum(prompt_tokens), sum(completion_tokens), max(created_at), "
            "sum(CASE WHEN outcome = 'refused' THEN 1 ELSE 0 END) FROM ai_calls GROUP BY task"
        ):
            usage[str(r[0])] = {
                "calls": int(r[1]),
                "prompt_tokens": int(r[2] or 0),
                "completion_tokens": int(r[3] or 0),
                "last_call": r[4],
                "refused": int(r[5] or 0),
            }
    result = []
    for name, task in sorted(TASKS.items()):
        plan = route(task, endpoints)
        policy = task.effective_policy
        result.append(
            {
                "kind": "ai_task",
                "task": name,
                "description": task.description,
                "task_kind": str(task.kind),
                "tier": str(plan.tier),
                "engine": plan.engine,
                "model": plan.model,
                "data_classes": sorted(str(c) for c in task.data_classes),
                "may_leave": sorted(str(c) for c in policy.may_leave if c in task.data_classes)
                if plan.tier == "large"
                else [],
                "withheld": list(plan.withheld),
                "redacted": plan.redact,
                "available": plan.available,
                "usage": usage.get(name, {"calls": 0}),
            }
        )
    return result


def inventory(db: Database, endpoints: Sequence[Endpoint] = ()) -> dict[str, Any]:
    """Models, strategies and large-model tasks, each with its governance."""
    return {
        "models": models(db),
        "strategies": strategies(db),
        "ai_tasks": ai_tasks(db, endpoints),
    }


def model_entry(db: Database, version: str) -> dict[str, Any]:
    """One model with its cards in English and Chinese and its history of events."""
    metrics, card_en = registry.model_card(db, version)
    files = registry.model_files(db, version)
    card_zh = files.get(CARD_ZH_FILE) or (
        model_card_zh(metrics, "—") if "held_out" in metrics else ""
    )
    entry = next(m for m in models(db) if m["version"] == version)
    return {
        **entry,
        "metrics": metrics,
        "card": {"en": card_en, "zh": card_zh},
        "events": [r.to_dict() for r in approvals.history(db, Kind.MODEL, version)],
        "baseline": "baseline.json" in files,
    }


def strategy_entry(db: Database, version: str) -> dict[str, Any]:
    strategy = registry.load_strategy_version(db, version)
    entry = next(s for s in strategies(db) if s["version"] == version)
    return {
        **entry,
        "data": json.loads(json.dumps(strategy.to_data(), default=str)),
        "events": [r.to_dict() for r in approvals.history(db, Kind.STRATEGY, version)],
    }
