"""Call records in the platform database (SQLite or PostgreSQL): calls, segments, alerts.

Only redacted text is stored: each segment's words and each alert's triggering words pass
through the gateway's redaction with one vault per call, so the same phone number is the same
`<PHONE_1>` throughout the call and the record never holds the number itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from puhui.db import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS assist_calls (
    id TEXT PRIMARY KEY,
    agent_key_id TEXT NOT NULL,
    agent_label TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    lang TEXT NOT NULL,
    local_time TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    identity_verified INTEGER NOT NULL DEFAULT 0,
    segments INTEGER NOT NULL DEFAULT 0,
    alerts INTEGER NOT NULL DEFAULT 0,
    score INTEGER,
    grade TEXT,
    scorecard TEXT,
    summary TEXT,
    summary_source TEXT,
    demo INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS assist_calls_agent_idx ON assist_calls (agent_key_id, started_at);
CREATE INDEX IF NOT EXISTS assist_calls_started_idx ON assist_calls (started_at);
CREATE TABLE IF NOT EXISTS assist_segments (
    call_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    start_ms INTEGER,
    end_ms INTEGER,
    source TEXT NOT NULL,
    lang TEXT NOT NULL,
    text_redacted TEXT NOT NULL,
    entities INTEGER NOT NULL,
    latency_ms DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (call_id, seq)
);
CREATE TABLE IF NOT EXISTS assist_alerts (
    call_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    n INTEGER NOT NULL,
    rule_id TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    severity TEXT NOT NULL,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    trigger_redacted TEXT NOT NULL,
    claim TEXT,
    method TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (call_id, seq, n)
);
CREATE INDEX IF NOT EXISTS assist_alerts_rule_idx ON assist_alerts (rule_id)
"""

CALL_COLUMNS = (
    "id, agent_key_id, agent_label, customer_id, purpose, lang, local_time, started_at, "
    "ended_at, status, stage, identity_verified, segments, alerts, score, grade, scorecard, "
    "summary, summary_source, demo"
)


@dataclass(frozen=True, slots=True)
class StoredSegment:
    seq: int
    speaker: str
    start_ms: int | None
    end_ms: int | None
    source: str
    lang: str
    text: str  # redacted
    entities: int
    latency_ms: float


@dataclass(frozen=True, slots=True)
class StoredAlert:
    seq: int
    n: int
    rule_id: str
    rule_version: int
    severity: str
    span: tuple[int, int]
    trigger: str  # redacted
    claim: str | None
    method: str
    score: float
    source: str


