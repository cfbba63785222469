"""The API's drawdown batcher: the drawdowns of one event-loop iteration are booked together
in one transaction, each answered with its own outcome, and waiting for the lending turn
never stalls the loop."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from puhui.api.drawdown_batch import DrawdownBatcher
from puhui.errors import ConflictError, ValidationError
from puhui.servicing.drawdown import DrawdownRequest, DrawdownResult
from tests.servicing.support import assert_reconciled, fresh_service, setup_book

LIMIT = 10_000


def test_batcher_books_one_iterations_requests_together(tmp_path: Path) -> None:
    with fresh_service("sqlite", tmp_path) as service:
        setup_book(service, limit=str(LIMIT), lines=1)
        sizes: list[int] = []
        batcher = DrawdownBatcher(service, threading.Lock(), on_batch=sizes.append)
        # ten requests: the first nine fit the 10,000 limit, the last has a bad amount
        requests = [DrawdownRequest(f"t{k}", "L0", "1000", 2) for k in range(9)]
        requests.append(DrawdownRequest("t9", "L0", "0", 2))

        async def book_all() -> list[DrawdownResult | BaseException]:
            return await asyncio.gather(
                *(batcher.book(r) for r in requests), return_exceptions=True
            )

        outcomes = asyncio.run(book_all())
        assert sizes == [10] and batcher.requests == 10
        booked = [o for o in outcomes if isinstance(o, DrawdownResult)]
        assert len(booked) == 9 and all(o.created and o.schedule for o in booked)
        refused = outcomes[9]
        assert isinstance(refused, ValidationError) and refused.field == "amount"
        assert service.line("L0").outstanding == 9 * 1000 * 100

        # a retry answers with the first loan and books nothing; another line is a conflict
        first = outcomes[0]
        assert isinstance(first, DrawdownResult)
        again = asyncio.run(batcher.book(DrawdownRequest("t0", "L0", "1000", 2)))
        assert not again.created and again.loan.id == first.loan.id and again.schedule is None
        with pytest.raises(ConflictError):
            asyncio.run(batcher.book(DrawdownRequest("t0", "L1", "1000", 2)))
        # the tenth 1,000 fits exactly; an eleventh does not
        last = asyncio.run(batcher.book(DrawdownRequest("t10", "L0", "1000", 2)))
        assert last.created
        with pytest.raises(ValidationError, match="exceeds the available"):
            asyncio.run(batcher.book(DrawdownRequest("t11", "L0", "0.01", 2)))
        assert service.line("L0").available == 0
        assert_reconciled(service)


def test_a_held_turn_does_not_stall_the_loop(tmp_path: Path) -> None:
    """While a request thread holds the lending turn (a long close of business, say), the
    loop keeps running; the batch is booked as soon as the turn is free."""
    with fresh_service("sqlite", tmp_path) as service:
        setup_book(service, limit=str(LIMIT), lines=1)
        turn = threading.Lock()
        batcher = DrawdownBatcher(service, turn)
        turn.acquire()
        threading.Timer(0.3, turn.release).start()

        async def main() -> tuple[int, DrawdownResult]:
            booking = asyncio.ensure_future(batcher.book(DrawdownRequest("h1", "L0", "1000", 2)))
            ticks = 0
            while not booking.done():  # the loop is free: count its turns meanwhile
                await asyncio.sleep(0.01)
                ticks += 1
            return ticks, booking.result()

        started = time.perf_counter()
        ticks, result = asyncio.run(main())
        assert time.perf_counter() - started >= 0.25  # it did wait for the turn
        assert ticks >= 10 and result.created
        assert_reconciled(service)


def test_a_failed_batch_answers_every_request(tmp_path: Path) -> None:
    with fresh_service("sqlite", tmp_path) as service:
        setup_book(service, limit=str(LIMIT), lines=1)
        batcher = DrawdownBatcher(service, threading.Lock())
        service.db.close()  # the database is gone: the whole batch fails

        async def book_two() -> list[DrawdownResult | BaseException]:
            return await asyncio.gather(
                batcher.book(DrawdownRequest("a", "L0", "1000", 2)),
                batcher.book(DrawdownRequest("b", "L0", "1000", 2)),
                return_exceptions=True,
            )

        outcomes = asyncio.run(book_two())
        assert len(outcomes) == 2 and all(isinstance(o, Exception) for o in outcomes)
        assert outcomes[0] is outcomes[1]  # one failure, heard by both
        assert batcher.batches == 0
