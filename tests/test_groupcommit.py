"""Group commit on both real backends: many units, one transaction, each unit all-or-nothing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from puhui.db import Database
from puhui.errors import ValidationError
from puhui.groupcommit import GroupCommit, LoopGroupCommit

DDL = "CREATE TABLE IF NOT EXISTS gc_rows (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)"


def _insert(k: int, fail: bool = False) -> Callable[[Database], int]:
    def unit(db: Database) -> int:
        db.execute("INSERT INTO gc_rows (k, v) VALUES (?, ?)", (k, k * 10))
        if fail:  # after writing: the savepoint must take the row back
            raise ValidationError(f"unit {k} refused", field="k")
        return k

    return unit


def _rows(db: Database) -> list[tuple[int, int]]:
    with db.read():
        return [(int(k), int(v)) for k, v in db.all("SELECT k, v FROM gc_rows ORDER BY k")]


def test_a_failing_unit_is_rolled_back_alone(database_url: str) -> None:
    db = Database(database_url)
    db.create_tables(DDL, 11)
    committer = GroupCommit(db)
    futures = [committer.submit(_insert(k, fail=k % 3 == 0)) for k in range(1, 31)]
    outcomes = []
    for k, future in enumerate(futures, start=1):
        if k % 3 == 0:
            with pytest.raises(ValidationError) as err:
                future.result(timeout=30)
            assert err.value.field == "k"
            outcomes.append(None)
        else:
            outcomes.append(future.result(timeout=30))
    committer.close()
    expected = [(k, k * 10) for k in range(1, 31) if k % 3]
    assert _rows(db) == expected
    assert committer.units == 30 and 1 <= committer.batches <= 30
    db.close()


def test_a_duplicate_inside_one_batch_fails_only_itself(database_url: str) -> None:
    """A unit that violates a constraint (the same key twice) is its caller's error only."""
    db = Database(database_url)
    db.create_tables(DDL, 11)
    committer = GroupCommit(db)
    gate = threading.Event()
    blocker = committer.submit(lambda _db: gate.wait(30))  # hold the writer so a batch forms
    first = committer.submit(_insert(7))
    again = committer.submit(_insert(7))
    other = committer.submit(_insert(8))
    gate.set()
    assert blocker.result(timeout=30) is True
    assert first.result(timeout=30) == 7 and other.result(timeout=30) == 8
    with pytest.raises(Exception):  # noqa: B017 - the backend's integrity error, either kind
        again.result(timeout=30)
    committer.close()
    assert _rows(db) == [(7, 70), (8, 80)]
    db.close()


def test_a_failed_commit_answers_every_caller_and_keeps_nothing(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    db.create_tables(DDL, 11)
    # A deferred constraint fails at COMMIT, after every unit succeeded.
    db.create_tables(
        "CREATE TABLE IF NOT EXISTS gc_parent (k INTEGER PRIMARY KEY);"
        "CREATE TABLE IF NOT EXISTS gc_child (k INTEGER REFERENCES gc_parent (k)"
        " DEFERRABLE INITIALLY DEFERRED)",
        12,
    )
    db.execute("PRAGMA foreign_keys = ON")
    committer = GroupCommit(db)
    gate = threading.Event()
    committer.submit(lambda _db: gate.wait(30))
    good = committer.submit(_insert(1))
    orphan = committer.submit(lambda d: d.execute("INSERT INTO gc_child (k) VALUES (99)"))
    gate.set()
    for future in (good, orphan):
        with pytest.raises(Exception):  # noqa: B017 - sqlite3.IntegrityError at COMMIT
            future.result(timeout=30)
    committer.close()
    assert _rows(db) == []
    db.close()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=60))
