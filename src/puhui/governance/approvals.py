"""Maker–checker approvals: register, validate, approve, promote and retire, as stored events.

This is the one path to the champion slot. Every transition appends a row to
`governance_events` (who, role, when, why, details) in the same transaction as its effect;
the database refuses UPDATE and DELETE on it (triggers on both backends, as for the decision
audit). The rules themselves are `lifecycle.check`.

    register_model(db, directory, maker, meta)            # maker: a risk analyst's key
    record_validation(db, version, validator, report)     # `puhui model validate`
    approve(db, Kind.MODEL, version, checker, "why")      # checker: another key, approver role
    register_strategy(db, strategy, maker, meta)
    approve(db, Kind.STRATEGY, strategy.version_id, checker, "why")
    promote(db, strategy.version_id, checker, "why")      # refused unless both are approved

Identities are strings: `key:<api key id>` for people through the API and console,
`system:<name>` for jobs (the main job registers as `system:model-developer` and approves as
`system:model-approver`), `cli:<os user>` for local commands.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from puhui.db import Database
from puhui.errors import NotFoundError
from puhui.governance import registry
from puhui.governance.audit import new_decision_id, stored_json
from puhui.governance.lifecycle import (
    Actor,
    Event,
    Kind,
    Meta,
    Record,
    check,
    fairness_breached,
    status,
)
from puhui.risk.strategy import Strategy

DDL_COMMON = """
CREATE TABLE IF NOT EXISTS governance_events (
    event_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version TEXT NOT NULL,
    event TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    details_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS governance_events_subject ON governance_events (kind, version, at);
CREATE INDEX IF NOT EXISTS governance_events_time ON governance_events (at);
CREATE TABLE IF NOT EXISTS governance_reports (
    report_id TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    summary_json TEXT NOT NULL,
    html TEXT NOT NULL
)
"""

_APPEND_ONLY = ("governance_events", "governance_reports")

DDL_SQLITE = "".join(
    f"""
CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t}
BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t}
BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
"""
    for t in _APPEND_ONLY
)

DDL_POSTGRES = """
CREATE OR REPLACE FUNCTION governance_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
""" + "".join(
    f"""
DROP TRIGGER IF EXISTS {t}_append_only ON {t};
CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
FOR EACH ROW EXECUTE FUNCTION governance_append_only();
"""
    for t in _APPEND_ONLY
)

EVENTS_LOCK_KEY = 7345103

#: The main job's two system identities: one makes, the other checks.
SYSTEM_MAKER = Actor("system:model-developer", "risk_analyst", "the main job's model developer")
SYSTEM_CHECKER = Actor("system:model-approver", "approver", "the main job's approver")


def create_governance_tables(db: Database) -> None:
    """The registry's tables, the events and the validation reports (idempotent)."""
    registry.create_registry_tables(db)
    db.create_tables(DDL_COMMON, EVENTS_LOCK_KEY)
    if db.dialect == "sqlite":
        db.conn.executescript(DDL_SQLITE)  # trigger bodies hold `;`: run as one script
    else:
        with db.tx():
            db.conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVENTS_LOCK_KEY,))
            db.conn.execute(DDL_POSTGRES)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


_COLUMNS = "event_id, kind, version, event, actor, role, at, reason, details_json"


def _record(row: Any) -> Record:
    return Record(
        event_id=row[0],
        kind=Kind(row[1]),
        version=row[2],
        event=Event(row[3]),
        actor=row[4],
        role=row[5],
        at=row[6],
        reason=row[7],
        details=json.loads(row[8]),
    )


def history(db: Database, kind: Kind, version: str) -> list[Record]:
    """A subject's events, oldest first."""
    rows = db.all(
        f"SELECT {_COLUMNS} FROM governance_events WHERE kind = ? AND version = ? "
        "ORDER BY at, event_id",
        (str(kind), version),
    )
    return [_record(r) for r in rows]


def events(
    db: Database, *, kind: Kind | None = None, version: str | None = None, limit: int = 200
) -> list[Record]:
    """Every subject's events, newest first."""
    where, params = [], []
    if kind is not None:
        where.append("kind = ?")
        params.append(str(kind))
    if version:
        where.append("version = ?")
        params.append(version)
    sql = f"SELECT {_COLUMNS} FROM governance_events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY at DESC, event_id DESC LIMIT ?"
    return [_record(r) for r in db.all(sql, [*params, limit])]


def _append(
    db: Database,
    kind: Kind,
    version: str,
    event: Event,
    actor: Actor,
    reason: str,
    details: Mapping[str, Any] | None = None,
) -> Record:
    record = Record(
        event_id=new_decision_id(),
        kind=kind,
        version=version,
        event=event,
        actor=actor.identity,
        role=actor.role,
        at=_now(),
        reason=reason.strip(),
        details={**(details or {}), **({"actor_label": actor.label} if actor.label else {})},
    )
    db.execute(
        f"INSERT INTO governance_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.event_id,
            str(kind),
            version,
            str(event),
            record.actor,
            record.role,
            record.at,
            record.reason,
            stored_json(record.details),
        ),
    )
    return record


def _register(
    db: Database, kind: Kind, version: str, actor: Actor, meta: Meta, reason: str
) -> Record:
    with db.tx():
        past = history(db, kind, version)
        check(kind, past, Event.REGISTERED, actor, reason)
        first = next((r for r in past if r.event is Event.REGISTERED), None)
        if first is not None:
            return first  # registering the same content again changes nothing
        return _append(
            db, kind, version, Event.REGISTERED, actor, reason or "registered", meta.to_dict()
        )


