"""What the API serves from: the opened ledger, key store and limits, built once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from puhui.api.keys import KeyStore
from puhui.api.metrics import Metrics
from puhui.api.security import TokenBucket
from puhui.ledger import Ledger, open_ledger
from puhui.settings import Settings

T = TypeVar("T")


@dataclass
class Platform:
    settings: Settings
    ledger: Ledger
    keys: KeyStore
    metrics: Metrics = field(default_factory=Metrics)
    money_limiter: TokenBucket = field(default_factory=lambda: TokenBucket(200, 400))
    _ledger_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, settings: Settings) -> Platform:
        return cls(
            settings=settings,
            ledger=open_ledger(settings.database_url),
            keys=KeyStore(settings.database_url),
            money_limiter=TokenBucket(settings.money_rate_per_second, settings.money_rate_burst),
        )

    @contextmanager
    def ledger_session(self) -> Iterator[Ledger]:
        """The ledger holds one connection; requests run on a thread pool, so take turns."""
        with self._ledger_lock:
            yield self.ledger

    def with_ledger(self, fn: Callable[[Ledger], T]) -> T:
        with self.ledger_session() as ledger:
            return fn(ledger)

    def close(self) -> None:
        self.ledger.close()
        self.keys.close()
