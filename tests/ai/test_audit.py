"""The ai_calls table on SQLite and PostgreSQL: idempotent schema, newest first, filters."""

from __future__ import annotations

from puhui.ai.audit import CallLog, CallRecord, prompt_hash


def record(log: CallLog, task: str, when: str) -> CallRecord:
    return log.record(
        CallRecord(
            caller="c",
            task=task,
            kind="chat",
            route="large/llm",
            model="m",
            endpoint="e",
            prompt_redacted=f"prompt {task} <PHONE_1>",
            response_redacted="r",
            entities_redacted=1,
            prompt_tokens=3,
            completion_tokens=4,
            latency_ms=12.5,
            attempts=1,
            outcome="ok",
            created_at=when,
        )
    )


def test_schema_is_idempotent_and_rows_round_trip(call_log: CallLog) -> None:
    call_log.ensure_schema()
    CallLog(call_log.conn, call_log.url)  # a second start creates nothing new
    first = record(call_log, "a", "2026-01-01T00:00:00+00:00")
    second = record(call_log, "b", "2026-01-02T00:00:00+00:00")
    rows = call_log.query(limit=10)
    assert [r.id for r in rows] == [second.id, first.id]
    assert rows[1] == first
    assert first.prompt_sha256 == prompt_hash("prompt a <PHONE_1>")
    assert len(first.id) == 32
    assert [r.task for r in call_log.query(task="a")] == ["a"]
    assert len(call_log.query(limit=1)) == 1