class CallStore:
    """Reads and writes the assist tables on one connection (shared by a server's threads)."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        self.db.create_tables(SCHEMA, 7345401)
        self._lock = threading.Lock()

    @contextmanager
    def tx(self) -> Iterator[Database]:
        with self._lock, self.db.tx() as db:
            yield db

    @contextmanager
    def read(self) -> Iterator[Database]:
        with self._lock, self.db.read() as db:
            yield db

    # -- writes -------------------------------------------------------------------------------
    def create_call(self, row: dict[str, Any]) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO assist_calls (id, agent_key_id, agent_label, customer_id, purpose, "
                "lang, local_time, started_at, status, stage, demo) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'live', 'opening', ?)",
                (
                    row["id"],
                    row["agent_key_id"],
                    row["agent_label"],
                    row["customer_id"],
                    row["purpose"],
                    row["lang"],
                    row["local_time"],
                    row["started_at"],
                    int(row.get("demo", 0)),
                ),
            )

    def add_turn(
        self,
        call_id: str,
        segment: StoredSegment,
        alerts: Sequence[StoredAlert],
        *,
        stage: str,
        identity_verified: bool,
    ) -> None:
        """One segment, its alerts and the call's counters, in one transaction."""
        with self.tx() as db:
            db.execute(
                "INSERT INTO assist_segments (call_id, seq, speaker, start_ms, end_ms, source, "
                "lang, text_redacted, entities, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call_id,
                    segment.seq,
                    segment.speaker,
                    segment.start_ms,
                    segment.end_ms,
                    segment.source,
                    segment.lang,
                    segment.text,
                    segment.entities,
                    segment.latency_ms,
                ),
            )
            db.many(
                "INSERT INTO assist_alerts (call_id, seq, n, rule_id, rule_version, severity, "
                "span_start, span_end, trigger_redacted, claim, method, score, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        call_id,
                        a.seq,
                        a.n,
                        a.rule_id,
                        a.rule_version,
                        a.severity,
                        a.span[0],
                        a.span[1],
                        a.trigger,
                        a.claim,
                        a.method,
                        a.score,
                        a.source,
                    )
                    for a in alerts
                ],
            )
            db.execute(
                "UPDATE assist_calls SET segments = segments + 1, alerts = alerts + ?, "
                "stage = ?, identity_verified = ? WHERE id = ?",
                (len(alerts), stage, int(identity_verified), call_id),
            )

    def finish_call(
        self,
        call_id: str,
        *,
        ended_at: str,
        score: int,
        grade: str,
        scorecard: dict[str, Any],
        summary: str,
        summary_source: str,
    ) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE assist_calls SET status = 'ended', ended_at = ?, score = ?, grade = ?, "
                "scorecard = ?, summary = ?, summary_source = ? WHERE id = ?",
                (
                    ended_at,
                    score,
                    grade,
                    json.dumps(scorecard, ensure_ascii=False),
                    summary,
                    summary_source,
                    call_id,
                ),
            )

    # -- reads --------------------------------------------------------------------------------
    def call(self, call_id: str) -> dict[str, Any] | None:
        with self.read() as db:
            row = db.one(f"SELECT {CALL_COLUMNS} FROM assist_calls WHERE id = ?", (call_id,))
        return _call(row) if row else None

    def calls(
        self, *, agent_key_id: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[dict[str, Any]]:
        """Newest first; only one agent's calls when `agent_key_id` is given."""
        sql = f"SELECT {CALL_COLUMNS} FROM assist_calls"
        params: tuple[Any, ...] = ()
        if agent_key_id is not None:
            sql += " WHERE agent_key_id = ?"
            params = (agent_key_id,)
        sql += " ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?"
        with self.read() as db:
            rows = db.all(sql, (*params, int(limit), int(offset)))
        return [_call(r) for r in rows]

    def segments(self, call_id: str) -> list[StoredSegment]:
        with self.read() as db:
            rows = db.all(
                "SELECT seq, speaker, start_ms, end_ms, source, lang, text_redacted, entities, "
                "latency_ms FROM assist_segments WHERE call_id = ? ORDER BY seq",
                (call_id,),
            )
        return [StoredSegment(*r) for r in rows]

    def alerts(self, call_id: str) -> list[StoredAlert]:
        with self.read() as db:
            rows = db.all(
                "SELECT seq, n, rule_id, rule_version, severity, span_start, span_end, "
                "trigger_redacted, claim, method, score, source FROM assist_alerts "
                "WHERE call_id = ? ORDER BY seq, n",
                (call_id,),
            )
        return [
            StoredAlert(r[0], r[1], r[2], r[3], r[4], (r[5], r[6]), r[7], r[8], r[9], r[10], r[11])
            for r in rows
        ]

    def rule_rates(self) -> list[dict[str, Any]]:
        """Per rule: alerts, calls with at least one, and the share of ended calls."""
        with self.read() as db:
            total = db.one("SELECT COUNT(*) FROM assist_calls WHERE status = 'ended'")[0]
            rows = db.all(
                "SELECT a.rule_id, COUNT(*), COUNT(DISTINCT a.call_id) FROM assist_alerts a "
                "JOIN assist_calls c ON c.id = a.call_id WHERE c.status = 'ended' "
                "GROUP BY a.rule_id ORDER BY a.rule_id"
            )
        return [
            {
                "rule_id": r[0],
                "alerts": int(r[1]),
                "calls": int(r[2]),
                "rate": (int(r[2]) / total) if total else 0.0,
            }
            for r in rows
        ]

    def agent_rates(self) -> list[dict[str, Any]]:
        """Per agent: ended calls, mean score, alerts per call."""
        with self.read() as db:
            rows = db.all(
                "SELECT agent_key_id, MIN(agent_label), COUNT(*), AVG(score), SUM(alerts) "
                "FROM assist_calls WHERE status = 'ended' GROUP BY agent_key_id "
                "ORDER BY agent_key_id"
            )
        return [
            {
                "agent_key_id": r[0],
                "agent_label": r[1],
                "calls": int(r[2]),
                "mean_score": round(float(r[3]), 1) if r[3] is not None else None,
                "alerts_per_call": round(int(r[4] or 0) / int(r[2]), 2),
            }
            for r in rows
        ]

    def close(self) -> None:
        self.db.close()


def _call(row: Sequence[Any]) -> dict[str, Any]:
    names = [c.strip() for c in CALL_COLUMNS.split(",")]
    out = dict(zip(names, row, strict=True))
    out["identity_verified"] = bool(out["identity_verified"])
    out["demo"] = bool(out["demo"])
    out["scorecard"] = json.loads(out["scorecard"]) if out["scorecard"] else None
    return out
