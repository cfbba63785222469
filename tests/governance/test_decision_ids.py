"""Decision ids: UUIDv7 layout (RFC 9562 section 5.7), ordered by time, never repeated."""

from __future__ import annotations

import time
import uuid

from puhui.governance.audit import new_decision_id
from puhui.services.decisions import line_id_for


def test_ids_are_uuid7_with_the_time_in_front() -> None:
    before = time.time_ns() // 1_000_000
    ident = new_decision_id()
    after = time.time_ns() // 1_000_000
    parsed = uuid.UUID(ident)
    assert len(ident) == 32 and ident == parsed.hex
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert before <= int(ident[:12], 16) <= after  # unix_ts_ms, big-endian


def test_later_ids_sort_after_earlier_ones_and_none_repeat() -> None:
    first = [new_decision_id() for _ in range(5_000)]
    time.sleep(0.002)  # the order holds between milliseconds (within one, bits are random)
    second = [new_decision_id() for _ in range(5_000)]
    assert max(first) < min(second)
    assert len(set(first + second)) == 10_000


def test_a_granted_line_carries_the_whole_decision_id() -> None:
    ident = new_decision_id()
    assert line_id_for(ident) == f"line-{ident}" and len(line_id_for(ident)) <= 64
