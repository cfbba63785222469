"""Concurrent drawdown requests booked together: one transaction, one ledger flush, one turn.

A drawdown on its own costs three commits (the sub-ledger with its outbox, the ledger, the
outbox mark), each an fsync. Here a request joins the batch of the event loop's current
iteration; the first one starts a drain at the end of the iteration, which books every
request that joined with `drawdown_each` in one transaction and posts their disbursements in
one ledger flush. So the commits are shared by every request that arrived while the previous
batch was being written, and a lone request is never made to wait for company. Each request
still gets its own answer: a refused one its own error, the others their loans.

The booking runs on the loop's own thread, as `LoopGroupCommit` does for decisions: a thread
pool would make every request thread take the lending turn in sequence, and each hand-over
has to win the GIL back from the busy loop. The lending turn itself (a lock that request
threads hold for ledger reads, repayments and close of business) is waited for on a thread,
so a long close of business never stalls the loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from puhui.errors import PuhuiError
from puhui.groupcommit import acquire_off_loop
from puhui.lending.drawdown import DrawdownRequest, DrawdownResult
from puhui.lending.service import LendingService

_Waiting = tuple[DrawdownRequest, "asyncio.Future[DrawdownResult]"]


class DrawdownBatcher:
    """Books the drawdowns of one loop iteration together, under the lending turn."""

    def __init__(
        self,
        lending: LendingService,
        turn: threading.Lock,
        *,
        max_batch: int = 256,
        on_batch: Callable[[int], object] | None = None,
    ) -> None:
        self._lending = lending
        self._turn = turn
        self.max_batch = max_batch
        self._on_batch = on_batch
        self._pending: list[_Waiting] = []
        self._draining = False
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.requests = 0

    async def book(self, request: DrawdownRequest) -> DrawdownResult:
        """Book `request` in the next batch; raises its own error if it is refused."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[DrawdownResult] = loop.create_future()
        self._pending.append((request, future))
        if not self._draining:
            self._draining = True
            self._task = loop.create_task(self._drain())  # referenced: not collected early
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                # A cancelled caller (its client went away) is still booked: a retry with the
                # same Idempotency-Key then finds the loan instead of booking a second one.
                await self._book(batch)
        finally:
            self._draining = False

    async def _book(self, batch: list[_Waiting]) -> None:
        try:
            await acquire_off_loop(self._turn)
            try:
                outcomes = self._lending.drawdown_each([request for request, _ in batch])
            finally:
                self._turn.release()
        except BaseException as error:  # every request of the batch hears why; a retry with
            # the same client id finds whatever of it was booked before the failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        self.batches += 1
        self.requests += len(batch)
        if self._on_batch is not None:
            self._on_batch(len(batch))
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if isinstance(outcome, PuhuiError):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
