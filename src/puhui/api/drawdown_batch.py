"""Concurrent drawdown requests booked together: one transaction, one ledger flush, one turn.

A drawdown on its own costs three commits (the sub-ledger with its outbox, the ledger, the
outbox mark), each an fsync. Here a request joins the batch of the event loop's current
iteration; the first one schedules a flush at the end of the iteration, which books every
request that joined with `drawdown_each` in one transaction and posts their disbursements in
one ledger flush. So the commits are shared by every request that arrived while the previous
batch was being written, and a lone request is never made to wait for company. Each request
still gets its own answer: a refused one its own error, the others their loans.

The flush runs on the loop's own thread, as `LoopGroupCommit` does for decisions: a thread
pool would make every request thread take the lending turn in sequence, and each hand-over
has to win the GIL back from the busy loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager

from puhui.errors import PuhuiError
from puhui.lending.drawdown import DrawdownRequest, DrawdownResult
from puhui.lending.service import LendingService


class DrawdownBatcher:
    """Books the drawdowns of one loop iteration together, under the lending turn."""

    def __init__(
        self,
        session: Callable[[], AbstractContextManager[LendingService]],
        *,
        max_batch: int = 256,
        on_batch: Callable[[int], object] | None = None,
    ) -> None:
        self._session = session
        self.max_batch = max_batch
        self._on_batch = on_batch
        self._pending: list[tuple[DrawdownRequest, asyncio.Future[DrawdownResult]]] = []
        self._scheduled = False
        self.batches = 0
        self.requests = 0

    async def book(self, request: DrawdownRequest) -> DrawdownResult:
        """Book `request` in the next batch; raises its own error if it is refused."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[DrawdownResult] = loop.create_future()
        self._pending.append((request, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch = self._pending[: self.max_batch]
        del self._pending[: self.max_batch]
        self._scheduled = bool(self._pending)
        if self._pending:
            asyncio.get_running_loop().call_soon(self._flush)
        # A cancelled caller (its client went away) is still booked: a retry with the same
        # Idempotency-Key then finds the loan instead of booking a second one.
        try:
            with self._session() as lending:
                outcomes = lending.drawdown_each([request for request, _ in batch])
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
