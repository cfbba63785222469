from __future__ import annotations

from collections.abc import Iterator

import pytest

from puhui.ledger import Ledger, open_ledger


class ManualClock:
    """A clock the test advances by hand (ns), so timeouts are deterministic."""

    def __init__(self, start: int = 1_700_000_000 * 10**9) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += int(seconds * 10**9)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ledger(database_url: str, clock: ManualClock) -> Iterator[Ledger]:
    with open_ledger(database_url, clock=clock) as opened:
        yield opened
