"""The registry: every model and strategy that ever decided, stored by version in the database.

Replaying a logged decision needs the exact model and strategy it used, even after files on
disk have moved or been retrained; so the registry keeps their full content (model files are
JSON and LightGBM text), addressed by the content-hash version each already carries.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from puhui.db import Database
from puhui.errors import NotFoundError, ValidationError
from puhui.risk.strategy import Strategy, parse_strategy

DDL = """
CREATE TABLE IF NOT EXISTS governance_models (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    files_json TEXT NOT NULL,
    metrics_json TEXT NOT NULL,
    card_md TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS governance_strategies (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    data_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS governance_champion (
    slot TEXT PRIMARY KEY,
    strategy_version TEXT NOT NULL,
    model_version TEXT NOT NULL,
    promoted_at TEXT NOT NULL
)
"""
REGISTRY_LOCK_KEY = 7345102


def create_registry_tables(db: Database) -> None:
    db.create_tables(DDL, REGISTRY_LOCK_KEY)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _model_head(directory: Path) -> dict[str, Any]:
    head_path = directory / "model.json"
    if not head_path.exists():
        raise ValidationError(f"{directory} has no model.json", field="model")
    head: dict[str, Any] = json.loads(head_path.read_text())
    if "version" not in head:
        raise ValidationError(f"{head_path} has no version", field="model")
    return head


def register_model(db: Database, directory: str | Path, name: str = "pd") -> str:
    """Store a trained model directory; idempotent by its content version."""
    directory = Path(directory)
    head = _model_head(directory)
    version = str(head["version"])
    files = {
        p.name: p.read_text(encoding="utf-8") for p in sorted(directory.iterdir()) if p.is_file()
    }
    metrics = files.get("metrics.json", "{}")
    card = files.get("model_card.md", "")
    with db.tx():
        exists = db.one("SELECT 1 FROM governance_models WHERE version = ?", (version,))
        if exists is None:
            db.execute(
                "INSERT INTO governance_models (version, name, kind, registered_at, files_json, "
                "metrics_json, card_md) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    version,
                    name,
                    str(head.get("kind", "")),
                    _now(),
                    json.dumps(files),
                    metrics,
                    card,
                ),
            )
    return version


def materialise_model(db: Database, version: str, cache_dir: str | Path) -> Path:
    """Write a registered model's files under `cache_dir/version` (once) and return the path."""
    target = Path(cache_dir) / version.replace(":", "_")
    if (target / "model.json").exists():
        return target
    row = db.one("SELECT files_json FROM governance_models WHERE version = ?", (version,))
    if row is None:
        raise NotFoundError(f"model version {version} is not registered", field="model_version")
    target.mkdir(parents=True, exist_ok=True)
    for file_name, text in json.loads(row[0]).items():
        (target / file_name).write_text(text, encoding="utf-8")
    return target


def list_models(db: Database) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT version, name, kind, registered_at, metrics_json FROM governance_models "
        "ORDER BY registered_at DESC, version"
    )
    return [
        {
            "version": r[0],
            "name": r[1],
            "kind": r[2],
            "registered_at": r[3],
            "metrics": json.loads(r[4]),
        }
        for r in rows
    ]


def model_card(db: Database, version: str) -> tuple[dict[str, Any], str]:
    row = db.one(
        "SELECT metrics_json, card_md FROM governance_models WHERE version = ?", (version,)
    )
    if row is None:
        raise NotFoundError(f"model version {version} is not registered", field="model_version")
    return json.loads(row[0]), str(row[1])


def register_strategy(db: Database, strategy: Strategy) -> str:
    """Store a strategy's resolved content; idempotent by its fingerprint version."""
    version = strategy.version_id
    with db.tx():
        exists = db.one("SELECT 1 FROM governance_strategies WHERE version = ?", (version,))
        if exists is None:
            db.execute(
                "INSERT INTO governance_strategies (version, name, registered_at, data_json) "
                "VALUES (?, ?, ?, ?)",
                (version, strategy.name, _now(), json.dumps(strategy.to_data(), default=str)),
            )
    return version


def load_strategy_version(db: Database, version: str) -> Strategy:
    row = db.one("SELECT data_json FROM governance_strategies WHERE version = ?", (version,))
    if row is None:
        raise NotFoundError(f"strategy {version} is not registered", field="strategy_version")
    strategy = parse_strategy(json.loads(row[0]))
    if strategy.version_id != version:
        raise ValidationError(
            f"strategy {version} no longer hashes to its version ({strategy.version_id})",
            field="strategy_version",
        )
    return strategy


def set_champion(db: Database, strategy: Strategy, slot: str = "default") -> None:
    """Write the champion slot, in the caller's transaction. Only `approvals.promote` calls
    this: it checks the approvals and records who promoted, when and why."""
    db.execute("DELETE FROM governance_champion WHERE slot = ?", (slot,))
    db.execute(
        "INSERT INTO governance_champion (slot, strategy_version, model_version, promoted_at) "
        "VALUES (?, ?, ?, ?)",
        (slot, strategy.version_id, strategy.model.version, _now()),
    )


def model_files(db: Database, version: str) -> dict[str, str]:
    """Every stored file of a registered model, by name (model files, metrics, cards, baseline)."""
    row = db.one("SELECT files_json FROM governance_models WHERE version = ?", (version,))
    if row is None:
        raise NotFoundError(f"model version {version} is not registered", field="model_version")
    files: dict[str, str] = json.loads(row[0])
    return files


def strategy_exists(db: Database, version: str) -> bool:
    return db.one("SELECT 1 FROM governance_strategies WHERE version = ?", (version,)) is not None


def list_strategies(db: Database) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT version, name, registered_at, data_json FROM governance_strategies "
        "ORDER BY registered_at DESC, version"
    )
    return [
        {
            "version": r[0],
            "name": r[1],
            "registered_at": r[2],
            "model_version": json.loads(r[3]).get("model", {}).get("version", ""),
        }
        for r in rows
    ]


def champion(db: Database, slot: str = "default") -> tuple[str, str]:
    """(strategy version, model version) of the live champion."""
    row = db.one(
        "SELECT strategy_version, model_version FROM governance_champion WHERE slot = ?", (slot,)
    )
    if row is None:
        raise NotFoundError(
            "no champion strategy yet: run `puhui run` or promote an approved one",
            field="strategy",
        )
    return str(row[0]), str(row[1])
