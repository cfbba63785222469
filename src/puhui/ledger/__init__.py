"""Double-entry ledger with TigerBeetle's semantics on SQLite (embedded) or PostgreSQL."""

from puhui.ledger.ledger import BATCH_MAX, Ledger, LedgerInputError, open_ledger
from puhui.ledger.types import (
    Account,
    AccountBalance,
    AccountFilter,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    LedgerTotals,
    PendingStatus,
    Transfer,
    TransferFlags,
)

__all__ = [
    "BATCH_MAX",
    "Account",
    "AccountBalance",
    "AccountFilter",
    "AccountFlags",
    "CreateAccountResult",
    "CreateTransferResult",
    "Ledger",
    "LedgerInputError",
    "LedgerTotals",
    "PendingStatus",
    "Transfer",
    "TransferFlags",
    "open_ledger",
]
