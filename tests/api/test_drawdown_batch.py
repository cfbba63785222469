"""The API's drawdown batcher: requests that queue while the lending turn is taken are
booked together in one transaction, each answered with its own outcome."""

from __future__ import annotations

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


@contextmanager
def _gate(service: LendingService, lock: threading.Lock) -> Iterator[LendingService]:
    with lock:
        yield service


def test_batcher_books_waiting_requests_together(tmp_path: Path) -> None:
    """Requests that queue while the lending turn is taken are booked in one batch."""
    with fresh_service("sqlite", tmp_path) as service:
        setup_book(service, limit=str(LIMIT), lines=1)
        turn = threading.Lock()
        batcher = DrawdownBatcher(lambda: _gate(service, turn))
        amounts = ["1000"] * 9 + ["0"]  # ten requests: nine fit the 10,000 limit, one is bad
        outcomes: dict[int, DrawdownResult | Exception] = {}

        def book(k: int) -> None:
            try:
                outcomes[k] = batcher.book(DrawdownRequest(f"t{k}", "L0", amounts[k], 2))
            except Exception as error:
                outcomes[k] = error

        with turn:  # hold the turn until all ten have queued
            threads = [threading.Thread(target=book, args=(k,)) for k in range(10)]
            for t in threads:
                t.start()
            while len(batcher._queue) < 10:
                threading.Event().wait(0.001)
        for t in threads:
            t.join()
        assert batcher.batches == 1 and batcher.requests == 10
        booked = [o for o in outcomes.values() if isinstance(o, DrawdownResult)]
        assert len(booked) == 9 and all(o.created for o in booked)
        assert isinstance(outcomes[9], ValidationError) and outcomes[9].field == "amount"
        assert service.line("L0").outstanding == 9 * 1000 * 100
        # a retry of a booked request answers with the first loan, books nothing
        again = batcher.book(DrawdownRequest("t0", "L0", "1000", 2))
        first = outcomes[0]
        assert isinstance(first, DrawdownResult)
        assert not again.created and again.loan.id == first.loan.id
        with pytest.raises(ConflictError):
            batcher.book(DrawdownRequest("t0", "L1", "1000", 2))
        assert_reconciled(service)
        assert service.line("L0").available == 1000 * 100
