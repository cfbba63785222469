"""A small book on each real backend: one customer with a pre-approved line, one overdue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from puhui.servicing.service import LendingService
from tests.servicing.support import POSTGRES_URL, advance, fresh_service, setup_book


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PUHUI_TEST_POSTGRES_URL is not set")
    return str(request.param)


@pytest.fixture
def book(backend: str, tmp_path: Path) -> Iterator[LendingService]:
    """C0 has a line of 100,000; C1 drew 3,000 over 2 weeks and paid nothing for 10 days."""
    with fresh_service(backend, tmp_path) as service:
        setup_book(service, lines=2)
        service.drawdown("late-1", "L1", "3000", 2)
        advance(service, 10)
        yield service
