"""The ledger API: TigerBeetle's operations over a SQL store.

`open_ledger(url)` returns a `Ledger` whose `create_accounts` / `create_transfers` return only
the failed events as `(index, result)` pairs, exactly as TigerBeetle's clients do. Malformed
input (a field that is not an unsigned integer of its width, an oversized batch) is not an
event result but a `LedgerInputError` naming the field, raised before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from operator import attrgetter, le

from puhui.db import parse_database_url
from puhui.errors import ValidationError
from puhui.ledger.engine import execute_accounts, execute_transfers
from puhui.ledger.store import LedgerStore
from puhui.ledger.types import (
    U16_MAX,
    U32_MAX,
    U64_MAX,
    U128_MAX,
    Account,
    AccountBalance,
    AccountFilter,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    LedgerTotals,
    Transfer,
    TransferFlags,
)

#: TigerBeetle's maximum number of events in one request.
BATCH_MAX = 8190
#: Most accounts a Ledger keeps in memory between its own consecutive writes.
ACCOUNT_CACHE_MAX = 1_000_000

Clock = Callable[[], int]


class LedgerInputError(ValidationError):
    code = "ledger_input_invalid"


_ACCOUNT_WIDTHS = {
    "id": U128_MAX,
    "debits_pending": U128_MAX,
    "debits_posted": U128_MAX,
    "credits_pending": U128_MAX,
    "credits_posted": U128_MAX,
    "user_data_128": U128_MAX,
    "user_data_64": U64_MAX,
    "user_data_32": U32_MAX,
    "reserved": U32_MAX,
    "ledger": U32_MAX,
    "code": U16_MAX,
    "flags": U16_MAX,
    "timestamp": U64_MAX,
}
_TRANSFER_WIDTHS = {
    "id": U128_MAX,
    "debit_account_id": U128_MAX,
    "credit_account_id": U128_MAX,
    "amount": U128_MAX,
    "pending_id": U128_MAX,
    "user_data_128": U128_MAX,
    "user_data_64": U64_MAX,
    "user_data_32": U32_MAX,
    "timeout": U32_MAX,
    "ledger": U32_MAX,
    "code": U16_MAX,
    "flags": U16_MAX,
    "timestamp": U64_MAX,
}
_BITS = {U128_MAX: 128, U64_MAX: 64, U32_MAX: 32, U16_MAX: 16}


def _check_batch(kind: str, batch: Sequence[object], cls: type, widths: dict[str, int]) -> None:
    """Refuse a malformed batch before anything is written, naming the first bad field."""
    if not isinstance(batch, list | tuple):
        raise LedgerInputError(f"{kind} must be a list", field=kind)
    if len(batch) > BATCH_MAX:
        raise LedgerInputError(
            f"{kind}: at most {BATCH_MAX} events per batch, got {len(batch)}", field=kind
        )
    # Fast path, a few C-level calls per event; `_explain` only runs to name the culprit.
    names = list(widths)
    get_all = attrgetter(*names)
    narrow = [n for n in names if widths[n] < U128_MAX]
    get_narrow = attrgetter(*narrow)
    limits = [widths[n] for n in narrow]
    int_only = _INT_ONLY.issuperset
    for index, event in enumerate(batch):
        if type(event) is not cls:
            _explain(kind, index, event, cls, widths)
        values = get_all(event)
        if (
            not int_only(map(type, values))
            or min(values) < 0
            or max(values) > U128_MAX
            or not all(map(le, get_narrow(event), limits))
        ):
            _explain(kind, index, event, cls, widths)


_INT_ONLY = frozenset({int, AccountFlags, TransferFlags})


def _explain(kind: str, index: int, event: object, cls: type, widths: dict[str, int]) -> None:
    if not isinstance(event, cls):
        raise LedgerInputError(
            f"{kind}[{index}] must be a {cls.__name__}", field=f"{kind}[{index}]"
        )
    for name, limit in widths.items():
        value = getattr(event, name)
        where = f"{kind}[{index}].{name}"
        if not isinstance(value, int) or isinstance(value, bool):
            raise LedgerInputError(f"{where} must be an integer", field=where)
        if value < 0 or value > limit:
            raise LedgerInputError(
                f"{where} must be an unsigned {_BITS[limit]}-bit integer (0..{limit}), got {value}",
                field=where,
            )


class Ledger:
    """A double-entry ledger with TigerBeetle's semantics on SQLite or PostgreSQL."""

    def __init__(self, store: LedgerStore, clock: Clock = time.time_ns) -> None:
        self.store = store
        self.clock = clock
        # Accounts as of our own last commit. Valid only while no other writer has committed
        # since: every write bumps `last_timestamp`, so an unchanged stamp proves it.
        self._accounts: dict[int, Account] = {}
        self._stamp = -1

    @property
    def dialect(self) -> str:
        return self.store.dialect

    # -- writes -----------------------------------------------------------------------
    def _now(self, last: int) -> int:
        return max(int(self.clock()), last + 1)

    def create_accounts(self, batch: Sequence[Account]) -> list[tuple[int, CreateAccountResult]]:
        _check_batch("accounts", batch, Account, _ACCOUNT_WIDTHS)
        if not batch:
            return []
        events = list(batch)
        with self.store.write() as tx:
            timestamp = self._now(tx.last_timestamp())
            existing = tx.load_accounts(a.id for a in events)
            plan = execute_accounts(events, timestamp, existing)
            tx.write_accounts(plan)
        return plan.results

    def create_transfers(self, batch: Sequence[Transfer]) -> list[tuple[int, CreateTransferResult]]:
        _check_batch("transfers", batch, Transfer, _TRANSFER_WIDTHS)
        events = list(batch)
        try:
            with self.store.write() as tx:
                last = tx.last_timestamp()
                if last != self._stamp or len(self._accounts) > ACCOUNT_CACHE_MAX:
                    self._accounts.clear()
                timestamp = self._now(last)
                due = tx.due_pending(timestamp)
                if not events and not due:
                    return []
                ids = {t.id for t in events}
                ids.update(t.pending_id for t in events if t.pending_id)
                ids.update(due)
                transfers = tx.load_transfers(ids)
                pending_ids = [t.id for t in transfers.values() if t.flags & 2]
                pending = tx.load_pending(pending_ids)
                account_ids = {t.debit_account_id for t in events}
                account_ids.update(t.credit_account_id for t in events)
                for p in transfers.values():
                    account_ids.add(p.debit_account_id)
                    account_ids.add(p.credit_account_id)
                cache = self._accounts
                cache.update(tx.load_accounts(account_ids.difference(cache)))
                accounts = {i: cache[i] for i in account_ids if i in cache}
                plan = execute_transfers(events, timestamp, accounts, transfers, pending, due)
                tx.write_transfers(plan)
        except BaseException:
            self._accounts.clear()
            self._stamp = -1
            raise
        self._stamp = plan.last_timestamp
        return plan.results

    def expire_pending(self) -> int:
        """Release every pending transfer whose timeout has passed; returns how many.

        Expiry also runs at the start of every `create_transfers` call.
        """
        with self.store.write() as tx:
            timestamp = self._now(tx.last_timestamp())
            due = tx.due_pending(timestamp)
            if not due:
                return 0
            transfers = tx.load_transfers(due)
            pending = tx.load_pending(due)
            ids = {t.debit_account_id for t in transfers.values()}
            ids.update(t.credit_account_id for t in transfers.values())
            accounts = tx.load_accounts(ids)
            plan = execute_transfers([], timestamp, accounts, transfers, pending, due)
            tx.write_transfers(plan)
        return len(due)

    # -- reads ------------------------------------------------------------------------
    def lookup_accounts(self, ids: Sequence[int]) -> list[Account]:
        """Accounts in the order asked; ids not found are left out (as TigerBeetle does)."""
        found = self.store.lookup_accounts(list(ids))
        return [found[i] for i in ids if i in found]

    def lookup_transfers(self, ids: Sequence[int]) -> list[Transfer]:
        found = self.store.lookup_transfers(list(ids))
        return [found[i] for i in ids if i in found]

    def get_account_transfers(
        self,
        account_id: int,
        *,
        timestamp_min: int = 0,
        timestamp_max: int = 0,
        limit: int = BATCH_MAX,
        debits: bool = True,
        credits: bool = True,
        reversed: bool = False,
    ) -> list[Transfer]:
        f = _filter(account_id, timestamp_min, timestamp_max, limit, debits, credits, reversed)
        return self.store.account_transfers(f)

    def get_account_balances(
        self,
        account_id: int,
        *,
        timestamp_min: int = 0,
        timestamp_max: int = 0,
        limit: int = BATCH_MAX,
        debits: bool = True,
        credits: bool = True,
        reversed: bool = False,
    ) -> list[AccountBalance]:
        """Historical balances after each transfer, for accounts with the `history` flag."""
        f = _filter(account_id, timestamp_min, timestamp_max, limit, debits, credits, reversed)
        found = self.store.lookup_accounts([account_id])
        account = found.get(account_id)
        if account is None or not account.flags & AccountFlags.HISTORY:
            return []
        return self.store.account_balances(f)

    def trial_balance(self) -> list[LedgerTotals]:
        """Per-ledger sums of every account; each is balanced when debits equal credits."""
        return self.store.totals()

    def size_bytes(self) -> int:
        return self.store.size_bytes()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _filter(
    account_id: int,
    timestamp_min: int,
    timestamp_max: int,
    limit: int,
    debits: bool,
    credits: bool,
    reversed: bool,
) -> AccountFilter:
    if not isinstance(account_id, int) or not 0 < account_id < U128_MAX:
        raise LedgerInputError("account_id must be a valid 128-bit id", field="account_id")
    if limit <= 0:
        raise LedgerInputError("limit must be positive", field="limit")
    if timestamp_max and timestamp_min > timestamp_max:
        raise LedgerInputError("timestamp_min must not exceed timestamp_max", field="timestamp_min")
    return AccountFilter(account_id, timestamp_min, timestamp_max, limit, debits, credits, reversed)


def open_ledger(url: str = "sqlite:///./puhui.db", clock: Clock = time.time_ns) -> Ledger:
    """Open (creating if needed) the ledger at `url`: `sqlite:///path.db` or `postgresql://...`."""
    parsed = parse_database_url(url)
    if parsed.dialect == "sqlite":
        from puhui.ledger.sqlite_store import SqliteStore

        return Ledger(SqliteStore(parsed.target), clock)
    from puhui.ledger.postgres_store import PostgresStore

    return Ledger(PostgresStore(parsed.target), clock)