def register_model(
    db: Database, directory: str | Path, actor: Actor, meta: Meta, reason: str = ""
) -> Record:
    """Store a trained model directory in the registry and record who registered it and why.

    Idempotent by the model's content version: the first registration stands."""
    version = registry.register_model(db, directory)
    return _register(db, Kind.MODEL, version, actor, meta, reason)


def register_strategy(
    db: Database, strategy: Strategy, actor: Actor, meta: Meta, reason: str = ""
) -> Record:
    """Store a strategy (its model must be registered) and record who registered it."""
    registry.model_card(db, strategy.model.version)  # NotFound when its model is unknown
    version = registry.register_strategy(db, strategy)
    return _register(db, Kind.STRATEGY, version, actor, meta, reason)


def record_validation(
    db: Database,
    version: str,
    actor: Actor,
    summary: Mapping[str, Any],
    html: str,
    reason: str = "",
) -> Record:
    """Store a model's validation report and the `validated` event that links it.

    `summary["fairness_breach"]` (set by the validation against its thresholds) makes the
    approval ask for an override reason."""
    report_id = new_decision_id()
    with db.tx():
        past = history(db, Kind.MODEL, version)
        check(Kind.MODEL, past, Event.VALIDATED, actor, reason)
        db.execute(
            "INSERT INTO governance_reports (report_id, version, created_at, actor, summary_json, "
            "html) VALUES (?, ?, ?, ?, ?, ?)",
            (report_id, version, _now(), actor.identity, stored_json(dict(summary)), html),
        )
        return _append(
            db,
            Kind.MODEL,
            version,
            Event.VALIDATED,
            actor,
            reason or "validation report",
            {
                "report_id": report_id,
                "fairness_breach": bool(summary.get("fairness_breach")),
                "headline": dict(summary.get("headline") or {}),
            },
        )


def report(db: Database, report_id: str) -> tuple[dict[str, Any], str, str]:
    """(summary, html, version) of a stored validation report."""
    row = db.one(
        "SELECT summary_json, html, version FROM governance_reports WHERE report_id = ?",
        (report_id,),
    )
    if row is None:
        raise NotFoundError(f"report {report_id} not found", field="report_id")
    return json.loads(row[0]), str(row[1]), str(row[2])


def approve(
    db: Database,
    kind: Kind,
    version: str,
    actor: Actor,
    reason: str,
    override_reason: str = "",
) -> Record:
    """Approve a subject for champion: another identity than its maker, approver role, a
    reason, a validation (models) and an override reason when fairness is over threshold."""
    with db.tx():
        past = history(db, kind, version)
        _exists(db, kind, version, past)
        check(kind, past, Event.APPROVED, actor, reason, override_reason=override_reason)
        validated = status(past).validated
        details: dict[str, Any] = {}
        if validated is not None:
            details["report_id"] = validated.details.get("report_id")
            details["validated_event"] = validated.event_id
        if fairness_breached(validated):
            details["fairness_override"] = override_reason.strip()
        return _append(db, kind, version, Event.APPROVED, actor, reason, details)


def promote(
    db: Database, strategy_version: str, actor: Actor, reason: str, slot: str = "default"
) -> Record:
    """Make an approved strategy (and its approved model) the champion of `slot`."""
    with db.tx():
        past = history(db, Kind.STRATEGY, strategy_version)
        _exists(db, Kind.STRATEGY, strategy_version, past)
        strategy = registry.load_strategy_version(db, strategy_version)
        model_past = history(db, Kind.MODEL, strategy.model.version)
        check(Kind.STRATEGY, past, Event.PROMOTED, actor, reason, model_history=model_past)
        previous = _champion_or_none(db, slot)
        registry.set_champion(db, strategy, slot)
        return _append(
            db,
            Kind.STRATEGY,
            strategy_version,
            Event.PROMOTED,
            actor,
            reason,
            {
                "slot": slot,
                "model_version": strategy.model.version,
                "replaced": previous[0] if previous else None,
            },
        )


def retire(db: Database, kind: Kind, version: str, actor: Actor, reason: str) -> Record:
    """Retire a subject for good; the live champion (or its model) cannot be retired."""
    with db.tx():
        past = history(db, kind, version)
        _exists(db, kind, version, past)
        live = db.all("SELECT strategy_version, model_version FROM governance_champion")
        column = 0 if kind is Kind.STRATEGY else 1
        is_champion = any(row[column] == version for row in live)
        check(kind, past, Event.RETIRED, actor, reason, is_champion=is_champion)
        return _append(db, kind, version, Event.RETIRED, actor, reason)


def _exists(db: Database, kind: Kind, version: str, past: list[Record]) -> None:
    if kind is Kind.MODEL:
        registry.model_card(db, version)  # NotFound when unknown
    elif not registry.strategy_exists(db, version):
        raise NotFoundError(f"strategy {version} is not registered", field="version")


def _champion_or_none(db: Database, slot: str) -> tuple[str, str] | None:
    try:
        return registry.champion(db, slot)
    except NotFoundError:
        return None


def register_and_promote(
    db: Database,
    strategy: Strategy,
    model_directory: str | Path,
    maker: Actor,
    checker: Actor,
    *,
    model_meta: Meta,
    strategy_meta: Meta,
    validation: tuple[Mapping[str, Any], str],
    reason: str,
    override_reason: str = "",
) -> Record:
    """The whole path for a job that holds both identities (the main job): the maker
    registers and validates, the checker approves both and promotes. Each step is checked
    as if it came through the API."""
    model = register_model(db, model_directory, maker, model_meta, reason)
    summary, html = validation
    record_validation(db, model.version, maker, summary, html)
    approve(db, Kind.MODEL, model.version, checker, reason, override_reason)
    registered = register_strategy(db, strategy, maker, strategy_meta, reason)
    approve(db, Kind.STRATEGY, registered.version, checker, reason)
    return promote(db, registered.version, checker, reason)
