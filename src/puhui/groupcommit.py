"""Group commit: many callers' small write transactions share one commit (one fsync).

A decision or a drawdown writes a few rows, and on SQLite with `synchronous=FULL` the commit's
fsync costs more than the work. A `GroupCommit` owns a writer thread: callers submit a unit of
work (a function of the `Database`), the writer takes every unit waiting, runs each inside its
own SAVEPOINT of one transaction, commits once, and only then answers each caller. So:

- a unit that raises is rolled back to its savepoint alone and its caller gets the exception;
  the other units of the batch commit;
- nobody hears "done" before the commit that made their rows durable;
- if the commit itself fails, every caller of that batch gets the error and nothing of it is
  kept (all or nothing, as a single transaction would be).

This is the batching TigerBeetle and PostgreSQL's `commit_delay` use, without any delay: a
batch is whatever arrived while the previous commit was running, so one lone caller is never
made to wait.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

from puhui.db import Database

T = TypeVar("T")

_STOP = object()


class GroupCommit:
    """Runs submitted units of work on one writer thread, many per transaction."""

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 256,
        lock: AbstractContextManager[Any] | None = None,
        name: str = "group-commit",
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self._lock = lock if lock is not None else nullcontext()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._closed = False
        self.batches = 0
        self.units = 0
        self._thread.start()

    def submit(self, unit: Callable[[Database], T]) -> Future[T]:
        """Queue `unit`; the future resolves after the commit that made its writes durable."""
        if self._closed:
            raise RuntimeError("the group committer is closed")
        future: Future[T] = Future()
        self._queue.put((unit, future))
        return future

    async def run(self, unit: Callable[[Database], T]) -> T:
        """`submit` for async callers: the event loop stays free while the batch commits."""
        return await asyncio.wrap_future(self.submit(unit))

    def close(self) -> None:
        """Finish what was submitted, then stop the writer thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()

    def _take(self) -> tuple[list[tuple[Callable[[Database], Any], Future[Any]]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        stop = False
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                stop = True
                break
            batch.append(item)
        return batch, stop

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._take()
            if batch:
                self._commit([(u, f) for u, f in batch if f.set_running_or_notify_cancel()])

    def _commit(self, batch: list[tuple[Callable[[Database], Any], Future[Any]]]) -> None:
        db = self.db
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._lock, db.tx():
                for unit, _ in batch:
                    db.execute("SAVEPOINT unit")
                    try:
                        value = unit(db)
                    except BaseException as error:  # handed to its caller
                        db.execute("ROLLBACK TO SAVEPOINT unit")
                        db.execute("RELEASE SAVEPOINT unit")
                        outcomes.append((False, error))
                    else:
                        db.execute("RELEASE SAVEPOINT unit")
                        outcomes.append((True, value))
        except BaseException as error:  # the commit failed: no unit stands
            for _, future in batch:
                future.set_exception(error)
            return
        self.batches += 1
        self.units += len(batch)
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
