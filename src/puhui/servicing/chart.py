"""The lending chart of accounts in the general ledger, one set per currency.

Each currency's ledger (`CURRENCY_LEDGERS`) gets the same twelve accounts; an
account's id is derived from (currency ledger, account code), so every process finds the same
accounts without a lookup. Transfer ids are derived from what caused them (a drawdown's client
id, a COB date and step), which makes every posting idempotent: a resubmission answers EXISTS.

Per-loan balances are NOT ledger accounts: they live in the sub-ledger (`lending_loans`,
`lending_installments`), whose per-currency totals equal these control accounts
(see `reconcile.py`).
"""

from __future__ import annotations

import enum
import hashlib

from puhui.errors import ValidationError
from puhui.ledger import Account, AccountFlags, CreateAccountResult, Ledger

#: The ledger number of each currency (TigerBeetle's `ledger` field names the asset). These
#: numbers are stored in every account and transfer: never renumber one, only add new ones.
CURRENCY_LEDGERS: dict[str, int] = {
    "CNY": 1,
    "HKD": 2,
    "MOP": 3,
    "TWD": 4,
    "USD": 5,
    "EUR": 6,
    "GBP": 7,
    "SGD": 8,
    "MYR": 9,
    "THB": 10,
    "PHP": 11,
    "INR": 12,
    "MXN": 13,
    "BRL": 14,
    "KES": 15,
    "NGN": 16,
    "PKR": 17,
    "IDR": 18,
    "VND": 19,
    "JPY": 20,
    "KRW": 21,
    "CLP": 22,
    "UGX": 23,
    "KWD": 24,
    "BHD": 25,
    "JOD": 26,
    "OMR": 27,
    "TND": 28,
}

#: High bits of every lending account id: ASCII "LEND".
_NAMESPACE = 0x4C454E44 << 64


class Code(enum.IntEnum):
    """Account codes (the ledger's `code` field); debit-normal unless `credit_normal`."""

    FUNDING = 1
    SETTLEMENT = 2
    PRINCIPAL_RECEIVABLE = 10
    INTEREST_RECEIVABLE = 11
    FEE_RECEIVABLE = 12
    PENALTY_RECEIVABLE = 13
    INTEREST_INCOME = 20
    FEE_INCOME = 21
    PENALTY_INCOME = 22
    RECOVERY_INCOME = 23
    CUSTOMER_CREDIT = 30
    WRITE_OFF_EXPENSE = 40

    @property
    def credit_normal(self) -> bool:
        return self in _CREDIT_NORMAL


_CREDIT_NORMAL = {
    Code.FUNDING,
    Code.INTEREST_INCOME,
    Code.FEE_INCOME,
    Code.PENALTY_INCOME,
    Code.RECOVERY_INCOME,
    Code.CUSTOMER_CREDIT,
}

NAMES: dict[Code, tuple[str, str]] = {
    Code.FUNDING: ("funding / equity", "资金来源"),
    Code.SETTLEMENT: ("settlement (cash)", "清算账户"),
    Code.PRINCIPAL_RECEIVABLE: ("principal receivable", "应收本金"),
    Code.INTEREST_RECEIVABLE: ("interest receivable", "应收利息"),
    Code.FEE_RECEIVABLE: ("fee receivable", "应收费用"),
    Code.PENALTY_RECEIVABLE: ("penalty receivable", "应收罚息"),
    Code.INTEREST_INCOME: ("interest income", "利息收入"),
    Code.FEE_INCOME: ("fee income", "费用收入"),
    Code.PENALTY_INCOME: ("penalty income", "罚息收入"),
    Code.RECOVERY_INCOME: ("recovery income", "核销收回"),
    Code.CUSTOMER_CREDIT: ("customer credit balance", "客户溢缴款"),
    Code.WRITE_OFF_EXPENSE: ("write-off expense", "核销损失"),
}


class TransferCode(enum.IntEnum):
    """Transfer codes: what kind of event moved the money."""

    FUNDING = 1
    DISBURSEMENT = 2
    UPFRONT_FEE = 3
    REPAYMENT = 4
    ACCRUAL = 5
    BILLING = 6
    PENALTY = 7
    WRITE_OFF = 8
    RECOVERY = 9
    REVERSAL = 10


def ledger_of(currency: str, field: str = "currency") -> int:
    try:
        return CURRENCY_LEDGERS[currency]
    except KeyError:
        raise ValidationError(f"unknown currency {currency!r}", field=field) from None


def account_id(ledger: int, code: Code) -> int:
    return _NAMESPACE | (ledger << 16) | int(code)


def transfer_id(*parts: object) -> int:
    """A deterministic 128-bit transfer id from what caused the transfer."""
    text = "puhui/lending/" + "/".join(str(p) for p in parts)
    value = int.from_bytes(hashlib.sha256(text.encode()).digest()[:16], "big")
    return value if 0 < value < (1 << 128) - 1 else 1


def ensure_chart(ledger: Ledger, currency: str) -> None:
    """Create the currency's accounts if missing (idempotent: EXISTS is fine)."""
    number = ledger_of(currency)
    accounts = [
        Account(id=account_id(number, code), ledger=number, code=int(code), flags=AccountFlags.NONE)
        for code in Code
    ]
    for index, result in ledger.create_accounts(accounts):
        if result is not CreateAccountResult.EXISTS:
            raise RuntimeError(f"cannot create lending account {accounts[index].id}: {result.name}")
