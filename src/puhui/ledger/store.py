"""The storage interface the ledger runs on; one real implementation per backend.

A store knows SQL, not ledger rules: inside one write transaction (which serialises writers
across processes) it loads the rows a batch touches and writes the engine's plan back with
one statement per table. Reads run outside write transactions.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from puhui.ledger.engine import AccountPlan, PendingState, TransferPlan
from puhui.ledger.types import Account, AccountBalance, AccountFilter, LedgerTotals, Transfer


class WriteTransaction(ABC):
    """One serialised write: reads see the latest committed state; all-or-nothing commit."""

    @abstractmethod
    def last_timestamp(self) -> int: ...

    @abstractmethod
    def load_accounts(self, ids: Iterable[int]) -> dict[int, Account]: ...

    @abstractmethod
    def load_transfers(self, ids: Iterable[int]) -> dict[int, Transfer]: ...

    @abstractmethod
    def load_pending(self, ids: Iterable[int]) -> dict[int, PendingState]: ...

    @abstractmethod
    def due_pending(self, now: int) -> list[int]:
        """Ids of pending transfers whose timeout has passed at `now` (ns)."""

    @abstractmethod
    def write_accounts(self, plan: AccountPlan) -> None: ...

    @abstractmethod
    def write_transfers(self, plan: TransferPlan) -> None: ...


class LedgerStore(ABC):
    """A backend: SQLite (embedded) or PostgreSQL (scale-out)."""

    dialect: str

    @abstractmethod
    def write(self) -> AbstractContextManager[WriteTransaction]: ...

    @abstractmethod
    def lookup_accounts(self, ids: list[int]) -> dict[int, Account]: ...

    @abstractmethod
    def lookup_transfers(self, ids: list[int]) -> dict[int, Transfer]: ...

    @abstractmethod
    def account_transfers(self, f: AccountFilter) -> list[Transfer]: ...

    @abstractmethod
    def account_balances(self, f: AccountFilter) -> list[AccountBalance]: ...

    @abstractmethod
    def totals(self) -> list[LedgerTotals]: ...

    @abstractmethod
    def iter_accounts(self) -> Iterator[Account]: ...

    @abstractmethod
    def size_bytes(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


TRANSFER_COLUMNS = (
    "id, debit_account_id, credit_account_id, amount, pending_id, user_data_128, user_data_64, "
    "user_data_32, timeout, ledger, code, flags, timestamp"
)
I64_MAX = (1 << 63) - 1


def account_transfers_query(f: AccountFilter, key: Any) -> tuple[str, list[Any]] | None:
    """SQL (with `?` placeholders) and parameters for an AccountFilter; None if it asks for
    neither side. `key` is the account id in the backend's own encoding."""
    tmin = f.timestamp_min or 0
    tmax = f.timestamp_max or I64_MAX
    parts: list[str] = []
    params: list[Any] = []
    for side, wanted in (("debit", f.debits), ("credit", f.credits)):
        if wanted:
            parts.append(
                f"SELECT {TRANSFER_COLUMNS} FROM ledger_transfers "
                f"WHERE {side}_account_id = ? AND timestamp BETWEEN ? AND ?"
            )
            params += [key, tmin, tmax]
    if not parts:
        return None
    order = "DESC" if f.reversed else "ASC"
    return " UNION ".join(parts) + f" ORDER BY timestamp {order} LIMIT ?", [*params, f.limit]


def u128(value: Any) -> int:
    """A 128-bit ledger value as either backend stores it (SQLite: int or 16 big-endian bytes;
    PostgreSQL: uuid or numeric), as a Python int. For readers of the ledger's tables."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return int.from_bytes(bytes(value), "big")
    if isinstance(value, uuid.UUID):
        return value.int
    return int(value)  # Decimal from numeric(39,0)
