"""The ledger API's contract: accounts, transfers and trial-balance totals as JSON."""

from __future__ import annotations

from pydantic import BaseModel, Field

from puhui.ledger import Account, Transfer


class AccountOut(BaseModel):
    id: str
    ledger: int
    code: int
    flags: int
    debits_pending: str
    debits_posted: str
    credits_pending: str
    credits_posted: str
    user_data_128: str
    user_data_64: str
    user_data_32: int
    timestamp: int

    @classmethod
    def of(cls, a: Account) -> AccountOut:
        return cls(
            id=str(a.id),
            ledger=a.ledger,
            code=a.code,
            flags=int(a.flags),
            debits_pending=str(a.debits_pending),
            debits_posted=str(a.debits_posted),
            credits_pending=str(a.credits_pending),
            credits_posted=str(a.credits_posted),
            user_data_128=str(a.user_data_128),
            user_data_64=str(a.user_data_64),
            user_data_32=a.user_data_32,
            timestamp=a.timestamp,
        )


class TransferOut(BaseModel):
    id: str
    debit_account_id: str
    credit_account_id: str
    amount: str
    pending_id: str
    ledger: int
    code: int
    flags: int
    timestamp: int
    user_data_128: str
    user_data_64: str
    user_data_32: int

    @classmethod
    def of(cls, t: Transfer) -> TransferOut:
        return cls(
            id=str(t.id),
            debit_account_id=str(t.debit_account_id),
            credit_account_id=str(t.credit_account_id),
            amount=str(t.amount),
            pending_id=str(t.pending_id),
            ledger=t.ledger,
            code=t.code,
            flags=int(t.flags),
            timestamp=t.timestamp,
            user_data_128=str(t.user_data_128),
            user_data_64=str(t.user_data_64),
            user_data_32=t.user_data_32,
        )


class LedgerTotalsOut(BaseModel):
    ledger: int
    accounts: int
    debits_posted: str
    credits_posted: str
    debits_pending: str
    credits_pending: str
    balanced: bool


class TrialBalanceOut(BaseModel):
    balanced: bool = Field(description="Every ledger's debits equal its credits")
    ledgers: list[LedgerTotalsOut]
