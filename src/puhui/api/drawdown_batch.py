"""Concurrent drawdown requests booked together: one transaction, one ledger flush, one turn.

A drawdown on its own costs three commits (the sub-ledger with its outbox, the ledger, the
outbox mark), each an fsync, and the request threads take turns on the one lending
connection. Here a request joins a queue and then waits for the lending turn; whichever
request gets the turn first books everything queued by then with `drawdown_each`, so the
commits are shared by every request that arrived while the previous batch was being written.
A lone request is never made to wait for company. Each request still gets its own answer:
a refused one its own error, and the others are booked (see `drawdown.book_each`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager

from puhui.errors import PuhuiError
from puhui.lending.drawdown import DrawdownRequest, DrawdownResult
from puhui.lending.service import LendingService


class DrawdownBatcher:
    """Leader/follower batching over the platform's lending turn (`session`)."""

    def __init__(
        self,
        session: Callable[[], AbstractContextManager[LendingService]],
        *,
        max_batch: int = 256,
    ) -> None:
        self._session = session
        self.max_batch = max_batch
        self._queue: list[tuple[DrawdownRequest, Future[DrawdownResult]]] = []
        self._mutex = threading.Lock()
        self.batches = 0
        self.requests = 0

    def book(self, request: DrawdownRequest) -> DrawdownResult:
        """Book `request` (in whatever batch takes it); raises its own error if refused."""
        future: Future[DrawdownResult] = Future()
        with self._mutex:
            self._queue.append((request, future))
        with self._session() as lending:
            # Whoever held the turn before us may already have booked our request.
            while not future.done():
                if not self._book_queued(lending):
                    raise RuntimeError("a queued drawdown was lost")  # cannot happen
        return future.result()

    def _take(self) -> list[tuple[DrawdownRequest, Future[DrawdownResult]]]:
        with self._mutex:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        return batch

    def _book_queued(self, lending: LendingService) -> bool:
        batch = self._take()
        if not batch:
            return False
        try:
            outcomes = lending.drawdown_each([request for request, _ in batch])
        except BaseException as error:  # every request of the batch hears why; a retry with
            # the same client id finds whatever of it was booked before the failure
            for _, future in batch:
                future.set_exception(error)
            return True
        self.batches += 1
        self.requests += len(batch)
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, PuhuiError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        return True