def test_concurrent_callers_each_apply_at_most_once(
    sqlite_url: str, units: list[tuple[int, bool]]
) -> None:
    """Any mix of keys (repeats included) and failures from 4 threads: the table holds each
    key at most once, exactly the keys some caller was told succeeded."""
    db = Database(sqlite_url)
    db.create_tables(DDL, 11)
    db.execute("DELETE FROM gc_rows")
    committer = GroupCommit(db, max_batch=7)
    futures: list[tuple[int, Future[object]]] = []
    lock = threading.Lock()

    def caller(part: list[tuple[int, bool]]) -> None:
        for k, fail in part:
            future = committer.submit(_insert(k, fail))
            with lock:
                futures.append((k, future))

    threads = [threading.Thread(target=caller, args=(units[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    succeeded = []
    for k, future in futures:
        try:
            future.result(timeout=30)
        except Exception:
            continue
        succeeded.append(k)
    committer.close()
    assert len(succeeded) == len(set(succeeded))
    assert _rows(db) == sorted((k, k * 10) for k in succeeded)
    assert {k for k, fail in units if not fail} == set(succeeded)
    db.close()


def test_closed_committer_refuses_work(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    committer = GroupCommit(db)
    committer.close()
    with pytest.raises(RuntimeError):
        committer.submit(lambda _db: None)
    db.close()


def test_loop_group_commit_batches_one_iteration_and_isolates_failures(database_url: str) -> None:
    """Callers that reach `run` in the same loop iteration share one transaction; a failing
    unit is rolled back alone and its caller alone gets the error."""
    db = Database(database_url)
    db.create_tables(DDL, 11)
    committer = LoopGroupCommit(db)

    async def main() -> list[object]:
        calls = [committer.run(_insert(k, fail=k == 3)) for k in range(1, 7)]
        return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(main())
    assert results[:2] == [1, 2] and results[3:] == [4, 5, 6]
    assert isinstance(results[2], ValidationError) and results[2].field == "k"
    assert committer.batches == 1 and committer.units == 6
    assert _rows(db) == [(k, k * 10) for k in (1, 2, 4, 5, 6)]
    db.close()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.integers(0, 30), st.booleans(), st.integers(0, 3)), max_size=40))
def test_loop_group_commit_applies_each_key_at_most_once(
    sqlite_url: str, units: list[tuple[int, bool, int]]
) -> None:
    """Callers arriving over several loop iterations (random sleeps), keys repeating: every
    caller told "done" has its row, and no key is stored twice."""
    db = Database(sqlite_url)
    db.create_tables(DDL, 11)
    db.execute("DELETE FROM gc_rows")
    committer = LoopGroupCommit(db, max_batch=5)

    async def one(k: int, fail: bool, ticks: int) -> int | None:
        for _ in range(ticks):
            await asyncio.sleep(0)
        try:
            return await committer.run(_insert(k, fail))
        except Exception:
            return None

    async def main() -> list[int | None]:
        return await asyncio.gather(*(one(*u) for u in units))

    done = [k for k in asyncio.run(main()) if k is not None]
    assert len(done) == len(set(done))
    assert _rows(db) == sorted((k, k * 10) for k in done)
    assert {k for k, fail, _ in units if not fail} == set(done)
    db.close()


def test_loop_group_commit_commits_off_the_loop_and_keeps_batches_in_order(
    sqlite_url: str,
) -> None:
    """The COMMIT runs on another thread (SQLite's own trace says where), the loop stays free
    meanwhile, and callers who arrive during a commit form the next batch, committed after."""
    db = Database(sqlite_url)
    db.create_tables(DDL, 11)
    db.execute("DELETE FROM gc_rows")
    committed_on: list[int] = []
    db.conn.set_trace_callback(
        lambda sql: committed_on.append(threading.get_ident()) if sql == "COMMIT" else None
    )
    committer = LoopGroupCommit(db)
    loop_thread = threading.get_ident()

    async def main() -> list[int]:
        first = [asyncio.ensure_future(committer.run(_insert(k))) for k in range(1, 4)]
        await asyncio.sleep(0)  # the drain has started: its COMMIT is on its way
        second = [asyncio.ensure_future(committer.run(_insert(k))) for k in range(4, 7)]
        return list(await asyncio.gather(*first, *second))

    assert asyncio.run(main()) == [1, 2, 3, 4, 5, 6]
    db.conn.set_trace_callback(None)
    assert committer.units == 6 and committer.batches == 2
    assert committed_on and loop_thread not in committed_on
    assert _rows(db) == [(k, k * 10) for k in range(1, 7)]
    db.close()


def test_loop_group_commit_failed_commit_answers_every_caller(sqlite_url: str) -> None:
    """A batch whose COMMIT fails (a deferred foreign key, checked only at COMMIT, on the
    commit thread) answers every caller with the error and keeps nothing of the batch; the
    connection is left out of any transaction, so the next batch works."""
    db = Database(sqlite_url)
    db.create_tables(DDL, 11)
    db.execute("DELETE FROM gc_rows")
    db.execute("CREATE TABLE IF NOT EXISTS gc_parent (id INTEGER PRIMARY KEY)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS gc_child (id INTEGER PRIMARY KEY, parent INTEGER"
        " REFERENCES gc_parent (id) DEFERRABLE INITIALLY DEFERRED)"
    )
    committer = LoopGroupCommit(db)

    def orphan(db: Database) -> int:
        db.execute("INSERT INTO gc_child (id, parent) VALUES (1, 99)")
        return 0

    async def main() -> list[object]:
        calls = [committer.run(_insert(1)), committer.run(orphan), committer.run(_insert(2))]
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = asyncio.run(main())
    assert all("FOREIGN KEY" in str(o) for o in outcomes), outcomes
    assert not db.conn.in_transaction and committer.batches == 0
    assert _rows(db) == []
    assert asyncio.run(committer.run(_insert(3))) == 3
    assert _rows(db) == [(3, 30)]
    db.close()
