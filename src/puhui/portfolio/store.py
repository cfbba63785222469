"""Simulation, optimisation and targeting runs kept in the platform database for the console.

A run is stored whole, as JSON, with its kind (`simulation`, `optimisation`, `targeting`);
the console shows the latest of each. Runs are results, not books: nothing here moves money.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from puhui.db import Database
from puhui.errors import ValidationError

KINDS = ("simulation", "optimisation", "targeting")
DDL = (
    "CREATE TABLE IF NOT EXISTS portfolio_runs (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " created_at TEXT NOT NULL, data_json TEXT NOT NULL)"
)
_LOCK = 7_345_216


def create_run_tables(db: Database) -> None:
    db.create_tables(DDL, _LOCK)


def save_run(db: Database, kind: str, data: dict[str, Any]) -> str:
    """Store a run; returns its id."""
    if kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}", field="kind")
    create_run_tables(db)
    run_id = uuid.uuid4().hex
    with db.tx():
        db.execute(
            "INSERT INTO portfolio_runs (id, kind, created_at, data_json) VALUES (?, ?, ?, ?)",
            (
                run_id,
                kind,
                datetime.now(UTC).isoformat(timespec="microseconds"),
                json.dumps(data, default=str),
            ),
        )
    return run_id


def latest_run(db: Database, kind: str) -> dict[str, Any] | None:
    """The newest run of `kind` (with `id` and `created_at`), or None."""
    if not db.table_exists("portfolio_runs"):
        return None
    with db.read():
        row = db.one(
            "SELECT id, created_at, data_json FROM portfolio_runs WHERE kind = ?"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (kind,),
        )
    if row is None:
        return None
    return {"id": str(row[0]), "created_at": str(row[1]), **json.loads(row[2])}
