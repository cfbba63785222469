"""What the API serves from: the opened ledger, lending, key store and limits, once per process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from puhui.api.drawdown_batch import DrawdownBatcher
from puhui.api.keys import KeyStore
from puhui.api.metrics import Metrics
from puhui.api.security import TokenBucket
from puhui.api.sessions import SessionStore
from puhui.ledger import Ledger, open_ledger
from puhui.services.governance import CobMonitor
from puhui.servicing.service import LendingService, open_lending
from puhui.settings import Settings

T = TypeVar("T")


@dataclass
class Platform:
    settings: Settings
    ledger: Ledger
    keys: KeyStore
    lending: LendingService
    sessions: SessionStore
    metrics: Metrics = field(default_factory=Metrics)
    money_limiter: TokenBucket = field(default_factory=lambda: TokenBucket(200, 400))
    _ledger_lock: threading.Lock = field(default_factory=threading.Lock)
    drawdowns: DrawdownBatcher = field(init=False)

    def __post_init__(self) -> None:
        self.drawdowns = DrawdownBatcher(
            self.lending, self._ledger_lock, on_batch=self.metrics.drawdown_batch.observe
        )

    @classmethod
    def open(cls, settings: Settings) -> Platform:
        ledger = open_ledger(settings.database_url)
        try:
            lending = open_lending(
                settings.database_url, ledger, settings.lending_first_business_date
            )
        except BaseException:
            ledger.close()
            raise
        if lending.db.table_exists("decision_audit"):  # a bank with decisions to monitor
            lending.after_cob.append(CobMonitor(lending.db))
        return cls(
            settings=settings,
            ledger=ledger,
            keys=KeyStore(settings.database_url),
            lending=lending,
            sessions=SessionStore(settings.database_url),
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

    @contextmanager
    def lending_session(self) -> Iterator[LendingService]:
        """Lending writes its sub-ledger and the SAME ledger, so it takes the ledger's turn."""
        with self._ledger_lock:
            yield self.lending

    def with_lending(self, fn: Callable[[LendingService], T]) -> T:
        with self.lending_session() as lending:
            return fn(lending)

    def close(self) -> None:
        self.lending.db.close()
        self.ledger.close()
        self.keys.close()
        self.sessions.close()
