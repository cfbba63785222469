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

Several server processes may share one SQLite file (`puhui serve --workers 2`). SQLite makes
a writer that finds the file locked poll with growing sleeps (1, 2, 5, 10 ms...), which would
land on the latency tail; so on SQLite the writers of all processes first queue on an OS file
lock (`flock`), which wakes the next one the moment the last commit ends.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from typing import Any, Generic, TypeVar, cast

from puhui.db import Database

T = TypeVar("T")
Item = TypeVar("Item")

_STOP = object()


@contextmanager
def _file_lock(path: str) -> Iterator[None]:
    """An exclusive `flock` on `path` (created if missing), held for the block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def writer_lock(db: Database) -> AbstractContextManager[None]:
    """The cross-process writer queue for `db`: a file lock beside a SQLite file, else none
    (PostgreSQL's own locks wake waiters at once)."""
    if db.dialect == "sqlite" and db.url.target != ":memory:":
        return _file_lock(db.url.target + "-writer.lock")
    return nullcontext()


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
        try:
            outcomes = commit_units(self.db, self._lock, [unit for unit, _ in batch])
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


class LoopBatcher(Generic[Item]):
    """Work items of one event-loop iteration handled together, one batch at a time.

    The first caller of an iteration starts a drain task; every caller that submits before
    it runs joins the batch. The drain hands batches of up to `max_batch` items to `_process`
    (one per item: (True, result) or (False, that item's error)) until nobody is waiting; if
    `_process` itself fails, every caller of the batch gets that error. A caller that gave up
    (cancelled) is dropped before its batch runs unless `keep_cancelled`.
    """

    keep_cancelled = False

    def __init__(self, *, max_batch: int = 256) -> None:
        self.max_batch = max_batch
        self._pending: list[tuple[Item, asyncio.Future[Any]]] = []
        self._draining = False
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0

    async def _submit(self, item: Item) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((item, future))
        if not self._draining:
            self._draining = True
            self._task = loop.create_task(self._drain())  # referenced: not collected early
        return await future

    async def _process(self, items: list[Item]) -> list[tuple[bool, Any]]:
        raise NotImplementedError

    def _batched(self, size: int) -> None:
        """Called after each batch that `_process` completed."""

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                if not self.keep_cancelled:
                    batch = [(item, future) for item, future in batch if not future.cancelled()]
                if batch:
                    await self._settle(batch)
        finally:
            self._draining = False

    async def _settle(self, batch: list[tuple[Item, asyncio.Future[Any]]]) -> None:
        try:
            outcomes = await self._process([item for item, _ in batch])
        except BaseException as error:  # the batch failed as a whole: every caller hears why
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        self.batches += 1
        self.items += len(batch)
        self._batched(len(batch))
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():  # its caller gave up (cancelled); the work still stands
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


class LoopGroupCommit(LoopBatcher[Callable[[Database], Any]]):
    """Group commit on the event loop's own thread, for a server whose requests are async.

    A writer thread would have to win the GIL back from the busy loop after every SQLite call
    (measured: a batch's units took 3 ms of wall time for 0.7 ms of work). Here the units run
    on the loop itself: the units that reach `run` in one loop iteration form a batch and run
    in one transaction (`LoopBatcher`). Only the COMMIT (the fsync, a fifth of the loop's time
    when it ran there) goes to a thread: one GIL hand-over per batch, and meanwhile the loop
    reads and decides the next requests, whose units wait for the next batch.
    """

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 256,
        lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        super().__init__(max_batch=max_batch)
        self.db = db
        self._lock = lock if lock is not None else nullcontext()

    @property
    def units(self) -> int:
        return self.items

    async def run(self, unit: Callable[[Database], T]) -> T:
        """Run `unit` in the next batch; returns after the commit that made it durable."""
        return cast(T, await self._submit(unit))

    async def _process(self, items: list[Callable[[Database], Any]]) -> list[tuple[bool, Any]]:
        return await _commit_units_off_loop(self.db, self._lock, items)


async def acquire_off_loop(lock: Any) -> None:
    """Take a `threading.Lock` from the event loop without blocking it: at once if free, else
    wait on a thread (a request thread may hold it for a long close of business)."""
    if lock.acquire(blocking=False):
        return
    waiting = asyncio.get_running_loop().run_in_executor(None, lock.acquire)
    try:
        await asyncio.shield(waiting)
    except asyncio.CancelledError:  # we will not use it: give it back once it is ours
        waiting.add_done_callback(lambda _: lock.release())
        raise


async def _commit_units_off_loop(
    db: Database, lock: AbstractContextManager[Any], units: list[Callable[[Database], Any]]
) -> list[tuple[bool, Any]]:
    """`commit_units`, with the transaction's end (COMMIT, then the locks) run on a thread."""
    stack = ExitStack()
    release = getattr(lock, "release", None)
    if release is not None:  # a thread lock: never block the loop waiting for it
        await acquire_off_loop(lock)
        stack.callback(release)
    else:
        stack.enter_context(lock)
    try:
        stack.enter_context(writer_lock(db))
        stack.enter_context(db.tx())
        outcomes = _run_units(db, units)
    except BaseException:
        stack.__exit__(*sys.exc_info())  # ROLLBACK, then the locks
        raise
    # Shielded: if the drain is cancelled (shutdown), the commit still finishes and unlocks.
    await asyncio.shield(asyncio.get_running_loop().run_in_executor(None, stack.close))
    return outcomes


def commit_units(
    db: Database, lock: AbstractContextManager[Any], units: list[Callable[[Database], Any]]
) -> list[tuple[bool, Any]]:
    """Run `units` in savepoints of one transaction and commit it: per unit (True, value) or
    (False, its exception, rolled back alone). Raises if the transaction itself fails."""
    with lock, writer_lock(db), db.tx():
        return _run_units(db, units)


def _run_units(db: Database, units: list[Callable[[Database], Any]]) -> list[tuple[bool, Any]]:
    """Each unit in its own SAVEPOINT of the open transaction: (True, value) or (False, error)."""
    outcomes: list[tuple[bool, Any]] = []
    for unit in units:
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
    return outcomes
