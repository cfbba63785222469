"""The AI call log: one row per model call, small or large, in the platform database.

Only redacted text is stored, with the SHA-256 of the redacted prompt so that two calls on the
same input can be matched without keeping the personal data.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from puhui.db import DatabaseUrl, parse_database_url

_DDL = (
    """
    CREATE TABLE IF NOT EXISTS ai_calls (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        caller TEXT NOT NULL,
        task TEXT NOT NULL,
        kind TEXT NOT NULL,
        route TEXT NOT NULL,
        model TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        prompt_redacted TEXT NOT NULL,
        prompt_sha256 TEXT NOT NULL,
        response_redacted TEXT NOT NULL,
        entities_redacted INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        latency_ms DOUBLE PRECISION NOT NULL,
        attempts INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS ai_calls_task_idx ON ai_calls (task, created_at)",
    "CREATE INDEX IF NOT EXISTS ai_calls_created_idx ON ai_calls (created_at)",
)

OUTCOMES = ("ok", "fallback", "refused", "unavailable", "error")


@dataclass(frozen=True, slots=True)
class CallRecord:
    caller: str
    task: str
    kind: str
    route: str
    model: str
    endpoint: str
    prompt_redacted: str
    response_redacted: str
    entities_redacted: int
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    attempts: int
    outcome: str
    error: str = ""
    id: str = ""
    created_at: str = ""
    prompt_sha256: str = ""


def prompt_hash(redacted_prompt: str) -> str:
    return hashlib.sha256(redacted_prompt.encode("utf-8")).hexdigest()


class CallLog:
    """Writes and reads `ai_calls` on SQLite or PostgreSQL through one DB-API connection."""

    def __init__(self, conn: Any, url: str | DatabaseUrl) -> None:
        self.conn = conn
        self.url = url if isinstance(url, DatabaseUrl) else parse_database_url(url)
        self.ensure_schema()

    def ensure_schema(self) -> None:
        """Create the table and indexes if they are missing (safe to run every start)."""
        cur = self.conn.cursor()
        for statement in _DDL:
            cur.execute(statement)
        self.conn.commit()

    def record(self, call: CallRecord) -> CallRecord:
        """Insert one call; fills in id, timestamp and prompt hash."""
        row = CallRecord(
            **{
                **asdict(call),
                "id": call.id or uuid.uuid4().hex,
                "created_at": call.created_at or datetime.now(UTC).isoformat(),
                "prompt_sha256": prompt_hash(call.prompt_redacted),
            }
        )
        values = asdict(row)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.conn.cursor().execute(
            self.url.sql(f"INSERT INTO ai_calls ({columns}) VALUES ({marks})"),
            tuple(values.values()),
        )
        self.conn.commit()
        return row

    def query(self, *, limit: int = 20, task: str | None = None) -> list[CallRecord]:
        """The most recent calls first, optionally for one task."""
        columns = ", ".join(CallRecord.__dataclass_fields__)
        sql = f"SELECT {columns} FROM ai_calls"
        params: tuple[Any, ...] = ()
        if task:
            sql += " WHERE task = ?"
            params = (task,)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        cur = self.conn.cursor()
        cur.execute(self.url.sql(sql), (*params, int(limit)))
        rows = cur.fetchall()
        self.conn.commit()
        names = list(CallRecord.__dataclass_fields__)
        return [CallRecord(**dict(zip(names, row, strict=True))) for row in rows]
