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

import threading
from collections.abc import Callable
from typing import Any

from puhui.errors import PuhuiError
from puhui.groupcommit import LoopBatcher, acquire_off_loop
from puhui.servicing.drawdown import DrawdownRequest, DrawdownResult
from puhui.servicing.service import LendingService


class DrawdownBatcher(LoopBatcher[DrawdownRequest]):
    """Books the drawdowns of one loop iteration together, under the lending turn."""

    # A cancelled caller (its client went away) is still booked: a retry with the same
    # Idempotency-Key then finds the loan instead of booking a second one.
    keep_cancelled = True

    def __init__(
        self,
        lending: LendingService,
        turn: threading.Lock,
        *,
        max_batch: int = 256,
        on_batch: Callable[[int], object] | None = None,
    ) -> None:
        super().__init__(max_batch=max_batch)
        self._lending = lending
        self._turn = turn
        self._on_batch = on_batch

    @property
    def requests(self) -> int:
        return self.items

    async def book(self, request: DrawdownRequest) -> DrawdownResult:
        """Book `request` in the next batch; raises its own error if it is refused."""
        result: DrawdownResult = await self._submit(request)
        return result

    async def _process(self, items: list[DrawdownRequest]) -> list[tuple[bool, Any]]:
        # If this fails, every request of the batch hears why; a retry with the same client
        # id finds whatever of it was booked before the failure.
        await acquire_off_loop(self._turn)
        try:
            outcomes = self._lending.drawdown_each(items)
        finally:
            self._turn.release()
        return [(not isinstance(o, PuhuiError), o) for o in outcomes]

    def _batched(self, size: int) -> None:
        if self._on_batch is not None:
            self._on_batch(size)
