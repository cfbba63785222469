"""The API's drawdown batcher: the drawdowns of one event-loop iteration are booked together
in one transaction, each answered with its own outcome."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from puhui.api.drawdown_batch import DrawdownBatcher
from puhui.errors import ConflictError, ValidationError
from puhui.lending.drawdown import DrawdownRequest, DrawdownResult
from puhui.lending.service import LendingService
from tests.lending.servicing_support import assert_reconciled, fresh_service, setup_book

LIMIT = 10_000


def test_batcher_books_one_iterations_requests_together(tmp_path: Path) -> None:
    with fresh_service("sqlite", tmp_path) as service:
        setup_book(service, limit=str(LIMIT), lines=1)
        turn = threading.Lock()
        sizes: list[int] = []

        @contextmanager
        def session() -> Iterator[LendingService]:
            with turn:
                yield service

        batcher = DrawdownBatcher(session, on_batch=sizes.append)
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


def test_a_failed_batch_answers_every_request(tmp_path: Path) -> None:
    @contextmanager
    def broken() -> Iterator[LendingService]:
        raise RuntimeError("database is gone")
        yield  # pragma: no cover

    batcher = DrawdownBatcher(broken)

    async def book_two() -> list[DrawdownResult | BaseException]:
        return await asyncio.gather(
            batcher.book(DrawdownRequest("a", "L0", "1000", 2)),
            batcher.book(DrawdownRequest("b", "L0", "1000", 2)),
            return_exceptions=True,
        )

    outcomes = asyncio.run(book_two())
    assert [str(o) for o in outcomes] == ["database is gone"] * 2
    assert batcher.batches == 0
